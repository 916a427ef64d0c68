"""A fresh kernel in each of the worker's children (:mod:`autograde.worker`), at the cost of importing nothing
again: the template imports the NumPy and course modules a notebook's cells import, once, before any child is
forked (:func:`preimport`); in a child, every module the template imported is invisible until a cell imports it
(:class:`FreshKernel`)."""

from __future__ import annotations

import sys
import types
from typing import Any


TRUSTED = ("numpy", "course_utils")  # packages whose modules the template may import for the children


def _imported_modules(source: str) -> list[str]:
    """The modules of TRUSTED packages that a cell imports at its top level, read from its syntax (no code
    runs): ``import numpy.linalg``, ``from course_utils import nb08``, ``from course_utils.nb08 import f``."""
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError):
        return []
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*"]
    return [n for n in names if n.split(".")[0] in TRUSTED]


_BASELINE: frozenset[str] = frozenset()  # the modules of the template before any notebook's imports
_EDGES: dict[str, set[str]] = {}  # module -> the modules its code imported (recorded while pre-importing)


def preimport(cells: list) -> None:
    """Import once, here, the course's and NumPy's modules the cells import, so that no child pays for
    importing them again (about 20-40 ms each). Only modules of TRUSTED packages, installed with the grader:
    importing them runs none of the student's code. Which module imported which is recorded, so that a child
    sees a module only once its cells import it (:class:`FreshKernel`)."""
    import builtins
    import importlib

    real = builtins.__import__

    def recording(name, globals=None, locals=None, fromlist=(), level=0):  # noqa: A002 - __import__'s own names
        module = real(name, globals, locals, fromlist, level)
        importer = (globals or {}).get("__name__") if isinstance(globals, dict) else None
        if isinstance(importer, str):
            try:
                full = importlib.util.resolve_name("." * level + name, globals.get("__package__") or importer) \
                    if level else name
            except (ImportError, ValueError, TypeError):
                return module
            targets = _EDGES.setdefault(importer, set())
            targets.add(full)
            targets.update(f"{full}.{f}" for f in fromlist or () if isinstance(f, str) and f"{full}.{f}" in sys.modules)
        return module

    builtins.__import__ = recording
    try:
        for name in ["numpy", "numpy.random"] + [n for cell in cells for n in _imported_modules(cell.source)]:
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - not a module (``from numpy import pi``), or one that fails: the child says
                pass
    finally:
        builtins.__import__ = real


_OURS = ("autograde.", "course_utils.")  # the worker's own modules are no part of a fresh kernel either


class FreshKernel:
    """In a child: the modules the template imported (for itself, or up front for any notebook's cells) are
    out of ``sys.modules`` and off their package until a cell imports them, as in a fresh kernel run top to
    bottom; then the same module object comes back at once, with every module its code imported (so that
    ``from course_utils import nb10`` makes ``course_utils.nb09`` visible, as Jupyter does)."""

    def __init__(self) -> None:
        self.stash: dict[str, types.ModuleType] = {}
        for name in list(sys.modules):
            if name in _BASELINE and not name.startswith(_OURS):
                continue
            if name in ("__main__", "autograde", "course_utils") or name.startswith("autograde.selfcheck"):
                continue
            module = sys.modules.pop(name)
            self.stash[name] = module
            parent, _, child = name.rpartition(".")
            if parent in sys.modules and getattr(sys.modules[parent], child, None) is module:
                try:
                    delattr(sys.modules[parent], child)
                except AttributeError:
                    pass
        for name in list(self.stash):  # a stashed parent's attributes are put back with it
            parent, _, child = name.rpartition(".")
            if parent in self.stash and getattr(self.stash[parent], child, None) is self.stash[name]:
                try:
                    delattr(self.stash[parent], child)
                except AttributeError:
                    pass
        sys.meta_path.insert(0, self)

    def _restore(self, name: str) -> None:
        todo, seen = [name], set()
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            parent = current.rpartition(".")[0]
            if parent:
                todo.append(parent)
            todo.extend(_EDGES.get(current, ()))
        for current in sorted(seen, key=lambda n: n.count(".")):  # parents first
            module = self.stash.pop(current, None)
            if module is None:
                continue
            sys.modules[current] = module
            parent, _, child = current.rpartition(".")
            if parent in sys.modules:
                setattr(sys.modules[parent], child, module)

    def find_spec(self, name: str, path: Any = None, target: Any = None):
        if name not in self.stash:
            return None
        import importlib.machinery

        module = self.stash[name]
        spec = importlib.machinery.ModuleSpec(name, self, is_package=hasattr(module, "__path__"))
        return spec

    def create_module(self, spec: Any) -> types.ModuleType:
        module = self.stash[spec.name]
        self._restore(spec.name)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def remember_baseline() -> None:
    """The modules of the template now, before any notebook's imports: a child keeps seeing those that are not
    the grader's own."""
    global _BASELINE
    _BASELINE = frozenset(sys.modules)
