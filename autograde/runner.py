"""Running student code in a process of its own, with limits, in a sandbox where there is one.

A :class:`Session` is one notebook of one submission: a worker process (:mod:`autograde.worker`), a clean
template in which no student code runs, that forks a child per graded function; the child runs the
notebook's code, then the function. The grader talks to the template over a control socket and to each child
over a socket of its own, and receives plain data only (:mod:`autograde.frames`), checked message by message;
verdicts are computed afterwards, in this process.

Limits: wall-clock time per function and per notebook, address space and CPU time (``resource`` limits
inherited by every child), the size and shape of every message, and the number and size of the calls a
function makes back to the grader. When a function times out or its process misbehaves (a message out of turn
or malformed), the whole worker — its process group and, in the sandbox, its PID namespace — is killed, the
function scores 0 with the reason, and the next function gets a fresh worker: failures stay local.

Sandbox: on Linux with bubblewrap (``bwrap``), the worker runs with no network, no capabilities, its own PID
and IPC namespaces, a file system that is read-only everywhere (each function's child mounts its own fresh,
size-bounded /tmp and /dev/shm: :mod:`autograde.confine`), a minimal environment, and a read-only view of the system
folders, of the Python it runs (its interpreter, standard library and site-packages, wherever they are
installed) and of the few files of the grader it needs: not of the course (``solutions/``, the specs, the
test functions, git history), the grader's output, the secret of the hidden inputs, the cache of the
reference's answers (:mod:`autograde.refcache`) or any submission. Paths of the course or of submissions that
lie inside a system folder are covered by an empty folder. Elsewhere it runs
with process limits only, and :func:`sandbox_status` says that isolation is partial.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np

from autograde import calls, frames, paths, wire
from autograde.calls import call_case
from autograde.confine import SANDBOX_UID, SHM_BYTES, TMP_BYTES
from autograde.worker import PRIVATE_FAILED, PRIVATE_FLAG, SANDBOX_FLAG
from autograde.kernel import Cell


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0  # wall-clock seconds for one function, all its inputs together
    notebook_timeout: float = 60.0  # wall-clock seconds for one notebook: its cells and all its functions
    memory: int = 2 * 2**30  # bytes of address space
    cpu: int = 60  # seconds of CPU time per process

    def describe_memory(self) -> str:
        return f"{self.memory / 2**30:g} GiB"


@dataclass
class Outcome:
    """What came back for one function."""

    cases: list[dict] | None = None  # per-case results (autograde.calls)
    failure: str | None = None  # why no results came back


MAX_CALLS = 20_000  # calls back to the grader (reference functions, test functions) per graded function
MAX_CELL_ERRORS = 50
MAX_TEXT = 2000  # characters kept of any text from the student's process
COMPLEX_REFUSED = ("refused: complex numbers are not used in this course, and this function used them while graded "
                   "(a backward pass must be computed by the chain rule, not by the complex-step method)")

# ------------------------------------------------------------------------------------------------ sandbox

# the grader's own files that the worker needs; nothing that computes or stores an answer
SANDBOX_MODULES = ("__init__.py", "worker.py", "kernel.py", "calls.py", "wire.py", "frames.py", "confine.py")
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")

_hidden: set[Path] = set()
_hidden_lock = threading.Lock()


def hide(*hidden: Path | str) -> None:
    """Also cover these paths (submissions, the output folder) wherever a folder shown to the worker holds them."""
    with _hidden_lock:
        _hidden.update(Path(os.path.abspath(p)) for p in hidden)


def _package_dirs() -> list[Path]:
    import autograde
    import course_utils

    return [Path(autograde.__file__).resolve().parent, Path(course_utils.__file__).resolve().parent]


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _python_paths() -> list[Path]:
    """What the interpreter needs: its executable, shared library, standard library and site-packages."""
    import sysconfig

    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    course = paths.root().resolve()
    out = [Path(sys.executable).parent, Path(sys.executable).resolve().parent]
    cfg = Path(sys.prefix) / "pyvenv.cfg"
    if cfg.is_file():
        out.append(cfg)
    libdir = sysconfig.get_config_var("LIBDIR")
    if libdir and Path(libdir).is_dir():
        out += sorted(Path(libdir).glob("libpython*.so*"))
    for entry in sys.path:
        if not entry or not os.path.isabs(entry) or not os.path.exists(entry):
            continue
        p = Path(entry).resolve()
        if any(_within(p, prefix) for prefix in prefixes) and not _within(course, p):
            out.append(p)
    return out


def _worker_files() -> list[Path]:
    autograde_dir, course_utils_dir = _package_dirs()
    return [autograde_dir / name for name in SANDBOX_MODULES] + [course_utils_dir]


def _hidden_paths() -> list[Path]:
    from autograde import refcache, secret

    with _hidden_lock:
        extra = set(_hidden)
    return sorted({paths.root().resolve(), paths.solutions_dir().resolve(), secret.location(), refcache.location(),
                   *extra})


def _readable_roots() -> list[Path]:
    """What the worker reads: system folders, then Python, then the grader's files it needs."""
    roots = [Path(p) for p in _SYSTEM] + _python_paths() + _worker_files()
    out: list[Path] = []
    for root in roots:
        if root.exists() and root not in out:
            out.append(root)
    return out


