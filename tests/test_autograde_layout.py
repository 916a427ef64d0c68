"""The grader's modules stay small, acyclic, and the sandbox and the students' bundle are closed.

* No import cycle among ``autograde``'s modules (imports are read with ``ast``, inside functions too, so a
  deferred import that hides a cycle is found), and ``course_utils`` takes only the notebook-execution core
  from the grader.
* Every module the sandboxed worker imports is one of the files shown to the sandbox
  (``sandbox.SANDBOX_MODULES``), and none of those imports a module that computes or stores an answer.
* Every module the self-checks import is in the students' bundle (``release.RUNNER``).
* No module is over ``MAX_LINES`` lines, unless ``LONGER`` states why.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import autograde
from conftest import find_cycle

PACKAGE = Path(autograde.__file__).parent
MAX_LINES = 300
# modules allowed to be longer, each with its reason (a module that shrinks below the limit must leave the list)
_SPEC = ("one notebook's whole grading spec is one file, found by its number (docs/design.md); most of it is "
         "the table of recognisable mistakes with their hints")
LONGER: dict[str, str] = {
    "specs.nb02": _SPEC,
    "specs.nb05": _SPEC + ", for four architectures",
    "specs.nb07": _SPEC + ", for three samplers, with the fixed-structure cases and distribution tests sampling needs",
    "specs.nb09": _SPEC + ", for the cell and its backward pass",
    "specs.nb10": _SPEC + ", for the cell and its backward pass",
}
# what computes or stores an answer: never shown to the sandbox
ANSWERS = {"reference", "refcache", "secret", "specs", "numeric", "build"}
# deferred imports on paths that never run in the students' install, each with its reason
NOT_IN_THE_BUNDLE = {("selfcheck", "reference"): "check.grade, nbgrader's hidden part, runs the reference: only "
                     "where solutions/ are, the instructor's install"}


def _module_names() -> list[str]:
    names = [p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"]
    names += [f"{d.name}.{p.stem}" if p.stem != "__init__" else d.name
              for d in PACKAGE.iterdir() if d.is_dir() and (d / "__init__.py").exists() for p in d.glob("*.py")]
    return sorted(names)


def _path(module: str) -> Path:
    parts = module.split(".")
    folder = PACKAGE.joinpath(*parts)
    return folder / "__init__.py" if folder.is_dir() else PACKAGE.joinpath(*parts[:-1], parts[-1] + ".py")


def imports_of(module: str) -> set[str]:
    """The autograde modules ``module`` imports, anywhere in its text."""
    known = set(_module_names())
    package = module.rsplit(".", 1)[0] if _path(module).name != "__init__.py" and "." in module else (
        module if _path(module).name == "__init__.py" else "")
    found = set()
    for node in ast.walk(ast.parse(_path(module).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".") if package else []
                base_parts = base_parts[:len(base_parts) - (node.level - 1)] if node.level > 1 else base_parts
                base = ".".join(["autograde", *base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.startswith("autograde."):
                short = name.removeprefix("autograde.")
                while short and short not in known:
                    short = short.rpartition(".")[0]
                if short:
                    found.add(short)
    found.discard(module)
    return found


def graph() -> dict[str, set[str]]:
    return {m: imports_of(m) for m in _module_names()}


def closure(g: dict[str, set[str]], start: str, never: dict[tuple[str, str], str] = {}) -> set[str]:
    """Every module ``start`` imports, directly or not, but through the edges of ``never``."""
    seen, todo = set(), [start]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo += sorted(n for n in g.get(m, ()) if (m, n) not in never)
    return seen


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_grader():
    assert find_cycle(graph()) is None, " → ".join(find_cycle(graph()))


def test_course_utils_takes_only_the_kernel_from_the_grader():
    import course_utils

    used = set()
    for path in Path(course_utils.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograde"):
                used.add(node.module)
            elif isinstance(node, ast.Import):
                used.update(a.name for a in node.names if a.name.startswith("autograde"))
    assert used <= {"autograde.kernel"}, used


def test_the_sandbox_is_shown_every_module_the_worker_imports_and_nothing_that_answers():
    sandbox = importlib.import_module("autograde.sandbox")
    shown = {name.removesuffix(".py") for name in sandbox.SANDBOX_MODULES} - {"__init__"}
    needed = closure(graph(), "worker")
    assert needed <= shown, f"the worker imports {sorted(needed - shown)}, which the sandbox does not show"
    assert not shown & ANSWERS, shown & ANSWERS
    for module in shown:
        assert not imports_of(module) & ANSWERS, (module, imports_of(module) & ANSWERS)


def test_the_students_bundle_holds_every_module_the_self_checks_import():
    from autograde import release

    bundled = {name.removesuffix(".py") for name in release.RUNNER} - {"__init__"}
    packages = {m.split(".")[0] for m in _module_names() if "." in m}
    needed = {m.split(".")[0] if m.split(".")[0] in packages else m for m in closure(graph(), "selfcheck", NOT_IN_THE_BUNDLE)}
    needed -= {"specs"}  # the specs are stripped and copied beside the runner (see release.py)
    assert needed <= bundled, f"missing from the bundle: {sorted(needed - bundled)}"


@pytest.mark.parametrize("module", _module_names())
def test_no_module_is_longer_than_the_limit_without_a_reason(module):
    lines = len(_path(module).read_text(encoding="utf-8").splitlines())
    if module in LONGER:
        assert lines > MAX_LINES, f"{module} has {lines} lines now: take it off LONGER"
    else:
        assert lines <= MAX_LINES, (f"{module} has {lines} lines (> {MAX_LINES}): split it by job, or state the "
                                    "reason in LONGER")


# ------------------------------------------------------------------------------ the map in docs/design.md

DESIGN = PACKAGE.parent / "docs" / "design.md"


def design_rows() -> list[tuple[str, list[str]]]:
    """The rows of design.md's module map, first (bottom) to last: (row name, modules)."""
    text = DESIGN.read_text(encoding="utf-8")
    table = text[text.index("| row | modules | job |"):]
    rows = []
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        name, modules = line.split("|")[1:3]
        rows.append((name.strip(), re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", modules)))
    return rows


def _top(module: str) -> str:
    return module.split(".")[0]


def test_every_module_is_in_one_row_of_the_design_map():
    placed = [m for _, modules in design_rows() for m in modules]
    assert len(placed) == len(set(placed)), f"placed twice: {sorted({m for m in placed if placed.count(m) > 1})}"
    tops = {_top(m) for m in _module_names()} | {"__main__"}
    assert set(placed) == tops, f"not in the map: {sorted(tops - set(placed))}; not a module: {sorted(set(placed) - tops)}"


def test_no_module_imports_one_of_a_later_row_of_the_design_map():
    row = {m: i for i, (_, modules) in enumerate(design_rows()) for m in modules}
    up = [(m, d) for m, deps in graph().items() for d in deps
          if _top(m) != _top(d) and row[_top(d)] > row[_top(m)]]
    assert not up, "imports of a later row of docs/design.md's map: " + ", ".join(f"{m} → {d}" for m, d in up)
