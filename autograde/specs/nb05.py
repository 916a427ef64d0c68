"""Notebook 05, Different types of RNNs (不同类型的循环神经网络): the shapes' forward and backward passes.

Every function builds on 03's ``rnn_forward`` / ``rnn_cell_forward`` and 04's ``rnn_backward``; while one is
graded, those are the reference (declared in ``depends``, defined by ``imports``). Gradients are checked
against centred differences of a loss computed here from the reference (or, in a self-check, the student's)
``rnn_forward``.
"""

from __future__ import annotations

import numpy as np

from autograde import wire
from autograde.spec import Case, FunctionSpec, Gradient, Mistake, NotebookSpec, size_label
from autograde.specs._inputs import SEQ_EDGE, SEQ_SIZES, normal, one_hot_targets, rnn_parameters
from autograde.numeric import gradients as _gradients

STEM = "05_types_of_rnns"
FORWARD_STEM, BACKWARD_STEM = "03_recurrent_neural_network", "04_backpropagation_through_time"

LOSS_POINTS = {"shapes": 1, "values": 2, "edge": 1, "gradients": 3, "unchanged": 1}
FORWARD_POINTS = {"shapes": 1, "values": 3, "edge": 1, "unchanged": 1}
# a loss needs two classes (with one, softmax is 1 and the loss 0 whatever the weights)
EDGE = tuple(dict(size, n_y=max(2, size["n_y"])) for size in SEQ_EDGE)
# typical sizes for the losses: small enough that finite differences of every parameter stay quick
LOSS_SIZES = (dict(n_x=3, n_a=4, n_y=2, m=3, T_x=5), dict(n_x=2, n_a=3, n_y=3, m=4, T_x=4))


def _log_softmax(z):
    s = z - z.max(axis=0, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=0, keepdims=True))


def _one_hot(rng, n, *shape):
    """Random one-hot columns (n, *shape): inputs only (notebook 02 grades one-hot encoding)."""
    idx = rng.integers(0, n, size=shape)
    return (np.arange(n).reshape((n,) + (1,) * len(shape)) == idx[None]).astype(np.float64)


def _rnn_keys(p: dict, a0: np.ndarray, suffix: str = "") -> dict:
    return {f"dWax{suffix}": p["Wax"], f"dWaa{suffix}": p["Waa"], f"dba{suffix}": p["ba"], "da0": a0}


def _differs_only_in(keys):
    """A predicate: the loss is right, the gradients under ``keys`` are wrong and all others right."""

    def when(out, ref, case):
        if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict)
                and np.isscalar(out[0]) and np.isclose(out[0], ref[0])):
            return False
        g, r = out[1], ref[1]
        ok = {k: isinstance(g.get(k), np.ndarray) and g[k].shape == r[k].shape and np.allclose(g[k], r[k]) for k in r}
        return all(not ok[k] for k in keys if k in r) and all(ok[k] for k in r if k not in keys)

    return when


# --------------------------------------------------------------------------------------- many_to_one_forward

def sequence_case(rng, size, fns):
    n_x, n_a, m, T_x = size["n_x"], size["n_a"], size["m"], size["T_x"]
    args = {"x": normal(rng, n_x, m, T_x), "a0": normal(rng, n_a, m, scale=0.8),
            "parameters": rnn_parameters(rng, **size)}
    return Case(size_label(size), args)


def _every_step_output(case, fns):
    _, y_pred, _ = fns("rnn_forward")(**case.args)
    return {"y_hat": y_pred[:, :, 0]}


many_to_one_forward = FunctionSpec(
    name="many_to_one_forward",
    make_case=sequence_case,
    points=FORWARD_POINTS,
    outputs=("y_hat", "caches"),
    depends=("rnn_forward", "softmax"),
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    mistakes=(
        Mistake("y_hat is the prediction at the first step: a many-to-one network reads a<T_x>, the last "
                "hidden state (a[:, :, -1]).", outputs=_every_step_output),
    ),
)


# ----------------------------------------------------------------------------- many_to_one_loss_and_gradients

def many_to_one_case(rng, size, fns):
    case = sequence_case(rng, size, fns)
    args = {"x": case.args["x"], "y": _one_hot(rng, size["n_y"], size["m"]), "a0": case.args["a0"],
            "parameters": case.args["parameters"]}
    return Case(case.label, args, context=args)


def many_to_one_numeric(forward, context):
    c = wire.copy(context)
    p = c["parameters"]

    def loss():
        a = forward(c["x"], c["a0"], p)[0]
        return float(-np.sum(c["y"] * _log_softmax(p["Wya"] @ a[:, :, -1] + p["by"])) / c["y"].shape[1])

    return _gradients(loss, {**_rnn_keys(p, c["a0"]), "dWya": p["Wya"], "dby": p["by"]})


