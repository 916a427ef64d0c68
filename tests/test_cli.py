"""The newcomer's path through the command line: class folders, ids, output folders, usage errors, --help."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from autograde import batch, feedback
from autograde.discovery import SubmissionError, expand, expand_with_notes, name_id
from autograde.grade import Grader, Options
from autograde.plan import expect, plan
from conftest import ROOT, S03, S04

SAMPLE = ROOT / "examples" / "sample_submission"
NB03 = SAMPLE / S03 / f"{S03}.ipynb"
NB04 = SAMPLE / S04 / f"{S04}.ipynb"


def cli(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograde", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def make_class(root):
    """The issue's class: alice (03 and 04 in their folders), bob (03 only), carol (03 saved as -Copy1, and 04
    loose in her folder)."""
    shutil.copytree(SAMPLE, root / "alice")
    (root / "bob" / S03).mkdir(parents=True)
    shutil.copy(NB03, root / "bob" / S03 / f"{S03}.ipynb")
    (root / "carol").mkdir()
    shutil.copy(NB03, root / "carol" / f"{S03}-Copy1.ipynb")
    shutil.copy(NB04, root / "carol" / f"{S04}.ipynb")
    return root


# ------------------------------------------------------------------------------------------ item 1: classes

def test_a_class_folder_is_one_submission_per_student(tmp_path):
    klass = make_class(tmp_path / "class")
    (klass / ".ipynb_checkpoints").mkdir()
    (klass / "handouts").mkdir()  # no course notebook: not a student
    got = expand([klass])
    assert [(p.name, sid) for p, sid in got] == [("alice", "alice"), ("bob", "bob"), ("carol", "carol")]
    plans = expect([plan(p, sid) for p, sid in got])
    found = {p.id: [(nb.stem, nb.path.name) for nb in p.notebooks if nb.problem is None]
             for p in plans}
    assert found == {"alice": [(S03, f"{S03}.ipynb"), (S04, f"{S04}.ipynb")], "bob": [(S03, f"{S03}.ipynb")],
                     "carol": [(S03, f"{S03}-Copy1.ipynb"), (S04, f"{S04}.ipynb")]}


def test_a_planned_notebook_is_read_missing_or_unreadable_by_type(tmp_path):
    """Each notebook of a plan holds its cells, or a typed problem (never both), and the fingerprint hashes the
    file's bytes, or "missing notebook" for one the submission lacks."""
    import hashlib

    from autograde.plan import MISSING, ProblemKind

    shutil.copy(NB03, tmp_path / f"{S03}.ipynb")
    (tmp_path / f"{S04}.ipynb").write_text("{not json")
    (p,) = expect([plan(tmp_path, "s")], [S03, S04, "05_types_of_rnns"])
    read, unreadable, missing = p.notebooks
    assert (read.stem, read.problem, read.digest) == (S03, None, hashlib.sha256(NB03.read_bytes()).hexdigest())
    assert read.cells and all(c.source for c in read.cells)
    assert unreadable.cells is None and unreadable.problem.kind is ProblemKind.UNREADABLE
    assert unreadable.problem.reason.startswith("the file is not valid JSON")
    assert missing.cells is None and missing.problem.kind is ProblemKind.MISSING and missing.digest == MISSING
    assert missing.path == tmp_path and missing.problem.text == "missing notebook: no 05_types_of_rnns.ipynb in the submission"


def test_one_students_folders_are_not_a_class(tmp_path):
    """The course's own layout (one folder per notebook) is one student, however many notebooks."""
    assert [sid for _, sid in expand([SAMPLE])] == ["sample_submission"]
    shutil.copytree(ROOT / "assignments", tmp_path / "dave")
    assert [sid for _, sid in expand([tmp_path / "dave"])] == ["dave"]


