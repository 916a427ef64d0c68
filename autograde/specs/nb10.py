"""Notebook 10, LSTM (long short term memory) · 长短期记忆: cell and sequence, forward and backward; peephole."""

from __future__ import annotations

import numpy as np

from autograde import wire
from autograde.spec import Case, FunctionSpec, Gradient, Mistake, NotebookSpec, size_label
from autograde.specs._inputs import SEQ_EDGE, SEQ_SIZES, normal, sequence_backward_case, sequence_backward_numeric
from autograde.numeric import gradients as _gradients
from autograde.specs.nb09 import BACKWARD_POINTS, BPTT_SIZES, FORWARD_POINTS, NO_SOFTMAX, _flat_bias
from autograde.specs.nb09 import _sigmoid

STEM = "10_lstm"
S03 = "03_recurrent_neural_network"
KEYS = ("Wf", "bf", "Wu", "bu", "Wc", "bc", "Wo", "bo")
PEEPHOLES = ("pf", "pu", "po")
# positions in the cache (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
A_NEXT, C_NEXT, A_PREV, C_PREV, FT, IT, CCT, OT = range(8)


def lstm_parameters(rng, n_a: int, n_x: int, n_y: int, peephole: bool = False, **_: int) -> dict:
    params = {k: normal(rng, n_a, n_a + n_x, scale=0.5) if k[0] == "W" else normal(rng, n_a, 1, scale=0.3)
              for k in KEYS}
    params["Wy"], params["by"] = normal(rng, n_y, n_a, scale=0.5), normal(rng, n_y, 1, scale=0.3)
    if peephole:
        params.update({k: normal(rng, n_a, 1, scale=0.5) for k in PEEPHOLES})
    return params


def _logit(v):
    return np.log(v) - np.log1p(-v)


def _arctanh(v):
    return np.arctanh(np.clip(v, -1 + 1e-15, 1 - 1e-15))


# ------------------------------------------------------------------------------------------ cell forward

def _cell_case(peephole: bool):
    def make(rng, size, fns):
        n_x, n_a, m = size["n_x"], size["n_a"], size["m"]
        args = {"xt": normal(rng, n_x, m), "a_prev": normal(rng, n_a, m, scale=0.8),
                "c_prev": normal(rng, n_a, m, scale=0.8), "parameters": lstm_parameters(rng, peephole=peephole, **size)}
        return Case(size_label(size), args)

    return make


def _from_cache(name: str, combine):
    """What a mistake gives, from the reference cache: combine(ft, it, cct, ot, c_prev) -> (a_next, c_next)."""

    def outputs(case, fns):
        cache = fns(name)(**case.args)[3]
        a_next, c_next = combine(cache[FT], cache[IT], cache[CCT], cache[OT], cache[C_PREV])
        return {"a_next": a_next, "c_next": c_next}

    return outputs


def _swapped(name: str):
    def outputs(case, fns):
        a = case.args
        params = dict(a["parameters"])
        n_a = a["a_prev"].shape[0]
        for key in ("Wf", "Wu", "Wc", "Wo"):
            W = params[key]
            n_x = W.shape[1] - n_a
            params[key] = np.hstack([W[:, n_x:], W[:, :n_x]])
        return {"a_next": fns(name)(a["xt"], a["a_prev"], a["c_prev"], params)[0]}

    return outputs


