"""Length-prefixed frames of :mod:`autograde.wire` data over a pipe."""

from __future__ import annotations

import struct
from typing import Any, BinaryIO

from autograde import wire

MAX_FRAME = 64 * 2**20  # what one message may weigh (the course's data is tiny); more is refused, not read


class FrameError(EOFError):
    """The other side closed the pipe or sent something that is not a frame."""


def send(stream: BinaryIO, value: Any) -> None:
    data = wire.dumps(value)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise FrameError("the pipe was closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(stream: BinaryIO) -> Any:
    (n,) = struct.unpack("<Q", _read_exactly(stream, 8))
    if n > MAX_FRAME:
        raise FrameError(f"a message of {n} bytes, more than the {MAX_FRAME} allowed")
    try:
        return wire.loads(_read_exactly(stream, n))
    except wire.WireError as exc:
        raise FrameError(str(exc)) from None
