"""How a notebook's graded functions are specified: written once, read by the grader and the self-checks.

A spec module in :mod:`autograde.specs` defines one :class:`NotebookSpec` named ``NOTEBOOK``. For each
graded function it says how to make inputs (:attr:`FunctionSpec.make_case`), what each check is worth
(:attr:`FunctionSpec.points`), which other graded functions it calls (replaced by the reference while it is
graded, so that one mistake costs points once), how its gradients are checked by finite differences
(:class:`Gradient`) and which recognisable mistakes deserve a hint (:class:`Mistake`).

Nothing here is reference code: inputs are made from random numbers and, where a function takes another
function's output (a backward pass takes a forward pass's cache), from *reference* functions passed in
through ``fns``, a lookup by name that the grader fills from ``solutions/``.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

# the checks, in the order they are reported: id -> name shown to people
CHECKS = {
    "shapes": "shapes and dtypes",
    "values": "values",
    "edge": "values at edge sizes",
    "gradients": "gradient check",
    "distribution": "distribution of random outputs",
    "unchanged": "inputs left unchanged",
}

Fns = Callable[[str], Callable]  # a function of the course by name: reference (grading) or the student's (self-check)

VISIBLE_SEED = 7  # cases shown to students (stored by `autograde build`)
HIDDEN_SEED = 20261130  # default for grading; instructors may set AUTOGRADE_SEED or --seed


def hidden_seed() -> int:
    """The seed of the hidden inputs: AUTOGRADE_SEED if set, else the built-in one."""
    return int(os.environ.get("AUTOGRADE_SEED", HIDDEN_SEED))


@dataclass(frozen=True)
class Case:
    """One input to a graded function.

    ``args`` are the function's arguments by name, in signature order. ``context`` holds what a gradient
    check needs beyond the arguments (a backward pass gets a cache, its check needs the forward inputs).
    """

    label: str
    args: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)
    edge: bool = False


@dataclass(frozen=True)
class GradientHint:
    """A hint given when a gradient check finds exactly the gradients ``keys`` wrong (with ``only=False``: at
    least those), e.g. ``GradientHint(("da_prev",), "only da_prev is wrong: it goes back through Waa")``."""

    keys: tuple[str, ...]
    hint: str
    only: bool = True


@dataclass(frozen=True)
class Gradient:
    """A gradient check: the function's returned gradients against finite differences of a forward pass.

    ``numeric(forward, context)`` returns ``{key: gradient}``, computed by finite differences of
    ``forward`` (looked up by name: the reference when grading, the student's own in a self-check). Each
    key names an entry of the returned dict (of output ``within`` when the function returns a tuple) — or a
    nested one by a path such as ``layers[1].dWaa`` or ``da0[0]`` — or the whole output (under any name, e.g.
    "grad") when the function returns a single array.
    """

    forward: str | None
    numeric: Callable[[Callable | None, dict], dict[str, np.ndarray]]
    within: str | None = None
    tolerance: float = 1e-6
    # hints from which gradients are wrong (see autograde.checks.gradient_hint): the spec's own first, then
    # the engine's, which say where to look when every key is wrong (at what they share: ``shared``) and
    # when only the gradients that flow back in time (``through_time``, e.g. da_prev) are wrong
    hints: tuple[GradientHint, ...] = ()
    shared: str = "the gradient arriving from above and the derivative of the activation it goes through"
    through_time: tuple[str, ...] = ()
    # a gradient computed by the chain rule (``forward`` set) agrees with the reference's to ~1e-15 in float64,
    # one computed by finite differences to ~1e-10 at best: above this relative error, it is not backpropagation
    analytic: float | None = 1e-11


@dataclass(frozen=True)
class Mistake:
    """A recognisable mistake, and the hint shown when a student's wrong answer looks like it.

    Either ``outputs(case, fns)`` returns what the mistake would give, as ``{output: value}`` for some of
    the outputs (an output is named as in :attr:`FunctionSpec.outputs`, by key for a dict, ``""`` for a
    single array), computed from the reference functions in ``fns``; or ``when(out, ref, case)`` tells
    whether the student's output ``out`` shows the mistake, given the reference output ``ref``.
    """

    hint: str
    outputs: Callable[[Case, Fns], dict[str, Any]] | None = None
    when: Callable[[Any, Any, Case], bool] | None = None


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    make_case: Callable[[np.random.Generator, dict, Fns], Case]
    points: Mapping[str, float]
    sizes: tuple[dict, ...]
    edge_sizes: tuple[dict, ...]
    outputs: tuple[str, ...] | None = None  # names of the returned tuple's items; None: one value
    depends: tuple[str, ...] = ()
    gradient: Gradient | None = None
    mistakes: tuple[Mistake, ...] = ()
    # a function that draws from a generator: distribution(out, ref, case) says (None if fine) how the output of
    # a case whose context has "distribution": True fails to follow the reference's distribution
    distribution: Callable[[Any, Any, Case], str | None] | None = None
    # a function returning a list whose length is part of its value (a sampled sequence): a list of the wrong
    # length fails the value checks only, not "shapes and dtypes"
    lengths_are_values: bool = False
    rtol: float = 1e-6
    atol: float = 1e-9
    # advice shown when the function modifies one of its inputs
    unchanged_hint: str = "work on a copy, e.g. x = x.copy(), or write x = x + ... instead of x += ..."

    def __post_init__(self) -> None:
        unknown = set(self.points) - set(CHECKS)
        if unknown:
            raise ValueError(f"{self.name}: unknown checks {sorted(unknown)}; known: {list(CHECKS)}")
        if ("gradients" in self.points) != (self.gradient is not None):
            raise ValueError(f"{self.name}: a gradient check needs both points and a Gradient")
        if ("distribution" in self.points) != (self.distribution is not None):
            raise ValueError(f"{self.name}: a distribution check needs both points and a distribution test")

    @property
    def max_score(self) -> float:
        return float(sum(self.points.values()))

    def cases(self, seed: int, fns: Fns, stem: str, visible: frozenset[str] | None = None) -> list[Case]:
        """The inputs for one grading (or the visible self-check), the same every time for one seed.

        Hidden cases (any seed but VISIBLE_SEED) never equal a visible one, which students see with its answer:
        a hidden case whose inputs equal a visible case's (:func:`case_key`; ``visible``: the visible cases'
        keys, computed here if not given) is drawn again. A size that leaves nothing to draw is a mistake of the
        spec, and raises."""
        if visible is None and seed != VISIBLE_SEED:
            visible = self.visible_keys(fns, stem)
        out = []
        for i, (size, edge) in enumerate([(s, False) for s in self.sizes] + [(s, True) for s in self.edge_sizes]):
            for attempt in range(MAX_DRAWS):
                rng = np.random.default_rng([seed, zlib.crc32(stem.encode()), zlib.crc32(self.name.encode()), i]
                                            + ([attempt] if attempt else []))
                case = self.make_case(rng, dict(size), fns)
                if not visible or case_key(case.args) not in visible:
                    break
            else:
                raise ValueError(f"{stem}: {self.name}'s hidden case {size_label(size)} equals a visible case in "
                                 f"{MAX_DRAWS} draws: its size must leave values to draw")
            out.append(Case(case.label, case.args, case.context, edge))
        return out

    def visible_keys(self, fns: Fns, stem: str) -> frozenset[str]:
        """The :func:`case_key` of each visible case."""
        return frozenset(case_key(c.args) for c in self.cases(VISIBLE_SEED, fns, stem))


@dataclass(frozen=True)
class NotebookSpec:
    stem: str
    functions: tuple[FunctionSpec, ...]
    # functions this notebook uses from earlier notebooks: name -> the stem that defines it
    imports: Mapping[str, str] = field(default_factory=dict)

    def function(self, name: str) -> FunctionSpec:
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(f"{self.stem} grades no function named {name!r}")

    @property
    def max_score(self) -> float:
        return sum(f.max_score for f in self.functions)

    def home_of(self, name: str) -> str:
        """The stem of the notebook whose reference defines ``name``."""
        if name in self.imports:
            return self.imports[name]
        return self.stem


MAX_DRAWS = 100  # draws of a hidden case that equals a visible one, before the spec is blamed


def case_key(args: dict) -> str:
    """A hash of a case's inputs: equal for equal inputs (arrays by dtype, shape and bytes)."""
    h = hashlib.sha256()

    def visit(v: Any) -> None:
        if isinstance(v, np.ndarray):
            h.update(f"a|{v.dtype.str}|{v.shape}|".encode())
            h.update(np.ascontiguousarray(v).tobytes() if v.dtype != object else repr(v.tolist()).encode())
        elif isinstance(v, dict):
            h.update(f"d{len(v)}|".encode())
            for k in sorted(v, key=repr):
                h.update(f"{k!r}:".encode())
                visit(v[k])
        elif isinstance(v, (list, tuple)):
            h.update(f"l{len(v)}|".encode())
            for x in v:
                visit(x)
        elif isinstance(v, np.generic):
            visit(v.item())
        else:
            h.update(f"{type(v).__name__}|{v!r}|".encode())

    visit(args)
    return h.hexdigest()


def size_label(size: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in size.items() if not k.startswith("_"))