def test_a_folder_that_is_neither_one_student_nor_a_class_is_refused(tmp_path):
    klass = make_class(tmp_path / "class")
    shutil.copy(NB03, klass / f"{S03}.ipynb")  # a notebook beside the students' folders: not a class
    with pytest.raises(SubmissionError) as exc:
        expand([klass])
    message = str(exc.value)
    for left_out in (klass / "bob" / S03 / f"{S03}.ipynb", klass / "carol" / f"{S03}-Copy1.ipynb"):
        assert str(left_out) in message
    proc = cli("grade", "--quiet", str(klass))
    assert proc.returncode == 2 and proc.stdout == ""
    assert "is not one student's submission" in proc.stderr and str(klass / "bob") in proc.stderr
    # a copy beside the student's own notebook is still the student's: graded by its name, not refused
    student = tmp_path / "erin"
    (student / S03).mkdir(parents=True)
    shutil.copy(NB03, student / S03 / f"{S03}.ipynb")
    shutil.copy(NB03, student / S03 / f"{S03}-Copy1.ipynb")
    assert [sid for _, sid in expand([student])] == ["erin"]


# ------------------------------------------------------------------------------ issue 21 item 7: plain ids

def test_submissions_given_as_paths_are_named_by_their_folder(tmp_path):
    klass = make_class(tmp_path / "class")
    got, notes = expand_with_notes([klass / "alice", klass / "bob", NB03])
    assert [sid for _, sid in got] == ["alice", "bob", S03] and notes == []
    # the same name twice: a short hash for each, and a note saying so
    shutil.copytree(klass / "bob", tmp_path / "other" / "bob")
    got, notes = expand_with_notes([klass / "alice", klass / "bob", tmp_path / "other" / "bob"])
    ids = [sid for _, sid in got]
    assert ids[0] == "alice" and all(re.fullmatch(r"bob-[0-9a-f]{8}", i) for i in ids[1:]) and ids[1] != ids[2]
    assert len(notes) == 1 and "2 submissions are named bob" in notes[0]
    assert name_id(NB03) == S03


def test_canvas_rows_carry_the_folder_name(tmp_path):
    klass = make_class(tmp_path / "class")
    canvas = tmp_path / "canvas.csv"
    proc = cli("grade", "--quiet", str(klass / "alice"), str(klass / "bob"), "--canvas", str(canvas))
    assert proc.returncode == 0, proc.stderr
    rows = canvas.read_text().splitlines()[2:]
    assert [r.split(",")[:4] for r in rows] == [["alice", "", "alice", "alice"], ["bob", "", "bob", "bob"]]
    assert "ids:" not in proc.stderr
    shutil.copytree(klass / "bob", tmp_path / "other" / "bob")
    proc = cli("grade", "--quiet", str(klass / "bob"), str(tmp_path / "other" / "bob"))
    assert proc.returncode == 0 and "autograde: ids: 2 submissions are named bob" in proc.stderr


# -------------------------------------------------------------------------------------- item 2: --out

def _plans(*folders):
    return [plan(p, sid) for p, sid in expand(list(folders))]


def test_out_refuses_a_folder_not_made_by_the_grader(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.tex").write_text("mine")
    with pytest.raises(batch.OutError, match="not made by the grader"):
        batch.claim(out, _plans(NB03))
    proc = cli("grade", "--quiet", str(NB03), "--out", str(out))
    assert proc.returncode == 2 and "not made by the grader" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]
    batch.claim(out, _plans(NB03), force=True)  # --force: written into, and nothing of the user's removed
    assert (out / "thesis.tex").read_text() == "mine" and (out / batch.MARKER).is_file()
    (tmp_path / "empty").mkdir()
    batch.claim(tmp_path / "empty", _plans(NB03))  # an empty folder, or a new one, is fine
    batch.claim(tmp_path / "new", _plans(NB03))


def test_out_refuses_another_batch_and_resumes_the_same(tmp_path):
    klass = make_class(tmp_path / "class")
    out = tmp_path / "out"
    first = _plans(klass / "alice", klass / "bob")
    batch.claim(out, first)
    for p in first:
        (out / "submissions" / p.id).mkdir(parents=True)
    batch.claim(out, first)  # the same batch again (a resumed run)
    batch.claim(out, _plans(klass / "alice", klass / "bob", klass / "carol"))  # and a late student
    with pytest.raises(batch.OutError) as exc:
        batch.claim(out, _plans(klass / "alice"))  # bob's and carol's pages would stay beside alice's report
    assert "another batch" in str(exc.value) and "bob" in str(exc.value) and "carol" in str(exc.value)
    assert (out / "submissions" / "bob").is_dir()
    batch.claim(out, _plans(klass / "alice"), force=True)
    assert sorted(p.name for p in (out / "submissions").iterdir()) == ["alice"]
    assert list(json.loads((out / batch.MARKER).read_text())["submissions"]) == ["alice"]


