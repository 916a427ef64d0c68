"""Reading a notebook file that a student submitted, safely: a regular file (no symbolic link unless the
instructor named it), in bounded memory whatever its size (:mod:`autograde.nbread`), then its code cells
(:mod:`autograde.kernel`), or a ValueError whose text says, for the student, why the file is not a readable
notebook.
"""

from __future__ import annotations

import json
from pathlib import Path

from autograde import nbread
from autograde.kernel import Cell, code_cells, parse_notebook


def read_bytes(path: Path, follow: bool = False) -> bytes:
    """A notebook file's JSON without the outputs of its cells (:mod:`autograde.nbread`: streamed, in bounded
    memory, whatever the file's size): a regular file, not reached through a symbolic link unless ``follow``
    (the path the instructor gave). Only a notebook whose sources exceed ``nbread.MAX_KEPT`` is refused."""
    with nbread.open_notebook(path, follow) as f:
        try:
            return nbread.read(f)
        except OSError as exc:
            raise ValueError(f"the file could not be read ({exc.strerror})") from None


def read_cells(raw: bytes, demo_ids: frozenset[str] | None = None) -> list[Cell]:
    """A notebook file's code cells; ValueError with a readable reason if it is not a readable notebook."""
    if not raw.strip():
        raise ValueError("the file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the file is not UTF-8 text (byte {exc.start})") from None
    try:
        nb = parse_notebook(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the file is not valid JSON, so not a notebook ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise ValueError("the file is not a readable notebook (its JSON is nested too deeply)") from None
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - nbformat's converter raises many kinds for bad input
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"the file is not a valid notebook ({reason[:200]})") from None
    if not nb["cells"]:
        raise ValueError("the notebook has no cells")
    return code_cells(nb, demo_ids)
