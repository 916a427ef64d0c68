"""Batches: the same results for any number of jobs, an output folder that resumes, nbgrader trees, exports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from markupsafe import escape

from autograde import batch, exports, feedback
from autograde.discovery import expand
from autograde.grade import Grader, Options
from autograde.plan import plan
from conftest import ROOT, edited_solution, replaced_function, run_interrupted, write_submission

S03 = "03_recurrent_neural_network"

SAMPLE = ROOT / "examples" / "sample_submission"


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """An nbgrader-style course folder with three students."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(SAMPLE, course / "submitted" / "alice")
    write_submission(course / "submitted" / "bob", S03,
                     edited_solution(S03, "softmax", "np.sum(e, axis=0, keepdims=True)",
                                     "np.sum(e, axis=1, keepdims=True)"))
    shutil.copytree(ROOT / "assignments", course / "submitted" / "carol")
    return course


# the mistakes planted in each student's work (alice: the sample submission's four; bob: 03 only, one
# mistake; carol handed in the blank notebooks)
PLANTED = {"alice": {"softmax", "rnn_forward", "numerical_gradient", "rnn_backward"}, "bob": {"softmax"}}


def assert_scores_follow_the_planted_mistakes(docs: list[dict]) -> None:
    """Each function scores full marks unless a mistake was planted in it, then less; a submission's score is
    the sum of its functions'. (Derived from the mistakes, so that no score is written down twice.)"""
    assert [d["id"] for d in docs] == ["alice", "bob", "carol"]
    for doc in docs:
        functions = [f for nb in doc["notebooks"] for f in nb["functions"]]
        assert functions
        for f in functions:
            if doc["id"] == "carol":
                assert f["score"] == 0, f
            elif f["name"] in PLANTED[doc["id"]]:
                assert 0 < f["score"] < f["max_score"], f
            else:
                assert f["score"] == f["max_score"], f
        assert doc["score"] == sum(f["score"] for f in functions)


def test_nbgrader_tree_is_one_submission_per_student(klass):
    assert [sid for _, sid in expand([klass])] == ["alice", "bob", "carol"]
    assert [sid for _, sid in expand([klass / "submitted"])] == ["alice", "bob", "carol"]


def test_results_identical_for_every_number_of_jobs(klass):
    plans = [plan(p, sid) for p, sid in expand([klass])]
    docs = [[r.to_json() for r in Grader(Options(jobs=jobs)).grade_plans(plans)] for jobs in (1, 2, 3)]
    assert docs[0] == docs[1] == docs[2]
    assert_scores_follow_the_planted_mistakes(docs[0])


def test_out_folder_resumes_and_force_regrades(klass, tmp_path):
    out = tmp_path / "out"
    plans = [plan(p, sid) for p, sid in expand([klass])]
    grader = Grader(Options(jobs=2))
    run_interrupted(grader, plans, out)
    assert (out / "submissions" / "alice" / "result.json").is_file()
    assert not (out / "report.json").exists()

    graded = []
    results, reused = batch.run(grader, plans, out, on_start=lambda todo: graded.extend(p.id for p in todo))
    assert reused == 1 and graded == ["bob", "carol"]
    doc = json.loads((out / "report.json").read_text())
    assert [s["id"] for s in doc["submissions"]] == ["alice", "bob", "carol"]
    assert_scores_follow_the_planted_mistakes(doc["submissions"])
    assert (out / "grades.csv").read_text().count("\n") == 4

    graded.clear()
    batch.run(grader, plans, out, on_start=lambda todo: graded.extend(p.id for p in todo))
    assert graded == []
    graded.clear()
    batch.run(grader, plans, out, force=True, on_start=lambda todo: graded.extend(p.id for p in todo))
    assert graded == ["alice", "bob", "carol"]

    # a changed notebook is regraded, the others are not
    changed = klass / "submitted" / "bob" / S03 / f"{S03}.ipynb"
    original_text = changed.read_text()
    try:
        changed.write_text(original_text.replace("np.sum(e, axis=1, keepdims=True)", "np.sum(e, axis=0, keepdims=True)"))
        graded.clear()
        replans = [plan(p, sid) for p, sid in expand([klass])]
        results, _ = batch.run(grader, replans, out, on_start=lambda todo: graded.extend(p.id for p in todo))
        assert graded == ["bob"] and results[1].score == results[1].max_score
    finally:
        changed.write_text(original_text)


