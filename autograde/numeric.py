"""Finite differences for the grader's gradient checks.

This lives in the grader's package, not in ``course_utils``: notebook 04 grades the students' own
``numerical_gradient``, so a helper that computes centred differences must not be importable as course help.
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


def gradients(loss: Callable[[], float], variables: dict) -> dict:
    """Centred differences of ``loss()`` with respect to each named array (perturbed in place and restored)."""
    return {key: centred_differences(loss, x) for key, x in variables.items()}
