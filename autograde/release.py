"""``python -m autograde release DIR``: what to give students, and nothing more.

``DIR/assignments/`` holds the student notebooks with their stored self-check cases, and ``DIR/package/`` a
Python package (``pip install DIR/package``) with only what those notebooks and their self-checks import:
``course_utils`` and the self-check runner (``autograde.selfcheck`` and the modules that judge), with the
grading specs stripped of everything that computes an answer:

* every mistake's ``outputs`` generator (which is nearly a reference cell: the answer with one thing changed)
  is replaced by a stand-in; the self-checks read what the mistake gives on the visible inputs from
  ``<stem>.selfcheck.json``, where the build stored it;
* every gradient check's ``numeric`` function likewise (the stored file holds the finite differences);
* the helpers only those used are removed; ``autograde.numeric`` (centred differences, the answer to notebook
  04) becomes a stub.

No reference code (``solutions/``, ``autograde.reference``), no grader (runner, sandbox, exports) and no nbgrader
are in it. ``SelfCheck.grade`` (nbgrader's hidden test) needs the instructor's install and says so.
"""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

from autograde import paths

# the modules (and packages) of autograde that the self-checks import, copied as they are
RUNNER = ("__init__.py", "paths.py", "selfcheck.py", "kernel.py", "calls.py", "checks", "results.py", "spec.py",
          "stored.py", "wire.py", "testfunctions.py")


def stub_numeric(source: str) -> str:
    """autograde.numeric with every function replaced by one that raises: centred differences answer
    notebook 04, and the self-checks read the finite differences stored by the build."""
    names = [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    stubs = "".join(f"\n\ndef {name}(*args, **kwargs):\n    raise RuntimeError(\"finite differences are not in "
                    f"the students' install\")\n" for name in names)
    return '"""Not in the students\' install: the self-checks read the finite differences stored by the build."""\n' + stubs
PRECOMPUTED = '''

def _precomputed(*args, **kwargs):
    """A mistake's outputs or a gradient check's finite differences: stored by the build for the visible
    inputs (<stem>.selfcheck.json); not computed in the students' install."""
    raise RuntimeError("stored by the build for the visible inputs; not in the students' install")
'''
PYPROJECT = '''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "rnn-workbook-student"
version = "{version}"
description = "The notebooks' helpers and self-checks of the RNN workbook, for students (no reference code)"
requires-python = ">=3.11"
dependencies = {dependencies}

[tool.setuptools]
packages = ["autograde", "autograde.checks", "autograde.specs", "course_utils"]

[tool.setuptools.package-data]
course_utils = ["names/*.txt", "names/*.md"]
'''


class _Strip(ast.NodeTransformer):
    """Replaces ``Mistake(..., outputs=X)`` and ``Gradient(..., numeric=X)`` by ``_precomputed``."""

    TARGETS = {"Mistake": ("outputs", 1), "Gradient": ("numeric", 1)}

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        name = getattr(node.func, "id", getattr(node.func, "attr", None))
        if name in self.TARGETS:
            keyword, position = self.TARGETS[name]
            for kw in node.keywords:
                if kw.arg == keyword and not (isinstance(kw.value, ast.Constant) and kw.value.value is None):
                    kw.value = ast.Name("_precomputed", ast.Load())
            if len(node.args) > position:
                node.args[position] = ast.Name("_precomputed", ast.Load())
        return node


def _used_names(tree: ast.AST, skip: ast.AST | None = None) -> set[str]:
    """Names read anywhere in ``tree`` outside ``skip``."""
    used: set[str] = set()

    def walk(node: ast.AST) -> None:
        if node is skip:
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        for child in ast.iter_child_nodes(node):
            walk(child)

    walk(tree)
    return used


def _defined(node: ast.AST) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return None


def _drop_unused(tree: ast.Module, elsewhere: set[str]) -> bool:
    """Remove one definition (at any depth) whose name nothing else reads; whether one was removed."""
    for parent in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(parent, field, None)
            if not isinstance(stmts, list):
                continue
            for node in stmts:
                if isinstance(node, ast.Assign) and parent is not tree:
                    continue  # a local variable: its right side may have effects (drawing from a generator)
                name = _defined(node)
                if name in (None, "NOTEBOOK", "__all__") or name in _used_names(tree, skip=node) | elsewhere:
                    continue
                stmts.remove(node)
                if not stmts:
                    stmts.append(ast.Pass())
                return True
    return False


def strip_spec(source: str, elsewhere: set[str] = frozenset()) -> str:
    """A spec module's source without the code that computes answers (see the module docstring); a
    definition is kept if this module, or another (``elsewhere``: the names they use), uses it."""
    tree = _Strip().visit(ast.parse(source))
    while _drop_unused(tree, set(elsewhere)):  # the generators and the helpers only they used
        pass
    used = _used_names(tree)
    for node in list(tree.body):  # and the course's own imports that only they used
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograde"):
            node.names = [a for a in node.names if (a.asname or a.name) in used]
            if not node.names:
                tree.body.remove(node)
    text = ast.unparse(ast.fix_missing_locations(tree))
    lines = text.splitlines()
    after = next((i for i, line in enumerate(lines) if line.startswith("from __future__")), -1) + 1
    return "\n".join(lines[:after]) + PRECOMPUTED + "\n".join(lines[after:]) + "\n"


def release(out: Path) -> list[Path]:
    """Write the students' bundle into ``out`` (which must not exist, or be empty); return the files."""
    import tomllib

    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} is not empty")
    root = paths.root()
    shutil.copytree(paths.assignments_dir(), out / "assignments")
    package = out / "package"
    shutil.copytree(root / "course_utils", package / "course_utils",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    source = root / "autograde"
    (package / "autograde" / "specs").mkdir(parents=True)
    for name in RUNNER:
        if (source / name).is_dir():
            shutil.copytree(source / name, package / "autograde" / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(source / name, package / "autograde" / name)
    (package / "autograde" / "numeric.py").write_text(stub_numeric((source / "numeric.py").read_text(encoding="utf-8")),
                                                      encoding="utf-8")
    stripped = {spec.name: strip_spec(spec.read_text(encoding="utf-8"))
                for spec in sorted((source / "specs").glob("nb*.py"))}
    used = set().union(*(_used_names(ast.parse(text)) for text in stripped.values()))
    # the shared helpers, less those only the stripped generators used (e.g. the gradient checks' losses)
    stripped["_inputs.py"] = strip_spec((source / "specs" / "_inputs.py").read_text(encoding="utf-8"), used)
    stripped["__init__.py"] = (source / "specs" / "__init__.py").read_text(encoding="utf-8")
    for name, text in stripped.items():
        (package / "autograde" / "specs" / name).write_text(text, encoding="utf-8")
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = [d for d in project["dependencies"] if not d.startswith("nbgrader")]
    (package / "pyproject.toml").write_text(PYPROJECT.format(version=project["version"],
                                                            dependencies=repr(deps).replace("'", '"')),
                                            encoding="utf-8")
    return sorted(p for p in out.rglob("*") if p.is_file())


def main(out: Path) -> int:
    try:
        files = release(out)
    except ValueError as exc:
        print(f"autograde release: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(files)} files into {out}: give students {out / 'assignments'} and "
          f"`pip install {out / 'package'}`")
    return 0
