"""Notebook 06, Language model and sequence generation (语言模型和序列生成)."""

from __future__ import annotations

import numpy as np

from autograde import wire
from autograde.numeric import centred_differences
from autograde.spec import Case, FunctionSpec, Gradient, Mistake, NotebookSpec, size_label
from autograde.specs._inputs import drawn, normal, rnn_parameters

STEM = "06_language_model"
FORWARD_STEM, BACKWARD_STEM = "03_recurrent_neural_network", "04_backpropagation_through_time"

# a language model reads and predicts the same vocabulary: n_x = n_y
LM_SIZES = (
    dict(n_x=5, n_a=4, n_y=5, m=3, T_x=6),
    dict(n_x=7, n_a=3, n_y=7, m=4, T_x=4),
    dict(n_x=6, n_a=5, n_y=6, m=3, T_x=5, _confident=1),  # logits so large that a softmax underflows to 0
)
LM_EDGE = (
    dict(n_x=3, n_a=2, n_y=3, m=1, T_x=1),
    dict(n_x=2, n_a=1, n_y=2, m=2, T_x=3),
    dict(n_x=1, n_a=2, n_y=1, m=2, T_x=2),
)
# with one class the softmax is 1 and the loss 0 whatever the logits: keep n_y >= 2 where a loss is computed
LM_LOSS_EDGE = tuple(dict(size, n_x=max(2, size["n_x"]), n_y=max(2, size["n_y"])) for size in LM_EDGE)
LOSS_POINTS = {"shapes": 1, "values": 2, "edge": 1, "unchanged": 1}


def _batch(rng, size):
    n_y, m, T = size["n_y"], size["m"], size["T_x"]
    scale = 400.0 if size.get("_confident") else 2.0
    logits = normal(rng, n_y, m, T, scale=scale)
    targets = rng.integers(0, n_y, size=(m, T))
    # every sequence padded (at least one padded position whenever T_x > 1), except the first when m > 1, which
    # is full: a mistake about the mask is caught by every case of any secret, not only by lucky draws
    lengths = rng.integers(1, T, size=m) if T > 1 else np.ones(m, dtype=int)
    if m > 1:
        lengths[0] = T
    mask = (np.arange(T)[None, :] < lengths[:, None]).astype(np.float64)
    return logits, targets, mask


def _no_mask(case):
    return {**case.args, "mask": np.ones_like(case.args["mask"])}


# ------------------------------------------------------------------------------------------- shift_inputs

def shift_case(rng, size, fns):
    size = drawn(rng, size)
    return Case(size_label(size), {"targets": rng.integers(0, size["n_x"], size=(size["m"], size["T_x"])),
                                   "n_x": size["n_x"]})


def _not_shifted(case, fns):
    t = case.args["targets"]
    return {"": np.moveaxis(np.eye(case.args["n_x"])[t], -1, 0)}


shift_inputs = FunctionSpec(
    name="shift_inputs",
    make_case=shift_case,
    points={"shapes": 1, "values": 2, "edge": 1, "unchanged": 1},
    sizes=LM_SIZES[:2],
    # with one word every target is 0: m and T_x are drawn, so that no hidden case is a visible one
    edge_sizes=LM_EDGE[:2] + (dict(LM_EDGE[2], m=(2, 5), T_x=(2, 6)),),
    mistakes=(
        Mistake("x<t> is the one-hot of targets[:, t] itself: the input must be the PREVIOUS token, "
                "x<t> = y<t-1>, with x<1> = 0.", outputs=_not_shifted),
    ),
)


# ------------------------------------------------------------------------------- sequence_log_probability

def logprob_case(rng, size, fns):
    logits, targets, _ = _batch(rng, size)
    return Case(size_label(size), {"logits": logits, "targets": targets})


def _has_minus_inf(out, ref, case):
    return isinstance(out, np.ndarray) and np.any(np.isneginf(out) | np.isnan(out)) and np.all(np.isfinite(ref))


sequence_log_probability = FunctionSpec(
    name="sequence_log_probability",
    make_case=logprob_case,
    points={"shapes": 1, "values": 2, "edge": 1, "unchanged": 1},
    sizes=LM_SIZES,
    edge_sizes=LM_EDGE,
    mistakes=(
        Mistake("-inf or NaN for a confident model: the log of a softmax that underflowed to 0. Use the "
                "log-softmax of the logits, z - max(z) - log(sum(exp(z - max(z)))).", when=_has_minus_inf),
    ),
)


# ------------------------------------------------------------------------------------------- masked_loss

def loss_case(rng, size, fns):
    logits, targets, mask = _batch(rng, {**size, "_confident": 0})
    args = {"logits": logits, "targets": targets, "mask": mask}
    return Case(size_label(size), args, context=args)


def loss_numeric(forward, context):
    c = wire.copy(context)
    return {"": centred_differences(lambda: forward(c["logits"], c["targets"], c["mask"])[0], c["logits"])}


