"""Running student code in a process of its own, with limits, and talking to it.

One process per graded function (:mod:`autograde.worker`): a crash, an exit or a timeout costs that
function only. The process starts in a new session, in an empty temporary folder, with limits on memory
and CPU time; on a timeout the whole process group is killed. What comes back is plain data
(:mod:`autograde.frames`), judged afterwards in the grader's process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from typing import Any, Callable

from autograde import frames, paths
from autograde.calls import call_case
from course_utils.notebooks import Cell


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0  # wall-clock seconds for one function, all its inputs together
    memory: int = 2 * 2**30  # bytes of address space
    cpu: int = 60  # seconds of CPU time

    def describe_memory(self) -> str:
        return f"{self.memory / 2**30:g} GiB"


@dataclass
class Outcome:
    """What came back from one function's process."""

    cases: list[dict] | None = None  # per-case results (autograde.calls)
    failure: str | None = None  # why no results came back
    cell_errors: list[str] | None = None


def _limit(limits: Limits) -> Callable[[], None]:
    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu, limits.cpu + 1))

    return apply


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOGRADE_", "JPY_", "JUPYTER"))}
    src = str(paths.root())
    env.update(MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p))
    return env


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_function(cells: list[Cell], name: str, cases: list[dict], deps: dict[str, Callable],
                 limits: Limits) -> Outcome:
    """Run ``name`` from the notebook code ``cells`` on each case in a fresh process.

    ``deps`` are reference functions that answer the process's calls to the graded functions ``name``
    depends on.
    """
    with tempfile.TemporaryDirectory(prefix="autograde-") as workdir:
        proc = subprocess.Popen(
            [sys.executable, "-m", "autograde.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=workdir,
            env=_environment(), start_new_session=True, preexec_fn=_limit(limits),
        )
        timed_out = threading.Event()

        def on_timeout() -> None:
            timed_out.set()
            _kill(proc)

        timer = threading.Timer(limits.timeout, on_timeout)
        timer.start()
        try:
            return _converse(proc, cells, name, cases, deps, limits, timed_out)
        finally:
            timer.cancel()
            _kill(proc)  # the function's process and everything it started are gone
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass


def _converse(proc, cells, name, cases, deps, limits, timed_out) -> Outcome:
    request = {"cells": [(c.index, c.source) for c in cells], "function": name,
               "depends": list(deps), "cases": cases}
    try:
        frames.send(proc.stdin, request)
        while True:
            message = frames.receive(proc.stdout)
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "call" and message.get("name") in deps:
                frames.send(proc.stdin, _answer(deps[message["name"]], message))
            elif kind == "result":
                return _result(message, len(cases))
            else:
                return Outcome(failure="the student process sent a message the grader does not understand")
    except (frames.FrameError, BrokenPipeError, OSError) as exc:
        status = proc.wait()
        if timed_out.is_set():
            return Outcome(failure=f"timed out after {limits.timeout:g} s")
        if status in (-signal.SIGKILL, -signal.SIGXCPU) or status == 128 + signal.SIGXCPU:
            return Outcome(failure=f"was stopped: it used more than {limits.cpu} s of CPU time or "
                                   f"{limits.describe_memory()} of memory")
        if status == 0 or status > 0:
            return Outcome(failure=f"the process exited with status {status} before returning")
        if isinstance(exc, frames.FrameError) and "closed" not in str(exc):
            return Outcome(failure=f"the student process sent a malformed answer ({exc})")
        return Outcome(failure=f"the process was killed by signal {-status} before returning "
                               f"(a memory limit of {limits.describe_memory()} applies)")


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


def _result(message: dict, n_cases: int) -> Outcome:
    cell_errors = [str(e) for e in message.get("cell_errors") or []]
    if message.get("missing"):
        return Outcome(failure=str(message["missing"]), cell_errors=cell_errors)
    cases = message.get("cases")
    if not isinstance(cases, list) or len(cases) != n_cases or not all(isinstance(c, dict) for c in cases):
        return Outcome(failure="the student process sent a malformed answer", cell_errors=cell_errors)
    clean = [{"outputs": c.get("outputs"), "args_after": c.get("args_after"),
              "error": None if c.get("error") is None else str(c.get("error"))[:2000],
              "not_implemented": c.get("not_implemented") is True} for c in cases]
    return Outcome(cases=clean, cell_errors=cell_errors)