def test_out_marker_survives_an_interrupted_batch(tmp_path):
    """The marker is written before grading starts: an interrupted batch resumes into its folder."""
    out = tmp_path / "out"
    grader = Grader(Options(jobs=1))
    plans = _plans(NB03, NB04)

    def stop(todo, on_result):
        raise KeyboardInterrupt

    grader.grade_plans = stop
    with pytest.raises(KeyboardInterrupt):
        batch.run(grader, plans, out)
    assert list(json.loads((out / batch.MARKER).read_text())["submissions"]) == [S03, S04]
    batch.claim(out, plans)


# ------------------------------------------------------------------- issue 21 item 7: missing notebook once

def test_a_missing_notebook_is_said_once_on_the_feedback_page(tmp_path, grader):
    only_04 = tmp_path / "only04"
    shutil.copytree(SAMPLE / S04, only_04 / S04)
    first, _ = grader.grade([only_04, SAMPLE])
    page = feedback.page(first)
    assert page.lower().count("missing notebook") == 1, page
    section = page[page.index(f"<h2>{S03}</h2>"):page.index(f"<h2>{S04}</h2>")]
    for fn in first.notebooks[0].functions:  # every function is still listed, with its 0 points
        assert f'<span class="fname">{fn.name}</span><span class="pts">0 / {fn.max_score:g}</span>' in section


# ----------------------------------------------------------------------------- item 8: the command line

def test_each_bad_option_is_named_alone():
    for args, wrong in ((["--jobs", "0"], "--jobs"), (["--timeout", "0"], "--timeout"),
                        (["--notebook-timeout", "-1"], "--notebook-timeout"), (["--memory", "0"], "--memory")):
        proc = cli("grade", *args, str(NB03))
        assert proc.returncode == 2, proc.stderr
        (error,) = [line for line in proc.stderr.splitlines() if "error:" in line]
        named = set(re.findall(r"--[a-z-]+", error))
        assert named == {wrong}, error


def test_a_mistyped_path_shows_grades_usage(tmp_path):
    proc = cli("grade", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: python -m autograde grade ") and "{build,grade}" not in proc.stderr
    assert "no such file or folder" in proc.stderr


@pytest.mark.parametrize("name, content, said", [
    ("notes.txt", b"just some notes\n", "notes.txt is not a notebook: the file is not valid JSON"),
    ("essay.ipynb", b"\x00\x01binary", "essay.ipynb is not a notebook"),
    ("scratch.ipynb", b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", '
                      b'"metadata": {}, "source": "1", "outputs": [], "execution_count": null}]}',
     "scratch.ipynb is a notebook, but not one of the course's"),
])
def test_a_file_that_is_no_course_notebook_says_what_it_is(tmp_path, name, content, said):
    path = tmp_path / name
    path.write_bytes(content)
    result = plan(path, "x")
    assert result.error.startswith(said), result.error
    assert "no course notebook found" not in result.error


@pytest.mark.parametrize("command", [[], ["grade"], ["build"], ["release"]])
def test_help_has_no_rest_markup(command):
    proc = cli(*command, "--help")
    assert proc.returncode == 0
    for markup in ("``", ":func:", ":class:", ":mod:", ":meth:", "'cluster'"):
        assert markup not in proc.stdout, (markup, proc.stdout)


def test_the_feedback_page_writes_the_time_index_as_the_terminal_does(grader):
    """a⟨t⟩ on the page as in the terminal: the angle brackets kept, in fonts that have them (the browser's
    fallback for a text font without them draws parentheses)."""
    (result,) = grader.grade([SAMPLE])
    page = feedback.page(result)
    assert 'every a<span class="ang">⟨t⟩</span> is computed from a0' in page
    style = page[page.index("<style>"):page.index("</style>")]
    rule = style[style.index(".ang {"):]
    assert "Cambria Math" in rule[:rule.index("}")] and "DejaVu Sans" in rule[:rule.index("}")]
    assert "a(t)" not in page
