"""The student's process: a clean template that forks one child per graded function.

Started by :mod:`autograde.runner` as ``python -m autograde.worker`` (inside the sandbox when there is
one), with a control socket as its stdin. It judges nothing, and no student code ever runs in it: the
template reads a notebook's cells (``{"type": "notebook"}``), compiles them and imports the NumPy and course
modules they import (trusted code, installed with the grader), then for each function receives a socket of its
own (passed over the control socket) and forks a child, which

0. in the sandbox, mounts its own fresh, size-bounded /tmp and /dev/shm in its own user, mount and IPC
   namespaces, on a file system that is otherwise read-only (:mod:`autograde.confine`);
1. runs the notebook's cells in a fresh namespace like a kernel's (``display``, ``get_ipython``), where the
   modules the template imported are invisible until a cell imports them (:class:`_FreshKernel`), and says
   ``{"type": "ready", "cell_errors": [...], "missing": ...}``; only then does it receive the (hidden) inputs,
   ``{"type": "cases"}``, so that nothing the cells say can hold them;
2. calls the function on each case with the graded functions it depends on (its spec's ``depends``)
   standing in as calls back to the grader (``{"type": "call"}``, answered with the reference's outputs: no
   reference code is here), and so are the test functions a case passes as an argument; an error is described
   by its type and place only (:func:`autograde.calls.describe_hidden`), and any complex number met is reported
   (``{"type": "complex"}``, :class:`_ComplexWatch`);
3. says ``{"type": "result", "cases": [...]}`` and exits.

When the child is gone the template kills whatever it left running, empties /tmp and /dev/shm (where they are
the sandbox's own) and removes System V IPC objects, then says ``{"type": "finished", "status": exit status,
"clean": bool}`` on the control socket, which no student code can reach (the child closes it first, and the
template is not dumpable, so not traceable); a template not proven clean is closed by the grader. Each function
thus starts from the notebook's code alone: nothing one function does or leaves behind reaches the next, and
what the student's code writes on its own socket concerns its own function only. That is also why, in the
sandbox, one template serves the notebooks of one submission in turn (:class:`autograde.runner.WorkerPool`),
never another submission's: starting Python and NumPy in a fresh sandbox costs more than grading a small notebook.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sys
import types
from typing import Any, Callable

from autograde import calls, frames, wire

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


def _proxy(name: str, label: str, inp, out, watch: "_ComplexWatch | None" = None) -> Callable:
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


class _ComplexWatch:
    """Reports (once, to the grader, out of this process's reach) any complex number or array that one of the
    notebook's Python functions is called with, holds or returns, or whose method is called, while the graded
    function runs: no function of this course needs complex numbers, and the complex-step method would
    differentiate the student's own forward pass without backpropagation. The profiler is on only while the
    student's code runs (not while the grader's own code copies data or calls back), and an audit hook refuses
    ``sys.setprofile``/``sys.settrace`` to anyone else."""

    def __init__(self, report: Callable[[], None]):
        import threading

        import numpy as np

        self.report, self.seen, self._permit = report, False, False
        self.threading = threading
        scalars = (complex, np.complexfloating)
        ndarray = np.ndarray

        def is_complex(v: Any) -> bool:
            return isinstance(v, scalars) or isinstance(v, ndarray) and v.dtype.kind == "c"

        def holds_complex(v: Any) -> bool:
            if is_complex(v):
                return True
            if isinstance(v, (list, tuple)):
                return any(is_complex(x) for x in v[:64])
            if isinstance(v, dict):
                return any(is_complex(x) for x in list(v.values())[:64])
            return False

        def profile(frame: Any, event: str, arg: Any) -> None:
            # kept cheap: called on every call and return; only the notebook's own functions are looked into
            if event == "c_call":
                target = getattr(arg, "__self__", None)
                if target.__class__ is not ndarray or target.dtype.kind != "c":
                    return
            elif event == "call" or event == "return":
                if self.seen or not frame.f_code.co_filename.startswith("<cell"):
                    return
                if not (event == "return" and holds_complex(arg)
                        or any(holds_complex(v) for v in frame.f_locals.values())):
                    return
            else:
                return
            if not self.seen:
                self.seen = True
                self.report()

        def audit(event: str, args: Any) -> None:
            if event in ("sys.setprofile", "sys.settrace") and not self._permit:
                raise RuntimeError(f"{event} is not available while graded")

        self.profile = profile
        sys.addaudithook(audit)

    def _set(self, fn: Any) -> None:
        self._permit = True
        try:
            sys.setprofile(fn)
            self.threading.setprofile(fn)
        finally:
            self._permit = False

    def __enter__(self) -> "_ComplexWatch":
        self._set(self.profile)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._set(None)

    def paused(self) -> "_Paused":
        return _Paused(self)


class _Paused:
    def __init__(self, watch: _ComplexWatch):
        self.watch, self.was = watch, None

    def __enter__(self) -> None:
        self.was = sys.getprofile()
        if self.was is not None:
            self.watch._set(None)

    def __exit__(self, *exc: Any) -> None:
        if self.was is not None:
            self.watch._set(self.was)


def _child(request: dict, cells: list, sock: socket.socket) -> None:
    """In the child: run the cells, then the function on every case, and say what came back."""
    from autograde import kernel
    from course_utils import notebooks

    inp = out = sock
    _FreshKernel()
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
    frames.send(out, {"type": "ready", "cell_errors": [e.message for e in errors], "missing": missing})
    if missing is not None:
        return
    given = frames.receive(inp)
    if not isinstance(given, dict) or given.get("type") != "cases" or not isinstance(given.get("cases"), list):
        return
    watch = _ComplexWatch(lambda: frames.send(out, {"type": "complex"}))
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


def _reap_strays() -> None:
    """Kill whatever a function left running (a daemon it started), so that it cannot reach the next one."""
    keep = {1, os.getpid(), os.getppid()}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) not in keep:
            try:
                os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass


def _remove_ipc() -> None:
    """Remove the System V shared memory, semaphores and message queues a function left (IPC_RMID = 0)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return
    for table, remove in (("shm", lambda i: libc.shmctl(i, 0, None)), ("sem", lambda i: libc.semctl(i, 0, 0)),
                          ("msg", lambda i: libc.msgctl(i, 0, None))):
        try:
            with open(f"/proc/sysvipc/{table}") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 1 and fields[1].isdigit():
                remove(int(fields[1]))


