"""Notebook 01, Why sequence models (为什么使用序列模型): parameter counts, padding with a mask, and back.

Inputs are ragged batches: lists of arrays of shape (n_x, T_x⁽ⁱ⁾), which cross to the student's process as
plain lists. Expected outputs come from the reference; the mistakes below are written as the wrong answers.
"""

from __future__ import annotations

import numpy as np

from autograde.spec import Case, FunctionSpec, Mistake, NotebookSpec, size_label
from autograde.specs._inputs import normal

STEM = "01_why_sequence_models"
POINTS = {"shapes": 1, "values": 2, "edge": 1, "unchanged": 1}


# ---------------------------------------------------------------------------------------- parameter_counts

def counts_case(rng, size, fns):
    """Sizes as given (edge sizes), or drawn at random within their scale (typical sizes: "n_x": (lo, hi))."""
    args = {k: (int(rng.integers(v[0], v[1] + 1)) if isinstance(v, tuple) else v) for k, v in size.items()}
    return Case(size_label(args), args)


def _counts_with(biases=True, rnn_per_step=False, hidden_per_step=True):
    def outputs(case, fns):
        n_x, n_a, n_y, T = (case.args[k] for k in ("n_x", "n_a", "n_y", "T_x"))
        h = n_a * T if hidden_per_step else n_a
        standard = n_x * T * h + h * n_y * T + (h + n_y * T if biases else 0)
        rnn = n_a * n_a + n_a * n_x + n_y * n_a + (n_a + n_y if biases else 0)
        return {"standard": standard, "rnn": rnn * T if rnn_per_step else rnn}

    return outputs


parameter_counts = FunctionSpec(
    name="parameter_counts",
    make_case=counts_case,
    points=POINTS,
    sizes=(dict(n_x=(5, 50), n_a=(2, 10), n_y=(2, 5), T_x=(2, 10)), dict(n_x=(5000, 20000), n_a=(50, 200), n_y=(2, 9),
           T_x=(10, 60)), dict(n_x=(2, 9), n_a=(2, 6), n_y=(2, 6), T_x=(5, 15))),
    # sizes of 1, the others drawn, so that a hidden case can differ from the visible ones (which students see)
    edge_sizes=(dict(n_x=1, n_a=(1, 4), n_y=1, T_x=1), dict(n_x=(2, 9), n_a=(1, 6), n_y=(2, 6), T_x=1),
                dict(n_x=1, n_a=(2, 8), n_y=1, T_x=(2, 9))),
    mistakes=(
        Mistake("the biases are missing: count b_a and b_y (and each layer's bias of the standard network) too.",
                outputs=_counts_with(biases=False)),
        Mistake("the RNN is counted once per time step, but its T_x copies share one set of parameters: its count "
                "does not depend on T_x.", outputs=_counts_with(rnn_per_step=True)),
        Mistake("the standard network's hidden layer has n_a units for each of the T_x positions (n_a * T_x in all), "
                "fully connected to all n_x * T_x inputs and all n_y * T_x outputs.",
                outputs=_counts_with(hidden_per_step=False)),
    ),
)


# ---------------------------------------------------------------------------------------------- pad_batch

def ragged_case(rng, size, fns):
    n_x, m = size["n_x"], size["m"]
    if "lengths" in size:
        lengths = np.array(size["lengths"])
    else:
        lengths = rng.integers(1, size["longest"] + 1, size=m)
        lengths[rng.integers(m)] = size["longest"]
    sequences = [normal(rng, n_x, int(T)) for T in lengths]
    return Case(size_label(size), {"sequences": sequences, "T_x": size.get("T_x")})


def _mask(lengths, T):
    return (np.arange(T)[None, :] < np.asarray(lengths)[:, None]).astype(np.float64)


