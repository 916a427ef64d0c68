"""The class report (DIR/class.html, DIR/class.csv): counts of planted mistakes, histograms, escaping, resuming."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from autograde import batch, classfiles, classreport, cli, specs
from autograde.discovery import expand
from autograde.plan import expect, plan
from autograde.results import CheckResult, FunctionResult, NotebookResult, Status, SubmissionResult
from conftest import ROOT, edited_solution, load, solution_path, write_submission

S07, S10 = "07_sampling_novel_sequences", "10_lstm"
# the planted mistakes (from the mistake catalogues of tests/test_mistakes_nb07.py and _nb10.py)
LSTM = ("lstm_backward", "lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt,",
        "lstm_cell_backward(da[:, :, t] + da_prevt, np.zeros((n_a, m)),")
SAMPLING = ("sample", "index = int(rng.choice(n_y, p=p.ravel()))", "index = int(np.argmax(p))")
# the class: how many students of each kind
KINDS = {"right": 12, "lstm": 40, "sampling": 10, "no10": 5, "untouched": 3}


def _write_kind(folder: Path, kind: str) -> None:
    """One student's submission of notebooks 07 and 10."""
    if kind == "untouched":  # the notebooks as handed out: nothing implemented
        for stem in (S07, S10):
            shutil.copytree(ROOT / "assignments" / stem, folder / stem)
        return
    nb07 = edited_solution(S07, *SAMPLING) if kind == "sampling" else load(solution_path(S07))
    write_submission(folder, S07, nb07)
    if kind != "no10":
        write_submission(folder, S10, edited_solution(S10, *LSTM) if kind == "lstm" else load(solution_path(S10)))


def _rows(out: Path) -> dict[str, dict]:
    return {row["function"]: row for row in csv.DictReader(io.StringIO((out / "class.csv").read_text()))}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grader):
    """The class graded into an output folder: each kind of student graded once, then copied under new ids
    (as if graded), and the batch run again, which grades nothing and writes the report of everyone saved."""
    root = tmp_path_factory.mktemp("klass")
    course, out = root / "submitted", root / "out"
    for kind in KINDS:
        _write_kind(course / f"{kind}-00", kind)
    plans = expect([plan(p, sid) for p, sid in expand([course])], [S07, S10])
    first, reused = batch.run(grader, plans, out)
    assert reused == 0 and len(first) == len(KINDS)
    for kind, count in KINDS.items():
        for k in range(1, count):
            shutil.copytree(out / "submissions" / f"{kind}-00", out / "submissions" / f"{kind}-{k:02d}")
    again, reused = batch.run(grader, plans, out)
    assert reused == len(KINDS) and [r.to_json() for r in again] == [r.to_json() for r in first]
    return out, {r.id.removesuffix("-00"): r for r in first}


