"""The student's process: a clean template that forks one child per graded function.

Started by :mod:`autograde.session` as ``python -m autograde.worker`` (inside the sandbox when there is
one), with a control socket as its stdin. It judges nothing, and no student code ever runs in it: the
template reads a notebook's cells (``{"type": "notebook"}``), compiles them and imports the NumPy and course
modules they import (trusted code, installed with the grader), then for each function receives a socket of its
own (passed over the control socket) and forks a child, which

0. in the sandbox, mounts its own fresh, size-bounded /tmp and /dev/shm in its own user, mount and IPC
   namespaces, on a file system that is otherwise read-only (:mod:`autograde.confine`);
1. runs the notebook's cells in a fresh namespace like a kernel's (``display``, ``get_ipython``), where the
   modules the template imported are invisible until a cell imports them (:mod:`autograde.freshkernel`), and
   says ``{"type": "ready", "cell_errors": [...], "missing": ...}`` (each cell error's fields:
   :class:`autograde.kernel.CellError`); only then does it receive the (hidden) inputs,
   ``{"type": "cases"}``, so that nothing the cells say can hold them;
2. calls the function on each case with the graded functions it depends on (its spec's ``depends``)
   standing in as calls back to the grader (``{"type": "call"}``, answered with the reference's outputs: no
   reference code is here), and so are the test functions a case passes as an argument; an error is described
   by its type and place only (:class:`autograde.calls.HiddenError`), and any complex number met is reported
   (``{"type": "complex"}``, :class:`autograde.complexwatch.ComplexWatch`);
3. says ``{"type": "result", "cases": [...]}`` and exits.

When the child is gone the template kills whatever it left running, empties /tmp and /dev/shm (where they are
the sandbox's own) and removes System V IPC objects (:mod:`autograde.cleanup`), then says ``{"type":
"finished", "status": exit status, "clean": bool}`` on the control socket, which no student code can reach
(the child closes it first, and the template is not dumpable, so not traceable); a template not proven clean
is closed by the grader. Each function thus starts from the notebook's code alone: nothing one function does
or leaves behind reaches the next, and what the student's code writes on its own socket concerns its own
function only. That is also why, in the sandbox, one template serves the notebooks of one submission in turn
(:class:`autograde.pool.WorkerPool`), never another submission's: starting Python and NumPy in a fresh sandbox
costs more than grading a small notebook.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import types
from typing import Any, Callable

from autograde import calls, frames, wire
from autograde.cleanup import wipe
from autograde.complexwatch import ComplexWatch
from autograde.freshkernel import FreshKernel, preimport, remember_baseline

SANDBOX_FLAG = "AUTOGRADE_SANDBOXED"
PRIVATE_FLAG = "AUTOGRADE_PRIVATE_TMP"  # set when each function's child mounts its own /tmp (autograde.confine)
PRIVATE_FAILED = 75  # the child's exit status when it could not: no student code ran


def _quiet_stdio() -> socket.socket:
    """The control socket (fd 0) moved to a private descriptor; fds 0, 1 and 2 to /dev/null."""
    ctrl = socket.socket(fileno=os.dup(0))
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    return ctrl


def _not_dumpable() -> None:
    """Children cannot read or trace this process's memory (PR_SET_DUMPABLE = 0)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _selfcheck_stub() -> types.ModuleType:
    """``autograde.selfcheck`` as student code sees it while graded: self-check cells do nothing here."""
    module = types.ModuleType("autograde.selfcheck")

    class SelfCheck:
        def __init__(self, stem: str = "", *args: Any, **kwargs: Any):
            self.stem = stem

        def __call__(self, fn: Any = None, *args: Any, **kwargs: Any) -> float:
            return 0.0

        grade = __call__

    module.SelfCheck = SelfCheck
    return module


def _proxy(name: str, label: str, inp, out, watch: "ComplexWatch | None" = None) -> Callable:
    def call(*args: Any, **kwargs: Any) -> Any:
        with watch.paused() if watch is not None else contextlib.nullcontext():
            frames.send(out, {"type": "call", "name": name, "args": list(args), "kwargs": kwargs})
            reply = frames.receive(inp)
        if not isinstance(reply, dict) or reply.get("type") != "return":
            message = reply.get("message") if isinstance(reply, dict) else None
            raise RuntimeError(message if isinstance(message, str) else f"{label} failed")
        return reply.get("value")

    call.__name__ = call.__qualname__ = label
    return call


