"""Length-prefixed frames of :mod:`autograde.wire` data over a pipe or a socket."""

from __future__ import annotations

import socket
import struct
import time
from typing import Any, BinaryIO

from autograde import wire

MAX_FRAME = 64 * 2**20  # what one message may weigh (the course's data is tiny); more is refused, not read


class FrameError(EOFError):
    """The other side closed the pipe or sent something that is not a frame."""


class FrameClosed(FrameError):
    """The other side closed the pipe (its process ended): not a malformed message."""


class FrameTimeout(FrameError):
    """Nothing (or not all of a frame) came before the deadline."""


def send(stream: BinaryIO | socket.socket, value: Any) -> None:
    data = wire.dumps(value)
    data = struct.pack("<Q", len(data)) + data
    if isinstance(stream, socket.socket):
        stream.sendall(data)
        return
    view = memoryview(data)
    while view:
        n = stream.write(view)
        view = view[n if n is not None else 0:]
    stream.flush()


def _read_exactly(stream: BinaryIO | socket.socket, n: int, deadline: float | None) -> bytes:
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        if isinstance(stream, socket.socket):
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise FrameTimeout("no answer before the deadline")
                stream.settimeout(left)
            try:
                k = stream.recv_into(view[got:], min(n - got, 1 << 20))
            except (TimeoutError, socket.timeout):
                raise FrameTimeout("no answer before the deadline") from None
            except OSError as exc:
                raise FrameError(f"the connection failed ({exc.strerror})") from None
        else:
            chunk = stream.read(min(n - got, 1 << 20))
            k = len(chunk) if chunk else 0
            view[got:got + k] = chunk or b""
        if not k:
            raise FrameClosed("the pipe was closed")
        got += k
    return bytes(buf)


def receive(stream: BinaryIO | socket.socket, deadline: float | None = None) -> Any:
    """One frame's value; FrameClosed if the other side closed, FrameError if it sent something that is not a
    frame (or the connection failed), and FrameTimeout if ``deadline`` (a ``time.monotonic()`` time, for a
    socket) passes first."""
    (n,) = struct.unpack("<Q", _read_exactly(stream, 8, deadline))
    if n > MAX_FRAME:
        raise FrameError(f"a message of {n} bytes, more than the {MAX_FRAME} allowed")
    data = _read_exactly(stream, n, deadline)
    try:
        return wire.loads(data)
    except wire.WireError as exc:
        raise FrameError(str(exc)) from None
