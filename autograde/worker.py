"""The student's process: runs a notebook's code once, then each graded function in a child of its own.

Started by :mod:`autograde.runner` as ``python -m autograde.worker`` (inside the sandbox when there is
one). It judges nothing. The conversation, in :mod:`autograde.frames` on its stdin and stdout:

1. the grader sends ``{"cells": [[index, source], ...]}``; the worker runs them and answers
   ``{"type": "ready", "cell_errors": [...]}``;
2. for each function the grader sends ``{"type": "function", "function", "depends", "cases"}``; the worker
   forks a child, which calls the function on each case and answers ``{"type": "result", "cases": [...]}``;
   calls to the graded functions it depends on go back to the grader (``{"type": "call"}``), which answers
   with the reference's outputs, so no reference code is here. When the child is gone the worker says
   ``{"type": "finished", "status": exit status}``, so that a child that died says so.

Each function thus starts from the state the notebook's cells left, and a crash, an exit or a patch in one
function cannot reach another. Before any student code runs, the pipes move to private file descriptors and
fds 0, 1 and 2 point to /dev/null, so that what the student's code prints cannot mix with the answers.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, BinaryIO

from autograde import calls, frames
from course_utils.notebooks import Cell, exec_cells

SANDBOX_FLAG = "AUTOGRADE_SANDBOXED"


def _private_pipes() -> tuple[BinaryIO, BinaryIO]:
    inp = os.fdopen(os.dup(0), "rb", buffering=0)
    out = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    return inp, out


def _proxy(name: str, inp: BinaryIO, out: BinaryIO):
    def call(*args: Any, **kwargs: Any) -> Any:
        frames.send(out, {"type": "call", "name": name, "args": list(args), "kwargs": kwargs})
        reply = frames.receive(inp)
        if reply.get("type") != "return":
            raise RuntimeError(reply.get("message", f"{name} failed"))
        return reply["value"]

    call.__name__ = name
    return call


def _in_own_pid_namespace() -> bool:
    """True only inside the sandbox, where this process tree is alone in a PID namespace."""
    if os.environ.get(SANDBOX_FLAG) != "1":
        return False
    try:
        with open("/proc/1/cmdline", "rb") as f:
            return os.path.basename(f.read().split(b"\0")[0]) == b"bwrap"
    except OSError:
        return False


def _reap_strays() -> None:
    """Kill whatever a function left running (a daemon it started), so that it cannot reach the next one."""
    if not _in_own_pid_namespace():
        return
    keep = {1, os.getpid(), os.getppid()}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) not in keep:
            try:
                os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass


def _run_function(request: dict, namespace: dict, inp: BinaryIO, out: BinaryIO) -> None:
    """In the child: call the function on every case and send the result."""
    name = request["function"]
    fn = namespace.get(name)
    if not callable(fn):
        what = "no function" if fn is None else f"{name} is not a function, and no function"
        frames.send(out, {"type": "result", "missing": f"{what} named {name} was defined (was it renamed or deleted?)"})
        return
    deps = {dep: _proxy(dep, inp, out) for dep in request["depends"]}
    results = calls.run_cases(fn, namespace, request["cases"], deps)
    frames.send(out, {"type": "result", "cases": results})


def main() -> int:
    inp, out = _private_pipes()
    first = frames.receive(inp)
    namespace: dict = {"__name__": "__main__"}
    cells = [Cell(int(i), str(src)) for i, src in first["cells"]]
    cell_errors = [e.message for e in exec_cells(cells, namespace, catch=BaseException)]
    frames.send(out, {"type": "ready", "cell_errors": cell_errors})
    while True:
        try:
            request = frames.receive(inp)
        except frames.FrameError:
            os._exit(0)
        if request.get("type") != "function":
            os._exit(0)
        pid = os.fork()
        if pid == 0:
            try:
                _run_function(request, namespace, inp, out)
                out.flush()
            finally:
                os._exit(0)  # nothing the student's code registered (atexit, threads) runs after the answer
        _, status = os.waitpid(pid, 0)
        _reap_strays()
        frames.send(out, {"type": "finished", "status": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    sys.exit(main())
