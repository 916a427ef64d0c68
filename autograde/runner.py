"""Running student code in a process of its own, with limits, in a sandbox where there is one.

:class:`Workers` are the student processes of one grader or cluster task; :func:`run_notebook` grades one
notebook's functions in a :class:`Session` of theirs (:mod:`autograde.session`): a worker process in which each
function runs in a fresh child, with the notebook's code; what comes back is checked message by message
(:mod:`autograde.protocol`), and what it became is an :class:`Outcome` of a kind (:class:`OutcomeKind`).
Verdicts are computed afterwards, in the grader's process.

Limits (:class:`Limits`): wall-clock time per function and per notebook, address space and CPU time
(``resource`` limits inherited by every child), the size and shape of every message, and the number and size
of the calls a function makes back to the grader. The sandbox and what it shows are :mod:`autograde.sandbox`'s
(:func:`sandbox_status` says whether there is one); the workers kept between the notebooks of one submission
are :mod:`autograde.pool`'s.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Callable

from autograde.kernel import Cell, CellError
from autograde.pool import WorkerPool
from autograde.protocol import Outcome, OutcomeKind
from autograde.sandbox import Limits, sandbox_status
from autograde.session import Session

__all__ = ["Limits", "Outcome", "OutcomeKind", "Session", "Workers", "run_notebook", "sandbox_status"]


class Workers:
    """The student processes of one grader or cluster task: the paths their sandbox hides beyond the course's
    own (submissions, the output folder: :meth:`hide`), the sessions running (all killed by :meth:`kill_all` on
    an interrupt) and, in the bubblewrap sandbox, the workers kept for a submission's next notebook
    (:class:`autograde.pool.WorkerPool`, whose idle workers :meth:`close` kills; usable again after). As a
    context manager it is closed on leaving, and on an exception every session is killed first."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.pool = WorkerPool.if_sandboxed()
        self._hidden: set[Path] = set()
        self._live: set[Session] = set()
        self._lock = threading.Lock()

    def hide(self, *hidden: Path | str) -> None:
        """Also cover these paths wherever a folder shown to the workers started from now on holds them."""
        with self._lock:
            self._hidden.update(Path(os.path.abspath(p)) for p in hidden)

    def hidden(self) -> list[Path]:
        with self._lock:
            return sorted(self._hidden)

    def session(self, cells: list[Cell], owner: Any = None) -> Session:
        """A notebook's session, started (its worker boots while the caller prepares); its worker serves only
        the notebooks of the same ``owner`` (the submission; None: this notebook only)."""
        session = Session(cells, self.limits, self.pool, owner, self.hidden, self._track)
        session.start()
        return session

    def _track(self, session: Session, live: bool) -> None:
        with self._lock:
            if live:
                self._live.add(session)
            else:
                self._live.discard(session)

    def kill_all(self) -> None:
        """Kill every running worker (on an interrupt): nothing started here outlives grading."""
        with self._lock:
            sessions = list(self._live)
        for session in sessions:
            session.kill()

    def close(self) -> None:
        """Kill the idle workers kept for the next notebooks."""
        if self.pool is not None:
            self.pool.close()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is not None:
            self.kill_all()
        self.close()


def run_notebook(session: Session, functions: list[tuple[str, list[dict], dict[str, Callable]]],
                 on_done: Callable[[int], None] = lambda n: None) -> tuple[list[Outcome], list[CellError]]:
    """Grade a notebook's functions ``(name, cases, reference functions it may reach)`` in ``session`` (from
    :meth:`Workers.session`); also return its cell errors."""
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
