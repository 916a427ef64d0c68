"""Notebook 09, GRU (Gated Recurrent Unit) · 门控循环单元: the simplified and the full GRU, forward and backward."""

from __future__ import annotations

from functools import partial

import numpy as np

from autograde.spec import Case, FunctionSpec, Gradient, Mistake, NotebookSpec, size_label
from autograde.specs._inputs import SEQ_EDGE, SEQ_SIZES, cell_backward_case, cell_backward_numeric, normal
from autograde.specs._inputs import sequence_backward_case, sequence_backward_numeric
from autograde.specs.nb04 import _close

STEM = "09_gru"
S03, S04 = "03_recurrent_neural_network", "04_backpropagation_through_time"

FORWARD_POINTS = {"shapes": 1, "values": 3, "edge": 1, "unchanged": 1}
BACKWARD_POINTS = {"shapes": 1, "values": 2, "edge": 1, "gradients": 2, "unchanged": 1}

SIMPLE_KEYS = ("Wc", "bc", "Wu", "bu")
FULL_KEYS = ("Wc", "bc", "Wu", "bu", "Wr", "br")


def gru_parameters(rng, n_a: int, n_x: int, n_y: int, keys=FULL_KEYS, **_: int) -> dict:
    """Random GRU parameters with the lecture's names: each W acts on [c⟨t-1⟩, x⟨t⟩]."""
    params = {}
    for key in keys:
        params[key] = normal(rng, n_a, n_a + n_x, scale=0.5) if key[0] == "W" else normal(rng, n_a, 1, scale=0.3)
    params["Wy"], params["by"] = normal(rng, n_y, n_a, scale=0.5), normal(rng, n_y, 1, scale=0.3)
    return params


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# ------------------------------------------------------------------------------------------ cell forward

def _cell_case(keys):
    def make(rng, size, fns):
        n_x, n_a, m = size["n_x"], size["n_a"], size["m"]
        args = {"xt": normal(rng, n_x, m), "c_prev": normal(rng, n_a, m, scale=0.8),
                "parameters": gru_parameters(rng, keys=keys, **size)}
        return Case(size_label(size), args)

    return make


def _swapped_columns(params: dict, n_a: int, keys=("Wc", "Wu", "Wr")) -> dict:
    """Weights that, acting on [c, x], give what the given ones give acting on [x, c]."""
    out = dict(params)
    for key in keys:
        if key in out:
            W = out[key]
            n_x = W.shape[1] - n_a
            out[key] = np.hstack([W[:, n_x:], W[:, :n_x]])
    return out