def _padded(side="end", keep="first"):
    def outputs(case, fns):
        seqs, T = case.args["sequences"], case.args["T_x"]
        T = T if T is not None else max(s.shape[1] for s in seqs)
        x = np.zeros((seqs[0].shape[0], len(seqs), T))
        for i, s in enumerate(seqs):
            part = s[:, :T] if keep == "first" else s[:, -T:]
            L = part.shape[1]
            if side == "end":
                x[:, i, :L] = part
            else:
                x[:, i, T - L:] = part
        return {"x": x}

    return outputs


pad_batch = FunctionSpec(
    name="pad_batch",
    make_case=ragged_case,
    points={"shapes": 1, "values": 3, "edge": 1, "unchanged": 1},
    outputs=("x", "mask"),
    sizes=(dict(n_x=3, m=4, longest=6), dict(n_x=2, m=5, longest=7, T_x=9), dict(n_x=4, m=6, longest=8, T_x=5)),
    edge_sizes=(dict(n_x=2, m=1, longest=3), dict(n_x=1, m=3, longest=1), dict(n_x=1, m=2, longest=4, T_x=2),
                dict(n_x=1, m=2, lengths=(3, 1))),
    mistakes=(
        Mistake("the mask is transposed: it has one row per example and one column per time step, shape (m, T_x).",
                when=lambda out, ref, case: isinstance(out, tuple) and len(out) == 2
                and isinstance(out[1], np.ndarray) and out[1].shape == ref[1].shape[::-1]
                and out[1].shape != ref[1].shape),
        Mistake("the mask must be float64 (1.0 at real steps, 0.0 at padding), so that it can weight a loss.",
                when=lambda out, ref, case: isinstance(out, tuple) and len(out) == 2
                and isinstance(out[1], np.ndarray) and out[1].shape == ref[1].shape and out[1].dtype != np.float64),
        Mistake("the padding is at the front: the course pads at the end, so that x<1> is each sequence's first "
                "element and the mask is 1 … 1 0 … 0.", outputs=_padded(side="front")),
        Mistake("a sequence longer than T_x keeps its last steps: keep the first T_x.", outputs=_padded(keep="last")),
        Mistake("x has its axes in the wrong order: the layout is (n_x, m, T_x), x[:, i, t] one example's step t.",
                when=lambda out, ref, case: isinstance(out, tuple) and len(out) == 2
                and isinstance(out[0], np.ndarray) and out[0].ndim == 3 and out[0].shape != ref[0].shape
                and sorted(out[0].shape) == sorted(ref[0].shape)),
    ),
)


# -------------------------------------------------------------------------------------------- unpad_batch

def padded_case(rng, size, fns):
    n_x, m, T = size["n_x"], size["m"], size["T_x"]
    if "lengths" in size:
        lengths = np.array(size["lengths"])
    else:  # the longest fills the batch, and (when there are two) another is shorter: there is padding
        lengths = rng.integers(1, T + 1, size=m)
        order = rng.permutation(m)
        lengths[order[0]] = T
        if m > 1 and T > 1:
            lengths[order[1]] = rng.integers(1, T)
    mask = _mask(lengths, T)
    x = normal(rng, n_x, m, T) * mask[None]
    return Case(size_label(size), {"x": x, "mask": mask})


def _unpadded_full(case, fns):
    x = case.args["x"]
    return {"": [x[:, i, :].copy() for i in range(x.shape[1])]}


unpad_batch = FunctionSpec(
    name="unpad_batch",
    make_case=padded_case,
    points=POINTS,
    sizes=(dict(n_x=3, m=4, T_x=6), dict(n_x=2, m=6, T_x=5), dict(n_x=5, m=3, T_x=8)),
    edge_sizes=(dict(n_x=1, m=1, T_x=1), dict(n_x=2, m=3, T_x=1), dict(n_x=1, m=2, T_x=4, lengths=(4, 2))),
    mistakes=(
        Mistake("the padding is still there: sequence i has mask[i].sum() steps, x[:, i, :T_i].",
                outputs=_unpadded_full),
    ),
)


NOTEBOOK = NotebookSpec(stem=STEM, functions=(parameter_counts, pad_batch, unpad_batch))
