"""Plain data across a process boundary, with no pickle.

Student code runs in a process of its own, and what it returns reaches the grader through this module:
nested dicts (string keys), lists, tuples, numbers, strings, ``None`` and numeric NumPy arrays. Anything
else is refused with :class:`WireError` naming the offending type, so an object that lies about equality,
or one that runs code when unpickled, never reaches the grader.

Two encodings share one tree walk:

* :func:`dumps` / :func:`loads`, a binary frame (a JSON tree followed by ``.npy`` blobs), for pipes;
* :func:`to_json` / :func:`from_json`, a JSON value with arrays written out in full, for files that are
  committed (the stored self-check cases), so that they are exact, deterministic and readable in a diff.

Callables cannot cross; a test function that a graded function takes as an argument (``f`` of
``numerical_gradient``) crosses as a :class:`FunctionRef`, resolved on the other side from a fixed
catalogue (:mod:`autograde.testfunctions`). A random generator that a graded function takes (``rng`` of
``sample``) crosses as a :class:`GeneratorRef`, its seed, and becomes ``numpy.random.default_rng(seed)`` on
the other side: the student's function and the reference each get a generator in the same state.
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

# kinds of array that may cross; object arrays never do
_DTYPE_KINDS = "biuf"
MAX_DEPTH = 32


class WireError(ValueError):
    """A value that cannot cross between the student's process and the grader."""


@dataclass(frozen=True)
class FunctionRef:
    """A test function from :mod:`autograde.testfunctions`, by name."""

    name: str


@dataclass(frozen=True)
class GeneratorRef:
    """A ``numpy.random.Generator`` by its seed (a tuple of non-negative integers), made fresh for each call."""

    seed: tuple[int, ...]

    def make(self) -> np.random.Generator:
        return np.random.default_rng(list(self.seed))


def _seed(tree: Any) -> tuple[int, ...]:
    if not isinstance(tree, list) or not 0 < len(tree) <= 8 or not all(type(s) is int and 0 <= s < 2**63 for s in tree):
        raise WireError("a malformed generator seed")
    return tuple(tree)


def _describe(value: Any) -> str:
    return f"an object of type {type(value).__module__}.{type(value).__qualname__}"


def _walk(value: Any, array: Callable[[np.ndarray], Any], depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise WireError(f"data nested more than {MAX_DEPTH} levels deep")
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        if abs(value) >= 2**63:
            raise WireError("an integer too large for 64 bits")
        return value
    if t is float:
        return value
    if isinstance(value, (np.floating, np.integer, np.bool_)) and type(value).__module__ == "numpy":
        return _walk(value.item(), array, depth)
    if isinstance(value, np.ndarray) and type(value).__module__ == "numpy":
        if value.dtype.kind not in _DTYPE_KINDS:
            raise WireError(f"an array of dtype {value.dtype}, not a numeric array")
        return {"$array": array(np.array(value, copy=True, order="C"))}
    if t is tuple:
        return {"$tuple": [_walk(v, array, depth + 1) for v in value]}
    if t is list:
        return [_walk(v, array, depth + 1) for v in value]
    if t is dict:
        out = {}
        for k, v in value.items():
            if type(k) is not str:
                raise WireError(f"a dict key that is {_describe(k)}, not a string")
            if k.startswith("$"):
                raise WireError(f"a dict key starting with '$' ({k!r})")
            out[k] = _walk(v, array, depth + 1)
        return out
    if t is FunctionRef:
        return {"$function": value.name}
    if t is GeneratorRef:
        return {"$generator": list(_seed(list(value.seed)))}
    raise WireError(_describe(value))


def _unwalk(tree: Any, array: Callable[[Any], np.ndarray], depth: int = 0) -> Any:
    if depth > MAX_DEPTH + 1:
        raise WireError("data nested too deeply")
    if isinstance(tree, list):
        return [_unwalk(v, array, depth + 1) for v in tree]
    if isinstance(tree, dict):
        if "$array" in tree:
            return array(tree["$array"])
        if "$tuple" in tree:
            return tuple(_unwalk(v, array, depth + 1) for v in tree["$tuple"])
        if "$function" in tree:
            return FunctionRef(str(tree["$function"]))
        if "$generator" in tree:
            return GeneratorRef(_seed(tree["$generator"]))
        return {k: _unwalk(v, array, depth + 1) for k, v in tree.items()}
    return tree


# ---------------------------------------------------------------------------------------------- binary frames

def dumps(value: Any) -> bytes:
    """Encode ``value`` as one binary frame: 8-byte header length, JSON tree, then ``.npy`` blobs."""
    blobs: list[bytes] = []

    def array(a: np.ndarray) -> int:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, a, allow_pickle=False)
        blobs.append(buf.getvalue())
        return len(blobs) - 1

    tree = _walk(value, array)
    header = json.dumps({"tree": tree, "sizes": [len(b) for b in blobs]}).encode()
    return struct.pack("<Q", len(header)) + header + b"".join(blobs)


def loads(data: bytes) -> Any:
    """Decode a frame written by :func:`dumps`; never unpickles."""
    try:
        (n,) = struct.unpack_from("<Q", data, 0)
        header = json.loads(data[8 : 8 + n].decode())
        offsets, pos = [], 8 + n
        for size in header["sizes"]:
            offsets.append((pos, pos + int(size)))
            pos += int(size)
    except (struct.error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise WireError(f"a malformed frame ({exc})") from None

    def array(i: Any) -> np.ndarray:
        try:
            start, end = offsets[int(i)]
            a = np.lib.format.read_array(io.BytesIO(data[start:end]), allow_pickle=False)
        except (IndexError, ValueError, TypeError) as exc:
            raise WireError(f"a malformed array ({exc})") from None
        if a.dtype.kind not in _DTYPE_KINDS:
            raise WireError(f"an array of dtype {a.dtype}")
        return a

    return _unwalk(header["tree"], array)


# ------------------------------------------------------------------------------------------------- JSON files

def to_json(value: Any) -> Any:
    """A JSON-ready value; arrays written as dtype, shape and a flat list of exact values."""

    def array(a: np.ndarray) -> dict:
        return {"dtype": a.dtype.str, "shape": list(a.shape), "data": a.ravel().tolist()}

    return _walk(value, array)


def from_json(tree: Any) -> Any:
    def array(spec: dict) -> np.ndarray:
        return np.array(spec["data"], dtype=np.dtype(spec["dtype"])).reshape(spec["shape"])

    return _unwalk(tree, array)


def copy(value: Any) -> Any:
    """A deep copy made of plain data only, as if it had crossed a process boundary."""
    return _unwalk(_walk(value, lambda a: a), lambda a: a)