def _many_to_one_every_step(case, fns):
    """What the gradients would be with the output's gradient given at every step."""
    a = case.args
    m, p = a["y"].shape[1], a["parameters"]
    act, _, caches = fns("rnn_forward")(a["x"], a["a0"], p)
    y_hat = np.exp(_log_softmax(p["Wya"] @ act[:, :, -1] + p["by"]))
    dz = (y_hat - a["y"]) / m
    da = np.repeat((p["Wya"].T @ dz)[:, :, None], act.shape[2], axis=2)
    g = fns("rnn_backward")(da, caches)
    return {"gradients": {"dWax": g["dWax"], "dWaa": g["dWaa"], "dba": g["dba"], "da0": g["da0"],
                          "dWya": dz @ act[:, :, -1].T, "dby": dz.sum(axis=1, keepdims=True)}}


many_to_one_loss_and_gradients = FunctionSpec(
    name="many_to_one_loss_and_gradients",
    make_case=many_to_one_case,
    points=LOSS_POINTS,
    outputs=("loss", "gradients"),
    depends=("many_to_one_forward", "rnn_backward"),
    sizes=LOSS_SIZES,
    edge_sizes=EDGE,
    gradient=Gradient(forward="rnn_forward", numeric=many_to_one_numeric, within="gradients"),
    mistakes=(
        Mistake("the output's gradient is given at every step, but a many-to-one network has its loss at the "
                "last step only: da is zero except da[:, :, -1] = Wya^T dz.", outputs=_many_to_one_every_step),
        Mistake("the loss is not averaged over the m examples: divide the summed cross-entropy by m.",
                when=lambda out, ref, case: isinstance(out, tuple) and np.isscalar(out[0])
                and case.args["y"].shape[1] > 1 and np.isclose(out[0], ref[0] * case.args["y"].shape[1])),
    ),
)


# ---------------------------------------------------------------------------------- tagger_loss_and_gradients

def tagger_case(rng, size, fns):
    case = sequence_case(rng, size, fns)
    m, T_x = size["m"], size["T_x"]
    lengths = rng.integers(1, T_x + 1, size=m)
    order = rng.permutation(m)
    lengths[order[0]] = T_x  # the longest sentence fills the batch
    if m > 1 and T_x > 1:
        lengths[order[1]] = rng.integers(1, T_x)  # and another is padded
    mask = (np.arange(T_x)[None, :] < lengths[:, None]).astype(np.float64)
    x = case.args["x"] * mask[None]  # padding is zeros
    args = {"x": x, "y": one_hot_targets(rng, size["n_y"], m, T_x), "mask": mask, "a0": case.args["a0"],
            "parameters": case.args["parameters"]}
    return Case(case.label, args, context=args)


def _masked_loss(forward, c, mask):
    p = c["parameters"]
    a = forward(c["x"], c["a0"], p)[0]
    total = 0.0
    for t in range(a.shape[2]):
        total -= np.sum(mask[:, t] * np.sum(c["y"][:, :, t] * _log_softmax(p["Wya"] @ a[:, :, t] + p["by"]), axis=0))
    return float(total / np.sum(mask))


def tagger_numeric(forward, context):
    c = wire.copy(context)
    p = c["parameters"]
    return _gradients(lambda: _masked_loss(forward, c, c["mask"]),
                      {**_rnn_keys(p, c["a0"]), "dWya": p["Wya"], "dby": p["by"]})


tagger_loss_and_gradients = FunctionSpec(
    name="tagger_loss_and_gradients",
    make_case=tagger_case,
    points=LOSS_POINTS,
    outputs=("loss", "gradients"),
    depends=("rnn_forward", "rnn_backward"),
    sizes=LOSS_SIZES,
    edge_sizes=EDGE,
    gradient=Gradient(forward="rnn_forward", numeric=tagger_numeric, within="gradients"),
    mistakes=(
        Mistake("the padding is counted: every position (i, t) with mask[i, t] = 0 must add nothing to the loss "
                "and its gradient, and the sum is divided by mask.sum(), the number of real elements.",
                outputs=lambda case, fns: {"loss": _masked_loss(fns("rnn_forward"), case.args,
                                                                np.ones_like(case.args["mask"]))}),
        Mistake("the loss is divided by m: a tagger's loss is the mean over the real elements, divided by "
                "mask.sum().",
                outputs=lambda case, fns: {"loss": _masked_loss(fns("rnn_forward"), case.args, case.args["mask"])
                                           * case.args["mask"].sum() / case.args["mask"].shape[0]}),
    ),
)


# ------------------------------------------------------------------------- encoder_decoder_loss_and_gradients

def encoder_decoder_case(rng, size, fns):
    n_x, n_a, n_y, m, T_x = size["n_x"], size["n_a"], size["n_y"], size["m"], size["T_x"]
    T_y, n_xd = size.get("T_y", max(1, T_x - 2)), size.get("n_xd", 2)
    args = {"x": normal(rng, n_x, m, T_x), "x_dec": normal(rng, n_xd, m, T_y), "y": one_hot_targets(rng, n_y, m, T_y),
            "a0": normal(rng, n_a, m, scale=0.8), "encoder": rnn_parameters(rng, n_a, n_x, 1),
            "decoder": rnn_parameters(rng, n_a, n_xd, n_y)}
    return Case(size_label(dict(size, T_y=T_y)), args, context=args)


