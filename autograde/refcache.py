"""The reference's answers on the hidden inputs, kept on disk between runs of the grader.

Preparing a function's hidden cases (:func:`autograde.reference.prepare`) means calling the reference on
each and, for a backward function, differentiating its forward pass by finite differences: about a second of
CPU for the whole course, which a grader started for one student's twelve notebooks would otherwise pay every
time. The outputs (``expected``) and finite-difference gradients (``numeric``) are therefore written, once,
to ``$AUTOGRADE_CACHE_DIR`` (default ``~/.cache/autograde``), one file per function, and read back by later
runs.

A file is only ever read back under the same key: the course (:func:`course_fingerprint`: the grader's code,
the specs, ``course_utils`` and the reference notebooks), the secret and the seed of the hidden inputs, and
this machine's NumPy and BLAS (the last bits of a floating-point result depend on them), so a changed course or
secret simply misses. Files hold plain data in :mod:`autograde.wire`'s format (no pickle) and end with an
HMAC keyed by the secret over the file's identity (course, secret, seed, machine, notebook, function) and its
data, so that a valid file copied under another name does not verify; a file that does not verify is ignored
and rewritten. The folder is hidden from the
student's process like the secret itself (:mod:`autograde.runner`). ``AUTOGRADE_CACHE=off`` turns the cache
off; deleting the folder at any time is safe.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import platform
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from autograde import paths, secret, wire

_TAG = 32  # bytes of the HMAC at the end of a file


def enabled() -> bool:
    return os.environ.get("AUTOGRADE_CACHE", "on").lower() not in ("off", "0", "no", "none")


def location() -> Path:
    """The cache folder of this installation (it may not exist yet)."""
    if os.environ.get("AUTOGRADE_CACHE_DIR"):
        return Path(os.path.abspath(os.environ["AUTOGRADE_CACHE_DIR"]))
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(os.path.abspath(cache)) / "autograde"


@lru_cache(maxsize=1)
def course_fingerprint() -> str:
    """A hash of the grader's code, the specs, ``course_utils`` and the reference notebooks."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    files = sorted(package.rglob("*.py")) + sorted(paths.solutions_dir().glob("*/*.ipynb"))
    files += sorted((package.parent / "course_utils").glob("*.py"))
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def _machine() -> str:
    """What the last bits of a result depend on here: NumPy's version, the CPU and the BLAS kernel chosen."""
    import numpy as np

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return "|".join([np.__version__, platform.machine(), cpu, os.environ.get("OPENBLAS_CORETYPE", "")])


def _identity(stem: str, name: str, seed: int) -> str:
    """What a file is for: the course, the secret, the seed, this machine, the notebook and the function."""
    return f"{course_fingerprint()}|{secret.fingerprint()}|{seed}|{_machine()}|{stem}|{name}"


def _path(stem: str, name: str, seed: int) -> Path:
    key = _identity(stem, name, seed)
    return location() / f"{stem}.{name}.{hashlib.sha256(key.encode()).hexdigest()[:24]}.bin"


def _tag(identity: str, data: bytes) -> bytes:
    """The signature of a file: its identity with its data, so that a valid file copied under another
    function's or seed's name does not verify."""
    key = identity.encode("utf-8", "surrogateescape")
    return hmac.new(secret.value(), b"refcache|" + len(key).to_bytes(4, "big") + key + data, hashlib.sha256).digest()


def load(stem: str, name: str, seed: int) -> dict[str, Any] | None:
    """The stored ``{"expected": ..., "numeric": ...}`` of a function, or None (absent, off, or not valid)."""
    if not enabled():
        return None
    try:
        blob = _path(stem, name, seed).read_bytes()
    except OSError:
        return None
    data, tag = blob[:-_TAG], blob[-_TAG:]
    if len(blob) <= _TAG or not hmac.compare_digest(tag, _tag(_identity(stem, name, seed), data)):
        return None
    try:
        value = wire.loads(data)
    except (wire.WireError, ValueError):
        return None
    return value if isinstance(value, dict) and set(value) == {"expected", "numeric"} else None


def store(stem: str, name: str, seed: int, expected: list, numeric: list | None) -> None:
    """Write a function's reference data, atomically; a folder that cannot be written is no error."""
    if not enabled():
        return
    path = _path(stem, name, seed)
    try:
        data = wire.dumps({"expected": expected, "numeric": numeric})
    except wire.WireError:
        return  # not plain data: computed each time instead
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data + _tag(_identity(stem, name, seed), data))
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except (OSError, UnboundLocalError):
            pass
        return
    _prune(path)


KEEP = 4  # files kept per function (other courses, secrets or seeds); the oldest go first


def _prune(path: Path) -> None:
    stem_name = path.name.rsplit(".", 2)[0]
    try:
        old = sorted(path.parent.glob(f"{stem_name}.*.bin"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP:]
        for p in old:
            p.unlink()
    except OSError:
        pass