def _cell_mistakes(name: str) -> tuple[Mistake, ...]:
    def tanh_gate(ft, it, cct, ot, c_prev, gate):
        g = {"f": ft, "u": it, "o": ot}
        g[gate] = np.tanh(_logit(g[gate]))
        c = g["u"] * cct + g["f"] * c_prev
        return g["o"] * np.tanh(c), c

    def sigmoid_candidate(ft, it, cct, ot, c_prev):
        c = it * _sigmoid(_arctanh(cct)) + ft * c_prev
        return ot * np.tanh(c), c

    return (
        Mistake("a_next matches [x⟨t⟩, a⟨t-1⟩]: the gates act on [a⟨t-1⟩, x⟨t⟩], a first "
                "(np.concatenate([a_prev, xt])).", outputs=_swapped(name)),
        Mistake("the candidate c̃⟨t⟩ uses σ: it is tanh(Wc[…] + bc), in (−1, 1); the gates use σ.",
                outputs=_from_cache(name, sigmoid_candidate)),
        Mistake("the forget gate Γf uses tanh: gates use σ, so that they lie between 0 and 1.",
                outputs=_from_cache(name, lambda *v: tanh_gate(*v, gate="f"))),
        Mistake("the update gate Γu uses tanh: gates use σ, so that they lie between 0 and 1.",
                outputs=_from_cache(name, lambda *v: tanh_gate(*v, gate="u"))),
        Mistake("the output gate Γo uses tanh: gates use σ, so that they lie between 0 and 1.",
                outputs=_from_cache(name, lambda *v: tanh_gate(*v, gate="o"))),
        Mistake("a⟨t⟩ = Γo∗tanh(c⟨t⟩): is tanh applied to c_next?",
                outputs=_from_cache(name, lambda ft, it, cct, ot, c_prev: (ot * (it * cct + ft * c_prev),
                                                                         it * cct + ft * c_prev))),
        Mistake("c⟨t⟩ keeps the old memory through the forget gate: Γu∗c̃⟨t⟩ + Γf∗c⟨t-1⟩, not (1 − Γu)∗c⟨t-1⟩.",
                outputs=_from_cache(name, lambda ft, it, cct, ot, c_prev: (
                    ot * np.tanh(it * cct + (1 - it) * c_prev), it * cct + (1 - it) * c_prev))),
        NO_SOFTMAX,
    )


def _no_softmax_cell(out, ref, case):
    return (isinstance(out, tuple) and len(out) > 2 and isinstance(out[2], np.ndarray) and out[2].ndim == 2
            and not np.allclose(out[2].sum(axis=0), 1.0))


CELL_OUTPUTS = ("a_next", "c_next", "yt_pred", "cache")
CELL_NO_SOFTMAX = Mistake("yt_pred does not sum to 1 over each column: is softmax applied to Wy a_next + by?",
                          when=_no_softmax_cell)

lstm_cell_forward = FunctionSpec(
    name="lstm_cell_forward",
    make_case=_cell_case(False),
    points=FORWARD_POINTS,
    outputs=CELL_OUTPUTS,
    depends=("softmax",),
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    mistakes=_cell_mistakes("lstm_cell_forward")[:-1] + (CELL_NO_SOFTMAX,),
)


def _output_gate_reads_new_c(case, fns):
    """Gers & Schmidhuber's original output gate: it reads c⟨t⟩ rather than c⟨t-1⟩."""
    a = case.args
    p = a["parameters"]
    _, c_next, _, cache = fns("lstm_peephole_cell_forward")(**a)
    zo = p["Wo"] @ np.concatenate([a["a_prev"], a["xt"]]) + p["po"] * c_next + p["bo"]
    return {"a_next": _sigmoid(zo) * np.tanh(c_next)}


def _no_peephole(case, fns):
    a = case.args
    params = {k: v for k, v in a["parameters"].items() if k not in PEEPHOLES}
    return {"a_next": fns("lstm_cell_forward")(a["xt"], a["a_prev"], a["c_prev"], params)[0]}


lstm_peephole_cell_forward = FunctionSpec(
    name="lstm_peephole_cell_forward",
    make_case=_cell_case(True),
    points=FORWARD_POINTS,
    outputs=CELL_OUTPUTS,
    depends=("softmax",),
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    mistakes=(
        Mistake("a_next is the plain LSTM's: each gate's pre-activation also gets p∗c⟨t-1⟩ (pf, pu, po, "
                "element-wise).", outputs=_no_peephole),
        Mistake("the output gate reads c⟨t⟩ (as in Gers & Schmidhuber's original); in the lecture every gate's "
                "peephole reads c⟨t-1⟩.", outputs=_output_gate_reads_new_c),
        CELL_NO_SOFTMAX,
    ),
)


