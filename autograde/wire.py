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
import threading
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

# kinds of array that may cross; object arrays never do
_DTYPE_KINDS = "biuf"
MAX_DEPTH = 32
MAX_HEADER = 8 * 2**20  # bytes of a frame's JSON tree: the structure only (arrays travel as blobs)
MAX_INT = 2**63


# what a hidden case's report says of a value that cannot cross, by kind: never the student's own text (a class
# name, a dtype's field names or a dict key could carry the hidden inputs)
NESTED, BIG_INT, NOT_NUMERIC = "data nested too deeply", "an integer too large for 64 bits", "an array that is not numeric"
KEY_NOT_STR, KEY_DOLLAR = "a dict with a key that is not a string", "a dict key starting with '$'"
NOT_PLAIN = "an object that is not plain data"
KINDS = (NESTED, BIG_INT, NOT_NUMERIC, KEY_NOT_STR, KEY_DOLLAR, NOT_PLAIN)


class WireError(ValueError):
    """A value that cannot cross between the student's process and the grader; ``kind`` (one of :data:`KINDS`)
    says what it is without any of the value's own text."""

    def __init__(self, message: str, kind: str = NOT_PLAIN):
        super().__init__(message)
        self.kind = kind


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


def clean_text(text: str) -> str:
    """``text`` with lone surrogates (which no UTF-8 file can hold) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _walk(value: Any, array: Callable[[np.ndarray], Any], depth: int = 0) -> Any:
    """Plain data from ``value``. Subclasses of dict, list, tuple, str, int and float cross as what they are
    (an OrderedDict as a dict, a namedtuple as a tuple), read through the base type's own methods."""
    if depth > MAX_DEPTH:
        raise WireError(f"data nested more than {MAX_DEPTH} levels deep", NESTED)
    t = type(value)
    if value is None or t is bool:
        return value
    if isinstance(value, str):
        return clean_text(str.__str__(value))
    if isinstance(value, int) and not isinstance(value, bool):
        value = int.__index__(value)
        if abs(value) >= MAX_INT:
            raise WireError("an integer too large for 64 bits", BIG_INT)
        return value
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, (np.floating, np.integer, np.bool_)) and type(value).__module__ == "numpy":
        return _walk(value.item(), array, depth)
    if isinstance(value, np.ndarray) and type(value).__module__ == "numpy":
        if value.dtype.kind not in _DTYPE_KINDS:
            raise WireError(f"an array of dtype {value.dtype}, not a numeric array", NOT_NUMERIC)
        return {"$array": array(np.array(value, copy=True, order="C"))}
    if isinstance(value, tuple):
        return {"$tuple": [_walk(tuple.__getitem__(value, i), array, depth + 1) for i in range(tuple.__len__(value))]}
    if isinstance(value, list):
        return [_walk(list.__getitem__(value, i), array, depth + 1) for i in range(list.__len__(value))]
    if isinstance(value, dict):
        out = {}
        for k, v in list(dict.items(value)):
            if not isinstance(k, str):
                raise WireError(f"a dict key that is {_describe(k)}, not a string", KEY_NOT_STR)
            k = clean_text(str.__str__(k))
            if k.startswith("$"):
                raise WireError(f"a dict key starting with '$' ({k!r})", KEY_DOLLAR)
            out[k] = _walk(v, array, depth + 1)
        return out
    if t is FunctionRef:
        return {"$function": value.name}
    if t is GeneratorRef:
        return {"$generator": list(_seed(list(value.seed)))}
    raise WireError(_describe(value))


def _unwalk(tree: Any, array: Callable[[Any], np.ndarray], depth: int = 0) -> Any:
    """The value a tree stands for, checking every node: what comes from the student's process is untrusted."""
    if depth > MAX_DEPTH + 1:
        raise WireError(f"data nested more than {MAX_DEPTH} levels deep")
    t = type(tree)
    if tree is None or t is bool or t is float:
        return tree
    if t is int:
        if abs(tree) >= MAX_INT:
            raise WireError("an integer too large for 64 bits")
        return tree
    if t is str:
        return clean_text(tree)
    if t is list:
        return [_unwalk(v, array, depth + 1) for v in tree]
    if t is dict:
        if any(type(k) is not str for k in tree):
            raise WireError("a dict key that is not a string")
        special = [k for k in tree if k.startswith("$")]
        if special:
            if len(tree) != 1:
                raise WireError("a malformed tagged value")
            ((tag, inner),) = tree.items()
            if tag == "$array":
                return array(inner)
            if tag == "$tuple" and type(inner) is list:
                return tuple(_unwalk(v, array, depth + 1) for v in inner)
            if tag == "$function" and type(inner) is str:
                return FunctionRef(clean_text(inner))
            if tag == "$generator":
                return GeneratorRef(_seed(inner))
            raise WireError(f"a malformed tagged value ({clean_text(tag)[:40]!r})")
        return {clean_text(k): _unwalk(v, array, depth + 1) for k, v in tree.items()}
    raise WireError(f"a value of type {t.__name__}")


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