masked_loss = FunctionSpec(
    name="masked_loss",
    make_case=loss_case,
    points={"shapes": 1, "values": 2, "edge": 1, "gradients": 2, "unchanged": 1},
    outputs=("loss", "dlogits"),
    sizes=LM_SIZES[:2],
    edge_sizes=LM_LOSS_EDGE,
    gradient=Gradient(forward="masked_loss", numeric=loss_numeric, within="dlogits"),
    mistakes=(
        Mistake("the padding is counted: multiply each step's loss (and its gradient) by the mask.",
                outputs=lambda case, fns: {"loss": fns("masked_loss")(**_no_mask(case))[0]}),
        Mistake("the loss is not averaged over the m sequences: divide the masked sum by m.",
                when=lambda out, ref, case: isinstance(out, tuple) and np.isscalar(out[0])
                and case.args["mask"].shape[0] > 1 and np.isclose(out[0], ref[0] * case.args["mask"].shape[0])),
        Mistake("the loss is right but dlogits is not: it is mask * (softmax(z) - one_hot(targets)) / m.",
                when=lambda out, ref, case: isinstance(out, tuple) and np.isscalar(out[0])
                and np.isclose(out[0], ref[0])),
    ),
)


# -------------------------------------------------------------------------------------------- perplexity

def _log(x):
    return float(np.log(x)) if isinstance(x, (int, float)) and x > 0 else float("nan")


perplexity = FunctionSpec(
    name="perplexity",
    make_case=loss_case,
    points=LOSS_POINTS,
    depends=("masked_loss",),
    sizes=LM_SIZES[:2],
    edge_sizes=LM_EDGE,
    mistakes=(
        Mistake("this is the exponential of the SUM of the losses: perplexity is exp of the MEAN loss per "
                "real token (divide by the number of 1s in the mask).",
                when=lambda out, ref, case: case.args["mask"].sum() > 1
                and np.isclose(_log(out), np.log(ref) * case.args["mask"].sum())),
        Mistake("this is exp of the mean loss per SEQUENCE: divide the summed loss by the number of real "
                "tokens (the 1s of the mask), not by m.",
                when=lambda out, ref, case: not np.isclose(case.args["mask"].sum(), case.args["mask"].shape[0])
                and np.isclose(_log(out), np.log(ref) * case.args["mask"].sum() / case.args["mask"].shape[0])),
        Mistake("the padding is counted: use only the steps where the mask is 1.",
                outputs=lambda case, fns: {"": fns("perplexity")(**_no_mask(case))}),
    ),
)


# ------------------------------------------------------------------------------------- optimization_step

def step_case(rng, size, fns):
    """Wherever a gradient can be non-zero (n_y ≥ 2), some gradient entry exceeds max_value (the case is drawn
    again until the reference's step with and without clipping differ), so that a step without clipping is
    caught by every such case of any secret."""
    n_x, n_a, m, T = size["n_x"], size["n_a"], size["m"], size["T_x"]
    for _ in range(100):
        _, targets, mask = _batch(rng, {**size, "_confident": 0})
        x = np.zeros((n_x, m, T))
        x[rng.integers(0, n_x, size=(m, T)), np.arange(m)[:, None], np.arange(T)[None, :]] = 1.0
        params = rnn_parameters(rng, **size)
        params["Wya"] *= 6.0  # large output weights: some gradient entries exceed max_value
        args = {"x": x, "targets": targets, "mask": mask, "a0": normal(rng, n_a, m, scale=0.8), "parameters": params,
                "learning_rate": float(rng.uniform(0.05, 0.5)), "max_value": 0.3}
        if size["n_y"] < 2:
            break
        step = fns("optimization_step")
        clipped, free = step(**wire.copy(args))[1], step(**{**wire.copy(args), "max_value": 1e300})[1]
        if any(np.max(np.abs(clipped[k] - free[k])) > 1e-3 * args["learning_rate"] for k in clipped):
            break
    return Case(size_label(size), args)


def _unclipped(case, fns):
    return {"new_parameters": fns("optimization_step")(**{**case.args, "max_value": 1e300})[1]}


def _ascent(case, fns):
    return {"new_parameters": fns("optimization_step")(**{**case.args, "learning_rate": -case.args["learning_rate"]})[1]}


optimization_step = FunctionSpec(
    name="optimization_step",
    make_case=step_case,
    points={"shapes": 1, "values": 3, "edge": 1, "unchanged": 1},
    outputs=("loss", "new_parameters", "a_last"),
    depends=("rnn_forward", "rnn_backward", "masked_loss"),
    sizes=LM_SIZES[:2],
    edge_sizes=LM_EDGE,
    unchanged_hint="build a new dict of new arrays (W - learning_rate * dW) instead of updating the parameters in place",
    mistakes=(
        Mistake("the update is not clipped: clip every gradient entry to [-max_value, max_value] first.",
                outputs=_unclipped),
        Mistake("the parameters move up the gradient: subtract learning_rate * gradient.", outputs=_ascent),
    ),
)


NOTEBOOK = NotebookSpec(
    stem=STEM,
    functions=(shift_inputs, sequence_log_probability, masked_loss, perplexity, optimization_step),
    imports={"rnn_forward": FORWARD_STEM, "rnn_backward": BACKWARD_STEM, "rnn_cell_forward": FORWARD_STEM,
             "rnn_cell_backward": BACKWARD_STEM, "softmax": FORWARD_STEM},
)
