"""One notebook's conversation with its worker process (:mod:`autograde.worker`).

A :class:`Session` holds a worker, a clean template in which no student code runs, that forks a child per
graded function; the child runs the notebook's code, then the function. The grader talks to the template over
a control socket and to each child over a socket of its own, and receives plain data only
(:mod:`autograde.frames`), checked message by message (:mod:`autograde.protocol`). What came back for a
function is an :class:`~autograde.protocol.Outcome` of a kind (:class:`~autograde.protocol.OutcomeKind`).

When a function times out or its process misbehaves (a message out of turn or malformed), the whole worker —
its process group and, in the sandbox, its PID namespace — is killed, the function scores 0 with the reason,
and the next function gets a fresh worker: failures stay local.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from autograde import frames, protocol, sandbox
from autograde.kernel import Cell, CellError
from autograde.pool import WorkerPool, kill_group
from autograde.protocol import COMPLEX_REFUSED, Outcome, OutcomeKind, Violation
from autograde.sandbox import Limits
from autograde.worker import PRIVATE_FAILED


class Session:
    """One notebook's worker: a template that runs each graded function, with the notebook's code, in a
    fresh child; taken from ``pool`` and given back to it when there is one. ``hidden`` gives the paths its
    sandbox also hides when a worker is started; ``track`` is told when it holds a running worker and when it
    no longer does (:class:`autograde.runner.Workers` makes sessions)."""

    def __init__(self, cells: list[Cell], limits: Limits, pool: WorkerPool | None = None, owner: Any = None,
                 hidden: Callable[[], Iterable[Path]] = tuple,
                 track: Callable[[Session, bool], None] = lambda session, live: None):
        self.cells = cells
        self.limits = limits
        self.pool = pool
        self.hidden = hidden
        self.track = track
        self.owner = owner  # the submission: a worker from the pool serves only the notebooks of one
        self.served = 0  # notebooks the worker served before this one
        self.proc: subprocess.Popen | None = None
        self.ctrl: socket.socket | None = None
        self.cell_errors: list[CellError] | None = None
        self.started = time.monotonic()
        self.fatal: Outcome | None = None  # set when the notebook's own code cannot be run at all
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
        self.track(self, True)
        self.ctrl.sendall(b"N")
        frames.send(self.ctrl, {"type": "notebook", "cells": [[c.index, c.source] for c in self.cells]})

    def _start_worker(self) -> None:
        command, sandboxed = sandbox.worker_command([sys.executable, "-m", "autograde.worker"],
                                                    self.hidden())
        if sandboxed:
            cwd = None
        else:
            import tempfile

            self._workdir = tempfile.TemporaryDirectory(prefix="autograde-")
            cwd = self._workdir.name
        parent, child = socket.socketpair()
        try:
            self.proc = subprocess.Popen(command, stdin=child, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         cwd=cwd, env=sandbox.environment(), start_new_session=True,
                                         preexec_fn=sandbox.rlimits(self.limits))
        finally:
            child.close()
        self.ctrl = parent
        self.served = 0
        parent.settimeout(30)

    def kill(self) -> None:
        """Kill the worker's process group (and, in the sandbox, its PID namespace with it)."""
        proc = self.proc
        if proc is not None:
            kill_group(proc)

    def release(self) -> None:
        """The notebook is graded: give a healthy worker back to the pool, or else close it."""
        proc, ctrl = self.proc, self.ctrl
        if self.pool is not None and proc is not None and ctrl is not None and self.fatal is None \
                and self._workdir is None and self.pool.give(proc, ctrl, self.served + 1, self.owner):
            self.proc = self.ctrl = None
            self.track(self, False)
            return
        self.close()

    def close(self) -> None:
        """Kill the worker and everything it started."""
        self.kill()
        proc, self.proc = self.proc, None
        ctrl, self.ctrl = self.ctrl, None
        self.track(self, False)
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
        if not (isinstance(message, dict) and message.get("clean") is True) and sandbox.sandbox_status()[0]:
            self.close()  # a worker not proven clean serves no other function: the next gets a fresh one
        return status if type(status) is int else None

    def _fail(self, kind: OutcomeKind, failure: str) -> Outcome:
        """The notebook's code cannot be run: this function and every later one fail with ``failure``."""
        self.fatal = Outcome(kind, failure=failure)
        return Outcome(kind, failure=failure)

    # -- grading

    def run(self, name: str, cases: list[dict], reference: dict[str, Callable]) -> Outcome:
        """Call ``name`` on every case in a fresh child, with ``reference`` answering the calls it makes to
        the other graded functions."""
        if self.fatal is not None:
            return Outcome(self.fatal.kind, failure=self.fatal.failure)
        if time.monotonic() >= self.deadline:
            return Outcome(OutcomeKind.NOT_RUN, failure=f"not run: the notebook's time limit of "
                                                        f"{self.limits.notebook_timeout:g} s was reached")
        mine, theirs = socket.socketpair()
        try:
            if self.proc is None:
                self._spawn()
            socket.send_fds(self.ctrl, [b"F"], [theirs.fileno()])
            frames.send(self.ctrl, {"type": "function", "function": name, "reference": sorted(reference)})
        except OSError as exc:
            mine.close()
            self.close()
            return Outcome(OutcomeKind.START_FAILED,
                           failure=f"the student process could not be started ({exc.strerror or exc})")
        finally:
            theirs.close()
        try:
            return self._converse(mine, cases, protocol.Answerer(reference, cases))
        finally:
            mine.close()

    def _converse(self, data: socket.socket, cases: list[dict], answer: protocol.Answerer) -> Outcome:
        stage = "cells"
        deadline = self.deadline
        try:
            errors, missing = protocol.ready(frames.receive(data, deadline), self.cells)
            if self.cell_errors is None:
                self.cell_errors = errors
            if missing is not None:
                outcome = Outcome(OutcomeKind.UNDEFINED, failure=missing)
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
                    outcome = Outcome(OutcomeKind.ANSWERED, cases=protocol.results(
                        message, len(cases), self.limits.describe_memory(), protocol.Errors(self.cells)))
                    if used_complex:
                        outcome = Outcome(OutcomeKind.REFUSED, failure=COMPLEX_REFUSED)
                    break
                else:
                    raise Violation("a message the grader does not understand")
        except frames.FrameTimeout:
            self.close()  # the next function gets a fresh worker
            if stage == "cells":
                return self._fail(OutcomeKind.NOTEBOOK_FAILED, f"the notebook's code did not finish running "
                                                               f"within {self.limits.notebook_timeout:g} s")
            if deadline >= self.deadline - 0.05 and timeout < self.limits.timeout:
                return Outcome(OutcomeKind.TIMED_OUT, failure=f"not finished when the notebook's time limit of "
                                                              f"{self.limits.notebook_timeout:g} s was reached")
            return Outcome(OutcomeKind.TIMED_OUT, failure=f"timed out after {self.limits.timeout:g} s")
        except (TimeoutError, socket.timeout):
            self.close()
            return Outcome(OutcomeKind.TIMED_OUT, failure=f"timed out after {self.limits.timeout:g} s")
        except Violation as exc:
            self.close()
            return Outcome(OutcomeKind.BROKE_PROTOCOL, failure=f"the student process sent {exc}")
        except frames.FrameClosed:
            status = self._finished(time.monotonic() + 5)
            if status is None:
                self.close()
            reason = self._describe_exit(status, hidden=stage != "cells")
            if stage == "cells":
                kind = OutcomeKind.START_FAILED if status == PRIVATE_FAILED else OutcomeKind.NOTEBOOK_FAILED
                return self._fail(kind, f"the notebook's code could not be run: {reason}")
            return Outcome(OutcomeKind.CRASHED, failure=reason)
        except frames.FrameError as exc:
            self.close()
            return Outcome(OutcomeKind.BROKE_PROTOCOL,
                           failure=f"the student process sent a malformed answer ({protocol.text(exc)[:200]})")
        except OSError as exc:
            self.close()
            return Outcome(OutcomeKind.CRASHED,
                           failure=f"the connection to the student process failed ({exc.strerror or exc})")
        if self._finished(time.monotonic() + 5) is None:
            self.close()
        return outcome