def test_the_report_counts_the_planted_mistakes_exactly(graded):
    out, first = graded
    everyone, unreadable, other = classfiles.saved(out, set())
    assert (len(everyone), unreadable, other) == (sum(KINDS.values()), 0, 0)
    report = classreport.build(everyone)
    n, with10 = sum(KINDS.values()), sum(KINDS.values()) - KINDS["no10"]
    assert report.students == report.total.students == sum(report.total.counts) == n
    assert {stem: (hist.students, lacking) for stem, hist, lacking in report.notebooks} == {
        S07: (n, 0), S10: (with10, KINDS["no10"])}
    stats = {f.name: f for f in report.functions}
    lstm, sample = stats["lstm_backward"], stats["sample"]

    # the planted lstm_backward mistake: 40 students, one group keyed by the grader's hint(s) for it
    planted = [c for nb in first["lstm"].notebooks for f in nb.functions if f.name == "lstm_backward"
               for c in f.checks if not c.passed]
    assert planted and all(c.hint for c in planted)
    assert "dc_prev is not carried back" in " ".join(c.hint for c in planted)
    assert (lstm.students, lstm.failing) == (with10, KINDS["lstm"])
    assert {g.hint: g.students for g in lstm.groups} == {c.hint: KINDS["lstm"] for c in planted}
    assert lstm.not_attempted == KINDS["untouched"] / with10
    assert lstm.full == KINDS["right"] / with10 + KINDS["sampling"] / with10
    assert lstm.lost == sum(KINDS[k] * (7 - first[k].notebooks[1].functions[3].score)
                            for k in ("lstm", "untouched"))

    # the planted sampling mistake: 10 students
    planted = [c for f in first["sampling"].notebooks[0].functions for c in f.checks if not c.passed]
    assert "(argmax)" in " ".join(c.hint or "" for c in planted)
    assert (sample.students, sample.failing) == (n, KINDS["sampling"])
    assert [g.students for g in sample.groups] == [KINDS["sampling"]] * len(sample.groups)

    # the functions nobody got wrong but by not attempting them, and who needs help
    assert all(f.groups == [] for f in report.functions if f.name not in ("lstm_backward", "sample"))
    low = {"untouched", "no10"}  # 0 points, and 8 of 40
    assert sorted(s.id for s in report.flagged) == sorted(f"{k}-{i:02d}" for k in low for i in range(KINDS[k]))
    assert [(stem, len(ids)) for stem, ids in report.missing] == [(S10, KINDS["no10"])]

    # the CSV: the same table, most points lost first
    rows = _rows(out)
    graded = sum(len(specs.get(stem).functions) for stem in (S07, S10))
    assert list(rows) == [f.name for f in report.functions] and len(rows) == graded
    assert (rows["lstm_backward"]["students"], rows["sample"]["students"]) == (str(with10), str(n))
    assert float(rows["lstm_backward"]["not_attempted"]) == pytest.approx(KINDS["untouched"] / with10, abs=1e-4)
    html = (out / "class.html").read_text()
    assert html.count('href="submissions/no10-0') == 2 * KINDS["no10"]  # flagged, and missing notebook 10
    assert f"{KINDS['lstm']} of {with10} students lost points" in html


def test_regrading_and_resuming_report_everyone_saved(graded, grader, tmp_path):
    out, first = graded
    shutil.copytree(out, tmp_path / "out")
    out = tmp_path / "out"
    before = _rows(out)
    # a late student, graded with the class into the same folder (the same batch, one more): only they are
    # graded, and the report counts the whole class and them
    new = tmp_path / "late"
    _write_kind(new, "right")
    plans = expect([plan(Path(r.submission), r.id) for r in first.values()] + [plan(new, "late")], [S07, S10])
    results, reused = batch.run(grader, plans, out, flag_below=0.9)
    assert reused == len(KINDS) and results[-1].score == results[-1].max_score
    after = _rows(out)
    n = sum(KINDS.values()) + 1
    assert int(after["sample"]["students"]) == int(before["sample"]["students"]) + 1 == n
    assert float(after["sample"]["full_marks"]) == pytest.approx((n - KINDS["sampling"] - KINDS["untouched"]) / n,
                                                                 abs=1e-4)
    # a flag threshold of 90 %: every kind of student whose score is below it
    report = classreport.build(classfiles.saved(out, set())[0], 0.9)
    below = [kind for kind, r in first.items() if r.score < 0.9 * r.max_score]
    assert {"untouched", "no10", "sampling"} <= set(below)
    assert len(report.flagged) == sum(KINDS[kind] for kind in below)
    assert f"{len(report.flagged)} of {n} students scored below 90 %" in (out / "class.html").read_text()


EVIL = "<img src=x onerror=alert(1)>"


def _student(sid: str, score: int, message: str = "wrong", hint: str | None = None) -> SubmissionResult:
    checks = [CheckResult("values", score > 0, message, 3.0, hint), CheckResult("shapes and dtypes", True, "ok", 1.0)]
    missing = NotebookResult("04_backpropagation_through_time", sid, [FunctionResult("rnn_backward", [
        CheckResult("values", False, "missing notebook", 7.0)], Status.NO_ANSWER)], error="missing notebook",
        missing=True)
    return SubmissionResult(sid, [NotebookResult("03_recurrent_neural_network", sid,
                                                 [FunctionResult("softmax", checks)]), missing], id=sid)


