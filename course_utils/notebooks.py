"""Import functions from another notebook of the course: :func:`import_functions`.

Running a notebook's code outside Jupyter (which cells are its code, in what namespace they run) is the
grader's: :mod:`autograde.kernel`, used here, by the grader's worker and by the reference loader alike.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from autograde.kernel import Cell, CellError, exec_cells, kernel_namespace, load_namespace, notebook_dir

__all__ = ["import_functions", "find_notebook", "notebook_dir", "provided"]

# While graded (in the grader's worker, :mod:`autograde.worker`): the submission's notebooks that the grader
# handed in, by stem. import_functions then reads only these and never searches a file system, which a
# student's code could have written; graded functions it imports are the reference anyway while graded.
provided: dict[str, list[Cell]] | None = None



def _missing(stem: str, name: str, reason: str) -> Callable:
    from course_utils.skips import MissingFunction

    def missing(*args: Any, **kwargs: Any) -> Any:
        raise MissingFunction(name, stem, reason)

    missing.__name__ = name
    missing.__course_missing__ = reason  # the self-checks say so, rather than that it fails its self-check
    return missing


def _unwritten(fn: Callable) -> bool:
    """Whether a function still raises NotImplementedError, as the notebooks hand it out (its code names it)."""
    code = getattr(fn, "__code__", None)
    return code is not None and "NotImplementedError" in code.co_names


def _as_unwritten(stem: str, fn: Callable) -> Callable:
    """``fn``, raising :class:`~course_utils.skips.UnwrittenFunction` (which names it and its notebook) where
    it raises NotImplementedError, so that a cell calling it is skipped with one line that says so."""
    import functools

    from course_utils.skips import UnwrittenFunction

    @functools.wraps(fn)
    def unwritten(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UnwrittenFunction:
            raise
        except NotImplementedError:
            raise UnwrittenFunction(fn.__name__, stem) from None

    return unwritten


def find_notebook(stem: str) -> Path | None:
    """Where ``<stem>.ipynb`` is: beside the running notebook's folder, in it, or under COURSE_NOTEBOOKS."""
    here = notebook_dir.get() or Path.cwd()
    candidates = [here.parent / stem / f"{stem}.ipynb", here / f"{stem}.ipynb"]
    if os.environ.get("COURSE_NOTEBOOKS"):
        candidates.insert(0, Path(os.environ["COURSE_NOTEBOOKS"]) / stem / f"{stem}.ipynb")
    return next((p for p in candidates if p.is_file()), None)


def import_functions(stem: str, *names: str) -> tuple[Callable, ...]:
    """Functions you wrote in an earlier notebook of the course, e.g. your forward pass for notebook 04.

    Parameters
    ----------
    stem : str
        The other notebook's stem, e.g. ``"03_recurrent_neural_network"``. It is looked for in the folder
        beside this notebook's (``../<stem>/<stem>.ipynb``), as the course is laid out.
    *names : str
        The functions to take from it.

    Returns
    -------
    tuple of callables, one per name
        If the notebook or a function cannot be found, a message says so and the function returned in its
        place raises an error explaining why when called, so that the rest of this notebook still runs.
    """
    if provided is not None:
        return _import_provided(stem, names)
    from course_utils import skips

    skips.install()  # in Jupyter: a cell that calls a missing or unwritten function is skipped with one line
    path = find_notebook(stem)
    listed = ", ".join(names)
    if path is None:
        reason = f"{stem}.ipynb was not found in ../{stem}/"
        print(f"Note: {listed} {'come' if len(names) > 1 else 'comes'} from notebook {stem}, but {reason}: keep "
              f"the course's notebook folders side by side, as in assignments/. Until then, cells that use "
              f"{'them' if len(names) > 1 else 'it'} are skipped.")
        return tuple(_missing(stem, n, reason) for n in names)
    namespace, errors = load_namespace(path)
    filename = path.name
    for err in errors:
        print(f"Note: in {filename}, {err.message}")
    found, unwritten = [], []
    for name in names:
        fn = namespace.get(name)
        if callable(fn):
            if _unwritten(fn):
                unwritten.append(name)
                fn = _as_unwritten(stem, fn)
            found.append(fn)
        else:
            reason = f"{filename} defines no function {name}"
            print(f"Note: {reason}; cells that use it are skipped.")
            found.append(_missing(stem, name, reason))
    if unwritten:
        these = " and ".join([", ".join(unwritten[:-1]), unwritten[-1]] if len(unwritten) > 1 else unwritten)
        print(f"Note: {these}, in {filename}, {'are' if len(unwritten) > 1 else 'is'} not written yet (still "
              f"raising NotImplementedError): write {'them' if len(unwritten) > 1 else 'it'} there first. Until "
              f"then, cells here that use {'them' if len(unwritten) > 1 else 'it'} are skipped.")
    return tuple(found)


def _import_provided(stem: str, names: tuple[str, ...]) -> tuple[Callable, ...]:
    """import_functions while graded: from the notebooks the grader handed in (:data:`provided`) only."""
    cells = (provided or {}).get(stem)
    if cells is None:
        reason = f"{stem}.ipynb is not available while grading (graded functions taken from it are the reference)"
        return tuple(_missing(stem, n, reason) for n in names)
    namespace = kernel_namespace(f"notebook_{stem}")
    exec_cells(cells, namespace)
    return tuple(namespace[n] if callable(namespace.get(n)) else
                 _missing(stem, n, f"{stem}.ipynb defines no function {n}") for n in names)
