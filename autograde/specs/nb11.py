"""Notebook 11, Bidirectional RNN (双向RNN): the output of both directions, the forward pass, the backward pass."""

from __future__ import annotations

import numpy as np

from autograde import wire
from autograde.spec import Case, FunctionSpec, Gradient, GradientHint, Mistake, NotebookSpec, size_label
from autograde.specs._inputs import LOSS_EDGE, SEQ_EDGE, SEQ_SIZES, normal
from autograde.specs.nb04 import BACKWARD_POINTS, _close, _gradients

STEM = "11_bidirectional_rnn"
FORWARD_STEM = "03_recurrent_neural_network"
BACKWARD_STEM = "04_backpropagation_through_time"

# the gradient check costs two forward passes per entry of every input: smaller typical sizes than 03/04's
BACKWARD_SIZES = (dict(n_x=3, n_a=3, n_y=2, m=2, T_x=4), dict(n_x=2, n_a=2, n_y=3, m=3, T_x=3))


def brnn_parameters(rng, n_a: int, n_x: int, n_y: int, **_: int) -> dict:
    """Both directions' weights and the shared output layer, scaled so that tanh is neither saturated nor linear."""
    p = {}
    for d in ("f", "b"):
        p[f"Waa_{d}"] = normal(rng, n_a, n_a, scale=0.5)
        p[f"Wax_{d}"] = normal(rng, n_a, n_x, scale=0.5)
        p[f"ba_{d}"] = normal(rng, n_a, 1, scale=0.3)
    p["Wy"] = normal(rng, n_y, 2 * n_a, scale=0.5)
    p["by"] = normal(rng, n_y, 1, scale=0.3)
    return p


def _direction(parameters: dict, d: str, half: np.ndarray) -> dict:
    """One direction's weights in the layout of notebook 03's rnn_forward (its Wya: the direction's half of Wy)."""
    return {"Waa": parameters[f"Waa_{d}"], "Wax": parameters[f"Wax_{d}"], "ba": parameters[f"ba_{d}"],
            "Wya": half, "by": parameters["by"]}


# -------------------------------------------------------------------------------------------- brnn_output

def output_case(rng, size, fns):
    n_a, m, T_x = size["n_a"], size["m"], size["T_x"]
    args = {"a_f": np.tanh(normal(rng, n_a, m, T_x)), "a_b": np.tanh(normal(rng, n_a, m, T_x)),
            "parameters": brnn_parameters(rng, **size)}
    return Case(size_label(size), args)


def _swapped_output(case, fns):
    a_f, a_b, p = case.args["a_f"], case.args["a_b"], dict(case.args["parameters"])
    n_a = a_f.shape[0]
    p["Wy"] = np.hstack([p["Wy"][:, n_a:], p["Wy"][:, :n_a]])
    return {"": fns("brnn_output")(a_f, a_b, p)}


SWAPPED_HINT = ("the two halves of Wy are swapped: Wy acts on [a_f⟨t⟩; a_b⟨t⟩], so its first n_a columns "
                "multiply the forward state and its last n_a columns the backward state.")

brnn_output = FunctionSpec(
    name="brnn_output",
    make_case=output_case,
    points={"shapes": 1, "values": 2, "edge": 1, "unchanged": 1},
    depends=("softmax",),
    sizes=SEQ_SIZES,
    edge_sizes=LOSS_EDGE,
    mistakes=(
        Mistake(SWAPPED_HINT, outputs=_swapped_output),
        Mistake("the columns of y_pred do not sum to 1: apply softmax to Wy [a_f⟨t⟩; a_b⟨t⟩] + by at every "
                "time step, over the n_y classes (axis 0).",
                when=lambda out, ref, case: isinstance(out, np.ndarray) and out.shape == ref.shape
                and not np.allclose(out.sum(axis=0), 1.0)),
    ),
)


# ------------------------------------------------------------------------------------------- brnn_forward

def forward_case(rng, size, fns):
    n_x, n_a, m, T_x = size["n_x"], size["n_a"], size["m"], size["T_x"]
    args = {"x": normal(rng, n_x, m, T_x), "a0_f": normal(rng, n_a, m, scale=0.8),
            "a0_b": normal(rng, n_a, m, scale=0.8), "parameters": brnn_parameters(rng, **size)}
    return Case(size_label(size), args)


def _backward_states(reverse_input: bool, reverse_output: bool, own_weights: bool = True, start: str = "a0_b"):
    """The backward direction's states as a mistake would compute them, from the reference rnn_forward."""

    def outputs(case, fns):
        x, p = case.args["x"], case.args["parameters"]
        n_a = p["Waa_b"].shape[0]
        weights = _direction(p, "b" if own_weights else "f", p["Wy"][:, n_a:])
        a, _, _ = fns("rnn_forward")(x[:, :, ::-1] if reverse_input else x, case.args[start], weights)
        return {"a_b": a[:, :, ::-1] if reverse_output else a}

    return outputs


