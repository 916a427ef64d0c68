"""Notebook 04, Backpropagation through time (通过时间的反向传播)."""

from __future__ import annotations

import numpy as np

from autograde import testfunctions, wire
from autograde.numeric import gradients as _gradients
from autograde.spec import Case, FunctionSpec, Gradient, Mistake, NotebookSpec, size_label
from autograde.specs._inputs import LOSS_EDGE, SEQ_EDGE, SEQ_SIZES, normal, one_hot_targets, rnn_parameters
from autograde.specs import _inputs

STEM = "04_backpropagation_through_time"
FORWARD_STEM = "03_recurrent_neural_network"

BACKWARD_POINTS = {"shapes": 1, "values": 2, "edge": 1, "gradients": 2, "unchanged": 1}


# -------------------------------------------------------------------------------------- rnn_cell_backward

cell_backward_case = _inputs.cell_backward_case("rnn_cell_forward", rnn_parameters, "a")
cell_backward_numeric = _inputs.cell_backward_numeric(("Wax", "Waa", "ba"), "a")


def _without_tanh_derivative(case, fns):
    a_next = case.args["cache"][0]
    return fns("rnn_cell_backward")(case.args["da_next"] / (1 - a_next**2), case.args["cache"])


def _derivative_at_a_prev(case, fns):
    a_next, a_prev = case.args["cache"][0], case.args["cache"][1]
    da_next = case.args["da_next"] * (1 - a_prev**2) / (1 - a_next**2)
    return fns("rnn_cell_backward")(da_next, case.args["cache"])


def _da_prev_not_transposed(case, fns):
    a_next, a_prev, xt, p = case.args["cache"]
    transposed = (a_next, a_prev, xt, dict(p, Waa=p["Waa"].T))
    return {"da_prev": fns("rnn_cell_backward")(case.args["da_next"], transposed)["da_prev"]}


rnn_cell_backward = FunctionSpec(
    name="rnn_cell_backward",
    make_case=cell_backward_case,
    points=BACKWARD_POINTS,
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    gradient=Gradient(forward="rnn_cell_forward", numeric=cell_backward_numeric),
    mistakes=(
        Mistake("the gradients miss tanh's derivative: multiply da_next by (1 - a_next**2) first.",
                outputs=_without_tanh_derivative),
        Mistake("tanh's derivative is taken at the wrong step: this cell's output is a_next = tanh(z), so "
                "dz = da_next * (1 - a_next**2), not (1 - a_prev**2).", outputs=_derivative_at_a_prev),
        Mistake("da_prev goes back through Waa transposed: da_prev = Waa^T dz (shape (n_a, m) either way, "
                "so only the values show it).", outputs=_da_prev_not_transposed),
        Mistake("dba must keep its column shape (n_a, 1): sum over the examples with keepdims=True.",
                when=lambda out, ref, case: isinstance(out, dict) and isinstance(out.get("dba"), np.ndarray)
                and out["dba"].size == ref["dba"].size and out["dba"].shape != ref["dba"].shape),
    ),
)


# ------------------------------------------------------------------------------------------- rnn_backward

backward_case = _inputs.sequence_backward_case("rnn_forward", rnn_parameters, "a")
backward_numeric = _inputs.sequence_backward_numeric(("Wax", "Waa", "ba"), "a")


def _close(out, ref, key, index=...):
    return (isinstance(out, dict) and isinstance(out.get(key), np.ndarray) and out[key].shape == ref[key].shape
            and np.allclose(out[key][index], ref[key][index]))


def _left_to_right(case, fns):
    """What a loop over t = 0 .. T_x-1 (instead of from T_x-1 down to 0) gives."""
    cell = fns("rnn_cell_backward")
    da, (cache_list, x) = case.args["da"], case.args["caches"]
    dx = np.zeros_like(x)
    carried = np.zeros_like(da[:, :, 0])
    for t in range(da.shape[2]):
        grads = cell(da[:, :, t] + carried, cache_list[t])
        dx[:, :, t], carried = grads["dxt"], grads["da_prev"]
    return {"dx": dx}


rnn_backward = FunctionSpec(
    name="rnn_backward",
    make_case=backward_case,
    points=BACKWARD_POINTS,
    depends=("rnn_cell_backward",),
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    gradient=Gradient(forward="rnn_forward", numeric=backward_numeric),
    mistakes=(
        Mistake("dx and da0 are right but the weight gradients are not: add every time step's dWax, dWaa "
                "and dba to the totals (+=) instead of overwriting them.",
                when=lambda out, ref, case: _close(out, ref, "dx") and _close(out, ref, "da0")
                and not all(_close(out, ref, k) for k in ("dWax", "dWaa", "dba"))),
        Mistake("only the last time step's dx is right: at each step the gradient arriving from above, "
                "da[:, :, t], must be added to da_prev coming back from step t+1.",
                when=lambda out, ref, case: case.args["da"].shape[2] > 1
                and _close(out, ref, "dx", (..., -1)) and not _close(out, ref, "dx")),
        Mistake("the time steps are walked left to right: backpropagation through time goes right to left, "
                "from the last step T_x - 1 down to 0, because step t needs what comes back from step t + 1.",
                outputs=_left_to_right),
    ),
)


# --------------------------------------------------------------------------------- rnn_loss_and_gradients

# a model that is sure the last class never occurs: its softmax probability rounds to exactly 0, so that
# y * log(y_pred) gives 0 * (-inf) = NaN although the loss is finite
IMPOSSIBLE_CLASS = dict(n_x=3, n_a=4, n_y=3, m=3, T_x=4, impossible_class=True)


