"""What a hidden case's messages may show: the redaction of numbers the student's code could choose.

Every message about a case is written while :func:`redacting` holds that case's known sizes; the helpers
below read them. A visible case (a self-check's) shows everything.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import re
from typing import Any, Iterator

import numpy as np

# While a hidden case is judged: the sizes the report may show (the numbers its label gives, the shapes and
# lengths of its inputs and of the reference's outputs; never an integer *value* of an input or output, such as
# an index, which may be hidden data). Messages then show no number taken from the student's output (a shape, a
# count, a value, a ratio, an error's digits, an index) unless it is one of these: the student's code computes
# them with the hidden inputs at hand, and could make them spell those inputs out. None: a visible case, say all.
# Hints weigh every case, after each case was judged: they are written while the sizes of all the cases hold.
_known: contextvars.ContextVar[frozenset[int] | None] = contextvars.ContextVar("known_sizes", default=None)


def _sizes(value: Any, out: set[int], depth: int = 0) -> None:
    """The shapes and lengths in ``value`` (not its integers: an index or a count may be hidden data)."""
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


def _label_numbers(label: str) -> set[int]:
    """The integers an input's label shows ("n_x=3, n_a=5, m=10" -> 3, 5, 10; not the digits of 1.2)."""
    return {int(n) for n in re.findall(r"(?<![\d.])\d+(?![\d.])", label)}


def hidden() -> bool:
    """Whether the case being judged is hidden (a grader's), so that its messages are redacted."""
    return _known.get() is not None


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


# The constant factors between a student's output and the reference's that a hidden case's hint may name: those
# of a known slip (a half or double step of a centred difference, a square's derivative without its 2, a mean
# of two halves), with either sign. Any other factor is the student's code's choice, so only "a constant factor"
# is said; a visible case names every factor.
SLIP_FACTORS = (2.0, 0.5)


def _factor(x: float) -> str | None:
    """A constant factor as a message may give it, or None when it may not be given (see SLIP_FACTORS)."""
    if _known.get() is None or any(np.isclose(abs(x), f, rtol=1e-6, atol=0.0) for f in SLIP_FACTORS):
        return f"{x:.4g}"
    return None


@contextlib.contextmanager
def redacting(hidden: bool, args: Any, expected: Any, label: str = "") -> Iterator[None]:
    """While a case is judged (or, for hints, all of them): with ``hidden``, only the numbers of its ``label``
    and the sizes of its inputs ``args`` and of the reference's output ``expected`` may be shown (see _known)."""
    known: set[int] = set()
    if hidden:
        known |= _label_numbers(label)
        _sizes(args, known)
        _sizes(expected, known)
    token = _known.set(frozenset(known) if hidden else None)
    try:
        yield
    finally:
        _known.reset(token)