def _seq2seq_loss(forward, c):
    a_enc = forward(c["x"], c["a0"], c["encoder"])[0]
    a_dec = forward(c["x_dec"], a_enc[:, :, -1], c["decoder"])[0]
    d = c["decoder"]
    total = sum(np.sum(c["y"][:, :, t] * _log_softmax(d["Wya"] @ a_dec[:, :, t] + d["by"]))
                for t in range(a_dec.shape[2]))
    return float(-total / c["y"].shape[1])


def encoder_decoder_numeric(forward, context):
    c = wire.copy(context)
    e, d = c["encoder"], c["decoder"]
    return _gradients(lambda: _seq2seq_loss(forward, c),
                      {**_rnn_keys(e, c["a0"], "_enc"), **{k: v for k, v in _rnn_keys(d, c["a0"], "_dec").items()
                                                          if k != "da0"},
                       "dWya": d["Wya"], "dby": d["by"]})


ENCODER_KEYS = ("dWax_enc", "dWaa_enc", "dba_enc", "da0")

encoder_decoder_loss_and_gradients = FunctionSpec(
    name="encoder_decoder_loss_and_gradients",
    make_case=encoder_decoder_case,
    points=LOSS_POINTS,
    outputs=("loss", "gradients"),
    depends=("rnn_forward", "rnn_backward"),
    sizes=(dict(LOSS_SIZES[0], T_y=3), dict(LOSS_SIZES[1], T_x=3, T_y=5, n_xd=3)),
    edge_sizes=(dict(EDGE[0], T_y=1), dict(EDGE[1], T_y=3, n_xd=1), dict(EDGE[2], T_y=2)),
    gradient=Gradient(forward="rnn_forward", numeric=encoder_decoder_numeric, within="gradients"),
    mistakes=(
        Mistake("the decoder's gradients are right but the encoder's are not: the encoder's only gradient is the "
                "decoder's da0 (the gradient at a_dec<0> = a_enc<T_x>); give it to rnn_backward of the encoder as "
                "da at its last step, da_enc[:, :, -1] = da0 of the decoder, zero elsewhere.",
                when=_differs_only_in(ENCODER_KEYS)),
    ),
)


# ----------------------------------------------------------------------------------------- one_to_many_generate

def generate_case(rng, size, fns):
    """With T_y ≥ 2, the first example's first prediction is never x1's symbol (x1 is drawn again, then the
    parameters, until it is not), so that feeding x1 at every step instead of the prediction changes the second
    step's input in every case of any secret."""
    n_y, n_a, m = size["n_y"], size["n_a"], size["m"]
    while True:
        parameters = rnn_parameters(rng, n_a, n_y, n_y, scale=1.0)
        a0 = normal(rng, n_a, m, scale=0.8)
        x1 = _one_hot(rng, n_y, m)
        if size["T_y"] < 2:
            break
        for first in rng.permutation(n_y):
            x1[:, 0] = 0.0
            x1[first, 0] = 1.0
            if np.argmax(fns("rnn_cell_forward")(x1, a0, parameters)[1][:, 0]) != first:
                break
        else:
            continue
        break
    args = {"x1": x1, "a0": a0, "parameters": parameters, "T_y": size["T_y"]}
    return Case(size_label(size), args)


def _fed_back(kind):
    def outputs(case, fns):
        cell, a = fns("rnn_cell_forward"), case.args
        xt, h, ys = a["x1"], a["a0"], []
        for _ in range(a["T_y"]):
            h, yt, _ = cell(xt, h, a["parameters"])
            ys.append(yt)
            xt = yt if kind == "probabilities" else a["x1"]
        return {"y_pred": np.stack(ys, axis=2)}

    return outputs


one_to_many_generate = FunctionSpec(
    name="one_to_many_generate",
    make_case=generate_case,
    points=FORWARD_POINTS,
    outputs=("y_pred", "indices"),
    depends=("rnn_cell_forward",),
    sizes=(dict(n_y=4, n_a=5, m=3, T_y=6), dict(n_y=6, n_a=4, m=5, T_y=5), dict(n_y=3, n_a=6, m=4, T_y=8)),
    edge_sizes=(dict(n_y=3, n_a=2, m=1, T_y=1), dict(n_y=2, n_a=1, m=1, T_y=3), dict(n_y=4, n_a=3, m=2, T_y=2)),
    mistakes=(
        Mistake("the probabilities y_pred<t> are fed back: the next input is the one-hot vector of the most "
                "likely symbol, argmax of y_pred<t>.", outputs=_fed_back("probabilities")),
        Mistake("every step gets x1 as input: feed each step's output (its one-hot vector) back as the next input.",
                outputs=_fed_back("first")),
    ),
)


NOTEBOOK = NotebookSpec(
    stem=STEM,
    functions=(many_to_one_forward, many_to_one_loss_and_gradients, tagger_loss_and_gradients,
               encoder_decoder_loss_and_gradients, one_to_many_generate),
    imports={"softmax": FORWARD_STEM, "rnn_cell_forward": FORWARD_STEM, "rnn_forward": FORWARD_STEM,
             "rnn_cell_backward": BACKWARD_STEM, "rnn_backward": BACKWARD_STEM},
)
