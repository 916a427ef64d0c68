"""Reading a notebook file without its outputs, in bounded memory.

Grading needs a notebook's sources, never the outputs of its code cells, and a correct notebook with many
figures can weigh hundreds of megabytes. :func:`read_without_outputs` therefore streams the file in chunks and
drops, as they are read, the value of every cell's ``"outputs"`` (and ``"attachments"``, images pasted into
markdown), keeping an empty one in its place. What is kept (the sources, metadata and the rest of the JSON) may
be at most :data:`MAX_KEPT` bytes; only a notebook whose kept part is larger is refused. Memory stays within
about ``MAX_KEPT`` plus two chunks, whatever the size of the file. A file no larger than ``MAX_KEPT`` is read
as it is (:func:`read`), which is faster, and as bounded.

This is not a JSON parser: it follows strings and brackets only as far as needed to find those values, copies
everything else byte for byte (newlines of dropped values too, so that an error's line number is the file's),
and leaves judging the result to :func:`json.loads`. A file that is not JSON comes out as something that is
not JSON either.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
MAX_KEPT = 32 * 2**20  # bytes of a notebook besides its outputs: course notebooks keep < 1 MiB
DROPPED = {b'"outputs"': b"[", b'"attachments"': b"{"}  # a cell's key -> how its kept, empty value opens

# a token outside dropped values: a whole string, a bracket or punctuation, or a run of anything else
_TOKEN = re.compile(rb'\s*(?:"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+)', re.S)
_STRUCTURE = re.compile(rb'["\[\]{}]')
_SCALAR_END = re.compile(rb'[,\]}\s]')
_SPACE = re.compile(rb"\s*")


class TooLarge(ValueError):
    """The notebook's sources (everything but its outputs) exceed MAX_KEPT."""


def too_large() -> TooLarge:
    return TooLarge(f"the notebook's sources (everything but the outputs of its cells) are larger than "
                    f"{MAX_KEPT // 2**20} MiB")


class _Stream:
    def __init__(self, f: BinaryIO):
        self.f, self.buf, self.pos, self.eof = f, b"", 0, False

    def more(self) -> bool:
        """Read the next chunk (dropping what was consumed); False at the end of the file."""
        if self.eof:
            return False
        data = self.f.read(CHUNK)
        if not data:
            self.eof = True
            return False
        self.buf, self.pos = self.buf[self.pos:] + data, 0
        return True


def _skip_value(s: _Stream) -> int:
    """Consume one JSON value at ``s.pos`` without keeping it; return the newlines it held."""
    newlines = 0
    depth, in_string, started = 0, False, False
    while True:
        if s.pos >= len(s.buf):
            if not s.more():
                return newlines  # cut short: json.loads will say the file is not JSON
            continue
        if in_string:  # to the closing quote, by memchr (a figure is megabytes of base64 without a backslash)
            quote = s.buf.find(b'"', s.pos)
            escape = s.buf.find(b"\\", s.pos, quote if quote >= 0 else len(s.buf))
            if escape >= 0:
                if escape + 1 >= len(s.buf):  # the escaped character is in the next chunk
                    s.pos = escape
                    if not s.more():
                        return newlines
                else:
                    s.pos = escape + 2
                continue
            if quote < 0:
                s.pos = len(s.buf)
                continue
            s.pos, in_string = quote + 1, False
            if depth == 0:
                return newlines
            continue
        if not started:
            space = _SPACE.match(s.buf, s.pos).end()
            newlines += s.buf.count(b"\n", s.pos, space)
            s.pos = space
            if s.pos >= len(s.buf):
                continue
            started = True
            first = s.buf[s.pos:s.pos + 1]
            if first not in b'"[{':  # a number, true, false or null
                while True:
                    m = _SCALAR_END.search(s.buf, s.pos)
                    if m:
                        s.pos = m.start()
                        return newlines
                    s.pos = len(s.buf)
                    if not s.more():
                        return newlines
            continue
        m = _STRUCTURE.search(s.buf, s.pos)
        end = m.start() if m else len(s.buf)
        newlines += s.buf.count(b"\n", s.pos, end)
        if not m:
            s.pos = len(s.buf)
            continue
        s.pos = m.end()
        c = m.group()
        if c == b'"':
            in_string = True
        elif c in b"[{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return newlines


def read_without_outputs(f: BinaryIO) -> bytes:
    """The notebook JSON read from ``f`` with every cell's outputs (and attachments) emptied; :class:`TooLarge`
    if what is kept exceeds MAX_KEPT."""
    s = _Stream(f)
    out = bytearray()
    # per open container: its bracket and the key it is the value of (None in an array)
    stack: list[tuple[bytes, bytes | None]] = []
    key: bytes | None = None  # the last key read in the innermost object
    expect_key = False
    while True:
        m = _TOKEN.match(s.buf, s.pos)
        if m is None or (m.end() == len(s.buf) and not s.eof):
            # an incomplete token at the end of the chunk (or none at all): read on
            if len(s.buf) - s.pos > MAX_KEPT:
                raise too_large()
            if s.more():
                continue
            out += s.buf[s.pos:]  # the end of the file: what is left (blank, or not JSON) is for json.loads to judge
            break
        token = m.group().lstrip()
        out += m.group()
        s.pos = m.end()
        if len(out) > MAX_KEPT:
            raise too_large()
        if token in (b"{", b"["):
            stack.append((token, key if stack and stack[-1][0] == b"{" else None))
            expect_key, key = token == b"{", None
        elif token in (b"}", b"]"):
            if stack:
                stack.pop()
            expect_key = False
        elif token == b",":
            expect_key = bool(stack) and stack[-1][0] == b"{"
        elif token == b":":
            in_cell = (len(stack) >= 2 and stack[-1][0] == b"{" and stack[-2] == (b"[", b'"cells"'))
            if in_cell and key in DROPPED:
                opening = DROPPED[key]
                newlines = _skip_value(s)
                out += b" " + opening + b"\n" * newlines + (b"]" if opening == b"[" else b"}")
            expect_key = False
        elif expect_key and token.startswith(b'"'):
            key, expect_key = (json.dumps(json.loads(token)).encode() if b"\\" in token else token), False
    return bytes(out)


def read(f: BinaryIO) -> bytes:
    """A notebook file's JSON: as it is if the whole file is no larger than MAX_KEPT (read at C speed; its
    outputs are then small enough to keep), else without its outputs (:func:`read_without_outputs`)."""
    data = f.read(MAX_KEPT + 1)
    if len(data) <= MAX_KEPT:
        return data
    return read_without_outputs(_Prefixed(data, f))


class _Prefixed:
    """``data`` already read from ``f``, then the rest of ``f``."""

    def __init__(self, data: bytes, f: BinaryIO):
        self.data, self.f = data, f

    def read(self, n: int) -> bytes:
        if self.data:
            out, self.data = self.data[:n], self.data[n:]
            return out
        return self.f.read(n)


def open_notebook(path: Path, follow: bool = False) -> BinaryIO:
    """A notebook file opened for reading: a regular file, not reached through a symbolic link unless ``follow``
    (the path the instructor gave); ValueError with a readable reason otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow else getattr(os, "O_NOFOLLOW", 0))
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow and path.is_symlink():
            raise ValueError("the file is a symbolic link, which the grader does not follow") from None
        raise ValueError(f"the file could not be read ({exc.strerror})") from None
    f = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
        f.close()
        raise ValueError("the file is not a regular file")
    return f