def _bwrap_command(command: list[str], private: bool = True) -> list[str]:
    """The bubblewrap command line. Everything the worker sees is read-only: the system and Python folders,
    the grader's files, the sandbox's own root and /dev, and the empty folders covering what is hidden. With
    ``private`` (the usual case), each function's child mounts its own fresh, size-bounded /tmp and /dev/shm
    (:mod:`autograde.confine`); otherwise the sandbox gets one size-bounded /tmp and /dev/shm, which the
    template empties after each function and checks empty (else the worker is not used again)."""
    cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
           "--proc", "/proc", "--dev", "/dev"]
    if private:
        # a non-zero uid: a nested user namespace cannot map uid 0 without privileges
        cmd += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--dir", "/tmp"]
    else:
        cmd += ["--size", str(TMP_BYTES), "--tmpfs", "/tmp", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm"]
    roots = _readable_roots()
    hidden = [h for h in _hidden_paths() if any(_within(h, r) for r in roots) or
              any(_within(r, h) for r in roots)]
    inner = [r for r in roots if any(r != h and _within(r, h) for h in hidden)]
    outer = [r for r in roots if r not in inner]
    for root in outer:
        cmd += ["--ro-bind", str(root), str(root)]
    covers: list[str] = []

    def cover(shown: list[Path]) -> None:
        for h in hidden:  # a course, submission, secret or cache inside a folder shown: covered by an empty one
            if any(_within(h, r) for r in shown):  # hidden wins, even over a folder shown itself
                if h.is_dir() or not h.exists():
                    cmd.extend(["--tmpfs", str(h)])
                    covers.append(str(h))
                else:
                    cmd.extend(["--ro-bind", "/dev/null", str(h)])

    cover(outer)
    for root in inner:  # Python or the grader's files inside the course folder: shown again, alone
        cmd += ["--ro-bind", str(root), str(root)]
    cover(inner)  # and what is hidden inside those, covered again
    for folder in dict.fromkeys(covers):  # the empty covers are read-only too, then /dev and the root
        cmd += ["--remount-ro", folder]
    cmd += ["--remount-ro", "/dev", "--remount-ro", "/"]
    cmd += ["--chdir", "/tmp", "--setenv", SANDBOX_FLAG, "1"]
    if private:
        cmd += ["--setenv", PRIVATE_FLAG, "1"]
    return cmd + ["--"] + command


def _probe(private: bool) -> subprocess.CompletedProcess:
    # Python and both packages visible in the sandbox (importing NumPy too would make every grade 0.1-0.2 s
    # slower); with private mounts, that they work and that the root is read-only
    # (a course or a Python under /tmp or /dev/shm, e.g. a clone in /tmp, is hidden by the function's private
    # mounts: the probe then fails, and each function gets the emptied shared /tmp instead)
    code = "import autograde, course_utils" + (
        "; from autograde import confine; confine.probe(); import os, sys; "
        "assert all(os.path.exists(p) for p in (sys.executable, autograde.__file__, course_utils.__file__)), "
        "'the course or Python lies under /tmp or /dev/shm'" if private else "")
    return subprocess.run(_bwrap_command([sys.executable, "-c", code], private), capture_output=True, text=True,
                          timeout=60)


@lru_cache(maxsize=1)
def _sandbox() -> tuple[bool, bool, str]:
    """(whether the bubblewrap sandbox is used, whether each function gets private mounts, a line saying so)."""
    mode = os.environ.get("AUTOGRADE_SANDBOX", "auto")
    if mode == "none":
        return False, False, ("autograde: sandbox turned off (AUTOGRADE_SANDBOX=none): isolation is partial "
                              "(process limits only)")
    if not sys.platform.startswith("linux") or shutil.which("bwrap") is None:
        return False, False, ("autograde: bubblewrap (bwrap) is not available: student code runs with process "
                              "limits only, so isolation is partial (no network or file-system isolation)")
    reason = ""
    if mode != "shared-tmp":  # AUTOGRADE_SANDBOX=shared-tmp tests the fallback
        probe = _probe(True)
        if probe.returncode == 0:
            return True, True, "autograde: student code runs in a bubblewrap sandbox"
        reason = (probe.stderr.strip().splitlines() or ["unknown error"])[-1]
    probe = _probe(False)
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["unknown error"])[-1]
        return False, False, (f"autograde: bubblewrap does not work here ({reason}): isolation is partial "
                              "(process limits only)")
    return True, False, ("autograde: student code runs in a bubblewrap sandbox, without a private /tmp per "
                         f"function ({reason or 'turned off'}): /tmp is emptied between functions instead")