def _cell_mistakes(name: str, cache_gu: int, cache_cct: int) -> tuple[Mistake, ...]:
    """The mistakes a GRU cell forward (simplified or full) can make; cache positions of Γu and c̃."""

    def concat_order(case, fns, keys=("Wc", "Wu", "Wr")):
        a = case.args
        params = _swapped_columns(a["parameters"], a["c_prev"].shape[0], keys)
        return {"c_next": fns(name)(a["xt"], a["c_prev"], params)[0]}

    def update_swapped(case, fns):  # sigma(-z) = 1 - sigma(z): the reference with the update gate negated
        params = dict(case.args["parameters"], Wu=-case.args["parameters"]["Wu"], bu=-case.args["parameters"]["bu"])
        return {"c_next": fns(name)(case.args["xt"], case.args["c_prev"], params)[0]}

    def from_cache(combine):
        def outputs(case, fns):
            cache = fns(name)(**case.args)[2]
            return {"c_next": combine(cache[cache_gu], cache[cache_cct], case.args["c_prev"])}

        return outputs

    def arctanh(v):
        return np.arctanh(np.clip(v, -1 + 1e-15, 1 - 1e-15))

    def logit(v):
        return np.log(v) - np.log1p(-v)

    return (
        Mistake("c_next matches [x⟨t⟩, c⟨t-1⟩]: the lecture's gates act on [c⟨t-1⟩, x⟨t⟩], c first "
                "(np.concatenate([c_prev, xt])).", outputs=concat_order),
        Mistake("the gates' c_next matches [x⟨t⟩, c⟨t-1⟩]: Γu and Γr act on [c⟨t-1⟩, x⟨t⟩], c first "
                "(np.concatenate([c_prev, xt])).", outputs=lambda case, fns: concat_order(case, fns, ("Wu", "Wr"))),
        Mistake("the update gate's convention is swapped: in the lecture c⟨t⟩ = Γu∗c̃⟨t⟩ + (1 − Γu)∗c⟨t-1⟩, so "
                "Γu near 1 writes the candidate and Γu near 0 keeps the memory (PyTorch's z is 1 − Γu).",
                outputs=update_swapped),
        Mistake("the (1 − Γu)∗c⟨t-1⟩ term is missing: c⟨t⟩ = Γu∗c̃⟨t⟩ + (1 − Γu)∗c⟨t-1⟩.",
                outputs=from_cache(lambda gu, cct, c_prev: gu * cct)),
        Mistake("c⟨t-1⟩ is added without its factor (1 − Γu): c⟨t⟩ = Γu∗c̃⟨t⟩ + (1 − Γu)∗c⟨t-1⟩.",
                outputs=from_cache(lambda gu, cct, c_prev: gu * cct + c_prev)),
        Mistake("the candidate c̃⟨t⟩ uses σ: it is tanh(Wc[…] + bc), in (−1, 1); the gates use σ.",
                outputs=from_cache(lambda gu, cct, c_prev: gu * _sigmoid(arctanh(cct)) + (1 - gu) * c_prev)),
        Mistake("the update gate Γu uses tanh: gates use σ, so that they lie between 0 and 1.",
                outputs=from_cache(lambda gu, cct, c_prev: np.tanh(logit(gu)) * cct + (1 - np.tanh(logit(gu))) * c_prev)),
    )


def _no_softmax(out, ref, case):
    return (isinstance(out, tuple) and len(out) > 1 and isinstance(out[1], np.ndarray) and out[1].ndim == 2
            and not np.allclose(out[1].sum(axis=0), 1.0))


NO_SOFTMAX = Mistake("yt_pred does not sum to 1 over each column: is softmax applied to Wy c_next + by?",
                     when=_no_softmax)

simple_gru_cell_forward = FunctionSpec(
    name="simple_gru_cell_forward",
    make_case=_cell_case(SIMPLE_KEYS),
    points=FORWARD_POINTS,
    outputs=("c_next", "yt_pred", "cache"),
    depends=("softmax",),
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    mistakes=_cell_mistakes("simple_gru_cell_forward", 3, 4) + (NO_SOFTMAX,),
)


def _relevance_after_product(case, fns):
    """Γr applied to Wc's product with c⟨t-1⟩ instead of to c⟨t-1⟩ (Cho et al.'s and PyTorch's form)."""
    a = case.args
    p, c_prev, xt = a["parameters"], a["c_prev"], a["xt"]
    n_a = c_prev.shape[0]
    c_next, _, cache = fns("gru_cell_forward")(xt, c_prev, p)
    gu, gr = cache[3], cache[4]
    cct = np.tanh(gr * (p["Wc"][:, :n_a] @ c_prev) + p["Wc"][:, n_a:] @ xt + p["bc"])
    return {"c_next": gu * cct + (1 - gu) * c_prev}


def _relevance_forgotten(case, fns):
    a = case.args
    return {"c_next": fns("simple_gru_cell_forward")(a["xt"], a["c_prev"], a["parameters"])[0]}


def _relevance_tanh(case, fns):
    a = case.args
    p, c_prev, xt = a["parameters"], a["c_prev"], a["xt"]
    n_a = c_prev.shape[0]
    _, _, cache = fns("gru_cell_forward")(xt, c_prev, p)
    gu = cache[3]
    gr = np.tanh(p["Wr"] @ np.concatenate([c_prev, xt]) + p["br"])
    cct = np.tanh(p["Wc"] @ np.concatenate([gr * c_prev, xt]) + p["bc"])
    return {"c_next": gu * cct + (1 - gu) * c_prev}