# ------------------------------------------------------------------------------------------ sequence forward

def _sequence_case(rng, size, fns):
    n_x, n_a, m, T_x = size["n_x"], size["n_a"], size["m"], size["T_x"]
    args = {"x": normal(rng, n_x, m, T_x), "a0": normal(rng, n_a, m, scale=0.8),
            "parameters": lstm_parameters(rng, **size)}
    return Case(size_label(size), args)


def _run_cells(case, fns, c0):
    cell = fns("lstm_cell_forward")
    x, a_next, p = case.args["x"], case.args["a0"], case.args["parameters"]
    c_next, a = c0(case.args["a0"]), []
    for t in range(x.shape[2]):
        a_next, c_next, _, _ = cell(x[:, :, t], a_next, c_next, p)
        a.append(a_next)
    return {"a": np.stack(a, axis=2)}


def _a0_every_step(case, fns):
    cell = fns("lstm_cell_forward")
    x, a0, p = case.args["x"], case.args["a0"], case.args["parameters"]
    return {"a": np.stack([cell(x[:, :, t], a0, np.zeros_like(a0), p)[0] for t in range(x.shape[2])], axis=2)}


lstm_forward = FunctionSpec(
    name="lstm_forward",
    make_case=_sequence_case,
    points=FORWARD_POINTS,
    outputs=("a", "y_pred", "c", "caches"),
    depends=("lstm_cell_forward",),
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    mistakes=(
        Mistake("the memory cell starts from a0: c⟨0⟩ = 0, only a⟨0⟩ is given.",
                outputs=lambda case, fns: _run_cells(case, fns, lambda a0: a0)),
        Mistake("every step starts from a0 and c⟨0⟩: pass each step's a⟨t⟩ and c⟨t⟩ on to the next step.",
                outputs=_a0_every_step),
    ),
)


# ------------------------------------------------------------------------------------------ cell backward

def _cell_backward_case(rng, size, fns):
    n_x, n_a, m = size["n_x"], size["n_a"], size["m"]
    xt, a_prev, c_prev = normal(rng, n_x, m), normal(rng, n_a, m, scale=0.8), normal(rng, n_a, m, scale=0.8)
    parameters = lstm_parameters(rng, **size)
    da_next, dc_next = normal(rng, n_a, m), normal(rng, n_a, m)
    cache = fns("lstm_cell_forward")(xt, a_prev, c_prev, parameters)[3]
    context = {"xt": xt, "a_prev": a_prev, "c_prev": c_prev, "parameters": parameters,
               "da_next": da_next, "dc_next": dc_next}
    return Case(size_label(size), {"da_next": da_next, "dc_next": dc_next, "cache": cache}, context)


def _cell_backward_numeric(forward, context):
    c = wire.copy(context)
    p = c["parameters"]

    def loss():  # sum(da_next * a_next) + sum(dc_next * c_next): its gradients are the cell's backward pass
        a_next, c_next = forward(c["xt"], c["a_prev"], c["c_prev"], p)[:2]
        return np.sum(c["da_next"] * a_next) + np.sum(c["dc_next"] * c_next)

    return _gradients(loss, {"dxt": c["xt"], "da_prev": c["a_prev"], "dc_prev": c["c_prev"],
                             **{f"d{k}": p[k] for k in KEYS}})


def _without_dc_through_a(case, fns):
    """The cell's gradients without the part of dc that comes through a_next = Γo∗tanh(c_next)."""
    cell = fns("lstm_cell_backward")
    a = case.args
    cache = a["cache"]
    full = cell(a["da_next"], a["dc_next"], cache)
    through_a = cell(np.zeros_like(a["da_next"]), a["da_next"] * cache[OT] * (1 - np.tanh(cache[C_NEXT]) ** 2), cache)
    return {k: full[k] - through_a[k] for k in ("dxt", "da_prev", "dc_prev")}


