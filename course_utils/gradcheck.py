"""Gradient checking: the relative error between two gradients.

The finite differences themselves are an exercise (notebook 04's ``numerical_gradient``), so they are not
here: from notebook 05 on, use your own ``numerical_gradient`` (imported from notebook 04 with
``course_utils.notebooks.import_functions``).
"""

from __future__ import annotations

import numpy as np


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are zero; inf when shapes differ or values are not finite.

    Parameters
    ----------
    a, b : array-like of the same shape
        Two gradients, e.g. from backpropagation and from finite differences.

    Returns
    -------
    float
        The relative error, a number in [0, 1], or inf.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)
