"""Reports: a table for people, one JSON document for tools, and files in an output folder."""

from __future__ import annotations

import csv
import io
import re
import json
import os
import tempfile
from pathlib import Path

from autograde.results import SubmissionResult, clean

# control characters (C0 but tab, DEL, C1) and the line and paragraph separators: in what students wrote they
# would start lines of their choosing or send escape codes to the instructor's terminal
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe(text: object) -> str:
    """One line of plain text that shows what a student wrote without obeying it: control characters
    (newlines, ANSI escapes, bidirectional overrides) written as escapes such as ``\\n`` or ``\\x1b``."""
    def escape(m: re.Match) -> str:
        ch = m.group()
        return {"\n": "\\n", "\r": "\\r"}.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")

    return _CONTROL.sub(escape, clean(text))


def _cell(text: object) -> str:
    """A CSV cell that no spreadsheet runs as a formula."""
    text = safe(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t") else text


def _points(x: float) -> str:
    return f"{x:g}"


def table(results: list[SubmissionResult]) -> str:
    """A readable per-function table with the message of every failed check."""
    lines = []
    for sub in results:
        lines.append(f"{safe(sub.submission)}: {_points(sub.score)} / {_points(sub.max_score)}")
        if sub.error:
            lines.append(f"  ! {safe(sub.error)}")
        for nb in sub.notebooks:
            lines.append(f"  {safe(nb.notebook)}  {_points(nb.score)} / {_points(nb.max_score)}   ({safe(nb.path)})")
            if nb.error:
                lines.append(f"    ! {safe(nb.error)}")
            for note in nb.notes + nb.cell_error_messages:  # the grader's notes, then the cells' errors
                lines.append(f"    note: {safe(note)}")
            width = max((len(f.name) for f in nb.functions), default=10)
            for fn in nb.functions:
                mark = "✓" if fn.score == fn.max_score else "✗"
                lines.append(f"    {mark} {fn.name:<{width}}  {_points(fn.score):>3} / {_points(fn.max_score)}")
                failed = [c for c in fn.checks if not c.passed]
                if len(failed) > 1 and len(failed) == len(fn.checks) and len({c.text for c in failed}) == 1:
                    if not (nb.error and nb.error in failed[0].message):  # said once, above
                        lines.append(f"        ✗ every check: {safe(failed[0].text)}")
                    continue
                for chk in failed:
                    lines.append(f"        ✗ {chk.name}: {safe(chk.text)}")
        lines.append("")
    return "\n".join(lines)


def document(results: list[SubmissionResult]) -> dict:
    return {"submissions": [r.to_json() for r in results]}


def grades_csv(results: list[SubmissionResult]) -> str:
    stems = sorted({nb.notebook for r in results for nb in r.notebooks})
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["submission", "id", "score", "max_score", *(_cell(s) for s in stems), "error"])
    for r in results:
        by_stem = {nb.notebook: nb.score for nb in r.notebooks}
        writer.writerow([_cell(r.submission), _cell(r.id), _points(r.score), _points(r.max_score),
                         *(_points(by_stem[s]) if s in by_stem else "" for s in stems), _cell(r.error or "")])
    return buf.getvalue()


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it back at once
    os.umask(mask)
    return mask


UMASK = _umask()  # once, at import, before any thread runs


def write_atomically(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new content, never a part. The file gets the
    permissions of any new file (0666 less the umask), not the private ones of a temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_out(out: Path, results: list[SubmissionResult]) -> None:
    write_atomically(out / "report.json", json.dumps(document(results), indent=1, ensure_ascii=False) + "\n")
    write_atomically(out / "grades.csv", grades_csv(results))
