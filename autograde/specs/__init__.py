"""The specs of the graded notebooks: one module per notebook, each defining ``NOTEBOOK``.

Adding a notebook's grading means adding a module here; :func:`all_specs` finds it.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from autograde.spec import NotebookSpec


@cache
def all_specs() -> dict[str, NotebookSpec]:
    """Every graded notebook's spec, by stem, in course order."""
    specs = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        spec = getattr(module, "NOTEBOOK", None)
        if isinstance(spec, NotebookSpec):
            specs[spec.stem] = spec
    return dict(sorted(specs.items()))


def get(stem: str) -> NotebookSpec:
    specs = all_specs()
    if stem not in specs:
        raise KeyError(f"no graded notebook named {stem!r}; known: {', '.join(specs)}")
    return specs[stem]