def _child(request: dict, cells: list, sock: socket.socket) -> None:
    """In the child: run the cells, then the function on every case, and say what came back."""
    from autograde import kernel
    from course_utils import notebooks

    inp = out = sock
    FreshKernel()
    notebooks.provided = {}  # import_functions reads only what the grader hands in (nothing): no file is searched
    sys.modules["autograde.selfcheck"] = _selfcheck_stub()
    namespace = kernel.kernel_namespace("__main__")
    errors = kernel.exec_cells(cells, namespace, catch=BaseException)
    name = request["function"]
    fn = namespace.get(name)
    missing = None
    if not callable(fn):
        what = "no function" if fn is None else f"{name} is not a function, and no function"
        missing = f"{what} named {name} was defined (was it renamed or deleted?)"
    # the hidden inputs come only now, after the cells ran: what the cells say (their errors) cannot show them
    frames.send(out, {"type": "ready", "cell_errors": [{"index": e.index, "kind": e.kind, "detail": e.detail,
                                                        "cell": e.cell, "line": e.line} for e in errors],
                      "missing": missing})
    if missing is not None:
        return
    given = frames.receive(inp)
    if not isinstance(given, dict) or given.get("type") != "cases" or not isinstance(given.get("cases"), list):
        return
    watch = ComplexWatch(lambda: frames.send(out, {"type": "complex"}))
    deps = {dep: _proxy(dep, dep, inp, out, watch) for dep in request["reference"]}

    def resolve(ref: wire.FunctionRef) -> Callable:
        return _proxy(f"$test:{ref.name}", "f", inp, out, watch)

    results = calls.run_cases(fn, namespace, given["cases"], deps, resolve, hidden=True, watch=watch)
    frames.send(out, {"type": "result", "cases": results})


def _in_own_pid_namespace() -> bool:
    """True only inside the sandbox, where this process tree is alone in a PID namespace."""
    if os.environ.get(SANDBOX_FLAG) != "1":
        return False
    try:
        with open("/proc/1/cmdline", "rb") as f:
            return os.path.basename(f.read().split(b"\0")[0]) == b"bwrap"
    except OSError:
        return False


def main() -> int:
    remember_baseline()
    ctrl = _quiet_stdio()
    _not_dumpable()
    cwd = os.getcwd()  # -m put the working folder (the sandbox's /tmp) first: nothing is imported from there
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != cwd]
    from autograde.kernel import Cell, compiled

    cells: list = []
    sandboxed = _in_own_pid_namespace()
    private = sandboxed and os.environ.get(PRIVATE_FLAG) == "1"
    while True:
        try:
            _, fds, _, _ = socket.recv_fds(ctrl, 1, 1)
            request = frames.receive(ctrl)
        except (frames.FrameError, OSError):
            os._exit(0)
        kind = request.get("type") if isinstance(request, dict) else None
        if kind == "notebook" and not fds:  # the cells of the notebook whose functions come next
            cells = [Cell(int(i), str(src)) for i, src in request["cells"]]
            for cell in cells:  # compiled once here (compiling runs no code), run in every child
                try:
                    compiled(cell)
                except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError):
                    pass
            preimport(cells)
            continue
        if kind != "function" or not fds:
            os._exit(0)
        pid = os.fork()
        if pid == 0:
            try:
                ctrl.close()
                for fd in fds[1:]:
                    os.close(fd)
                if private:
                    try:
                        from autograde import confine

                        confine.private_mounts()
                    except OSError:
                        os._exit(PRIVATE_FAILED)
                _child(request, cells, socket.socket(fileno=fds[0]))
            finally:
                os._exit(0)  # nothing the student's code registered (atexit, threads) runs after the answer
        for fd in fds:
            os.close(fd)
        _, status = os.waitpid(pid, 0)
        clean = wipe() if sandboxed else False
        frames.send(ctrl, {"type": "finished", "status": os.waitstatus_to_exitcode(status), "clean": clean})


if __name__ == "__main__":
    sys.exit(main())
