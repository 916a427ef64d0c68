"""course_utils is layered: no import cycle, and no module imports one above it.

The layers, bottom up: the shared helpers (``drawing``, ``unrolled``, ``plots``, ``data``, …), then the
notebooks' own modules ``nbNN``, each of which may use the helpers and the modules of earlier notebooks
(``nb10`` takes ``nb09``'s cell drawing), never a later one. A shared helper never imports a notebook's module.
Imports are read with ``ast``, inside functions too, so a deferred import that hides a cycle is found.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import course_utils
from conftest import find_cycle

PACKAGE = Path(course_utils.__file__).parent
NOTEBOOK_MODULE = re.compile(r"nb(\d\d)$")


def imports_of(source: str, module: str) -> set[str]:
    """The course_utils modules that ``source`` (the text of ``course_utils.<module>``) imports, anywhere."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from .x import y
                base = "course_utils" + (f".{node.module}" if node.module else "")
            else:
                base = node.module or ""
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "course_utils" and len(parts) > 1 and (PACKAGE / f"{parts[1]}.py").exists():
                found.add(parts[1])
    found.discard(module)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    return {p.stem: imports_of(p.read_text(encoding="utf-8"), p.stem) for p in sorted(package.glob("*.py"))}


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import of a module above the importer: a helper importing a notebook's module, or nbNN importing
    nbMM with MM ≥ NN."""
    bad = []
    for module, targets in graph.items():
        mine = NOTEBOOK_MODULE.match(module)
        for target in sorted(targets):
            theirs = NOTEBOOK_MODULE.match(target)
            if theirs and (mine is None or int(theirs[1]) >= int(mine[1])):
                bad.append(f"{module} imports {target}")
    return bad


def test_no_import_cycle_in_course_utils():
    graph = import_graph()
    assert "drawing" in graph and graph["plots"], "the import graph was not read"
    assert find_cycle(graph) is None, f"import cycle in course_utils: {' -> '.join(find_cycle(graph))}"


def test_no_module_imports_one_above_it():
    assert upward_imports(import_graph()) == []


def test_the_checks_find_a_cycle_and_an_upward_import(tmp_path):
    """The two checks fail where they should: on a deferred import that closes a cycle (the one plots and
    nb11 had), on relative imports, and on a helper importing a notebook's module."""
    (tmp_path / "plots.py").write_text("def f():\n    from course_utils.nb11 import draw\n")
    (tmp_path / "nb11.py").write_text("from . import plots\n")
    (tmp_path / "drawing.py").write_text("import numpy\n")
    graph = {p.stem: imports_of(p.read_text(), p.stem) for p in tmp_path.glob("*.py")
             if (PACKAGE / p.name).exists()}
    assert graph == {"plots": {"nb11"}, "nb11": {"plots"}, "drawing": set()}
    assert find_cycle(graph) in (["nb11", "plots", "nb11"], ["plots", "nb11", "plots"])
    assert upward_imports(graph) == ["plots imports nb11"]
    assert upward_imports({"nb09": {"nb10"}, "nb10": {"nb09"}}) == ["nb09 imports nb10"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