def _force_remove(path: str) -> None:
    """Remove a file or a folder tree, whatever the permissions its owner (the student's process) gave it."""
    import stat

    try:
        st = os.lstat(path)
    except OSError:
        return
    if not stat.S_ISDIR(st.st_mode):
        try:
            os.unlink(path)
        except OSError:
            pass
        return
    try:
        os.chmod(path, 0o700)
        for dirpath, dirnames, _ in os.walk(path):  # make every folder writable before descending into it
            for d in dirnames:
                full = os.path.join(dirpath, d)
                if not os.path.islink(full):
                    os.chmod(full, 0o700)
    except (OSError, RecursionError):
        pass
    shutil.rmtree(path, ignore_errors=True)


def _others() -> list[int]:
    keep = {1, os.getpid(), os.getppid()}
    return [int(e) for e in os.listdir("/proc") if e.isdigit() and int(e) not in keep]


def _wipe() -> bool:
    """Leave nothing of a function for the next: other processes, files in /tmp and /dev/shm, IPC objects.
    True when the worker is then proven clean: no other process, /tmp and /dev/shm empty (with private mounts,
    the function's own /tmp, /dev/shm and IPC were gone with its processes, and these are the sandbox's
    read-only ones)."""
    _reap_strays()
    for folder in ("/tmp", "/dev/shm"):
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            _force_remove(os.path.join(folder, entry))
    _remove_ipc()
    try:
        import time

        for _ in range(100):  # killed processes leave /proc once reaped by PID 1
            if not _others():
                break
            time.sleep(0.001)
        return not _others() and not os.listdir("/tmp") and not os.listdir("/dev/shm")
    except OSError:
        return False


TRUSTED = ("numpy", "course_utils")  # packages whose modules the template may import for the children


def _imported_modules(source: str) -> list[str]:
    """The modules of TRUSTED packages that a cell imports at its top level, read from its syntax (no code
    runs): ``import numpy.linalg``, ``from course_utils import nb08``, ``from course_utils.nb08 import f``."""
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError):
        return []
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*"]
    return [n for n in names if n.split(".")[0] in TRUSTED]