def test_feedback_page_and_gradescope_export(tmp_path, grader):
    # (a hidden case's report shows no exception message: the text reaches the page as a cell's error)
    evil = replaced_function(S03, "softmax", "def softmax(z):\n    raise ValueError('<script>alert(1)</script>')\n",
                             ("raise ValueError('<script>alert(1)</script>')",))
    (result,) = grader.grade([write_submission(tmp_path, S03, evil)])
    html = feedback.page(result)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('class="fn ') == len(result.notebooks[0].functions)
    doc = exports.gradescope(result)
    assert doc["score"] == result.score == sum(t["score"] for t in doc["tests"])
    assert all({"name", "score", "max_score", "output", "visibility"} <= set(t) for t in doc["tests"])
    assert "ValueError" in next(t for t in doc["tests"] if t["name"].endswith("softmax"))["output"]


CRASHED = "A cell of your notebook raised an error while it ran:"


def test_feedback_says_a_cell_crashed_only_for_a_cells_error(tmp_path, grader):
    """A notebook saved under another name is graded and said so, plainly: the student is not told that their
    code crashed. A cell that raises is still reported as one, and in the JSON both are notes, as before."""
    solution = json.loads((ROOT / "solutions" / S03 / f"{S03}.ipynb").read_text(encoding="utf-8"))
    renamed = tmp_path / "renamed" / "my_rnn.ipynb"
    renamed.parent.mkdir()
    renamed.write_text(json.dumps(solution), encoding="utf-8")
    (result,) = grader.grade([renamed])
    note = f"my_rnn.ipynb was graded as {S03}.ipynb (recognised by its cells, not its name)"
    assert result.score == result.max_score and result.notebooks[0].notes == [note]
    html = feedback.page(result)
    assert f'<div class="note">{note}</div>' in html and CRASHED not in html, html
    assert exports.gradescope(result)["output"] == f"{S03}: {note}"

    crashing = replaced_function(S03, "softmax", solution_cell_source(solution, "softmax"),
                                 ("print(undefined_name)",))
    (result,) = grader.grade([write_submission(tmp_path / "crashing", S03, crashing)])
    (nb,) = result.notebooks
    assert nb.notes == [] and [(e.kind, e.line) for e in nb.cell_errors] == [("NameError", 1)]
    message = nb.cell_errors[0].message
    assert message == f"NameError: name 'undefined_name' is not defined (cell {len(crashing['cells'])}, line 1)"
    assert f'<div class="note">{CRASHED} {escape(message)}</div>' in feedback.page(result)
    assert f"{S03}: a cell of your notebook raised an error while it ran: {message}" in \
        exports.gradescope(result)["output"].splitlines()

    both = tmp_path / "both" / "my_rnn.ipynb"
    both.parent.mkdir()
    both.write_text(json.dumps(crashing), encoding="utf-8")
    (result,) = grader.grade([both])
    html = feedback.page(result)
    assert html.count(CRASHED) == 1 and f'<div class="note">{note}</div>' in html, html
    assert result.to_json()["notebooks"][0]["notes"] == [note, message]


def solution_cell_source(nb: dict, name: str) -> str:
    (cell,) = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name]
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_cli_gradescope_needs_one_submission(tmp_path, grader):
    proc = subprocess.run([sys.executable, "-m", "autograde", "grade", str(SAMPLE), str(SAMPLE), "--gradescope",
                           str(tmp_path / "r.json")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "one submission" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "autograde", "grade", str(SAMPLE), "--gradescope",
                           str(tmp_path / "r.json")], capture_output=True, text=True, cwd=ROOT)
    (expected,) = grader.grade([SAMPLE])
    assert proc.returncode == 0 and json.loads((tmp_path / "r.json").read_text())["score"] == expected.score


def test_feedback_says_once_why_nothing_came_back(tmp_path, grader):
    """A function that gave no answer fails every check for one reason: the page says it once."""
    solution = json.loads((ROOT / "solutions" / S03 / f"{S03}.ipynb").read_text(encoding="utf-8"))
    renamed = replaced_function(S03, "softmax", solution_cell_source(solution, "softmax").replace(
        "def softmax(", "def soft_max("))
    (result,) = grader.grade([write_submission(tmp_path, S03, renamed)])
    softmax = next(f for f in result.notebooks[0].functions if f.name == "softmax")
    reason = softmax.checks[0].message
    assert softmax.score == 0 and len(softmax.checks) > 1 and {c.text for c in softmax.checks} == {reason}
    html = feedback.page(result)
    assert html.count(escape(reason)) == 1 and "✗ every check" in html, html
