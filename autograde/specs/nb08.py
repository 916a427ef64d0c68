"""Notebook 08, Vanishing gradients with RNNs (循环神经网络的梯度消失): gradient clipping."""

from __future__ import annotations

import numpy as np

from autograde.spec import Case, FunctionSpec, Mistake, NotebookSpec, size_label
from autograde.specs._inputs import normal

STEM = "08_vanishing_gradients"
CLIP_POINTS = {"shapes": 1, "values": 2, "edge": 1, "unchanged": 1}

# gradients dicts of a basic RNN's shapes; `_scale` (not shown) sets how far above the threshold they are
CLIP_SIZES = (
    dict(n_x=3, n_a=5, n_y=2, _scale=3.0),
    dict(n_x=4, n_a=3, n_y=3, _scale=0.2),  # below the threshold: nothing to clip (global norm)
    dict(n_x=2, n_a=6, n_y=4, _scale=10.0),
)
CLIP_EDGE = (
    dict(n_x=1, n_a=1, n_y=1, _scale=5.0),
    dict(n_x=1, n_a=1, n_y=1, _scale=0.1),
)


def _gradients(rng, size):
    n_x, n_a, n_y, s = size["n_x"], size["n_a"], size["n_y"], size["_scale"]
    shapes = {"dWaa": (n_a, n_a), "dWax": (n_a, n_x), "dWya": (n_y, n_a), "dba": (n_a, 1), "dby": (n_y, 1)}
    return {k: normal(rng, *shape, scale=s) for k, shape in shapes.items()}


def value_case(rng, size, fns):
    """Above the threshold (``_scale`` > 1), one entry is below -max_value and another above max_value whatever
    the draw, so that clipping one side only, or the wrong one, is caught by every such case of any secret."""
    grads, max_value = _gradients(rng, size), float(rng.uniform(0.5, 2.0))
    if size["_scale"] > 1:
        places = [(k, idx) for k in sorted(grads) for idx in np.ndindex(grads[k].shape)]
        low, high = rng.choice(len(places), size=2, replace=False)
        for place, sign in ((places[low], -1.0), (places[high], 1.0)):
            grads[place[0]][place[1]] = sign * max_value * rng.uniform(1.2, 3.0)
    return Case(size_label(size), {"gradients": grads, "max_value": max_value})


def _one_sided(case, fns):
    return {k: np.minimum(g, case.args["max_value"]) for k, g in case.args["gradients"].items()}


clip_by_value = FunctionSpec(
    name="clip_by_value",
    make_case=value_case,
    points=CLIP_POINTS,
    sizes=CLIP_SIZES,
    edge_sizes=CLIP_EDGE,
    unchanged_hint="return new arrays (np.clip(g, lo, hi) makes one) instead of clipping the given ones in place",
    mistakes=(
        Mistake("only the large positive entries are clipped: every entry must lie in [-max_value, max_value].",
                outputs=_one_sided),
    ),
)


def norm_case(rng, size, fns):
    grads = _gradients(rng, size)
    total = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    # max_norm near the typical size of such gradients: clipped for large _scale, not for small
    max_norm = float(np.sqrt(sum(g.size for g in grads.values())) * rng.uniform(0.8, 1.2))
    if size["_scale"] < 1:
        max_norm = max(max_norm, 1.5 * total)
    return Case(size_label(size), {"gradients": grads, "max_norm": max_norm})


def _per_array(case, fns):
    c = case.args["max_norm"]
    return {"clipped": {k: g * min(1.0, c / np.linalg.norm(g)) for k, g in case.args["gradients"].items()}}


def _norm_of(out):
    return out[1] if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], (int, float)) else None


clip_by_global_norm = FunctionSpec(
    name="clip_by_global_norm",
    make_case=norm_case,
    points=CLIP_POINTS,
    outputs=("clipped", "norm"),
    sizes=CLIP_SIZES,
    edge_sizes=CLIP_EDGE,
    unchanged_hint="return new arrays (g * scale makes one) instead of scaling the given ones in place (g *= scale)",
    mistakes=(
        Mistake("each array was clipped by its own norm: compute ONE norm over all entries of all arrays "
                "together, and scale every array by the same factor max_norm / norm.", outputs=_per_array),
        Mistake("the norm is the sum of squares: take its square root.",
                when=lambda out, ref, case: _norm_of(out) is not None and np.isclose(_norm_of(out), ref[1] ** 2)
                and not np.isclose(ref[1], 1.0)),
        Mistake("the norm must be the one before clipping, not after.",
                when=lambda out, ref, case: _norm_of(out) is not None and ref[1] > case.args["max_norm"]
                and np.isclose(_norm_of(out), case.args["max_norm"])),
    ),
)


NOTEBOOK = NotebookSpec(
    stem=STEM,
    functions=(clip_by_value, clip_by_global_norm),
    imports={"rnn_forward": "03_recurrent_neural_network", "rnn_cell_backward": "04_backpropagation_through_time",
             "rnn_backward": "04_backpropagation_through_time"},
)
