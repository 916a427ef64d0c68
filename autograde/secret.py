"""The secret the hidden inputs are made from, so that no student can compute them in advance.

The specs and the default seed are public, so inputs made from the seed alone could be rebuilt by anyone. The
grader therefore mixes the seed with a secret (:func:`mix`) that only the instructor's machine holds:

* ``AUTOGRADE_SECRET``, if set: the secret itself (e.g. from a CI secret store);
* otherwise the file ``AUTOGRADE_SECRET_FILE``, by default ``~/.config/autograde/secret``, created with 256
  random bits (mode 0600) the first time grading needs it.

The same secret and seed give the same inputs, so grades are reproducible wherever the secret is copied; a new
secret (or ``--seed``) gives new ones. The student's process never sees it: the sandbox shows neither the
file nor the grader's environment.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
import threading
from pathlib import Path

ENV = "AUTOGRADE_SECRET"
ENV_FILE = "AUTOGRADE_SECRET_FILE"
_lock = threading.Lock()


def location() -> Path:
    """The file holding the secret of this installation (it may not exist yet)."""
    if os.environ.get(ENV_FILE):
        return Path(os.path.abspath(os.environ[ENV_FILE]))
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(os.path.abspath(config)) / "autograde" / "secret"


def _read_or_create(path: Path) -> bytes:
    with _lock:
        try:
            return path.read_bytes().strip()
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        value = os.urandom(32).hex().encode()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(value + b"\n")
        print(f"autograde: created the secret of the hidden inputs in {path}; keep it (and copy it to any "
              "machine that grades) to reproduce grades", file=sys.stderr)
        return value


def value() -> bytes:
    if os.environ.get(ENV):
        return os.environ[ENV].encode()
    secret = _read_or_create(location())
    if not secret:
        raise RuntimeError(f"the secret file {location()} is empty")
    return secret


def mix(seed: int) -> int:
    """The seed of the hidden inputs: ``seed`` mixed with the secret (a 128-bit number)."""
    digest = hmac.new(value(), f"hidden-inputs|{seed}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:16], "big")


def fingerprint() -> str:
    """Changes when the secret changes; says nothing about it."""
    return hmac.new(value(), b"fingerprint", hashlib.sha256).hexdigest()[:16]