def sandbox_status() -> tuple[bool, str]:
    """(whether the bubblewrap sandbox is used, a line saying so)."""
    sandboxed, _, line = _sandbox()
    return sandboxed, line


def _limit(limits: Limits) -> Callable[[], None]:
    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu, limits.cpu + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _environment() -> dict[str, str]:
    """The student's process gets a minimal environment: none of the grader's variables."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
            "PYTHONPATH": os.pathsep.join(sorted({str(p.parent) for p in _package_dirs()}))}


# ------------------------------------------------------------------------------------------------ session

_live: set["Session"] = set()
_live_lock = threading.Lock()


def kill_all_sessions() -> None:
    """Kill every worker of this process (on an interrupt): nothing started here outlives the grader."""
    with _live_lock:
        sessions = list(_live)
    for session in sessions:
        session.kill()



class _Violation(Exception):
    """The student's process broke the protocol; the message says how."""


def _text(value: Any) -> str:
    return wire.clean_text(value if isinstance(value, str) else str(value))[:MAX_TEXT]


def _array_bounds(cases: list[dict]) -> tuple[int, int, int]:
    """(largest dimension, most dimensions, most entries) of the arrays in a function's inputs."""
    dims, ndims, sizes = [1], [1], [1]

    def visit(v: Any) -> None:
        if isinstance(v, np.ndarray):
            dims.extend(v.shape or (1,))
            ndims.append(v.ndim)
            sizes.append(v.size)
        elif isinstance(v, dict):
            for x in v.values():
                visit(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                visit(x)

    for case in cases:
        visit(case)
    return max(dims), max(ndims), max(sizes)


class _Answerer:
    """Answers a function's calls back to the grader: the reference versions of the graded functions it can
    reach and the test functions its inputs carry, on arguments of the sizes its own inputs have (so that no
    call makes the grader compute something bigger than grading that function needs)."""

    def __init__(self, reference: dict[str, Callable], cases: list[dict]):
        self.reference = reference
        self.calls = 0
        max_dim, max_ndim, max_size = _array_bounds(cases)
        self.max_dim, self.max_ndim, self.max_size = 2 * max_dim + 8, max_ndim + 1, 4 * max_size + 64

    def _too_big(self, value: Any, depth: int = 0) -> str | None:
        if isinstance(value, np.ndarray):
            if value.ndim > self.max_ndim or value.size > self.max_size or any(n > self.max_dim for n in value.shape):
                return f"an array of shape {value.shape}, larger than anything grading this function needs"
        elif isinstance(value, (list, tuple)):
            if len(value) > 4 * self.max_size:
                return "a list longer than anything grading this function needs"
            return next((p for p in (self._too_big(v, depth + 1) for v in value) if p), None)
        elif isinstance(value, dict):
            return next((p for p in (self._too_big(v, depth + 1) for v in value.values()) if p), None)
        return None

    def __call__(self, message: dict) -> dict:
        name, args, kwargs = message.get("name"), message.get("args"), message.get("kwargs")
        if type(name) is not str or type(args) is not list or type(kwargs) is not dict:
            raise _Violation("a call to the grader that is not of the form {name, args, kwargs}")
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise _Violation(f"more than {MAX_CALLS} calls to the reference functions")
        if name.startswith("$test:"):
            from autograde import testfunctions

            if name[6:] not in testfunctions.NAMES:
                raise _Violation("a call to an unknown test function")
            fn, label = testfunctions.function(name[6:]), "f"
        elif name in self.reference:
            fn, label = self.reference[name], f"the reference {name}"
        else:
            raise _Violation(f"a call to {_text(name)[:60]!r}, which is not a function it may call")
        problem = self._too_big([args, kwargs])
        if problem:
            return {"type": "raise", "message": f"{label} was called with {problem}"}
        res = call_case(lambda: fn(*args, **kwargs), {})
        if res["error"]:
            return {"type": "raise", "message": f"{label} {res['error']} on the arguments given to it"}
        return {"type": "return", "value": res["outputs"]}


def _ready(message: Any) -> tuple[list[str], str | None]:
    """(cell errors, why the function is missing or None) from the child's first message."""
    if not isinstance(message, dict) or message.get("type") != "ready" \
            or set(message) != {"type", "cell_errors", "missing"}:
        raise _Violation("a message out of turn while the notebook's cells ran")
    errors, missing = message["cell_errors"], message["missing"]
    if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
        raise _Violation("a malformed list of cell errors")
    if missing is not None and not isinstance(missing, str):
        raise _Violation("a malformed answer about the function")
    return [_text(e) for e in errors[:MAX_CELL_ERRORS]], None if missing is None else _text(missing)


_ERROR_TYPE = r"(?P<type>[A-Za-z][A-Za-z0-9_]*|an exception of the notebook's own class \(a subclass of " \
              r"(?P<base>[A-Za-z][A-Za-z0-9_]*)\)|an exception)"
_RAISED = re.compile(r"raised " + _ERROR_TYPE + r"(?: \(cell (?P<cell>\d{1,6}), line (?P<line>\d{1,7})\))?")
_WIRE = re.compile(r"(?P<what>returned|replaced an input by) (?P<kind>.+?)(?:; " + re.escape(calls.PLAIN_DATA) + ")?")


def _exception_names() -> frozenset[str]:
    import builtins

    return frozenset(n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)) | \
        frozenset(n for m in (np.linalg, np.exceptions) for n, v in vars(m).items()
                  if isinstance(v, type) and issubclass(v, BaseException))