lstm_cell_backward = FunctionSpec(
    name="lstm_cell_backward",
    make_case=_cell_backward_case,
    points=BACKWARD_POINTS,
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    gradient=Gradient(forward="lstm_cell_forward", numeric=_cell_backward_numeric),
    mistakes=(
        Mistake("dc misses what comes through a⟨t⟩ = Γo∗tanh(c⟨t⟩): add da_next∗Γo∗(1 − tanh²(c_next)) to dc_next "
                "before using it.", outputs=_without_dc_through_a),
        Mistake("the bias gradients must keep their column shape (n_a, 1): sum over the examples with keepdims=True.",
                when=_flat_bias),
    ),
)


# ------------------------------------------------------------------------------------------ backward through time

_backward_case = sequence_backward_case("lstm_forward", lstm_parameters, "a", caches_at=3)
_backward_numeric = sequence_backward_numeric(KEYS, "a")


def _backward_through_time(case, fns, *, carry_a=True, carry_c=True, from_above=True, backwards=True,
                           overwrite=False):
    """lstm_backward's outputs, built on the reference cell, with one of the loop's plausible mistakes. Every
    output is compared: each mistake leaves some outputs right (all of them where T_x = 1 for some), and a
    subset could match a student who is wrong elsewhere, for another reason."""
    cell = fns("lstm_cell_backward")
    da, (cache_list, x) = case.args["da"], case.args["caches"]
    dx = np.zeros(x.shape)
    da_prev, dc_prev = np.zeros_like(da[:, :, 0]), np.zeros_like(da[:, :, 0])
    totals: dict = {}
    steps = range(da.shape[2])
    for t in (reversed(steps) if backwards else steps):
        g = cell((da[:, :, t] if from_above else 0) + (da_prev if carry_a else 0),
                 dc_prev if carry_c else np.zeros_like(dc_prev), cache_list[t])
        dx[:, :, t], da_prev, dc_prev = g["dxt"], g["da_prev"], g["dc_prev"]
        for k in WEIGHTS + BIASES:
            totals[k] = g[k] if overwrite or k not in totals else totals[k] + g[k]
    return {"dx": dx, "da0": da_prev, **totals}


WEIGHTS = ("dWf", "dWu", "dWc", "dWo")
BIASES = ("dbf", "dbu", "dbc", "dbo")

lstm_backward = FunctionSpec(
    name="lstm_backward",
    make_case=_backward_case,
    points=BACKWARD_POINTS,
    depends=("lstm_cell_backward",),
    sizes=BPTT_SIZES,
    edge_sizes=SEQ_EDGE,  # at T_x = 1 the forget gate acts on c<0> = 0 only: dWf and dbf are zero there
    gradient=Gradient(forward="lstm_forward", numeric=_backward_numeric),
    mistakes=(
        Mistake("dc_prev is not carried back: each step's memory cell gets dc_prevt from the step after, along the "
                "memory line, the LSTM's long path.",
                outputs=lambda case, fns: _backward_through_time(case, fns, carry_c=False)),
        Mistake("da_prev is not carried back: at each step the gradient arriving from above, da[:, :, t], must be "
                "added to da_prevt coming back from step t+1.",
                outputs=lambda case, fns: _backward_through_time(case, fns, carry_a=False)),
        Mistake("the gradient from above, da[:, :, t], never enters: each step's activation gets it, added to "
                "da_prevt from the step after.",
                outputs=lambda case, fns: _backward_through_time(case, fns, from_above=False)),
        Mistake("the loop runs forwards: backpropagation through time starts at the last step, where nothing comes "
                "back from later steps, and walks back to the first (reversed(range(T_x))).",
                outputs=lambda case, fns: _backward_through_time(case, fns, backwards=False)),
        Mistake("the weight and bias gradients are the first step's only: the weights are shared by every step, so "
                "each step's gradients must be added to the totals (+=), not replace them.",
                outputs=lambda case, fns: _backward_through_time(case, fns, overwrite=True)),
    ),
)


NOTEBOOK = NotebookSpec(
    stem=STEM,
    functions=(lstm_cell_forward, lstm_forward, lstm_cell_backward, lstm_backward, lstm_peephole_cell_forward),
    imports={"softmax": S03},
)