gru_cell_forward = FunctionSpec(
    name="gru_cell_forward",
    make_case=_cell_case(FULL_KEYS),
    points=FORWARD_POINTS,
    outputs=("c_next", "yt_pred", "cache"),
    depends=("softmax",),
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    mistakes=_cell_mistakes("gru_cell_forward", 3, 5) + (
        Mistake("c_next is what the simplified GRU gives: the full GRU's candidate reads the relevance gate, "
                "c̃⟨t⟩ = tanh(Wc[Γr∗c⟨t-1⟩, x⟨t⟩] + bc).", outputs=_relevance_forgotten),
        Mistake("Γr multiplies the product Wc c⟨t-1⟩ (as in PyTorch's GRU); in the lecture it multiplies "
                "c⟨t-1⟩ before the product: tanh(Wc[Γr∗c⟨t-1⟩, x⟨t⟩] + bc).", outputs=_relevance_after_product),
        Mistake("the relevance gate Γr uses tanh: gates use σ, so that they lie between 0 and 1.",
                outputs=_relevance_tanh),
        NO_SOFTMAX,
    ),
)


# ------------------------------------------------------------------------------------------ cell backward

def _cell_backward_case(forward: str, keys):
    return cell_backward_case(forward, partial(gru_parameters, keys=keys), "c")


def _cell_backward_numeric(keys):
    return cell_backward_numeric(keys, "c")


def _without_direct_path(name: str, cache_gu: int):
    def outputs(case, fns):
        grads = fns(name)(**case.args)
        gu = case.args["cache"][cache_gu]
        return {"dc_prev": grads["dc_prev"] - case.args["dc_next"] * (1 - gu)}

    return outputs


def _flat_bias(out, ref, case):
    return isinstance(out, dict) and any(
        isinstance(out.get(k), np.ndarray) and out[k].size == ref[k].size and out[k].shape != ref[k].shape
        for k in ref if k.startswith("db"))


def _backward_mistakes(name: str, cache_gu: int) -> tuple[Mistake, ...]:
    return (
        Mistake("dc_prev misses the direct path: c⟨t⟩ = … + (1 − Γu)∗c⟨t-1⟩ gives dc_prev a term dc_next∗(1 − Γu), "
                "besides what comes back through the gates and the candidate.",
                outputs=_without_direct_path(name, cache_gu)),
        Mistake("the bias gradients must keep their column shape (n_a, 1): sum over the examples with keepdims=True.",
                when=_flat_bias),
    )


simple_gru_cell_backward = FunctionSpec(
    name="simple_gru_cell_backward",
    make_case=_cell_backward_case("simple_gru_cell_forward", SIMPLE_KEYS),
    points=BACKWARD_POINTS,
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    gradient=Gradient(forward="simple_gru_cell_forward", numeric=_cell_backward_numeric(SIMPLE_KEYS)),
    mistakes=_backward_mistakes("simple_gru_cell_backward", 3),
)


def _relevance_not_in_dc_prev(case, fns):
    """dc_prev's path through the candidate without the factor Γr (d(Γr∗c)/dc = Γr)."""
    grads = fns("gru_cell_backward")(**case.args)
    c_next, c_prev, xt, gu, gr, cct, p = case.args["cache"]
    n_a = c_prev.shape[0]
    through_candidate = (p["Wc"].T @ (case.args["dc_next"] * gu * (1 - cct**2)))[:n_a]
    return {"dc_prev": grads["dc_prev"] - through_candidate * gr + through_candidate}


gru_cell_backward = FunctionSpec(
    name="gru_cell_backward",
    make_case=_cell_backward_case("gru_cell_forward", FULL_KEYS),
    points=BACKWARD_POINTS,
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    gradient=Gradient(forward="gru_cell_forward", numeric=_cell_backward_numeric(FULL_KEYS)),
    mistakes=_backward_mistakes("gru_cell_backward", 3) + (
        Mistake("dc_prev's path through the candidate misses Γr: the candidate reads Γr∗c⟨t-1⟩, so that part of "
                "the gradient at [Γr∗c⟨t-1⟩, x⟨t⟩] is multiplied by Γr on its way to c⟨t-1⟩.",
                outputs=_relevance_not_in_dc_prev),
    ),
)