_BASELINE: frozenset[str] = frozenset()  # the modules of the template before any notebook's imports
_EDGES: dict[str, set[str]] = {}  # module -> the modules its code imported (recorded while pre-importing)


def _preimport(cells: list) -> None:
    """Import once, here, the course's and NumPy's modules the cells import, so that no child pays for
    importing them again (about 20-40 ms each). Only modules of TRUSTED packages, installed with the grader:
    importing them runs none of the student's code. Which module imported which is recorded, so that a child
    sees a module only once its cells import it (:class:`_FreshKernel`)."""
    import builtins
    import importlib

    real = builtins.__import__

    def recording(name, globals=None, locals=None, fromlist=(), level=0):  # noqa: A002 - __import__'s own names
        module = real(name, globals, locals, fromlist, level)
        importer = (globals or {}).get("__name__") if isinstance(globals, dict) else None
        if isinstance(importer, str):
            try:
                full = importlib.util.resolve_name("." * level + name, globals.get("__package__") or importer) \
                    if level else name
            except (ImportError, ValueError, TypeError):
                return module
            targets = _EDGES.setdefault(importer, set())
            targets.add(full)
            targets.update(f"{full}.{f}" for f in fromlist or () if isinstance(f, str) and f"{full}.{f}" in sys.modules)
        return module

    builtins.__import__ = recording
    try:
        for name in ["numpy", "numpy.random"] + [n for cell in cells for n in _imported_modules(cell.source)]:
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - not a module (``from numpy import pi``), or one that fails: the child says
                pass
    finally:
        builtins.__import__ = real


_OURS = ("autograde.", "course_utils.")  # the worker's own modules are no part of a fresh kernel either


class _FreshKernel:
    """In a child: the modules the template imported (for itself, or up front for any notebook's cells) are
    out of ``sys.modules`` and off their package until a cell imports them, as in a fresh kernel run top to
    bottom; then the same module object comes back at once, with every module its code imported (so that
    ``from course_utils import nb10`` makes ``course_utils.nb09`` visible, as Jupyter does)."""

    def __init__(self) -> None:
        self.stash: dict[str, types.ModuleType] = {}
        for name in list(sys.modules):
            if name in _BASELINE and not name.startswith(_OURS):
                continue
            if name in ("__main__", "autograde", "course_utils") or name.startswith("autograde.selfcheck"):
                continue
            module = sys.modules.pop(name)
            self.stash[name] = module
            parent, _, child = name.rpartition(".")
            if parent in sys.modules and getattr(sys.modules[parent], child, None) is module:
                try:
                    delattr(sys.modules[parent], child)
                except AttributeError:
                    pass
        for name in list(self.stash):  # a stashed parent's attributes are put back with it
            parent, _, child = name.rpartition(".")
            if parent in self.stash and getattr(self.stash[parent], child, None) is self.stash[name]:
                try:
                    delattr(self.stash[parent], child)
                except AttributeError:
                    pass
        sys.meta_path.insert(0, self)

    def _restore(self, name: str) -> None:
        todo, seen = [name], set()
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            parent = current.rpartition(".")[0]
            if parent:
                todo.append(parent)
            todo.extend(_EDGES.get(current, ()))
        for current in sorted(seen, key=lambda n: n.count(".")):  # parents first
            module = self.stash.pop(current, None)
            if module is None:
                continue
            sys.modules[current] = module
            parent, _, child = current.rpartition(".")
            if parent in sys.modules:
                setattr(sys.modules[parent], child, module)

    def find_spec(self, name: str, path: Any = None, target: Any = None):
        if name not in self.stash:
            return None
        import importlib.machinery

        module = self.stash[name]
        spec = importlib.machinery.ModuleSpec(name, self, is_package=hasattr(module, "__path__"))
        return spec

    def create_module(self, spec: Any) -> types.ModuleType:
        module = self.stash[spec.name]
        self._restore(spec.name)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def main() -> int:
    global _BASELINE
    _BASELINE = frozenset(sys.modules)
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
            _preimport(cells)
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
        clean = _wipe() if sandboxed else False
        frames.send(ctrl, {"type": "finished", "status": os.waitstatus_to_exitcode(status), "clean": clean})


if __name__ == "__main__":
    sys.exit(main())
