"""The reference solution, loaded from ``solutions/`` (the only place it is written), and what the grader
derives from it: each function's cases with expected outputs, finite-difference gradients and the
outputs of the spec's recognisable mistakes.

Runs in the grader's process only; the student's process never sees any of it.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from autograde import paths, refcache, secret, testfunctions, wire
from autograde.calls import call_case
from autograde.checks import Prepared
from autograde.spec import VISIBLE_SEED, FunctionSpec, NotebookSpec
from autograde.kernel import describe_exception, is_demo_cell, load_namespace, parse_notebook


class CourseError(RuntimeError):
    """The reference solution could not be loaded: a problem of the course, not of a submission."""


_lock = threading.Lock()


@lru_cache(maxsize=None)
def _namespace(path: str) -> dict:
    namespace, errors = load_namespace(Path(path))
    if errors:
        raise CourseError(f"the reference notebook {path} failed: " + "; ".join(e.message for e in errors))
    return namespace


def _solution(stem: str) -> Path:
    path = paths.solution_notebook(stem)
    if not path.is_file():
        raise CourseError(f"the reference notebook {path} is missing")
    return path


def namespace(stem: str) -> dict:
    path = _solution(stem)
    with _lock:
        return _namespace(str(path))


@lru_cache(maxsize=None)
def demo_cell_ids(stem: str) -> frozenset[str]:
    """The grade_ids of the demonstration cells of the course's notebook (skipped when grading)."""
    nb = parse_notebook(_solution(stem).read_text(encoding="utf-8"))
    return frozenset(c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"] if is_demo_cell(c))


def functions(spec: NotebookSpec) -> Callable[[str], Callable]:
    """Reference functions by name, for a notebook: its own, or those it imports from earlier ones."""

    def fns(name: str) -> Callable:
        ns = namespace(spec.home_of(name))
        fn = ns.get(name)
        if not callable(fn):
            raise CourseError(f"the reference notebook {spec.home_of(name)} defines no function {name}")
        return fn

    return fns


def reference_call(fns: Callable[[str], Callable], fspec: FunctionSpec, args: dict) -> Any:
    """The reference's outputs on one case, called exactly as the student's function is."""
    res = call_case(fns(fspec.name), args, testfunctions.resolve)
    if res["error"]:
        raise CourseError(f"the reference {fspec.name} failed on its own inputs: {res['error']}")
    return res["outputs"]


def numeric_gradients(fspec: FunctionSpec, cases: list, fns: Callable[[str], Callable]) -> tuple[list | None, str | None]:
    """Finite-difference gradients per case, of the forward function ``fns`` gives; or why not."""
    grad = fspec.gradient
    if grad is None:
        return None, None
    try:
        forward = fns(grad.forward) if grad.forward else None
        return [grad.numeric(forward, case.context) for case in cases], None
    except Exception as exc:  # noqa: BLE001 - a student's forward (self-check) may raise anything
        return None, f"the gradient check could not run {grad.forward}: {describe_exception(exc)}"


def prepare(stem: str, name: str, seed: int) -> Prepared:
    """A function's hidden cases and all they are judged against (computed once per process and secret)."""
    return _prepare(stem, name, seed, secret.fingerprint())


@lru_cache(maxsize=64)
def _prepare(stem: str, name: str, seed: int, fingerprint: str) -> Prepared:
    from autograde import specs

    nb = specs.get(stem)
    fspec = nb.function(name)
    fns = functions(nb)
    # the visible cases' keys (a hidden case never equals one), kept on disk: computing them costs more than the
    # hidden cases themselves
    visible = refcache.load(stem, f"{name}-visible", VISIBLE_SEED)
    if visible is not None and isinstance(visible["expected"], list):
        keys = frozenset(visible["expected"])
    else:
        keys = fspec.visible_keys(fns, stem)
        refcache.store(stem, f"{name}-visible", VISIBLE_SEED, sorted(keys), None)
    cases = fspec.cases(secret.mix(seed), fns, stem, keys)  # hidden: nobody without the secret can rebuild them
    stored = refcache.load(stem, name, seed)
    if stored is not None and len(stored["expected"]) == len(cases):
        expected, numeric = stored["expected"], stored["numeric"]
    else:
        expected = [reference_call(fns, fspec, c.args) for c in cases]
        numeric, numeric_error = numeric_gradients(fspec, cases, fns)
        if numeric_error:
            raise CourseError(numeric_error)
        refcache.store(stem, name, seed, expected, numeric)

    @lru_cache(maxsize=None)
    def mistake_outputs(i: int, j: int) -> Any:
        mistake = fspec.mistakes[j]
        return wire.copy(mistake.outputs(cases[i], fns)) if mistake.outputs else None

    return Prepared(fspec, cases, expected, mistake_outputs, numeric)


prepare.cache_clear = _prepare.cache_clear  # type: ignore[attr-defined]  # forget what this process prepared


def dependencies(stem: str, name: str) -> dict[str, Callable]:
    """Reference versions of the graded functions that ``name`` depends on, by name: exactly those its spec
    declares in ``depends`` (the graded functions a textbook solution of the exercise calls; a test checks
    that they are what the reference calls). This is the one rule for all who grade: the grader, the
    nbgrader test's ``check.grade`` and, through the calls the build records, the self-check give ``name``
    the reference's answers to these, so that a mistake in one of them costs points once. Any other graded
    function that the student's code calls is the student's own, whatever it returns: a cell function that
    calls its sequence function gains nothing from the reference."""
    from autograde import specs

    nb = specs.get(stem)
    fns = functions(nb)
    return {dep: fns(dep) for dep in nb.function(name).depends}
