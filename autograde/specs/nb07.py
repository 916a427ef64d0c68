"""Notebook 07, Sampling novel sequences (对新序列的采样): the fixed `sample`.

`sample` draws from a generator `rng`; its contract (x<1> = 0, exactly one rng.choice(n_y, p=...) per step,
stop after eos_index or max_length) lets the grader replay it: the student's function and the reference get
generators in the same state (a :class:`autograde.wire.GeneratorRef`), so the sequences must be equal
("values"). Independently, on a long sequence from a model without memory, the frequencies of the tokens are
compared with the reference's sample ("distribution"), which a correct sampler that draws differently passes.
"""

from __future__ import annotations

import numpy as np

from autograde import wire
from autograde.spec import Case, FunctionSpec, Mistake, NotebookSpec, size_label
from autograde.specs._inputs import normal

STEM = "07_sampling_novel_sequences"

SAMPLE_SIZES = (
    dict(n_y=5, n_a=4, max_length=30, temperature=1.0),
    dict(n_y=8, n_a=6, max_length=40, temperature=0.7),
    dict(n_y=6, n_a=5, max_length=12, temperature=1.6),
    # no memory and an unreachable <EOS>: 1000 independent draws whose frequencies are tested
    dict(n_y=5, n_a=3, max_length=1000, temperature=0.6, _memoryless=1),
)
SAMPLE_EDGE = (
    dict(n_y=2, n_a=1, max_length=1, temperature=1.0),
    dict(n_y=1, n_a=2, max_length=5, temperature=1.0),
    dict(n_y=3, n_a=1, max_length=6, temperature=0.8),
)


def sample_case(rng, size, fns):
    n_y, n_a = size["n_y"], size["n_a"]
    eos = int(rng.integers(0, n_y))
    params = {"Waa": normal(rng, n_a, n_a, scale=0.8), "Wax": normal(rng, n_a, n_y, scale=1.0),
              "Wya": normal(rng, n_y, n_a, scale=1.5), "ba": normal(rng, n_a, 1, scale=0.3),
              "by": normal(rng, n_y, 1, scale=0.5)}
    params["by"][eos] += 0.5 if n_y > 2 else 0.0  # sentences end after a few steps
    if size.get("_memoryless"):
        params["Waa"][:] = 0.0
        params["Wax"][:] = 0.0
        params["by"] = normal(rng, n_y, 1, scale=1.0)
        params["by"][eos] = -60.0  # never drawn: every call gives max_length tokens
    seed = wire.GeneratorRef((int(rng.integers(0, 2**32)),))
    args = {"parameters": params, "eos_index": eos, "rng": seed, "max_length": size["max_length"],
            "temperature": float(size["temperature"])}
    return Case(size_label(size), args, context={"distribution": bool(size.get("_memoryless"))})


def _call(fns, case, **changes):
    args = {**case.args, **changes}
    args["rng"] = args["rng"].make()
    return fns("sample")(**args)


def same_distribution(out, ref, case) -> str | None:
    """Two-sample chi-square test of the token frequencies of ``out`` against those of the reference ``ref``."""
    n_y = case.args["parameters"]["Wya"].shape[0]
    if not isinstance(out, list) or not out or not all(isinstance(i, int) and 0 <= i < n_y for i in out):
        return f"the output is not a non-empty list of indices in [0, {n_y})"
    a = np.bincount(out, minlength=n_y)[:n_y].astype(np.float64)
    b = np.bincount(ref, minlength=n_y).astype(np.float64)
    a, b = a * (b.sum() / a.sum()), b  # the same total
    used = (a + b) > 0
    stat = float(np.sum((a[used] - b[used]) ** 2 / (a[used] + b[used])))
    df = max(int(used.sum()) - 1, 1)
    if (stat - df) / np.sqrt(2 * df) > 6.0:  # far beyond chance for equal distributions
        top = int(np.argmax(a))
        return (f"the frequencies of the sampled indices do not follow softmax(z / temperature) "
                f"(chi-square {stat:.0f} on {df} degrees of freedom); index {top} makes up {a[top] / a.sum():.0%} "
                f"of your samples and {b[top] / b.sum():.0%} of the reference's")
    return None


def _shorter(case, fns):
    ref = _call(fns, case)
    return {"": ref[:-1]} if ref and ref[-1] == case.args["eos_index"] else None


sample = FunctionSpec(
    name="sample",
    make_case=sample_case,
    points={"shapes": 1, "values": 3, "edge": 1, "distribution": 2, "unchanged": 1},
    sizes=SAMPLE_SIZES,
    edge_sizes=SAMPLE_EDGE,
    distribution=same_distribution,
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
                outputs=lambda case, fns: {"": _call(fns, case, eos_index=-1)}),
        Mistake("the indices are valid but not the ones the same generator state gives: the grader replays the "
                "reference with your generator's state, so draw each index with exactly one "
                "rng.choice(n_y, p=p.ravel()) and draw nothing else from rng.",
                when=lambda out, ref, case: isinstance(out, list) and all(isinstance(i, int) for i in out)),
    ),
)


NOTEBOOK = NotebookSpec(stem=STEM, functions=(sample,))
