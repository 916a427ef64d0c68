"""Grading integrity end to end (issue 7): what student code can reach while graded, what it can leave
behind, what it can send, and what a submission can claim. Needs bubblewrap, like test_tampering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from autograde.grade import Grader, Options, SubmissionError, expand
from autograde.report import grades_csv, table
from autograde import runner
from autograde.runner import Limits
from conftest import ROOT, edited_solution, function_result, load, replaced_function, solution_path, write_submission

S03, S04 = "03_recurrent_neural_network", "04_backpropagation_through_time"


@pytest.fixture(scope="module")
def fast_grader():
    return Grader(Options(jobs=2, limits=Limits(timeout=5.0, notebook_timeout=60.0)))


def _softmax(body: str) -> str:
    return "def softmax(z):\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"


def _grade_many(grader, tmp_path, stem: str, notebooks: dict[str, dict]):
    paths = [write_submission(tmp_path / name, stem, nb) for name, nb in notebooks.items()]
    return dict(zip(notebooks, grader.grade(paths)))


def test_nothing_of_the_course_or_the_grader_is_within_reach(fast_grader, tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADE_CANARY", "canary-7f3a")
    probes = {
        "testfunctions": "import autograde.testfunctions",
        "specs": "import autograde.specs.nb04",
        "reference": "import autograde.reference",
        "course": f"print(os.listdir({str(ROOT)!r})); assert not set(os.listdir({str(ROOT)!r})) & "
                  "{'.git', 'solutions', 'tests', 'assignments', 'docs'}, os.listdir(" + repr(str(ROOT)) + ")",
        "environment": "assert 'canary-7f3a' not in repr(dict(os.environ)), 'canary'",
        "git": f"import subprocess; assert subprocess.run(['git', '-C', {str(ROOT)!r}, 'show', 'HEAD:README.md'], "
               "capture_output=True).returncode != 0, 'git'",
    }
    notebooks = {}
    for name, probe in probes.items():
        notebooks[name] = replaced_function(S03, "softmax", _softmax(f"""
            import os
            try:
                {probe}
            except (ImportError, AssertionError, FileNotFoundError) as exc:
                if isinstance(exc, AssertionError):
                    raise
                raise RuntimeError("out of reach")
            raise RuntimeError("within reach")
        """))
    results = _grade_many(fast_grader, tmp_path, S03, notebooks)
    for name, result in results.items():
        message = function_result(result, "softmax").checks[1].message
        assert "out of reach" in message or ("RuntimeError: within reach" in message and name in (
            "course", "environment", "git")), (name, message)
        assert "canary-7f3a" not in json.dumps(result.to_json())


def test_test_functions_carry_no_gradient(fast_grader, tmp_path):
    cheat = textwrap.dedent("""
        def numerical_gradient(f, x, eps=1e-5):
            g = getattr(f, "__globals__", {})
            for key in ("_wave_grad", "_softplus_grad", "_coupled_grad", "gradient", "centred_differences"):
                if key in g:
                    return g[key](x) if key != "gradient" else g[key]("wave", x)
            import course_utils.gradcheck as gc
            if hasattr(gc, "centred_differences"):
                raise RuntimeError("the centred-difference helper is reachable")
            return np.zeros_like(x)
    """)
    (result,) = fast_grader.grade([write_submission(tmp_path, S04, replaced_function(S04, "numerical_gradient", cheat))])
    fn = function_result(result, "numerical_gradient")
    assert fn.score <= 3, fn.to_json()  # what zeros earn: shapes 1, inputs unchanged 2


def test_nothing_a_function_leaves_reaches_the_next(fast_grader, tmp_path):
    nb = replaced_function(S03, "softmax", _softmax("""
        import pathlib
        pathlib.Path("/tmp/answers.txt").write_text("kept")
        pathlib.Path("/dev/shm/answers.txt").write_text("kept")
        e = np.exp(z - np.max(z, axis=0, keepdims=True))
        return e / np.sum(e, axis=0, keepdims=True)
    """))
    cell = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "rnn_cell_forward"][0]
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    cell["source"] = source.replace('    Waa, Wax, Wya = parameters["Waa"]', '''    import os
    for left in ("/tmp/answers.txt", "/dev/shm/answers.txt"):
        if os.path.exists(left):
            raise RuntimeError("found what softmax left: " + left)
    Waa, Wax, Wya = parameters["Waa"]''')
    (result,) = fast_grader.grade([write_submission(tmp_path, S03, nb)])
    assert result.score == result.max_score, result.to_json()


@pytest.mark.skipif(not runner.sandbox_status()[0], reason="workers serve several notebooks only in the sandbox")
def test_one_worker_serves_notebook_after_notebook_and_nothing_crosses(tmp_path, monkeypatch):
    started = []
    start = runner.Session._start_worker
    monkeypatch.setattr(runner.Session, "_start_worker", lambda self: (started.append(self), start(self))[1])
    honest = """
        e = np.exp(z - np.max(z, axis=0, keepdims=True))
        return e / np.sum(e, axis=0, keepdims=True)
    """
    leaves = replaced_function(S03, "softmax", _softmax("""
        import pathlib, subprocess
        pathlib.Path("/tmp/answers.txt").write_text("kept")
        subprocess.Popen(["sleep", "60"], start_new_session=True)
    """ + honest))
    finds = replaced_function(S03, "softmax", _softmax("""
        import os
        if os.path.exists("/tmp/answers.txt"):
            raise RuntimeError("found what another student left in /tmp")
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if open(f"/proc/{pid}/cmdline", "rb").read().startswith(b"sleep"):
                    raise RuntimeError("another student's process is still running")
            except OSError:
                pass
    """ + honest))
    grader = Grader(Options(jobs=1, limits=Limits(timeout=5.0, notebook_timeout=60.0)))
    first, second = grader.grade([write_submission(tmp_path / "a", S03, leaves),
                                  write_submission(tmp_path / "b", S03, finds)])
    assert function_result(first, "softmax").score == function_result(first, "softmax").max_score
    assert function_result(second, "softmax").score == function_result(second, "softmax").max_score, \
        function_result(second, "softmax").to_json()
    assert len(started) == 1  # the same worker graded both notebooks
    assert grader.pool is not None and not grader.pool._idle  # and it is gone once grading is over


def test_a_symlink_to_the_reference_is_not_followed(fast_grader, tmp_path):
    folder = tmp_path / "mallory" / S03
    folder.mkdir(parents=True)
    (folder / f"{S03}.ipynb").symlink_to(solution_path(S03))
    (tmp_path / "mallory" / "linked").symlink_to(ROOT / "solutions")
    (result,) = fast_grader.grade([tmp_path / "mallory"])
    assert result.score == 0


def test_kernel_conveniences_work(fast_grader, tmp_path):
    nb = replaced_function(S03, "softmax", textwrap.dedent("""
        %matplotlib inline
        np.exp?
        def softmax(z):
            display(z.shape)
            e = np.exp(z - np.max(z, axis=0, keepdims=True))
            if (e.shape[0]
                != -1):
                return e / np.sum(e, axis=0, keepdims=True)
    """))
    (result,) = fast_grader.grade([write_submission(tmp_path, S03, nb)])
    assert function_result(result, "softmax").score == function_result(result, "softmax").max_score, result.to_json()


def test_every_reachable_graded_function_is_the_reference(fast_grader, tmp_path):
    # a wrong softmax, and an rnn_forward that inlines the cell but calls softmax: charged once
    nb03 = edited_solution(S03, "softmax", "s = e / np.sum(e, axis=0, keepdims=True)", "s = e")
    cell = [c for c in nb03["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "rnn_forward"][0]
    src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    cell["source"] = src.replace("a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)",
                                 "a_prev = a_next\n        a_next = np.tanh(parameters['Waa'] @ a_prev + "
                                 "parameters['Wax'] @ x[:, :, t] + parameters['ba'])\n        yt_pred = "
                                 "softmax(parameters['Wya'] @ a_next + parameters['by'])\n        "
                                 "cache = (a_next, a_prev, x[:, :, t], parameters)")
    # a 04 loss that calls softmax imported from 03
    nb04 = load(solution_path(S04))
    cell = [c for c in nb04["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            == "rnn_loss_and_gradients"][0]
    src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    cell["source"] = src.replace("loss = float(-np.sum(y * np.log(y_pred)) / m)",
                                 "y_pred = np.stack([softmax(Wya @ a[:, :, t] + parameters['by']) for t in range(T_x)], "
                                 "axis=2)\n    loss = float(-np.sum(y * np.log(y_pred)) / m)")
    write_submission(tmp_path, S03, nb03)
    write_submission(tmp_path, S04, nb04)
    (result,) = fast_grader.grade([tmp_path])
    scores = {f.name: (f.score, f.max_score) for nb in result.notebooks for f in nb.functions}
    assert scores["softmax"][0] < scores["softmax"][1]
    assert scores["rnn_forward"][0] == scores["rnn_forward"][1], scores
    assert scores["rnn_loss_and_gradients"][0] == scores["rnn_loss_and_gradients"][1], scores


def test_hostile_messages_cost_their_function_only(fast_grader, tmp_path):
    sends = {
        # the tree of a frame, as a Python expression evaluated in the student's process
        "extra-message-in-cells": ("cell", repr('{"type": "result", "cases": []}')),
        "call-with-a-list-name": ("fn", repr('{"type": "call", "name": ["softmax"], "args": [], "kwargs": {}}')),
        "frame-without-keys": ("fn", repr('{"type": "result"}')),
        "huge-int": ("fn", repr('{"type": "result", "cases": [{"outputs": 123456789012345678901234567890, '
                                '"args_after": {}, "error": null, "not_implemented": false}]}')),
        "deep-nesting": ("fn", '"[" * 5000 + "]" * 5000'),
        "empty-lists": ("fn", '"[" + "[]," * 20_000_000 + "[]]"'),
        "lone-surrogate": ("raise", None),
    }
    notebooks = {}
    for name, (where, payload) in sends.items():
        send = textwrap.dedent(f"""
            import os, socket, stat, struct, json
            def _send_to_grader(tree):
                header = (b'{{"tree": ' + tree.encode() + b', "sizes": []}}')
                frame = struct.pack("<Q", len(header)) + header
                for fd in range(3, 64):
                    try:
                        if stat.S_ISSOCK(os.fstat(fd).st_mode):
                            s = socket.socket(fileno=os.dup(fd))
                            s.sendall(struct.pack("<Q", len(frame)) + frame)
                    except OSError:
                        pass
        """)
        if where == "raise":
            body = _softmax("raise ValueError('\\ud800 and \\x1b[2K\\nforged line')")
            extra = ()
        elif where == "cell":
            body, extra = _softmax("return z"), (send + f"_send_to_grader({payload})",)
        else:
            body = send + _softmax(f"_send_to_grader({payload})\nreturn z")
            extra = ()
        notebooks[name] = replaced_function(S03, "softmax", body, extra)
    results = _grade_many(fast_grader, tmp_path, S03, notebooks)
    for name, result in results.items():
        fn = function_result(result, "softmax")
        assert fn.score <= 1, (name, fn.to_json())
        if sends[name][0] != "cell":
            others = [f for f in result.notebooks[0].functions if f.name != "softmax"]
            assert all(f.score == f.max_score for f in others), (name, [f.to_json() for f in others])
        json.dumps(result.to_json(), ensure_ascii=False).encode("utf-8")
    text = table(list(results.values()))
    assert "\nforged line" not in text and "\x1b" not in text
    assert "\x1b" not in grades_csv(list(results.values()))


def test_ids_come_only_from_where_the_instructor_pointed(tmp_path):
    for who in ("alice", "mallory"):
        write_submission(tmp_path / who, S03, load(solution_path(S03)))
    write_submission(tmp_path / "mallory" / "submitted" / "alice", S03, load(solution_path(S03)))
    # mallory's folder holds her notebook and another under submitted/alice/: not one student's work, nor a
    # course or a class, so it is refused, alone or with others, naming the notebook that would be left out
    for given in ([tmp_path / "alice", tmp_path / "mallory"], [tmp_path / "mallory"]):
        with pytest.raises(SubmissionError, match="submitted/alice/"):
            expand(given)
    # a folder holding only submitted/, given with others: not a course either, and named by its own name
    (tmp_path / "eve" / "submitted" / "alice").mkdir(parents=True)
    assert [sid for _, sid in expand([tmp_path / "alice", tmp_path / "eve"])] == ["alice", "eve"]


def test_a_folder_name_that_is_not_utf8_does_not_stop_the_batch(tmp_path):
    name = os.fsdecode(b"\xd5\xc5\xc8\xfd")  # GBK, as unzip leaves it
    write_submission(tmp_path / name, S03, load(solution_path(S03)))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "autograde", "grade", "--json", "--out", str(out),
                           os.fsencode(tmp_path / name)], capture_output=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    doc = json.loads(proc.stdout)
    assert doc["submissions"][0]["score"] == doc["submissions"][0]["max_score"]
    assert (out / "report.json").is_file()