def loss_case(rng, size, fns):
    n_x, n_a, n_y, m, T_x = size["n_x"], size["n_a"], size["n_y"], size["m"], size["T_x"]
    parameters = rnn_parameters(rng, **size)
    if size.get("impossible_class"):
        parameters["by"][-1] -= 800.0
        y = one_hot_targets(rng, n_y - 1, m, T_x)
        y = np.concatenate([y, np.zeros((1, m, T_x))])  # never the last class
    else:
        y = one_hot_targets(rng, n_y, m, T_x)
    args = {"x": normal(rng, n_x, m, T_x), "y": y, "a0": normal(rng, n_a, m, scale=0.8), "parameters": parameters}
    return Case(size_label(size), args, context=args)


def cross_entropy(z: np.ndarray, y: np.ndarray) -> float:
    """The loss from the output logits z (n_y, m, T_x) and one-hot y: the sum over t of -sum(y log softmax(z)),
    averaged over the m examples, with log-softmax computed stably (no log of a probability rounded to 0)."""
    shifted = z - z.max(axis=0, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    return float(-np.sum(y * log_probs) / y.shape[1])


def loss_numeric(forward, context):
    c = wire.copy(context)
    p = c["parameters"]

    def loss():
        a = forward(c["x"], c["a0"], p)[0]
        return cross_entropy(np.einsum("ya,amt->ymt", p["Wya"], a) + p["by"][:, :, None], c["y"])

    keys = {"dWax": p["Wax"], "dWaa": p["Waa"], "dWya": p["Wya"], "dba": p["ba"], "dby": p["by"], "da0": c["a0"]}
    return _gradients(loss, keys)


rnn_loss_and_gradients = FunctionSpec(
    name="rnn_loss_and_gradients",
    make_case=loss_case,
    points={"shapes": 1, "values": 3, "edge": 1, "gradients": 2, "unchanged": 1},
    outputs=("loss", "gradients"),
    depends=("rnn_forward", "rnn_backward"),
    sizes=SEQ_SIZES + (IMPOSSIBLE_CLASS,),
    edge_sizes=LOSS_EDGE,
    gradient=Gradient(forward="rnn_forward", numeric=loss_numeric, within="gradients"),
    mistakes=(
        Mistake("the loss is NaN where a class probability rounded to 0 (for a class the model is sure is wrong): "
                "0 * log(0) is NaN in floating point. Take the log of the true class's probability "
                "only, or compute log-softmax from the logits Wya a + by.",
                when=lambda out, ref, case: isinstance(out, tuple) and np.isscalar(out[0])
                and np.isnan(out[0]) and np.isfinite(ref[0])),
        Mistake("the loss is not averaged over the m examples: divide the summed cross-entropy by m.",
                when=lambda out, ref, case: isinstance(out, tuple) and np.isscalar(out[0]) and case.args["y"].shape[1] > 1
                and np.isclose(out[0], ref[0] * case.args["y"].shape[1])),
        Mistake("the loss is right but the gradients are not: da for rnn_backward comes only from the "
                "outputs, Wya^T (y_pred - y) / m at every step.",
                when=lambda out, ref, case: isinstance(out, tuple) and np.isscalar(out[0])
                and np.isclose(out[0], ref[0])),
    ),
)


# ------------------------------------------------------------------------------------ numerical_gradient

def numgrad_case(rng, size, fns):
    """x's entries have magnitudes in [0.5, 1.4] and random signs: there every test function's gradient and second
    derivative in each coordinate are far from 0 (wave: |f''| > 0.9; softplus: f'' ≥ 1; coupled: f'' > 1 and its
    mixed derivatives too), so a one-sided difference, a factor of 2 or an entry left moved is caught by every case
    of any secret, not only by lucky ones."""
    name = testfunctions.NAMES[size["f"] % len(testfunctions.NAMES)]
    shape = size["shape"]
    x = rng.uniform(0.5, 1.4, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return Case(f"f={name}, x.shape={tuple(size['shape'])}",
                {"f": wire.FunctionRef(name), "x": x}, context={"f": name, "x": x})


def numgrad_analytic(forward, context):
    return {"grad": testfunctions.gradient(context["f"], context["x"])}


def _one_sided(case, fns, eps=1e-5):
    f, x = testfunctions.function(case.args["f"].name), case.args["x"].copy()
    base = f(x)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        saved = x[idx]
        x[idx] = saved + eps
        grad[idx] = (f(x) - base) / eps
        x[idx] = saved
    return {"": grad}


numerical_gradient = FunctionSpec(
    name="numerical_gradient",
    make_case=numgrad_case,
    points={"shapes": 1, "values": 2, "edge": 1, "gradients": 2, "unchanged": 2},
    sizes=(dict(f=0, shape=(3, 4)), dict(f=1, shape=(2, 3, 2)), dict(f=2, shape=(5,))),
    edge_sizes=(dict(f=1, shape=(1,)), dict(f=0, shape=(1, 1))),
    gradient=Gradient(forward=None, numeric=numgrad_analytic, tolerance=1e-7),
    rtol=1e-6,
    atol=1e-8,
    unchanged_hint="restore each entry from a saved copy of its value once f has been evaluated",
    mistakes=(
        Mistake("this looks like a one-sided difference (f(x+ε) - f(x)) / ε: use the centred difference "
                "(f(x+ε) - f(x-ε)) / (2ε), whose error is O(ε²).", outputs=_one_sided),
    ),
)


NOTEBOOK = NotebookSpec(
    stem=STEM,
    functions=(numerical_gradient, rnn_cell_backward, rnn_backward, rnn_loss_and_gradients),
    imports={"softmax": FORWARD_STEM, "rnn_cell_forward": FORWARD_STEM, "rnn_forward": FORWARD_STEM},
)
