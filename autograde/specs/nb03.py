"""Notebook 03, Recurrent neural network (循环神经网络): the forward pass."""

from __future__ import annotations

import numpy as np

from autograde.spec import Case, FunctionSpec, Mistake, NotebookSpec, size_label
from autograde.specs._inputs import SEQ_EDGE, SEQ_SIZES, normal, rnn_parameters

STEM = "03_recurrent_neural_network"

FORWARD_POINTS = {"shapes": 1, "values": 3, "edge": 1, "unchanged": 1}


# ---------------------------------------------------------------------------------------------------- softmax

def softmax_case(rng, size, fns):
    z = normal(rng, size["n"], size["m"], scale=3.0) + size.get("shift", 0.0)
    return Case(size_label(size), {"z": z})


def _column_normalised(axis):
    def outputs(case, fns):
        e = np.exp(case.args["z"] - case.args["z"].max(axis=axis, keepdims=True))
        return {"": e / e.sum(axis=axis, keepdims=True)}

    return outputs


softmax = FunctionSpec(
    name="softmax",
    make_case=softmax_case,
    points=FORWARD_POINTS,
    sizes=(dict(n=4, m=3), dict(n=6, m=5, shift=800.0), dict(n=5, m=2, shift=-800.0)),
    edge_sizes=(dict(n=1, m=1), dict(n=3, m=1), dict(n=1, m=4)),
    mistakes=(
        Mistake("softmax is normalised along the wrong axis: each column (axis 0) should sum to 1.",
                outputs=_column_normalised(axis=1)),
        Mistake("softmax is normalised over the whole array: normalise each column (axis 0) on its own.",
                outputs=_column_normalised(axis=None)),
        Mistake("exp overflows for large inputs: subtract each column's maximum before taking exp.",
                when=lambda out, ref, case: np.abs(case.args["z"]).max() > 700
                and isinstance(out, np.ndarray) and not np.all(np.isfinite(out))),
    ),
)


# ------------------------------------------------------------------------------------------- rnn_cell_forward

def cell_case(rng, size, fns):
    n_x, n_a, m = size["n_x"], size["n_a"], size["m"]
    args = {
        "xt": normal(rng, n_x, m),
        "a_prev": normal(rng, n_a, m, scale=0.8),
        "parameters": rnn_parameters(rng, **size),
    }
    return Case(size_label(size), args)


def _cell_with(transform):
    """The reference cell's a_next passed through ``transform``."""

    def outputs(case, fns):
        return {"a_next": transform(fns("rnn_cell_forward")(**case.args)[0])}

    return outputs


def _cell_without_bias(case, fns):
    p = dict(case.args["parameters"], ba=np.zeros_like(case.args["parameters"]["ba"]))
    return {"a_next": fns("rnn_cell_forward")(case.args["xt"], case.args["a_prev"], p)[0]}


rnn_cell_forward = FunctionSpec(
    name="rnn_cell_forward",
    make_case=cell_case,
    points=FORWARD_POINTS,
    outputs=("a_next", "yt_pred", "cache"),
    depends=("softmax",),
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    mistakes=(
        Mistake("a_next is linear in its inputs: is tanh applied?", outputs=_cell_with(np.arctanh)),
        Mistake("a_next is what you get without the bias: add ba inside the tanh, "
                "tanh(Waa a_prev + Wax xt + ba).", outputs=_cell_without_bias),
        Mistake("a_next looks like a sigmoid of the pre-activation: the basic RNN uses tanh.",
                outputs=_cell_with(lambda a: 1 / (1 + np.exp(-np.arctanh(a))))),
        Mistake("yt_pred does not sum to 1 over each column: is softmax applied to Wya a_next + by?",
                when=lambda out, ref, case: isinstance(out, tuple) and len(out) > 1
                and isinstance(out[1], np.ndarray) and out[1].ndim == 2
                and not np.allclose(out[1].sum(axis=0), 1.0)),
    ),
)


# ------------------------------------------------------------------------------------------------ rnn_forward

