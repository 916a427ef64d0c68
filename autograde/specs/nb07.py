"""Notebook 07, Sampling novel sequences (对新序列的采样): one step's distribution, the fixed `sample`, and the
fixed `sample_words` (word-level sampling that rejects <UNK>).

`sample` and `sample_words` draw from a generator `rng`; their contract (x<1> = 0, exactly one
rng.choice(n_y, p=...) per draw, stop after eos_index or max_length) lets the grader replay them: the student's
function and the reference get generators in the same state (a :class:`autograde.wire.GeneratorRef`), so the
sequences must be equal ("values"). Independently, on a long sequence from a model without memory, the
frequencies of the tokens are compared with the reference's sample ("distribution"), which a correct sampler
that draws differently passes; for `sample_words` the distribution check also fails any output holding <UNK>.

Whether a check catches a catalogued mistake must not depend on the random values of a case (issue 17), so the
structure of each case is fixed and only its values are drawn:

* a ``_flat`` case has logits so small that no token has probability above one half at any step, and no
  reachable <EOS>, over at least 20 steps: the argmax path and a sampled one differ (probability of the
  contrary < 1e-6);
* a ``_driven`` case has large input and output weights and an unreachable <EOS>, so that the state, and the
  next token, follow the inputs: an input that is not a fresh one-hot vector (x never reset, <UNK> fed back)
  changes the sequence; the edge cases have none, so that a wrong input fails the values, never the edge check;
* an ``_ends`` case makes <EOS> impossible first and likely at every later step: the sentence ends before
  max_length, after a few tokens;
* a ``_first_flips`` case (one token) makes its first draw near-certain and flips it when x<1> or a<0> is not
  zero, so that a wrong start fails the edge check whatever the generator's values;
* a ``_memoryless`` case has no recurrence and well-separated biases, so that the temperature changes the
  frequencies far beyond chance;
* a `sample_words` case gives <UNK> a large probability at every step over many steps, so that draws are
  rejected (and a sampler that counts them, feeds them back or renormalises p differs from the replay);
* an ``_unk_matters`` case (one long case, one edge case) has a state unit that tells an <UNK> input from any
  other and moves two tokens' logits far apart, and a generator seed drawn until the sequence changes when
  <UNK> is fed back as the next input, so that this mistake fails both value checks whatever the random values.

A sampled sequence's length is part of its value (``lengths_are_values``): a sequence that ends too early or
too late fails the value checks, not "shapes and dtypes", which fails only for what is not a list of indices.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograde import wire
from autograde.checks import index_sequence, redact
from autograde.spec import Case, FunctionSpec, Mistake, NotebookSpec, size_label
from autograde.specs._inputs import normal

STEM = "07_sampling_novel_sequences"

# ------------------------------------------------------------------------------------ next_token_distribution

STEP_SIZES = (
    dict(n_y=5, n_a=4, m=3, temperature=0.7),
    dict(n_y=7, n_a=3, m=2, temperature=1.5, _confident=1),  # logits so large that exp overflows without the max
)
STEP_EDGE = (
    dict(n_y=3, n_a=1, m=1, temperature=1.0),
    dict(n_y=1, n_a=2, m=2, temperature=0.5),
    dict(n_y=2, n_a=2, m=1, temperature=2.0),
)


def step_case(rng, size, fns):
    n_y, n_a, m = size["n_y"], size["n_a"], size["m"]
    params = {"Waa": normal(rng, n_a, n_a, scale=0.8), "Wax": normal(rng, n_a, n_y, scale=1.0),
              "Wya": normal(rng, n_y, n_a, scale=1.5), "ba": normal(rng, n_a, 1, scale=0.3),
              "by": normal(rng, n_y, 1, scale=0.5)}
    if size.get("_confident"):  # two logits above 1000 / temperature: exp overflows unless the max is subtracted
        params["by"][rng.choice(n_y, size=2, replace=False)] += rng.uniform(1500.0, 2000.0, size=(2, 1))
    xt = np.zeros((n_y, m))
    xt[rng.integers(0, n_y, size=m), np.arange(m)] = 1.0
    xt[:, 0] = 0.0  # the first column is x<1> = 0
    args = {"xt": xt, "a_prev": normal(rng, n_a, m, scale=0.7), "parameters": params,
            "temperature": float(size["temperature"])}
    return Case(size_label(size), args)


def _step_with(case, fns, **changes):
    a_next, p = fns("next_token_distribution")(**{**case.args, **changes})
    return {"p": p}


def _softmax_wrong_axis(case, fns):
    a = case.args
    a_next, _ = fns("next_token_distribution")(**a)
    z = (a["parameters"]["Wya"] @ a_next + a["parameters"]["by"]) / a["temperature"]
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return {"p": e / np.sum(e, axis=1, keepdims=True)} if z.shape[1] > 1 else None


next_token_distribution = FunctionSpec(
    name="next_token_distribution",
    make_case=step_case,
    points={"shapes": 1, "values": 2, "edge": 1, "unchanged": 1},
    outputs=("a_next", "p"),
    sizes=STEP_SIZES,
    edge_sizes=STEP_EDGE,
    unchanged_hint="do not change the inputs: compute new arrays from them",
    mistakes=(
        Mistake("the temperature has no effect: divide the logits Wya a + by by the temperature BEFORE the "
                "softmax (dividing the probabilities after it changes nothing once they are normalised).",
                outputs=lambda case, fns: _step_with(case, fns, temperature=1.0)
                if case.args["temperature"] != 1.0 else None),
        Mistake("p is the softmax of the logits MULTIPLIED by the temperature: divide them by it, so that a low "
                "temperature sharpens the distribution.",
                outputs=lambda case, fns: _step_with(case, fns, temperature=1.0 / case.args["temperature"])
                if case.args["temperature"] != 1.0 else None),
        Mistake("the columns of p do not each sum to 1: the softmax runs over the vocabulary, axis 0, separately "
                "for each of the m columns.", outputs=_softmax_wrong_axis),
    ),
)


# --------------------------------------------------------------------------------------------------- sample

# (the long cases first, edge cases too: the hint comes from the first case that fails, and only a long sequence
# tells the mistakes apart; a one-token output matches the argmax path by chance)
SAMPLE_SIZES = (
    dict(n_y=8, n_a=6, max_length=40, temperature=0.7, _driven=1, _no_end=1, _start_matters=1),
    dict(n_y=5, n_a=4, max_length=150, temperature=1.0, _ends=1),
    # a vocabulary without <EOS> (eos_index=None): the lecture's fixed-length stop
    dict(n_y=6, n_a=5, max_length=12, temperature=1.6, _driven=1, _no_eos=1),
    # no memory and an unreachable <EOS>: 1000 independent draws whose frequencies are tested
    dict(n_y=5, n_a=3, max_length=1000, temperature=0.6, _memoryless=1, _no_end=1),
)
SAMPLE_EDGE = (
    dict(n_y=3, n_a=1, max_length=20, temperature=1.0, _flat=1, _no_end=1),
    dict(n_y=2, n_a=1, max_length=1, temperature=1.0, _first_flips=1),
    dict(n_y=1, n_a=2, max_length=5, temperature=1.0),
)


def _likely(params: dict, index: int, temperature: float, share: float = 1 / 3, cap: float | None = None,
            besides: tuple = ()) -> None:
    """Make ``index`` drawn with probability at least ``share`` at every step, whatever the state: its output row
    is zeroed and its bias set above every other reachable logit's bound R. With ``cap``, the other logits are
    first scaled down to |logit| <= cap, which bounds the probability above too (R = 1, share 1/10: <= 0.45).
    The tokens ``besides`` are left out (the share is then among the others)."""
    reachable = [i for i in range(params["by"].shape[0])
                 if i != index and i not in besides and params["by"][i, 0] > -50.0]
    params["Wya"][index] = 0.0
    bound = float((np.abs(params["Wya"][reachable]).sum(axis=1) + np.abs(params["by"][reachable, 0])).max())
    if cap is not None and bound > cap:
        params["Wya"][reachable] *= cap / bound
        params["by"][reachable] *= cap / bound
        bound = cap
    # P(index) >= e^(c/T) / (e^(c/T) + k e^(R/T)) = share when c = R + T log(k share / (1 - share))
    params["by"][index] = bound + temperature * np.log(len(reachable) * share / (1 - share))


def _model(rng, size) -> tuple[dict, int | None]:
    """A basic RNN's parameters of the case's structure (module docstring), and its <EOS> index."""
    n_y, n_a = size["n_y"], size["n_a"]
    eos = None if size.get("_no_eos") else int(rng.integers(0, n_y))
    driven = bool(size.get("_driven"))
    params = {"Waa": normal(rng, n_a, n_a, scale=0.8), "Wax": normal(rng, n_a, n_y, scale=3.0 if driven else 1.0),
              "Wya": normal(rng, n_y, n_a, scale=3.0 if driven else 1.5), "ba": normal(rng, n_a, 1, scale=0.3),
              "by": normal(rng, n_y, 1, scale=0.5)}
    if size.get("_ends"):
        # never <EOS> first (P < 1e-6), then P(<EOS>) >= 1/10 at every step: the sentence has at least two tokens
        # and ends before max_length = 150 (P > 1 - 1e-6). State unit 0 tells the first step (x<1> = 0) from
        # the others.
        params["Waa"][0] = 0.0
        params["Wax"][0] = 6.0
        params["ba"][0] = -3.0
        _likely(params, eos, float(size["temperature"]), share=0.1, cap=1.0)
        params["Wya"][eos, 0] = 15.0
        params["by"][eos] -= 15.0 * np.tanh(3.0)
    if size.get("_flat"):  # p is the same at every step, whatever the input: max p < 1/2
        params["Wya"][:] = 0.0
        params["by"] = normal(rng, n_y, 1, scale=0.05)
    if size.get("_memoryless"):
        params["Waa"][:] = 0.0
        params["Wax"][:] = 0.0
        params["Wya"] = normal(rng, n_y, n_a, scale=0.01)
        # well-separated logits: the temperature changes the frequencies far beyond chance
        params["by"] = (rng.permutation(n_y) * 0.8 + normal(rng, n_y, scale=0.1)).reshape(n_y, 1)
    if size.get("_first_flips"):
        # the first draw is near-certain (P > 1 - 1e-8) and flips when x<1> or a<0> is not zero: state unit 0 is
        # tanh(-3) from zeros and >= tanh(3) when x<1> or a<0> is all ones (its weights sum to 6); it alone
        # drives the logits of one token that is not <EOS> (likely from zeros) and of <EOS> (likely otherwise);
        # every other token is never drawn
        others = [i for i in range(n_y) if i != eos]
        first = int(others[int(rng.integers(0, len(others)))])
        flip = eos if eos is not None else int(next(i for i in range(n_y) if i != first))
        params["Waa"][0] = 6.0 / n_a
        params["Wax"][0] = 6.0 / n_y
        params["ba"][0] = -3.0
        params["Wya"][:] = 0.0
        params["by"][:] = -60.0
        params["Wya"][first, 0], params["by"][first] = -10.0, 0.0
        params["Wya"][flip, 0], params["by"][flip] = 10.0, 0.0
    if size.get("_no_end") and eos is not None and n_y > 1:
        params["by"][eos] = -60.0  # never drawn: every call gives max_length tokens
    return params, eos


def _replay(fns, args, x_fill: float, a_fill: float, feed_unk: bool = False) -> list[int]:
    """The contract's sequence (sample, or sample_words with args["unk_index"]) from x<1> and a<0> filled with
    the given values instead of zeros; with ``feed_unk``, a drawn <UNK> is left out of the list but fed back as
    the next input (the catalogued mistake) instead of drawn again from the same p."""
    params, unk, rng = args["parameters"], args.get("unk_index"), args["rng"].make()
    (n_y, n_a), n_x = params["Wya"].shape, params["Wax"].shape[1]
    x, a, indices = np.full((n_x, 1), x_fill), np.full((n_a, 1), a_fill), []
    while len(indices) < args["max_length"]:
        a, p = fns("next_token_distribution")(x, a, params, args["temperature"])
        index = int(rng.choice(n_y, p=p.ravel()))
        while index == unk and not feed_unk:
            index = int(rng.choice(n_y, p=p.ravel()))
        if index != unk:
            indices.append(index)
        if index == args["eos_index"]:
            break
        x = np.zeros((n_x, 1))
        x[index] = 1.0
    return indices


def _with_seed(rng, size, fns, make_args) -> dict:
    """The case's arguments with a generator seed drawn from ``rng``. A ``_start_matters`` case draws seeds until
    the reference's sequence changes when x<1> or a<0> is all ones instead of zeros (about half of the seeds), so
    that a wrong start fails the values whatever the random values; an ``_unk_matters`` case, until it changes
    when <UNK> is fed back as the next input (nearly every seed, by :func:`_unk_moves`)."""
    for _ in range(200):
        args = make_args(wire.GeneratorRef((int(rng.integers(0, 2**32)),)))
        contract = _replay(fns, args, 0.0, 0.0) if size.get("_start_matters") or size.get("_unk_matters") else None
        if size.get("_start_matters") and not all(
                _replay(fns, args, x_fill, a_fill) != contract for x_fill, a_fill in ((1.0, 0.0), (0.0, 1.0))):
            continue
        if size.get("_unk_matters") and _replay(fns, args, 0.0, 0.0, feed_unk=True) == contract:
            continue
        return args
    raise RuntimeError(f"no generator seed makes the start or the <UNK> of case {size_label(size)} matter")


def sample_case(rng, size, fns):
    params, eos = _model(rng, size)
    args = _with_seed(rng, size, fns, lambda seed: {
        "parameters": params, "eos_index": eos, "rng": seed, "max_length": size["max_length"],
        "temperature": float(size["temperature"])})
    return Case(size_label(size), args,
                context={"distribution": bool(size.get("_memoryless")), "frequencies": bool(size.get("_memoryless"))})


def _call(fns, case, name="sample", rng=None, **changes):
    args = {**case.args, **changes}
    args["rng"] = args["rng"].make() if rng is None else rng
    return fns(name)(**args)


def chi_square(out: list[int], ref: list[int], n_y: int) -> str | None:
    """Two-sample chi-square test of the token frequencies of ``out`` against those of ``ref`` (of any lengths)."""
    a = np.bincount(out, minlength=n_y)[:n_y].astype(np.float64)
    b = np.bincount(ref, minlength=n_y).astype(np.float64)
    used = (a + b) > 0
    k1, k2 = np.sqrt(b.sum() / a.sum()), np.sqrt(a.sum() / b.sum())
    stat = float(np.sum((k1 * a[used] - k2 * b[used]) ** 2 / (a[used] + b[used])))
    df = max(int(used.sum()) - 1, 1)
    if (stat - df) / np.sqrt(2 * df) > 6.0:  # far beyond chance for equal distributions
        if redact.hidden():  # the figures come from the student's draws and the reference's on hidden inputs
            return ("the frequencies of the sampled indices do not follow softmax(z / temperature) (a chi-square "
                    "test puts them far beyond chance)")
        top = int(np.argmax(a))
        return (f"the frequencies of the sampled indices do not follow softmax(z / temperature) "
                f"(chi-square {stat:.0f} on {df} degrees of freedom); index {top} makes up {a[top] / a.sum():.0%} "
                f"of your samples and {b[top] / b.sum():.0%} of the reference's")
    return None


def same_distribution(out, ref, case) -> str | None:
    """What is wrong with the distribution of ``out`` (None if nothing): a valid answer (any sequence of ints,
    as the values check accepts), without <UNK> (for sample_words), whose frequencies follow the reference's
    on a long sample. (A sequence of the wrong length is the values check's business.)"""
    n_y = case.args["parameters"]["Wya"].shape[0]
    indices = index_sequence(out)
    if indices is None or not all(0 <= i < n_y for i in indices):
        return f"the output is not a sequence of indices in [0, {n_y})"
    unk = case.args.get("unk_index")
    if unk is not None and unk in indices:
        if redact.hidden():  # (unk_index is a hidden input, and the count the student's output's)
            return "<UNK> (unk_index) is in the output: a draw equal to unk_index must be rejected and drawn again"
        return (f"<UNK> (index {unk}) is in the output {indices.count(unk)} time{'s' if indices.count(unk) > 1 else ''}: "
                "a draw equal to unk_index must be rejected and drawn again")
    if case.context.get("frequencies"):
        return chi_square(indices, ref, n_y) if indices else "the output is empty"
    return None


class _Draws:
    """A generator that draws differently from rng.choice(n_y, p=p), to recognise a sampler that does."""

    def __init__(self, rng: np.random.Generator, how: str):
        self.rng, self.how = rng, how

    def choice(self, n, p=None, **_: Any):
        p = np.asarray(p, dtype=np.float64)
        if self.how == "multinomial":
            return int(np.argmax(self.rng.multinomial(1, p / p.sum())))
        self.rng.random()  # "extra": a draw of its own before each choice
        return self.rng.choice(n, p=p)


def _other_draws(how, name="sample"):
    return lambda case, fns: {"": _call(fns, case, name, rng=_Draws(case.args["rng"].make(), how))}


def _x_never_reset(case, fns):
    """sample with x<t+1> = x<t> + one_hot(index): the input vector is never reset to zeros."""
    a = case.args
    params, step, rng = a["parameters"], fns("next_token_distribution"), a["rng"].make()
    n_y, n_a = params["Wya"].shape
    x, h, indices = np.zeros((params["Wax"].shape[1], 1)), np.zeros((n_a, 1)), []
    while len(indices) < a["max_length"]:
        h, p = step(x, h, params, a["temperature"])
        index = int(rng.choice(n_y, p=p.ravel()))
        indices.append(index)
        if index == a["eos_index"]:
            break
        x[index] = 1.0
    return {"": indices}


def _shorter(case, fns):
    ref = _call(fns, case)
    return {"": ref[:-1]} if ref and ref[-1] == case.args["eos_index"] else None


def _valid_but_other(out, ref, case) -> bool:
    indices = index_sequence(out)
    n_y = case.args["parameters"]["Wya"].shape[0]
    return indices is not None and all(0 <= i < n_y for i in indices)


GENERIC_REPLAY = ("the indices are valid but not the ones the reference draws from the same generator state. Check, "
                  "step by step: the state update from the previous state and input, a fresh one-hot x for each "
                  "step's input, the stop rule, and exactly one rng.choice(n_y, p=p.ravel()) per draw with nothing "
                  "else drawn from rng.")

sample = FunctionSpec(
    name="sample",
    depends=("next_token_distribution",),
    make_case=sample_case,
    points={"shapes": 1, "values": 3, "edge": 1, "distribution": 2, "unchanged": 1},
    sizes=SAMPLE_SIZES,
    edge_sizes=SAMPLE_EDGE,
    distribution=same_distribution,
    lengths_are_values=True,
    unchanged_hint="do not change the parameters: compute new arrays from them",
    mistakes=(
        Mistake("this is the most probable index at every step (argmax): draw the index with "
                "rng.choice(n_y, p=p.ravel()) instead.",
                outputs=lambda case, fns: {"": _call(fns, case, temperature=1e-9)}),
        Mistake("the temperature has no effect: divide the logits Wya a + by by the temperature BEFORE the "
                "softmax (dividing the probabilities after it changes nothing once they are normalised).",
                outputs=lambda case, fns: {"": _call(fns, case, temperature=1.0)}
                if case.args["temperature"] != 1.0 else None),
        Mistake("the sequence stops without <EOS>: append eos_index to the list, then stop.", outputs=_shorter),
        Mistake("sampling went on after <EOS>: stop as soon as eos_index has been appended.",
                outputs=lambda case, fns: {"": _call(fns, case, eos_index=-1)}
                if case.args["eos_index"] is not None else None),
        Mistake("the input x is never reset: each step's x must be a fresh one-hot vector of the index just drawn "
                "(np.zeros, then a single 1), not the previous x with one more 1 in it.", outputs=_x_never_reset),
        Mistake("the indices are drawn with rng.multinomial: draw each index with exactly one "
                "rng.choice(n_y, p=p.ravel()), so that the grader can replay your draws.",
                outputs=_other_draws("multinomial")),
        Mistake("something else is drawn from rng besides one rng.choice(n_y, p=p.ravel()) per step: the grader "
                "replays the reference with your generator's state, so draw nothing else from rng.",
                outputs=_other_draws("extra")),
        Mistake(GENERIC_REPLAY, when=_valid_but_other),
    ),
)


# ---------------------------------------------------------------------------------------------- sample_words

WORDS_SIZES = (
    dict(n_y=8, n_a=5, max_length=40, temperature=1.0, _driven=1, _no_end=1, _start_matters=1, _unk_matters=1),
    dict(n_y=6, n_a=4, max_length=150, temperature=1.0, _ends=1),
    dict(n_y=5, n_a=4, max_length=150, temperature=1.2, _no_unk=1, _ends=1),  # unk_index=None: exactly sample
    # no memory and an unreachable <EOS>: 1000 accepted draws whose frequencies are tested
    dict(n_y=5, n_a=3, max_length=1000, temperature=0.7, _memoryless=1, _no_end=1),
)
WORDS_EDGE = (
    dict(n_y=4, n_a=2, max_length=40, temperature=1.0, _driven=1, _no_end=1, _unk_matters=1),
    dict(n_y=2, n_a=1, max_length=50, temperature=1.0, _flat=1),  # <UNK> and <EOS> only: every sentence is [eos]
    dict(n_y=3, n_a=2, max_length=1, temperature=1.0, _no_unk_drawn=1, _first_flips=1),
)


def _unk_moves(rng, params: dict, unk: int) -> None:
    """Make an <UNK> fed back as the input change the next draw's distribution far, whatever the random values:
    state unit 0 is tanh(3) after an <UNK> input and tanh(-3) after any other (x<1> = 0 included), and it alone
    raises the logit of one reachable token and lowers another's, with weights +-w larger than the rest of any
    reachable row. After :func:`_likely` scales every reachable row to |logit| <= 0.75, w is still > 0.375, so
    unit 0 alone moves the log-odds of the two tokens by more than 4 tanh(3) 0.375 = 1.49 after an <UNK> input
    (the other units move with the input too); :func:`_with_seed` then picks a seed where the sequence changes."""
    n_y = params["Wya"].shape[0]
    reachable = [i for i in range(n_y) if i != unk and params["by"][i, 0] > -50.0]
    params["Waa"][0] = 0.0
    params["Wax"][0] = 0.0
    params["Wax"][0, unk] = 6.0
    params["ba"][0] = -3.0
    params["Wya"][:, 0] = 0.0
    w = 1.0 + float((np.abs(params["Wya"][reachable]).sum(axis=1) + np.abs(params["by"][reachable, 0])).max())
    up, down = (int(i) for i in rng.choice(reachable, size=2, replace=False))
    params["Wya"][up, 0], params["Wya"][down, 0] = w, -w


def words_case(rng, size, fns):
    n_y, temperature = size["n_y"], float(size["temperature"])
    params, eos = _model(rng, size)
    unk = None
    if not size.get("_no_unk"):
        # (a case whose first draw flips has its <UNK> among the tokens never drawn)
        unk = int(rng.choice([i for i in range(n_y) if i != eos
                              and not (size.get("_first_flips") and params["by"][i, 0] > -50.0)]))
        if size.get("_no_unk_drawn"):
            params["by"][unk] = -60.0  # never drawn: one token, whatever the rejection does
        elif size.get("_memoryless") or size.get("_flat"):
            # p is the same at every step; P(<UNK>) = 1/3 (2/3 with two tokens: [eos] after a few rejections)
            reachable = [i for i in range(n_y) if i != unk and params["by"][i, 0] > -50.0]
            z = params["by"][reachable, 0] / temperature
            share = 2 / 3 if n_y == 2 else 1 / 3
            lse = z.max() + np.log(np.sum(np.exp(z - z.max())))
            params["Wya"][unk] = 0.0
            params["by"][unk] = temperature * (lse + np.log(share / (1 - share)))
        else:
            # every reachable logit within +-0.75, <UNK> drawn with probability 1/3 to 0.7 at every step: draws
            # are rejected often, never forever, and not 40 times in a row; fed back as an input, <UNK> moves
            # the state far
            params["Wax"][:, unk] = 4.0 * np.sign(params["Wax"][:, unk] + 1e-300)
            if size.get("_unk_matters"):
                _unk_moves(rng, params, unk)
            _likely(params, unk, temperature, cap=0.75, besides=(eos,) if size.get("_ends") else ())
    args = _with_seed(rng, size, fns, lambda seed: {
        "parameters": params, "eos_index": eos, "unk_index": unk, "rng": seed, "max_length": size["max_length"],
        "temperature": temperature})
    return Case(size_label(size), args,
                context={"distribution": True, "frequencies": bool(size.get("_memoryless"))})


class _Rejecting:
    """A generator whose choice rejects <UNK> in one of the ways a sampler might."""

    def __init__(self, rng: np.random.Generator, unk: int, how: str):
        self.rng, self.unk, self.how, self.draws = rng, unk, how, []

    def choice(self, n, p=None, **_: Any):
        p = np.asarray(p, dtype=np.float64)
        if self.how == "renormalised":
            q = p.copy()
            q[self.unk] = 0.0
            index = int(self.rng.choice(n, p=q / q.sum()))
            self.draws.append(1)
            return index
        count = 0
        while True:  # "count": as the contract, noting how many draws each accepted index took
            index = int(self.rng.choice(n, p=p))
            count += 1
            if index != self.unk:
                self.draws.append(count)
                return index


def _renormalised(case, fns):
    """<UNK> removed from p, which is renormalised, and one draw from it."""
    a = case.args
    if a["unk_index"] is None:
        return None
    gen = _Rejecting(a["rng"].make(), a["unk_index"], "renormalised")
    return {"": fns("sample")(a["parameters"], a["eos_index"], gen, a["max_length"], a["temperature"])}


def _unk_kept(case, fns):
    a = case.args
    if a["unk_index"] is None:
        return None
    return {"": fns("sample")(a["parameters"], a["eos_index"], a["rng"].make(), a["max_length"], a["temperature"])}


def _unk_fed_back(case, fns):
    """<UNK> left out of the list but fed back as the next input (not counted toward max_length)."""
    a = case.args
    if a["unk_index"] is None:
        return None
    drawn = fns("sample")(a["parameters"], a["eos_index"], a["rng"].make(), 20 * a["max_length"] + 50, a["temperature"])
    return {"": [i for i in drawn if i != a["unk_index"]][: a["max_length"]]}


def _rejections_counted(case, fns):
    """As the contract, but every draw, rejected or not, counts toward max_length."""
    a = case.args
    if a["unk_index"] is None:
        return None
    gen = _Rejecting(a["rng"].make(), a["unk_index"], "count")
    full = fns("sample")(a["parameters"], a["eos_index"], gen, a["max_length"], a["temperature"])
    total, kept = 0, []
    for index, draws in zip(full, gen.draws):
        total += draws
        if total > a["max_length"]:
            break
        kept.append(index)
    return {"": kept} if kept != full else None


sample_words = FunctionSpec(
    name="sample_words",
    depends=("next_token_distribution",),
    make_case=words_case,
    points={"shapes": 1, "values": 3, "edge": 1, "distribution": 2, "unchanged": 1},
    sizes=WORDS_SIZES,
    edge_sizes=WORDS_EDGE,
    distribution=same_distribution,
    lengths_are_values=True,
    unchanged_hint="do not change the parameters: compute new arrays from them",
    mistakes=(
        Mistake("<UNK> is in your output: when a draw equals unk_index, reject it and draw again with another "
                "rng.choice(n_y, p=p.ravel()) from the same p.", outputs=_unk_kept),
        Mistake("you draw from p with <UNK>'s probability removed and the rest renormalised. That is a fine idea "
                "and gives the same distribution, but it is not this function's contract, by which the grader "
                "replays your draws: draw from the full p, and while the draw is unk_index, draw again with "
                "another rng.choice(n_y, p=p.ravel()) from the same p.", outputs=_renormalised),
        Mistake("the rejected <UNK> was left out of the list but fed back as the next input: a rejected draw "
                "changes nothing, neither the input nor the state; draw again from the same p.",
                outputs=_unk_fed_back),
        Mistake("rejected draws were counted toward max_length: only the indices in the list count, so a "
                "sentence that does not end with <EOS> has exactly max_length indices.", outputs=_rejections_counted),
        Mistake("the indices are drawn with rng.multinomial: draw each index with exactly one "
                "rng.choice(n_y, p=p.ravel()) per draw, so that the grader can replay your draws.",
                outputs=_other_draws("multinomial", "sample_words")),
        Mistake(GENERIC_REPLAY.replace("exactly one rng.choice(n_y, p=p.ravel()) per draw",
                                       "exactly one rng.choice(n_y, p=p.ravel()) per draw (a rejected <UNK> is "
                                       "drawn again from the same p)"), when=_valid_but_other),
    ),
)


NOTEBOOK = NotebookSpec(stem=STEM, functions=(next_token_distribution, sample, sample_words))