# NumPy parses a .npy header with ast.literal_eval. Before 3.11.8, CPython's AST constructor kept its recursion
# depth in state shared by all threads, so two threads parsing at once could fail with "SystemError: AST
# constructor recursion depth mismatch" (python/cpython#106905): the grader, which decodes the workers' answers
# in a thread per notebook, crashed that way once in a full test run (Python 3.11.7). One header at a time.
_HEADER_LOCK = threading.Lock()


def _read_npy(blob: bytes) -> np.ndarray:
    """An array from ``.npy`` bytes, after checking that its header describes exactly the bytes there are
    (so that a header claiming a huge shape allocates nothing)."""
    buf = io.BytesIO(blob)
    try:
        version = np.lib.format.read_magic(buf)
        with _HEADER_LOCK:
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(buf, max_header_size=10_000)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(buf, max_header_size=10_000)
            else:
                raise ValueError(f"version {version}")
    except (ValueError, TypeError, SyntaxError, OverflowError, struct.error) as exc:
        raise WireError(f"a malformed array ({str(exc)[:100]})") from None
    if dtype.kind not in _DTYPE_KINDS or dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise WireError(f"an array of dtype {dtype}")
    if len(shape) > MAX_DEPTH or any(type(n) is not int or n < 0 for n in shape):
        raise WireError("an array with a malformed shape")
    count = 1
    for n in shape:
        count *= n
    data = blob[buf.tell():]
    if count * dtype.itemsize != len(data):
        raise WireError(f"an array whose header says shape {tuple(shape)[:8]} but whose data has {len(data)} bytes")
    a = np.frombuffer(data, dtype=dtype, count=count).reshape(shape, order="F" if fortran else "C")
    return a.astype(dtype.newbyteorder("="), copy=True)


def loads(data: bytes) -> Any:
    """Decode a frame written by :func:`dumps`; never unpickles. Every part is checked: structure, types,
    sizes and depth; anything else is a :class:`WireError`."""
    try:
        (n,) = struct.unpack_from("<Q", data, 0)
        if n > MAX_HEADER or 8 + n > len(data):
            raise ValueError(f"a header of {n} bytes")
        header = json.loads(data[8 : 8 + n].decode())
        if type(header) is not dict or set(header) != {"tree", "sizes"} or type(header["sizes"]) is not list:
            raise ValueError("not a frame header")
        offsets, pos = [], 8 + n
        for size in header["sizes"]:
            if type(size) is not int or size < 0:
                raise ValueError("a bad blob size")
            offsets.append((pos, pos + size))
            pos += size
        if pos != len(data):
            raise ValueError(f"{len(data) - pos} bytes more than the header says")
    except (struct.error, ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError) as exc:
        raise WireError(f"a malformed frame ({str(exc)[:100]})") from None

    def array(i: Any) -> np.ndarray:
        if type(i) is not int or not 0 <= i < len(offsets):
            raise WireError("a malformed array reference")
        start, end = offsets[i]
        return _read_npy(data[start:end])

    try:
        return _unwalk(header["tree"], array)
    except RecursionError:
        raise WireError("data nested too deeply") from None


# ------------------------------------------------------------------------------------------------- JSON files

def to_json(value: Any) -> Any:
    """A JSON-ready value; arrays written as dtype, shape and a flat list of exact values."""

    def array(a: np.ndarray) -> dict:
        return {"dtype": a.dtype.str, "shape": list(a.shape), "data": a.ravel().tolist()}

    return _walk(value, array)


def from_json(tree: Any) -> Any:
    def array(spec: Any) -> np.ndarray:
        try:
            a = np.array(spec["data"], dtype=np.dtype(spec["dtype"])).reshape(spec["shape"])
        except (KeyError, TypeError, ValueError) as exc:
            raise WireError(f"a malformed array ({exc})") from None
        if a.dtype.kind not in _DTYPE_KINDS:
            raise WireError(f"an array of dtype {a.dtype}")
        return a

    return _unwalk(tree, array)


def copy(value: Any) -> Any:
    """A deep copy made of plain data only, as if it had crossed a process boundary."""
    return _unwalk(_walk(value, lambda a: a), lambda a: a)
