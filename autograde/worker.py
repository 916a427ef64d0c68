"""The student's process: runs a notebook's code and calls one graded function on the given inputs.

Started by :mod:`autograde.runner` as ``python -m autograde.worker``. It reads one request frame from
stdin, answers on stdout with frames, and judges nothing. Before any student code runs, the pipes move to
private file descriptors and fds 0, 1 and 2 point to /dev/null, so that what the student's code prints
cannot mix with the answers. Calls to the graded functions that the function depends on go back to the
grader (``{"type": "call"}``), which answers with the reference's outputs: no reference code is here.
"""

from __future__ import annotations

import os
import sys
from typing import Any, BinaryIO

from autograde import calls, frames
from course_utils.notebooks import Cell, exec_cells


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


def main() -> int:
    inp, out = _private_pipes()
    request = frames.receive(inp)
    namespace: dict = {"__name__": "__main__"}
    cells = [Cell(int(i), str(src)) for i, src in request["cells"]]
    cell_errors = [e.message for e in exec_cells(cells, namespace)]
    name = request["function"]
    fn = namespace.get(name)
    if not callable(fn):
        what = "no function" if fn is None else f"{name} is not a function, and no function"
        frames.send(out, {"type": "result", "cell_errors": cell_errors,
                          "missing": f"{what} named {name} was defined (was it renamed or deleted?)"})
        return 0
    deps = {dep: _proxy(dep, inp, out) for dep in request["depends"]}
    results = calls.run_cases(fn, namespace, request["cases"], deps)
    frames.send(out, {"type": "result", "cell_errors": cell_errors, "cases": results})
    out.flush()
    os._exit(0)  # nothing the student's code registered (atexit, threads) runs after the answer


if __name__ == "__main__":
    sys.exit(main())