def test_student_text_is_escaped(tmp_path):
    klass = [_student(EVIL, 0, "raised ValueError('<script>alert(2)</script>')", "<b>bold</b> \x1b[31m"),
             _student("ok\u202eevil", 3)]
    report = classreport.build(klass)
    html = classfiles.page(report)
    assert EVIL not in html and "<script" not in html and "<b>bold" not in html and "\x1b" not in html
    assert "\u202e" not in html and "ok\\u202eevil" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; \\x1b[31m" in html
    link = 'href="submissions/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E/feedback.html"'
    assert html.count(link) == 2  # flagged, and missing a notebook
    # a folder of that name is where batch.py puts the student's feedback page
    assert classreport.href(EVIL) == link[6:-1]


def test_histograms_hold_every_student_once():
    import numpy as np

    small = classreport.histogram(np.array([0, 1, 1, 7, 7, 7.0]), 7.0, "points")
    assert small.counts == [1, 2, 0, 0, 0, 0, 0, 3] and small.edges[0] == -0.5 and small.edges[-1] == 7.5
    big = classreport.histogram(np.linspace(0, 297, 1001), 297.0, "points")
    assert big.students == 1001 and len(big.counts) <= 30 and big.edges[0] == 0 and big.edges[-1] >= 297


def test_discrimination_and_functions_that_tell_nothing():
    def student(i: int) -> SubmissionResult:
        fns = [FunctionResult("f", [CheckResult("values", True, "ok", float(i)),
                                    CheckResult("edge", False, "no", float(3 - i))]),
               FunctionResult("g", [CheckResult("values", True, "ok", float(i)),
                                    CheckResult("edge", False, "no", float(3 - i))]),
               FunctionResult("h", [CheckResult("values", True, "ok", 1.0)]),
               FunctionResult("z", [CheckResult("values", False, "no", 2.0)])]
        return SubmissionResult(f"s{i}", [NotebookResult("nb", "p", fns)], id=f"s{i}")

    report = classreport.build([student(i) for i in range(4)])
    stats = {f.name: f for f in report.functions}
    assert stats["f"].discrimination == pytest.approx(1.0) and stats["g"].discrimination == pytest.approx(1.0)
    assert (stats["h"].discrimination, stats["h"].uninformative) == (None, "everybody has full marks")
    assert (stats["z"].discrimination, stats["z"].uninformative) == (None, "nobody scores")
    assert "nobody scores: tells nothing" in classfiles.page(report)


def test_mistakes_group_by_hint_and_by_message_whatever_its_numbers():
    klass = [_student(f"s{i}", 0, f"differs by up to {i}.5 (inputs: n_x={i})", "is tanh applied?") for i in range(5)]
    klass += [_student(f"t{i}", 0, f"raised IndexError: index {i} is out of bounds") for i in range(3)]
    (softmax,) = [f for f in classreport.build(klass).functions if f.name == "softmax"]
    assert [(g.students, g.hint, g.variants) for g in softmax.groups] == [(5, "is tanh applied?", 5), (3, None, 3)]


def test_json_keeps_the_full_message_and_gains_hint_and_status():
    result = _student("a", 0, "wrong (inputs: m=1)", "look at axis")
    doc = result.to_json()
    check = doc["notebooks"][0]["functions"][0]["checks"][0]
    assert check["message"] == "wrong (inputs: m=1). Hint: look at axis" and check["hint"] == "look at axis"
    assert doc["notebooks"][1]["missing"] is True and doc["notebooks"][1]["functions"][0]["status"] == "no_answer"
    back = SubmissionResult.from_json(json.loads(json.dumps(doc)))
    assert back == result and back.notebooks[0].functions[0].checks[0].message == "wrong (inputs: m=1)"
    # a result saved before these fields existed
    for nb in doc["notebooks"]:
        del nb["missing"]
        for f in nb["functions"]:
            del f["status"]
            for c in f["checks"]:
                del c["hint"]
    old = SubmissionResult.from_json(doc)
    assert old.notebooks[0].functions[0].checks[0].text == "wrong (inputs: m=1). Hint: look at axis"


def test_json_keeps_cell_errors_apart_from_notes_and_reads_old_results():
    from autograde.kernel import CellError

    result = _student("a", 0, "wrong", None)
    nb = result.notebooks[0]
    nb.notes = ["my.ipynb was graded as 03_x.ipynb (recognised by its cells, not its name)"]
    nb.cell_errors = [CellError(7, "NameError", "name 'np' is not defined", 7, 2),
                      CellError(9, "NameError", "name 'np' is not defined", 7, 2),  # the same message: said once
                      CellError(11, "SyntaxError", "invalid syntax", 11, 3), CellError(12, "SystemExit")]
    doc = json.loads(json.dumps(result.to_json()))
    saved = doc["notebooks"][0]
    # "notes" as before: the grader's notes, then each cell error's message once
    assert saved["notes"] == [nb.notes[0], "NameError: name 'np' is not defined (cell 7, line 2)",
                              "SyntaxError: invalid syntax (cell 11, line 3)", "SystemExit"]
    assert [(e["index"], e["kind"], e["cell"], e["line"]) for e in saved["cell_errors"]] == [
        (7, "NameError", 7, 2), (9, "NameError", 7, 2), (11, "SyntaxError", 11, 3), (12, "SystemExit", None, None)]
    back = SubmissionResult.from_json(doc)
    assert back == result and back.notebooks[0].notes == nb.notes and back.notebooks[0].cell_errors == nb.cell_errors


def test_a_result_saved_before_cell_errors_loads_with_its_notes():
    """A result.json written before there was "cell_errors" (its cells' errors are among its notes) loads, and
    its notes stay as they were: nothing is read back out of their text."""
    notes = ["my.ipynb was graded as 03_x.ipynb (recognised by its cells, not its name)",
             "NameError: name 'np' is not defined (cell 7, line 2)"]
    saved = {"submission": "a", "id": "a", "score": 0.0, "max_score": 3.0, "error": None, "notebooks": [
        {"notebook": "03_x", "path": "a/my.ipynb", "score": 0.0, "max_score": 3.0, "error": None, "notes": notes,
         "missing": False, "functions": [{"name": "softmax", "score": 0.0, "max_score": 3.0, "status": "raised",
                                          "checks": [{"name": "values", "passed": False, "message": "wrong",
                                                      "hint": None, "score": 0.0, "max_score": 3.0}]}]}]}
    (old,) = SubmissionResult.from_json(saved).notebooks
    assert old.notes == notes and old.cell_errors == [] and old.functions[0].status == Status.RAISED
    again = old.to_json()
    assert again["notes"] == notes and again["cell_errors"] == []
    assert {k: v for k, v in again.items() if k != "cell_errors"} == saved["notebooks"][0]


def test_flag_below_option():
    assert cli._share("50%") == 0.5 and cli._share(" 12.5 ") == 0.125
    for bad in ("abc", "150%", "-1", "nan"):
        with pytest.raises(SystemExit) as exc:
            cli.main(["grade", str(ROOT / "examples" / "sample_submission"), "--out", "x", "--flag-below", bad])
        assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        cli.main(["grade", str(ROOT / "examples" / "sample_submission"), "--flag-below", "40%"])
    assert exc.value.code == 2


def test_the_report_counts_every_result_saved_and_says_which_differ(tmp_path):
    def save(sid: str, graded_with: dict | None) -> None:
        doc = {"fingerprint": "x", "result": _student(sid, 3).to_json()}
        if graded_with is not None:
            doc["graded_with"] = graded_with
        folder = tmp_path / "submissions" / sid
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps(doc))

    save("same", classfiles.graded_with())
    save("other", {"course": "0" * 16, "secret": "1" * 16})
    save("old", None)
    (tmp_path / "submissions" / "broken").mkdir()
    (tmp_path / "submissions" / "broken" / "result.json").write_text("{not json")
    save("fresh", classfiles.graded_with())  # saved, and graded in this batch: counted once
    report = classfiles.write(tmp_path, [_student("fresh", 0)], flag_below=0.3)
    assert report.students == 4 and [s.id for s in report.flagged] == ["fresh"]
    html = (tmp_path / "class.html").read_text()
    assert "1 saved result file in" in html and "could not be read and is left out" in html
    assert "2 of the 4 students were graded by an earlier run" in html
    rows = _rows(tmp_path)
    assert rows["softmax"]["students"] == "4" and rows["softmax"]["full_marks"] == "0.7500"
