"""Running student code in a process of its own, with limits, in a sandbox where there is one.

A :class:`Session` is one notebook of one submission: a worker process (:mod:`autograde.worker`) that runs
the notebook's code once, then each graded function in a forked child. The grader talks to it through pipes
and receives plain data only (:mod:`autograde.frames`); verdicts are computed afterwards, in this process.

Limits: wall-clock time per function and per notebook, address space and CPU time (``resource`` limits
inherited by every child). When a function times out or the worker misbehaves, the whole worker — its
process group and, in the sandbox, its PID namespace — is killed, the function scores 0 with the reason, and
the next function gets a fresh worker: failures stay local.

Sandbox: on Linux with bubblewrap (``bwrap``), the worker runs with no network, its own PID namespace, an
empty /tmp as working folder, and a read-only view of the system, of Python and of the two course packages
only: not of ``solutions/``, the grader's output, other submissions or the rest of the file system. Elsewhere
it runs with process limits only, and :func:`sandbox_status` says that isolation is partial.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from autograde import frames, paths
from autograde.calls import call_case
from autograde.worker import SANDBOX_FLAG
from course_utils.notebooks import Cell


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


# ------------------------------------------------------------------------------------------------ sandbox

def _package_dirs() -> list[Path]:
    import autograde
    import course_utils

    return [Path(autograde.__file__).resolve().parent, Path(course_utils.__file__).resolve().parent]


def _readable_roots() -> list[Path]:
    """What the worker needs to read: the system, Python (base and virtual environment) and the packages."""
    roots = [Path(p) for p in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")]
    roots += [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.executable).resolve().parent]
    roots += _package_dirs()
    out: list[Path] = []
    for root in roots:
        if root.exists() and not any(root == r or r in root.parents for r in out):
            out = [r for r in out if root not in r.parents] + [root]
    return out


def _bwrap_command(command: list[str]) -> list[str]:
    cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev",
           "--tmpfs", "/tmp"]
    roots = _readable_roots()
    for root in roots:
        cmd += ["--ro-bind", str(root), str(root)]
    secret = paths.solutions_dir().resolve()
    if any(root == secret or root in secret.parents for root in roots):  # e.g. Python installed above the course
        cmd += ["--tmpfs", str(secret)]
    cmd += ["--chdir", "/tmp", "--setenv", "HOME", "/tmp", "--setenv", SANDBOX_FLAG, "1", "--"]
    return cmd + command


@lru_cache(maxsize=1)
def sandbox_status() -> tuple[bool, str]:
    """(whether the bubblewrap sandbox is used, a line saying so)."""
    if os.environ.get("AUTOGRADE_SANDBOX", "auto") == "none":
        return False, "autograde: sandbox turned off (AUTOGRADE_SANDBOX=none): isolation is partial (process limits only)"
    if not sys.platform.startswith("linux") or shutil.which("bwrap") is None:
        return False, ("autograde: bubblewrap (bwrap) is not available: student code runs with process limits "
                       "only, so isolation is partial (no network or file-system isolation)")
    # Python and both packages visible in the sandbox (importing NumPy too would make every grade 0.2 s slower)
    probe = subprocess.run(_bwrap_command([sys.executable, "-c", "import autograde, course_utils"]),
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["unknown error"])[-1]
        return False, f"autograde: bubblewrap does not work here ({reason}): isolation is partial (process limits only)"
    return True, "autograde: student code runs in a bubblewrap sandbox"


def _limit(limits: Limits) -> Callable[[], None]:
    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu, limits.cpu + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOGRADE_", "JPY_", "JUPYTER"))}
    env.update(MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=os.pathsep.join(str(p.parent) for p in _package_dirs()))
    return env


# ------------------------------------------------------------------------------------------------ session

class _Dead(Exception):
    """The worker can no longer be used; the message says why, for the function that was running."""


_live: set["Session"] = set()
_live_lock = threading.Lock()


def kill_all_sessions() -> None:
    """Kill every worker of this process (on an interrupt): nothing started here outlives the grader."""
    with _live_lock:
        sessions = list(_live)
    for session in sessions:
        session.kill()


class Session:
    """One notebook's worker: run its code once, then grade functions one at a time."""

    def __init__(self, cells: list[Cell], limits: Limits):
        self.cells = cells
        self.limits = limits
        self.proc: subprocess.Popen | None = None
        self.cell_errors: list[str] = []
        self.started = time.monotonic()
        self.fatal: str | None = None  # set when the notebook's own code cannot be run at all
        self.ready = False  # the worker has run the notebook's cells

    def start(self) -> None:
        """Start the worker now, so that it boots while the caller prepares; the cells go on first use."""
        if self.proc is None:
            self._spawn()

    # -- process

    def _spawn(self) -> None:
        command = [sys.executable, "-m", "autograde.worker"]
        sandboxed, _ = sandbox_status()
        self._workdir = None
        if sandboxed:
            command, cwd = _bwrap_command(command), None
        else:
            import tempfile

            self._workdir = tempfile.TemporaryDirectory(prefix="autograde-")
            cwd = self._workdir.name
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=cwd, env=_environment(),
                                     start_new_session=True, preexec_fn=_limit(self.limits))
        with _live_lock:
            _live.add(self)

    def kill(self) -> None:
        """Kill the worker's process group (and, in the sandbox, its PID namespace with it)."""
        proc = self.proc
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def close(self) -> None:
        """Kill the worker and everything it started."""
        self.kill()
        proc, self.proc, self.ready = self.proc, None, False
        with _live_lock:
            _live.discard(self)
        if proc is None:
            return
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if self._workdir is not None:
            self._workdir.cleanup()

    def _exchange(self, first: dict, deps: dict[str, Callable], timeout: float, until: set[str]) -> list[dict]:
        """Send ``first`` and answer calls until a message whose type is in ``until``; raise _Dead on trouble."""
        proc = self.proc
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

        timer = threading.Timer(timeout, expire)
        timer.start()
        received = []
        try:
            frames.send(proc.stdin, first)
            while True:
                message = frames.receive(proc.stdout)
                kind = message.get("type") if isinstance(message, dict) else None
                if kind == "call" and message.get("name") in deps:
                    frames.send(proc.stdin, _answer(deps[message["name"]], message))
                    continue
                received.append(message)
                if kind in until:
                    return received
                if kind not in ("result", "ready", "finished"):
                    raise _Dead("the student process sent a message the grader does not understand")
        except (frames.FrameError, BrokenPipeError, OSError) as exc:
            if timed_out.is_set():
                raise _Dead(f"timed out after {timeout:g} s") from None
            try:
                status = proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                status = None
            raise _Dead(self._describe_exit(status, exc)) from None
        finally:
            timer.cancel()

    def _describe_exit(self, status: int | None, exc: Exception) -> str:
        if isinstance(exc, frames.FrameError) and "closed" not in str(exc):
            return f"the student process sent a malformed answer ({exc})"
        if status is None:
            return "the student process stopped answering"
        if status in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
            return f"used more than {self.limits.cpu} s of CPU time"
        if status < 0:
            return (f"the process was killed by signal {-status} before returning "
                    f"(a memory limit of {self.limits.describe_memory()} applies)")
        return f"the process exited with status {status} before returning"

    def _start(self) -> None:
        if self.proc is None:
            self._spawn()
        remaining = self.limits.notebook_timeout - (time.monotonic() - self.started)
        try:
            (ready,) = self._exchange({"cells": [(c.index, c.source) for c in self.cells]}, {}, remaining, {"ready"})
        except _Dead as dead:
            self.close()
            reason = str(dead)
            if reason.startswith("timed out"):
                reason = f"the notebook's code did not finish running within {self.limits.notebook_timeout:g} s"
            else:
                reason = f"the notebook's code could not be run: {reason}"
            self.fatal = reason
            return
        self.cell_errors = [str(e) for e in ready.get("cell_errors") or []]
        self.ready = True

    # -- grading

    def run(self, name: str, cases: list[dict], deps: dict[str, Callable]) -> Outcome:
        """Call ``name`` on every case in a fresh child of the worker."""
        left = self.limits.notebook_timeout - (time.monotonic() - self.started)
        if self.fatal is None and left <= 0:
            return Outcome(failure=f"not run: the notebook's time limit of {self.limits.notebook_timeout:g} s "
                                   "was reached")
        if not self.ready and self.fatal is None:
            self._start()
        if self.fatal is not None:
            return Outcome(failure=self.fatal)
        request = {"type": "function", "function": name, "depends": list(deps), "cases": cases}
        timeout = min(self.limits.timeout, max(0.1, left))
        try:
            messages = self._exchange(request, deps, timeout, {"finished"})
        except _Dead as dead:
            self.close()  # the next function gets a fresh worker
            reason = str(dead)
            if timeout < self.limits.timeout and reason.startswith("timed out"):
                reason = f"not finished when the notebook's time limit of {self.limits.notebook_timeout:g} s was reached"
            return Outcome(failure=reason)
        result = next((m for m in messages if m.get("type") == "result"), None)
        status = messages[-1].get("status")
        if result is None:
            return Outcome(failure=self._describe_exit(status if isinstance(status, int) else None,
                                                       frames.FrameError("closed")))
        return _outcome(result, len(cases), self.limits)