brnn_forward = FunctionSpec(
    name="brnn_forward",
    make_case=forward_case,
    points={"shapes": 1, "values": 3, "edge": 1, "unchanged": 1},
    outputs=("a_f", "a_b", "y_pred", "caches"),
    depends=("rnn_forward", "brnn_output"),
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    mistakes=(
        Mistake("a_b is a second forward direction: the backward direction reads the sequence right to left, "
                "so run it on the reversed sequence x[:, :, ::-1].",
                outputs=_backward_states(reverse_input=False, reverse_output=False)),
        Mistake("a_b is in reading order, not in position order: the backward direction read x⟨T_x⟩ first, so "
                "reverse its states back (a_b[:, :, t] must be the state at position t).",
                outputs=_backward_states(reverse_input=True, reverse_output=False)),
        Mistake("the backward direction uses the forward direction's weights: it has its own Waa_b, Wax_b "
                "and ba_b.", outputs=_backward_states(True, True, own_weights=False)),
        Mistake("the backward direction starts from a0_f: it starts from its own initial state a0_b.",
                outputs=_backward_states(True, True, start="a0_f")),
    ),
)


# ------------------------------------------------------------------------------------------ brnn_backward

def upstream(rng, n_y: int, m: int, T_x: int) -> np.ndarray:
    """A gradient at the output pre-activation z whose columns sum to 0, as ŷ - y does.

    Then sum(dz * log ŷ) = sum(dz * z) (log-softmax only subtracts a constant per column), so it is the
    scalar whose gradient with respect to z is dz, computable from the forward pass's y_pred."""
    dz = normal(rng, n_y, m, T_x)
    return dz - dz.mean(axis=0, keepdims=True)


def backward_case(rng, size, fns):
    case = forward_case(rng, size, fns)
    dz = upstream(rng, size["n_y"], size["m"], size["T_x"])
    *_, caches = fns("brnn_forward")(**case.args)
    return Case(case.label, {"dz": dz, "caches": caches}, context={**case.args, "dz": dz})


def backward_numeric(forward, context):
    c = wire.copy(context)
    p = c["parameters"]

    def loss():
        return np.sum(c["dz"] * np.log(forward(c["x"], c["a0_f"], c["a0_b"], p)[2]))

    variables = {"dx": c["x"], "da0_f": c["a0_f"], "da0_b": c["a0_b"]}
    variables.update({f"d{k}": p[k] for k in p})
    return _gradients(loss, variables)


def _all_close(out, ref, keys):
    return all(_close(out, ref, k) for k in keys)


FORWARD_KEYS = ("dWaa_f", "dWax_f", "dba_f", "da0_f")
BACKWARD_KEYS = ("dWaa_b", "dWax_b", "dba_b", "da0_b")


def _swapped_dwy(out, ref, case):
    n_a = case.args["caches"][4]["Waa_f"].shape[0]
    return (isinstance(out, dict) and isinstance(out.get("dWy"), np.ndarray) and out["dWy"].shape == ref["dWy"].shape
            and n_a > 0 and np.allclose(out["dWy"], np.hstack([ref["dWy"][:, n_a:], ref["dWy"][:, :n_a]]))
            and not np.allclose(out["dWy"], ref["dWy"]))


brnn_backward = FunctionSpec(
    name="brnn_backward",
    make_case=backward_case,
    points=BACKWARD_POINTS,
    depends=("rnn_backward",),
    sizes=BACKWARD_SIZES,
    edge_sizes=LOSS_EDGE,
    gradient=Gradient(
        forward="brnn_forward", numeric=backward_numeric,
        shared="the gradient dz at the output and how Wyᵀ dz⟨t⟩ is split between the two directions",
        through_time=("da0_f", "da0_b"),
        hints=(GradientHint(("dx", "da0_b", "dWaa_b", "dWax_b", "dba_b"),
                            "only the backward direction's gradients are wrong: its caches are in reading order, "
                            "so reverse da_b before rnn_backward (and its dx after)."),
               GradientHint(("dx",), "only dx is wrong: both directions' dx must be added in position order "
                                     "(reverse the backward direction's dx back)."))),
    mistakes=(
        Mistake("dWy has its halves swapped: its first n_a columns are Σ_t dz⟨t⟩ a_f⟨t⟩ᵀ, its last n_a "
                "columns Σ_t dz⟨t⟩ a_b⟨t⟩ᵀ.", when=_swapped_dwy),
        Mistake("the forward direction is right but the backward direction's weight gradients are not: its "
                "caches are in reading order (right to left), so reverse da_b in time before rnn_backward.",
                when=lambda out, ref, case: _all_close(out, ref, FORWARD_KEYS + ("dWy", "dby"))
                and not _all_close(out, ref, ("dWaa_b", "dWax_b", "dba_b"))),
        Mistake("dWy and dby are right but neither direction is: the first n_a rows of Wyᵀ dz⟨t⟩ are the "
                "gradient arriving at a_f⟨t⟩, the last n_a rows the one arriving at a_b⟨t⟩.",
                when=lambda out, ref, case: _all_close(out, ref, ("dWy", "dby"))
                and not _close(out, ref, "dWaa_f") and not _close(out, ref, "dWaa_b")),
        Mistake("every weight gradient is right but dx is not: the backward direction's dx comes back in "
                "reading order; reverse it into position order before adding it to the forward direction's dx.",
                when=lambda out, ref, case: _all_close(out, ref, FORWARD_KEYS + BACKWARD_KEYS + ("dWy", "dby"))
                and not _close(out, ref, "dx")),
    ),
)


NOTEBOOK = NotebookSpec(
    stem=STEM,
    functions=(brnn_output, brnn_forward, brnn_backward),
    imports={"softmax": FORWARD_STEM, "rnn_cell_forward": FORWARD_STEM, "rnn_forward": FORWARD_STEM,
             "rnn_cell_backward": BACKWARD_STEM, "rnn_backward": BACKWARD_STEM},
)