class _Errors:
    """What a hidden case's report may say of an error, rebuilt by the grader from the child's text: the
    exception's type (a built-in or NumPy class's name), a cell and line of the notebook that exist, or the
    kind of an output that cannot cross. Nothing the student's process wrote passes through as it is: its
    code can write anything on its own socket, the hidden inputs included."""

    def __init__(self, cells: list[Cell]):
        self.lines = {c.index: c.source.count("\n") + 1 for c in cells}
        self.names = _exception_names()

    def __call__(self, text: str) -> str:
        if text == calls.NOT_IMPLEMENTED:
            return text
        m = _RAISED.fullmatch(text)
        if m:
            kind = m["type"]
            if m["base"] is not None and m["base"] not in self.names or m["base"] is None and \
                    kind != "an exception" and kind not in self.names:
                kind = "an exception"
            cell, line = m["cell"], m["line"]
            where = f" (cell {int(cell)}, line {int(line)})" if cell and int(line) <= self.lines.get(int(cell), 0) \
                else ""
            return f"raised {kind}{where}"
        m = _WIRE.fullmatch(text)
        if m:
            kind = m["kind"] if m["kind"] in calls.WIRE_KINDS else calls.WIRE_KINDS[-1]
            return f"returned {kind}; {calls.PLAIN_DATA}" if m["what"] == "returned" else f"replaced an input by {kind}"
        return "raised an exception"


