"""The watch for complex numbers while a graded function runs, in the worker's child (:mod:`autograde.worker`).

No function of this course needs complex numbers, and the complex-step method would differentiate the
student's own forward pass without backpropagation: a function that uses them while graded is refused.
"""

from __future__ import annotations

import sys
from typing import Any, Callable


class ComplexWatch:
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

    def __enter__(self) -> "ComplexWatch":
        self._set(self.profile)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._set(None)

    def paused(self) -> "_Paused":
        return _Paused(self)


class _Paused:
    def __init__(self, watch: ComplexWatch):
        self.watch, self.was = watch, None

    def __enter__(self) -> None:
        self.was = sys.getprofile()
        if self.was is not None:
            self.watch._set(None)

    def __exit__(self, *exc: Any) -> None:
        if self.was is not None:
            self.watch._set(self.was)
