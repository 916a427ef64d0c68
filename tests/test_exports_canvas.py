"""Canvas's gradebook import CSV, on a generated class: layout, points, matching a Canvas roster."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from autograde import exports, specs
from autograde.results import CheckResult, FunctionResult, NotebookResult, SubmissionResult
from conftest import ROOT

STEMS = ("03_recurrent_neural_network", "04_backpropagation_through_time")


def generated_class(n: int) -> list[SubmissionResult]:
    """Students s000... with scores i % 7 and i % 5 out of 27 and 30; every third has no 04."""
    results = []
    for i in range(n):
        notebooks = [NotebookResult(STEMS[0], "x", [FunctionResult("f", [CheckResult("values", True, "", i % 7),
                                                                         CheckResult("shapes", False, "", 27 - i % 7)])])]
        if i % 3:
            notebooks.append(NotebookResult(STEMS[1], "y", [FunctionResult("g", [
                CheckResult("values", True, "", i % 5), CheckResult("edge", False, "", 30 - i % 5)])]))
        results.append(SubmissionResult(f"/subs/s{i:03d}", notebooks, id=f"s{i:03d}"))
    return results


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_layout_without_roster():
    text, problems = exports.canvas_csv(generated_class(30))
    table = rows(text)
    assert problems == []
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *STEMS]
    assert table[1] == ["Points Possible", "", "", "", "", "27", "30"]
    assert len(table) == 32
    for i, row in enumerate(table[2:]):
        assert row[:5] == [f"s{i:03d}", "", f"s{i:03d}", f"s{i:03d}", ""]
        assert row[5] == str(i % 7)
        assert row[6] == (str(i % 5) if i % 3 else "")  # not submitted: blank, which Canvas leaves unchanged


def roster_text(n: int) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{STEMS[0]} (5501)", "Quiz 1 (5502)",
                "Current Score", "Final Score"])
    w.writerow(["    Points Possible", "", "", "", "", "27", "10", "(read only)", "(read only)"])
    w.writerow(["Student, Test", "999", "", "", "Section A", "", "", "", ""])
    for i in range(n):
        w.writerow([f"Name{i}, Given{i}", str(1000 + i), f"SIS{i}", f"s{i:03d}", "Section A" if i % 2 else "Section B",
                    "", "8", "", ""])
    return buf.getvalue()


def test_roster_gives_canvas_identities_and_assignment_ids(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("\ufeff" + roster_text(25), encoding="utf-8")  # Canvas writes a byte-order mark
    roster = exports.read_canvas_roster(path)
    assert len(roster[0]) == 25  # points row and test student skipped
    results = generated_class(30)  # five submissions with no student in the roster
    text, problems = exports.canvas_csv(results, roster)
    table = rows(text)
    assert table[0][5:] == [f"{STEMS[0]} (5501)", STEMS[1]]  # the existing assignment keeps its Canvas id
    assert len(table) == 2 + 25
    assert table[2][:5] == ["Name0, Given0", "1000", "SIS0", "s000", "Section B"]
    assert [r[5] for r in table[2:]] == [str(i % 7) for i in range(25)]
    assert len(problems) == 5 and all("no student of the roster" in p for p in problems)


def test_a_file_that_is_not_a_canvas_export_is_refused(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("name,score\na,1\n")
    with pytest.raises(ValueError, match="not a gradebook exported from Canvas"):
        exports.read_canvas_roster(path)


def test_cli_writes_the_canvas_csv(tmp_path):
    out = tmp_path / "canvas.csv"
    sample = ROOT / "examples" / "sample_submission"
    proc = subprocess.run([sys.executable, "-m", "autograde", "grade", str(sample), "--canvas", str(out), "--quiet"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    table = rows(out.read_text())
    possible = [f"{specs.get(stem).max_score:g}" for stem in STEMS]
    assert table[1][5:] == possible and table[2][5:] == ["24", "23"]  # the sample's four mistakes cost 7 and 7
    bad = tmp_path / "bad.csv"
    bad.write_text("x\n")
    proc = subprocess.run([sys.executable, "-m", "autograde", "grade", str(sample), "--canvas", str(out),
                           "--canvas-roster", str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "not a gradebook exported from Canvas" in proc.stderr
