"""Numbers in committed files, free of the last bits of floating point.

A float's last bits depend on the CPU and the BLAS kernel (OpenBLAS picks Haswell, SkylakeX... kernels at
load time; ``OPENBLAS_CORETYPE`` overrides it), so a file the build writes must not change with them:

* :func:`rounded` keeps :data:`SIGNIFICANT` significant digits of every float of a JSON tree (far more than
  any check's tolerance looks at), which absorbs most of the difference;
* :func:`settled` keeps the numbers of the file already there wherever they agree with the new ones to
  :data:`RTOL` / :data:`ATOL`, which absorbs the rest (a number just at a rounding boundary), so that a build
  on an unchanged checkout rewrites nothing on any machine, and a real change shows up as a small diff.

:func:`close` is the same tolerant equality on decoded data (arrays, numbers, tuples, dicts); the
self-check uses it to recognise a dependency call that the build recorded.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

SIGNIFICANT = 12
# far below every check's tolerance (values: rtol 1e-6; gradient checks: relative error 1e-6), far above the
# differences between BLAS kernels (~1e-16 relative for values, ~1e-10 for finite differences)
RTOL = 1e-8
ATOL = 1e-9


def rounded(tree: Any) -> Any:
    """A JSON tree with every float rounded to SIGNIFICANT significant digits."""
    if type(tree) is float:
        return float(f"{tree:.{SIGNIFICANT}g}") if math.isfinite(tree) else tree
    if isinstance(tree, list):
        return [rounded(v) for v in tree]
    if isinstance(tree, dict):
        return {k: rounded(v) for k, v in tree.items()}
    return tree


def _near(a: float, b: float, rtol: float, atol: float) -> bool:
    if not (math.isfinite(a) and math.isfinite(b)):
        return a == b or (math.isnan(a) and math.isnan(b))
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def settled(new: Any, old: Any) -> Any:
    """``new``, with each number replaced by ``old``'s number in the same place where they agree to
    RTOL/ATOL (trees of the same shape; elsewhere ``new`` as it is)."""
    if type(new) is float and type(old) in (float, int) and not isinstance(old, bool):
        return old if _near(new, float(old), RTOL, ATOL) else new
    if isinstance(new, list) and isinstance(old, list) and len(new) == len(old):
        return [settled(n, o) for n, o in zip(new, old)]
    if isinstance(new, dict) and isinstance(old, dict):
        return {k: settled(v, old[k]) if k in old else v for k, v in new.items()}
    return new


def close(a: Any, b: Any, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Decoded data of the same structure whose numbers agree to ``rtol``/``atol``."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
            return False
        if a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
            return False
        return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(close(x, y, rtol, atol) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], rtol, atol) for k in a)
    numbers = (int, float, np.integer, np.floating)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return _near(float(a), float(b), rtol, atol)
    return type(a) is type(b) and a == b
