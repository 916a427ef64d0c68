"""Where the course's files are.

The repository root is found from this package's location (the README installs the project in editable
mode), and can be overridden with the environment variable ``AUTOGRADE_ROOT``.
"""

from __future__ import annotations

import os
from pathlib import Path


def root() -> Path:
    """The course repository's root folder (the one holding ``solutions/``)."""
    env = os.environ.get("AUTOGRADE_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parent.parent


def solutions_dir() -> Path:
    return root() / "solutions"


def assignments_dir() -> Path:
    return root() / "assignments"


def solution_notebook(stem: str) -> Path:
    return solutions_dir() / stem / f"{stem}.ipynb"


def assignment_notebook(stem: str) -> Path:
    return assignments_dir() / stem / f"{stem}.ipynb"


def expected_file(stem: str, folder: Path | None = None) -> Path:
    """The stored expected outputs of a notebook's visible self-check cases."""
    folder = assignments_dir() / stem if folder is None else folder
    return folder / f"{stem}.selfcheck.json"