def _answer(fn: Callable, message: dict) -> dict:
    args = message.get("args") or []
    kwargs = message.get("kwargs") or {}
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        return {"type": "raise", "message": "malformed call"}
    res = call_case(lambda: fn(*args, **kwargs), {})
    if res["error"]:
        name = getattr(fn, "__name__", "a graded function")
        return {"type": "raise", "message": f"the reference {name} {res['error']} on the arguments given to it"}
    return {"type": "return", "value": res["outputs"]}


def _outcome(message: dict, n_cases: int, limits: Limits) -> Outcome:
    if message.get("missing"):
        return Outcome(failure=str(message["missing"]))
    cases = message.get("cases")
    if not isinstance(cases, list) or len(cases) != n_cases or not all(isinstance(c, dict) for c in cases):
        return Outcome(failure="the student process sent a malformed answer")
    clean = []
    for c in cases:
        error = None if c.get("error") is None else str(c.get("error"))[:2000]
        if error and error.startswith("raised MemoryError"):
            error = f"used more than {limits.describe_memory()} of memory ({error.removeprefix('raised ')})"
        clean.append({"outputs": c.get("outputs"), "args_after": c.get("args_after"), "error": error,
                      "not_implemented": c.get("not_implemented") is True})
    return Outcome(cases=clean)


def run_notebook(cells: list[Cell], functions: list[tuple[str, list[dict], dict[str, Callable]]],
                 limits: Limits, on_done: Callable[[int], None] = lambda n: None,
                 session: Session | None = None) -> tuple[list[Outcome], list[str]]:
    """Grade a notebook's functions ``(name, cases, deps)`` in one session (``session``, if it was started
    early); also return its cell errors."""
    session = session or Session(cells, limits)
    outcomes = []
    try:
        for name, cases, deps in functions:
            outcomes.append(session.run(name, cases, deps))
            on_done(1)
    finally:
        session.close()
    return outcomes, session.cell_errors