def sequence_case(rng, size, fns):
    n_x, n_a, m, T_x = size["n_x"], size["n_a"], size["m"], size["T_x"]
    args = {
        "x": normal(rng, n_x, m, T_x),
        "a0": normal(rng, n_a, m, scale=0.8),
        "parameters": rnn_parameters(rng, **size),
    }
    return Case(size_label(size), args)


def _a0_every_step(case, fns):
    cell = fns("rnn_cell_forward")
    x, a0, p = case.args["x"], case.args["a0"], case.args["parameters"]
    return {"a": np.stack([cell(x[:, :, t], a0, p)[0] for t in range(x.shape[2])], axis=2)}


rnn_forward = FunctionSpec(
    name="rnn_forward",
    make_case=sequence_case,
    points=FORWARD_POINTS,
    outputs=("a", "y_pred", "caches"),
    depends=("rnn_cell_forward",),
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    mistakes=(
        Mistake("every a⟨t⟩ is computed from a0: pass each step's a_next on as the next step's a_prev.",
                outputs=_a0_every_step),
        Mistake("only the first time step is right: is a_prev updated inside the loop over t?",
                when=lambda out, ref, case: isinstance(out, tuple) and isinstance(out[0], np.ndarray)
                and out[0].shape == ref[0].shape and ref[0].shape[2] > 1
                and np.allclose(out[0][:, :, 0], ref[0][:, :, 0]) and not np.allclose(out[0], ref[0])),
    ),
)


# ------------------------------------------------------------------------------------------ compact notation

def compact_case(rng, size, fns):
    return Case(size_label(size), {"parameters": rnn_parameters(rng, **size)})


def _swapped_blocks(case, fns):
    p = case.args["parameters"]
    return {"Wa": np.hstack([p["Wax"], p["Waa"]])}


compact_parameters = FunctionSpec(
    name="compact_parameters",
    make_case=compact_case,
    points={"shapes": 1, "values": 1, "edge": 1, "unchanged": 1},
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    mistakes=(
        Mistake("Wa holds the two blocks in the wrong order: its first columns multiply a⟨t-1⟩, the first "
                "rows of [a⟨t-1⟩, x⟨t⟩].", outputs=_swapped_blocks),
    ),
)


def split_case(rng, size, fns):
    return Case(size_label(size), {"compact": fns("compact_parameters")(rnn_parameters(rng, **size))})


def _split_at_n_x(case, fns):
    Wa = case.args["compact"]["Wa"]
    n_x = Wa.shape[1] - Wa.shape[0]
    return {"Waa": Wa[:, :n_x], "Wax": Wa[:, n_x:]}


def _split_swapped(case, fns):
    Wa = case.args["compact"]["Wa"]
    n_a = Wa.shape[0]
    return {"Waa": Wa[:, Wa.shape[1] - n_a:], "Wax": Wa[:, :Wa.shape[1] - n_a]}


split_parameters = FunctionSpec(
    name="split_parameters",
    make_case=split_case,
    points={"shapes": 1, "values": 1, "edge": 1, "unchanged": 1},
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    mistakes=(
        Mistake("Waa must be (n_a, n_a): where does it end in Wa, and which dimension of Wa tells you n_a?",
                outputs=_split_at_n_x),
        Mistake("Waa and Wax are swapped: Waa's columns come first in Wa = [Waa | Wax].", outputs=_split_swapped),
    ),
)


def compact_cell_case(rng, size, fns):
    case = cell_case(rng, size, fns)
    args = dict(case.args)
    args["parameters"] = fns("compact_parameters")(args["parameters"])
    return Case(case.label, args)


rnn_cell_forward_compact = FunctionSpec(
    name="rnn_cell_forward_compact",
    make_case=compact_cell_case,
    points={"shapes": 1, "values": 2, "edge": 1, "unchanged": 1},
    outputs=("a_next", "yt_pred"),
    depends=("softmax",),
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
)


NOTEBOOK = NotebookSpec(
    stem=STEM,
    functions=(softmax, rnn_cell_forward, rnn_forward, compact_parameters, split_parameters,
               rnn_cell_forward_compact),
)
