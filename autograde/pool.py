"""Workers kept between the notebooks of one submission, and how a worker is killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
from typing import Any

from autograde.sandbox import sandbox_status


def kill_group(proc: subprocess.Popen) -> None:
    """Kill a worker's process group (and, in the sandbox, its PID namespace with it)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


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
            kill_group(old)
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
            kill_group(proc)
            ctrl.close()
            proc.wait()
