"""Gradient checking: centred finite differences and the relative error between two gradients.

The grader uses these to check backward functions against forward ones. Students write their own
``numerical_gradient`` in notebook 04 first; from notebook 05 on they may use this module.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def centred_differences(f: Callable[[], float], x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Finite-difference gradient of a scalar quantity with respect to the array ``x``.

    Parameters
    ----------
    f : callable with no arguments returning a float
        Reads ``x`` (for example through a closure) and returns the scalar whose gradient is wanted.
    x : np.ndarray of float64, any shape
        The variable. Each entry is perturbed in place by ±eps and restored exactly (from a saved copy).
    eps : float
        The step.

    Returns
    -------
    grad : np.ndarray, shape of ``x``
        (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every entry i.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        saved = x[idx]
        x[idx] = saved + eps
        f_plus = float(f())
        x[idx] = saved - eps
        f_minus = float(f())
        x[idx] = saved
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are zero; inf when shapes differ or values are not finite."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)
