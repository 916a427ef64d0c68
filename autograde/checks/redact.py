"""What a hidden case's messages may show: the redaction of numbers the student's code could choose.

Every message about a case is written while :func:`redacting` holds that case's known sizes; the helpers
below read them. A visible case (a self-check's) shows everything.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from typing import Any, Iterator

import numpy as np

# While a hidden case is judged: the sizes the report may show (those of the case's inputs and of the
# reference's outputs, which the input's label already gives away). Messages then show no number taken from the
# student's output (a shape, a count, a value, a ratio, an error's digits): the student's code computes them
# with the hidden inputs at hand, and could make them spell those inputs out. None: a visible case, say all.
_known: contextvars.ContextVar[frozenset[int] | None] = contextvars.ContextVar("known_sizes", default=None)


def _sizes(value: Any, out: set[int], depth: int = 0) -> None:
    if depth > 40:
        return
    if isinstance(value, np.ndarray):
        out.update(value.shape)
        out.add(value.size)
    elif isinstance(value, dict):
        for v in value.values():
            _sizes(v, out, depth + 1)
    elif isinstance(value, (list, tuple)):
        out.add(len(value))
        for v in value:
            _sizes(v, out, depth + 1)
    elif isinstance(value, int) and not isinstance(value, bool):
        out.add(value)


def _shown(*numbers: int) -> bool:
    """Whether numbers taken from the student's output may be shown (always, for a visible case)."""
    known = _known.get()
    return known is None or all(n in known for n in numbers)


def _magnitude(x: float) -> str:
    """An error as a hidden case's report gives it: its order of magnitude only."""
    if _known.get() is None:
        return f"{x:.3g}"
    if not x > 0 or not math.isfinite(x):
        return f"{x:.3g}"
    return f"about 1e{math.floor(math.log10(x)):+03d}"


@contextlib.contextmanager
def redacting(hidden: bool, args: dict, expected: Any) -> Iterator[None]:
    """While a case is judged: with ``hidden``, only the sizes of its inputs ``args`` and of the reference's
    output ``expected`` may be shown (see _known)."""
    known: set[int] = set()
    if hidden:
        _sizes(args, known)
        _sizes(expected, known)
    token = _known.set(frozenset(known) if hidden else None)
    try:
        yield
    finally:
        _known.reset(token)
