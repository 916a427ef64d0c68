"""Scalar test functions with known gradients, for grading functions that take a function as input.

They cross from the grader to the student's process by name (:class:`autograde.wire.FunctionRef`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

if TYPE_CHECKING:
    from autograde.wire import FunctionRef


def _wave(x: np.ndarray) -> float:
    return float(np.sum(np.sin(x) * x**2))


def _wave_grad(x: np.ndarray) -> np.ndarray:
    return np.cos(x) * x**2 + 2 * x * np.sin(x)


def _softplus(x: np.ndarray) -> float:
    return float(np.sum(np.logaddexp(0.0, x)) + 0.5 * np.sum(x**2))


def _softplus_grad(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x)) + x


def _coupled(x: np.ndarray) -> float:
    # every entry's gradient depends on all the others, wherever x is: with s = w·x, the mixed second derivative
    # d²f/dx_i dx_j = w_i w_j (tanh''(s) + 2) is at least 1.2 w_i w_j (|tanh''| < 0.77), so a gradient computed
    # with other entries left moved is wrong by a margin that no x can hide
    w = np.arange(1, x.size + 1).reshape(x.shape) / x.size
    s = np.sum(x * w)
    return float(np.tanh(s) + s**2 + np.sum(x**3) / 3)


def _coupled_grad(x: np.ndarray) -> np.ndarray:
    w = np.arange(1, x.size + 1).reshape(x.shape) / x.size
    s = np.sum(x * w)
    return (1 - np.tanh(s) ** 2 + 2 * s) * w + x**2


_CATALOGUE: dict[str, tuple[Callable[[np.ndarray], float], Callable[[np.ndarray], np.ndarray]]] = {
    "wave": (_wave, _wave_grad),
    "softplus": (_softplus, _softplus_grad),
    "coupled": (_coupled, _coupled_grad),
}
NAMES = tuple(_CATALOGUE)


def function(name: str) -> Callable[[np.ndarray], float]:
    """The test function ``name``: takes an array, returns a float."""
    if name not in _CATALOGUE:
        raise KeyError(f"no test function named {name!r}")
    return _CATALOGUE[name][0]


def gradient(name: str, x: np.ndarray) -> np.ndarray:
    """The exact gradient of test function ``name`` at ``x``."""
    return _CATALOGUE[name][1](np.asarray(x, dtype=np.float64))


def resolve(ref: "FunctionRef") -> Callable:
    """A test function named in a case (:class:`autograde.wire.FunctionRef`), computed in this process: the
    grader's, or a self-check's kernel (:func:`autograde.calls.call_case`'s ``resolve``). In the sandbox the
    worker resolves them to calls answered by the grader instead: their code never enters it."""
    return function(ref.name)