def _outcome(message: dict, n_cases: int, limits: Limits, errors: Callable[[str], str]) -> Outcome:
    """The result message, checked field by field; error texts rebuilt by ``errors``."""
    cases = message.get("cases")
    if set(message) != {"type", "cases"} or not isinstance(cases, list) or len(cases) != n_cases:
        raise _Violation("a result that is not one answer per input")
    clean = []
    for c in cases:
        if not isinstance(c, dict) or set(c) != {"outputs", "args_after", "error", "not_implemented"} \
                or not (c["error"] is None or isinstance(c["error"], str)) or type(c["not_implemented"]) is not bool:
            raise _Violation("a result whose answers are not of the form {outputs, args_after, error, not_implemented}")
        error = None if c["error"] is None else errors(c["error"])
        if error and error.startswith("raised MemoryError"):
            error = f"used more than {limits.describe_memory()} of memory ({error.removeprefix('raised ')})"
        clean.append({"outputs": c["outputs"], "args_after": c["args_after"], "error": error,
                      "not_implemented": c["not_implemented"]})
    return Outcome(cases=clean)


class WorkerPool:
    """Templates that have served a notebook and are ready for another notebook *of the same submission*, so
    that a submission's notebooks do not each start Python and NumPy in a fresh sandbox. Only in the bubblewrap
    sandbox, where each function runs in a fresh child with its own /tmp, /dev/shm and IPC, and the template
    kills whatever it left and proves itself clean after every function (:mod:`autograde.worker`); a template
    that cannot is closed. A template never serves another submission (``owner``): what one student's code
    could leave in it is not proven absent, so it is not given to another student. A template is retired after
    ``max_notebooks`` notebooks (its CPU time limit counts its whole life); at most ``max_idle`` wait."""

    def __init__(self, max_notebooks: int = 50, max_idle: int = 4):
        self.max_notebooks = max_notebooks
        self.max_idle = max_idle
        self._idle: list[tuple[subprocess.Popen, socket.socket, int, Any]] = []
        self._lock = threading.Lock()

    def take(self, owner: Any = None) -> tuple[subprocess.Popen, socket.socket, int] | None:
        """An idle template that served ``owner`` (process, control socket, notebooks served), or None."""
        if owner is None:
            return None
        with self._lock:
            for k in range(len(self._idle) - 1, -1, -1):
                proc, ctrl, served, who = self._idle[k]
                if who != owner:
                    continue
                del self._idle[k]
                if proc.poll() is None:
                    return proc, ctrl, served
                ctrl.close()
        return None

    def give(self, proc: subprocess.Popen, ctrl: socket.socket, served: int, owner: Any = None) -> bool:
        """Keep a template of ``owner`` that is alive and has served fewer than ``max_notebooks``; False if not
        taken (the caller closes it)."""
        if owner is None or served >= self.max_notebooks or proc.poll() is not None:
            return False
        with self._lock:
            self._idle.append((proc, ctrl, served, owner))
            evicted, self._idle = self._idle[:-self.max_idle], self._idle[-self.max_idle:]
        for old, old_ctrl, _, _ in evicted:  # the oldest: submissions graded before
            _kill_group(old)
            old_ctrl.close()
            old.wait()
        return True

    @classmethod
    def if_sandboxed(cls) -> "WorkerPool | None":
        """A pool where workers may serve several notebooks (in the bubblewrap sandbox), else None."""
        return cls() if sandbox_status()[0] else None

    def close(self) -> None:
        """Kill every idle template."""
        with self._lock:
            idle, self._idle = self._idle, []
        for proc, ctrl, _, _ in idle:
            _kill_group(proc)
            ctrl.close()
            proc.wait()


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill a worker's process group (and, in the sandbox, its PID namespace with it)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Session:
    """One notebook's worker: a template that runs each graded function, with the notebook's code, in a
    fresh child; taken from ``pool`` and given back to it when there is one."""

    def __init__(self, cells: list[Cell], limits: Limits, pool: WorkerPool | None = None, owner: Any = None):
        self.cells = cells
        self.limits = limits
        self.pool = pool
        self.owner = owner  # the submission: a worker from the pool serves only the notebooks of one
        self.served = 0  # notebooks the worker served before this one
        self.proc: subprocess.Popen | None = None
        self.ctrl: socket.socket | None = None
        self.cell_errors: list[str] | None = None
        self.started = time.monotonic()
        self.fatal: str | None = None  # set when the notebook's own code cannot be run at all
        self._workdir = None

    def start(self) -> None:
        """Start the worker now, so that it boots while the caller prepares; a failure shows on first use."""
        if self.proc is None and self.fatal is None:
            try:
                self._spawn()
            except OSError:
                self.close()

    @property
    def deadline(self) -> float:
        return self.started + self.limits.notebook_timeout

    # -- process

    def _spawn(self) -> None:
        """Take a template from the pool, or start one; then give it the notebook's cells."""
        idle = self.pool.take(self.owner) if self.pool is not None else None
        if idle is not None:
            self.proc, self.ctrl, self.served = idle
        else:
            self._start_worker()
        with _live_lock:
            _live.add(self)
        self.ctrl.sendall(b"N")
        frames.send(self.ctrl, {"type": "notebook", "cells": [[c.index, c.source] for c in self.cells]})

    def _start_worker(self) -> None:
        command = [sys.executable, "-m", "autograde.worker"]
        sandboxed, private, _ = _sandbox()
        if sandboxed:
            command, cwd = _bwrap_command(command, private), None
        else:
            import tempfile

            self._workdir = tempfile.TemporaryDirectory(prefix="autograde-")
            cwd = self._workdir.name
        parent, child = socket.socketpair()
        try:
            self.proc = subprocess.Popen(command, stdin=child, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         cwd=cwd, env=_environment(), start_new_session=True,
                                         preexec_fn=_limit(self.limits))
        finally:
            child.close()
        self.ctrl = parent
        self.served = 0
        parent.settimeout(30)

    def kill(self) -> None:
        """Kill the worker's process group (and, in the sandbox, its PID namespace with it)."""
        proc = self.proc
        if proc is not None:
            _kill_group(proc)

    def release(self) -> None:
        """The notebook is graded: give a healthy worker back to the pool, or else close it."""
        proc, ctrl = self.proc, self.ctrl
        if self.pool is not None and proc is not None and ctrl is not None and self.fatal is None \
                and self._workdir is None and self.pool.give(proc, ctrl, self.served + 1, self.owner):
            self.proc = self.ctrl = None
            with _live_lock:
                _live.discard(self)
            return
        self.close()

    def close(self) -> None:
        """Kill the worker and everything it started."""
        self.kill()
        proc, self.proc = self.proc, None
        ctrl, self.ctrl = self.ctrl, None
        with _live_lock:
            _live.discard(self)
        if ctrl is not None:
            ctrl.close()
        if proc is not None:
            proc.wait()
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def _describe_exit(self, status: int | None, hidden: bool = False) -> str:
        """Why the child ended; with ``hidden`` (it had the hidden inputs), no number it could have chosen."""
        if status is None:
            return "the student process stopped answering"
        if status == PRIVATE_FAILED and not hidden:
            return "the sandbox could not give the function a private /tmp (no student code ran)"
        if status in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
            return f"used more than {self.limits.cpu} s of CPU time"
        if status < 0:
            return (f"the process was killed by {'a signal' if hidden else f'signal {-status}'} before returning "
                    f"(a memory limit of {self.limits.describe_memory()} applies)")
        return "the process exited before returning" if hidden else \
            f"the process exited with status {status} before returning"

    def _finished(self, deadline: float) -> int | None:
        """The child's exit status, as the template reports it once everything the function left is gone."""
        try:
            message = frames.receive(self.ctrl, deadline)
        except frames.FrameError:
            return None
        status = message.get("status") if isinstance(message, dict) else None
        if not (isinstance(message, dict) and message.get("clean") is True) and _sandbox()[0]:
            self.close()  # a worker not proven clean serves no other function: the next gets a fresh one
        return status if type(status) is int else None

    # -- grading

    def run(self, name: str, cases: list[dict], reference: dict[str, Callable]) -> Outcome:
        """Call ``name`` on every case in a fresh child, with ``reference`` answering the calls it makes to
        the other graded functions."""
        if self.fatal is not None:
            return Outcome(failure=self.fatal)
        if time.monotonic() >= self.deadline:
            return Outcome(failure=f"not run: the notebook's time limit of {self.limits.notebook_timeout:g} s "
                                   "was reached")
        mine, theirs = socket.socketpair()
        try:
            if self.proc is None:
                self._spawn()
            socket.send_fds(self.ctrl, [b"F"], [theirs.fileno()])
            frames.send(self.ctrl, {"type": "function", "function": name, "reference": sorted(reference)})
        except OSError as exc:
            mine.close()
            self.close()
            return Outcome(failure=f"the student process could not be started ({exc.strerror or exc})")
        finally:
            theirs.close()
        try:
            return self._converse(mine, cases, _Answerer(reference, cases))
        finally:
            mine.close()

    def _converse(self, data: socket.socket, cases: list[dict], answer: _Answerer) -> Outcome:
        stage = "cells"
        deadline = self.deadline
        try:
            errors, missing = _ready(frames.receive(data, deadline))
            if self.cell_errors is None:
                self.cell_errors = errors
            if missing is not None:
                outcome = Outcome(failure=missing)
                if self._finished(time.monotonic() + 5) is None:
                    self.close()
                return outcome
            stage = "function"
            used_complex = False
            data.settimeout(max(0.01, self.deadline - time.monotonic()))
            frames.send(data, {"type": "cases", "cases": cases})
            timeout = min(self.limits.timeout, self.deadline - time.monotonic())
            deadline = time.monotonic() + max(0.1, timeout)
            while True:
                message = frames.receive(data, deadline)
                kind = message.get("type") if isinstance(message, dict) else None
                if kind == "complex" and set(message) == {"type"}:
                    used_complex = True
                elif kind == "call":
                    reply = answer(message)
                    data.settimeout(max(0.01, deadline - time.monotonic()))
                    frames.send(data, reply)
                elif kind == "result":
                    outcome = _outcome(message, len(cases), self.limits, _Errors(self.cells))
                    if used_complex:
                        outcome = Outcome(failure=COMPLEX_REFUSED)
                    break
                else:
                    raise _Violation("a message the grader does not understand")
        except frames.FrameTimeout:
            self.close()  # the next function gets a fresh worker
            if stage == "cells":
                self.fatal = f"the notebook's code did not finish running within {self.limits.notebook_timeout:g} s"
                return Outcome(failure=self.fatal)
            if deadline >= self.deadline - 0.05 and timeout < self.limits.timeout:
                return Outcome(failure=f"not finished when the notebook's time limit of "
                                       f"{self.limits.notebook_timeout:g} s was reached")
            return Outcome(failure=f"timed out after {self.limits.timeout:g} s")
        except (TimeoutError, socket.timeout):
            self.close()
            return Outcome(failure=f"timed out after {self.limits.timeout:g} s")
        except _Violation as exc:
            self.close()
            return Outcome(failure=f"the student process sent {exc}")
        except frames.FrameError as exc:
            if "closed" not in str(exc):
                self.close()
                return Outcome(failure=f"the student process sent a malformed answer ({_text(exc)[:200]})")
            status = self._finished(time.monotonic() + 5)
            if status is None:
                self.close()
            reason = self._describe_exit(status, hidden=stage != "cells")
            if stage == "cells":
                self.fatal = f"the notebook's code could not be run: {reason}"
                return Outcome(failure=self.fatal)
            return Outcome(failure=reason)
        except OSError as exc:
            self.close()
            return Outcome(failure=f"the connection to the student process failed ({exc.strerror or exc})")
        if self._finished(time.monotonic() + 5) is None:
            self.close()
        return outcome


def run_notebook(cells: list[Cell], functions: list[tuple[str, list[dict], dict[str, Callable]]],
                 limits: Limits, on_done: Callable[[int], None] = lambda n: None,
                 session: Session | None = None) -> tuple[list[Outcome], list[str]]:
    """Grade a notebook's functions ``(name, cases, reference functions it may reach)`` in one session (``session``
    if it was started early); also return its cell errors."""
    session = session or Session(cells, limits)
    outcomes = []
    try:
        for name, cases, reference in functions:
            outcomes.append(session.run(name, cases, reference))
            on_done(1)
    except BaseException:
        session.close()
        raise
    session.release()
    return outcomes, session.cell_errors or []