# ------------------------------------------------------------------------------------------ sequence

def _sequence_case(rng, size, fns):
    n_x, n_a, m, T_x = size["n_x"], size["n_a"], size["m"], size["T_x"]
    args = {"x": normal(rng, n_x, m, T_x), "c0": normal(rng, n_a, m, scale=0.8),
            "parameters": gru_parameters(rng, **size)}
    return Case(size_label(size), args)


def _c0_every_step(case, fns):
    cell = fns("gru_cell_forward")
    x, c0, p = case.args["x"], case.args["c0"], case.args["parameters"]
    return {"c": np.stack([cell(x[:, :, t], c0, p)[0] for t in range(x.shape[2])], axis=2)}


def _first_step_only(out, ref, case):
    return (isinstance(out, tuple) and isinstance(out[0], np.ndarray) and out[0].shape == ref[0].shape
            and ref[0].shape[2] > 1 and np.allclose(out[0][:, :, 0], ref[0][:, :, 0]) and not np.allclose(out[0], ref[0]))


gru_forward = FunctionSpec(
    name="gru_forward",
    make_case=_sequence_case,
    points=FORWARD_POINTS,
    outputs=("c", "y_pred", "caches"),
    depends=("gru_cell_forward",),
    sizes=SEQ_SIZES,
    edge_sizes=SEQ_EDGE,
    mistakes=(
        Mistake("every c⟨t⟩ is computed from c0: pass each step's c_next on as the next step's c_prev.",
                outputs=_c0_every_step),
        Mistake("only the first time step is right: is c_prev updated inside the loop over t?", when=_first_step_only),
    ),
)


# sequences for the backward passes: their finite differences cost two forward passes per entry, so a little
# smaller than SEQ_SIZES (grading time), still with n_a ≠ n_x and several examples and steps
BPTT_SIZES = (dict(n_x=3, n_a=4, n_y=2, m=3, T_x=4), dict(n_x=2, n_a=3, n_y=3, m=2, T_x=5))


_backward_case = sequence_backward_case("gru_forward", gru_parameters, "c")
_backward_numeric = sequence_backward_numeric(FULL_KEYS, "c")


def not_accumulated(weights):
    return Mistake(f"dx and the initial state's gradient are right but the weight gradients are not: add every time "
                   f"step's {', '.join(weights)} to the totals (+=) instead of overwriting them.",
                   when=lambda out, ref, case: _close(out, ref, "dx") and all(
                       _close(out, ref, k) for k in ref if k.endswith("0"))
                   and not all(_close(out, ref, k) for k in weights))


def not_carried(state: str, above: str):
    return Mistake(f"only the last time step's dx is right: at each step the gradient arriving from above, "
                   f"{above}[:, :, t], must be added to {state} coming back from step t+1.",
                   when=lambda out, ref, case: case.args[above].shape[2] > 1
                   and _close(out, ref, "dx", (..., -1)) and not _close(out, ref, "dx"))


gru_backward = FunctionSpec(
    name="gru_backward",
    make_case=_backward_case,
    points=BACKWARD_POINTS,
    depends=("gru_cell_backward",),
    sizes=BPTT_SIZES,
    edge_sizes=SEQ_EDGE,
    gradient=Gradient(forward="gru_forward", numeric=_backward_numeric),
    mistakes=(not_accumulated(("dWc", "dbc", "dWu", "dbu", "dWr", "dbr")), not_carried("dc_prevt", "dc")),
)


NOTEBOOK = NotebookSpec(
    stem=STEM,
    functions=(simple_gru_cell_forward, simple_gru_cell_backward, gru_cell_forward, gru_forward,
               gru_cell_backward, gru_backward),
    imports={"softmax": S03, "rnn_forward": S03, "rnn_backward": S04},
)
