"""Tampering: a grader a class can cheat is worse than none.

Each attempt replaces rnn_cell_forward (6 points: shapes 1, values 3, edge sizes 1, inputs unchanged 1) by
code that tries to cheat. An honest wrong answer — zeros of the right shapes — scores 2 (shapes and inputs
unchanged); no attempt may score more, and the notebook's other functions keep their full marks.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from autograde.grade import Grader, Options
from autograde.runner import Limits, sandbox_status
from conftest import ROOT, SEND_ON_EVERY_SOCKET, function_result, replaced_function, write_submission

S03 = "03_recurrent_neural_network"
HONEST_WRONG = 2.0

HEADER = "def rnn_cell_forward(xt, a_prev, parameters):\n"
ZEROS = textwrap.dedent("""
    n_a, m = a_prev.shape
    a_next = np.zeros((n_a, m))
    yt_pred = np.zeros((parameters["Wya"].shape[0], m))
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)
""")


def body(code: str, then_zeros: bool = True) -> str:
    lines = textwrap.dedent(code).strip("\n") + ("\n" + ZEROS if then_zeros else "")
    return HEADER + textwrap.indent(lines, "    ")


SOLUTIONS = ROOT / "solutions" / S03 / f"{S03}.ipynb"

ATTEMPTS = {
    "honest-wrong-baseline": (body("pass"), ()),
    "patch-numpy-comparisons": (body("pass"), ("""
import numpy as np, numpy.testing
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
""",)),
    "patch-grader-and-helpers": (body("pass"), ("""
import autograde.checks, autograde.calls, autograde.wire, course_utils.gradcheck
autograde.checks.judge = lambda *a, **k: None
autograde.checks._compare = lambda *a, **k: ([], [], [])
course_utils.gradcheck.relative_error = lambda a, b: 0.0
autograde.calls.NOT_IMPLEMENTED = "passed"
orig = autograde.calls.call_case
def call_case(fn, args):
    r = orig(fn, args); r["error"] = None; return r
autograde.calls.call_case = call_case
""",)),
    "objects-lying-about-equality": (body("""
class Liar:
    shape = a_prev.shape
    dtype = np.float64
    def __eq__(self, other): return True
    def __array__(self, *a, **k): return np.zeros(a_prev.shape)
liar = Liar()
return liar, liar, (liar, a_prev, xt, parameters)
""", then_zeros=False), ()),
    "ndarray-subclass-lying": (body("""
class Liar(np.ndarray):
    def __eq__(self, other): return np.ones(self.shape, bool)
n_a, m = a_prev.shape
a = np.zeros((n_a, m)).view(Liar)
y = np.zeros((parameters["Wya"].shape[0], m)).view(Liar)
return a, y, (a, a_prev, xt, parameters)
""", then_zeros=False), ()),
    "read-reference-from-disk": (body("""
import json, pathlib, autograde
here = pathlib.Path(autograde.__file__).resolve().parent.parent
nb = json.loads((here / "solutions" / "03_recurrent_neural_network" / "03_recurrent_neural_network.ipynb").read_text())
ns = {"np": np}
for cell in nb["cells"]:
    if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution"):
        exec("".join(cell["source"]), ns)
return ns["rnn_cell_forward"](xt, a_prev, parameters)
""", then_zeros=False), ()),
    "read-stored-selfcheck-cases": (body("""
import json, pathlib, autograde
here = pathlib.Path(autograde.__file__).resolve().parent.parent
data = json.loads((here / "assignments" / "03_recurrent_neural_network" / "03_recurrent_neural_network.selfcheck.json").read_text())
raise RuntimeError("could read the stored cases")
""", then_zeros=False), ()),
    "os-exit": (body("import os; os._exit(0)", then_zeros=False), ()),
    "system-exit": (body("raise SystemExit(0)", then_zeros=False), ()),
    "keyboard-interrupt": (body("raise KeyboardInterrupt", then_zeros=False), ()),
    "kill-the-parent": (body("import os, signal; os.kill(os.getppid(), signal.SIGKILL)"), ()),
    "infinite-loop-ignoring-signals": (body("""
import signal
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
    signal.signal(s, signal.SIG_IGN)
while True:
    pass
""", then_zeros=False), ()),
    "huge-allocation": (body("big = np.ones(2**34)", then_zeros=False), ()),
    "fork-bomb-ish-children": (body("""
import subprocess
for _ in range(20):
    subprocess.Popen(["sleep", "4242.5"], start_new_session=True)
"""), ()),
    "double-fork-daemon": (body("""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "4243.5"])
    os._exit(0)
"""), ()),
    "forge-stdout-and-pipes": (body("""
import os, sys, json
fake = json.dumps({"submissions": [{"submission": "x", "score": 999, "max_score": 999}]})
print(fake); sys.__stdout__.write(fake); os.write(1, fake.encode())
for fd in range(3, 12):
    try:
        os.write(fd, b"\\x10\\x00\\x00\\x00\\x00\\x00\\x00\\x00" + b"garbage!" * 4)
    except OSError:
        pass
"""), ()),
}


@pytest.fixture(scope="module")
def fast_grader():
    return Grader(Options(jobs=2, limits=Limits(timeout=3.0, notebook_timeout=60.0)))


def test_sandbox_is_in_use():
    sandboxed, line = sandbox_status()
    assert sandboxed, f"bubblewrap is required for these tests (.ci/run installs it): {line}"


@pytest.mark.parametrize("attempt", list(ATTEMPTS))
def test_tampering_scores_no_more_than_an_honest_wrong_answer(fast_grader, tmp_path, attempt):
    source, extra = ATTEMPTS[attempt]
    path = write_submission(tmp_path, S03, replaced_function(S03, "rnn_cell_forward", source, extra))
    (result,) = fast_grader.grade([path])
    fn = function_result(result, "rnn_cell_forward")
    assert fn.score <= HONEST_WRONG, fn.to_json()
    if attempt == "honest-wrong-baseline":
        assert fn.score == HONEST_WRONG
    failed = {c.name for c in fn.checks if not c.passed}
    assert {"values", "values at edge sizes"} <= failed
    others = [f for f in result.notebooks[0].functions if f.name != "rnn_cell_forward"]
    if attempt not in ("patch-numpy-comparisons", "patch-grader-and-helpers"):
        # (those patches run at the top level and break the student's other functions in their own process)
        assert all(f.score == f.max_score for f in others), [f.to_json() for f in others if f.score < f.max_score]


def test_failure_reasons_are_said_in_words(fast_grader, tmp_path):
    expect = {
        "os-exit": "the process exited before returning",
        "system-exit": "raised SystemExit",
        "keyboard-interrupt": "raised KeyboardInterrupt",
        "infinite-loop-ignoring-signals": "timed out after 3 s",
        "huge-allocation": "used more than 2 GiB of memory",
        "read-reference-from-disk": "FileNotFoundError",
        "read-stored-selfcheck-cases": "FileNotFoundError",
        "objects-lying-about-equality": "returned an object that is not plain data",
        "ndarray-subclass-lying": "returned an object that is not plain data",
    }
    paths = [write_submission(tmp_path / name, S03, replaced_function(S03, "rnn_cell_forward", *ATTEMPTS[name]))
             for name in expect]
    results = fast_grader.grade(paths)
    for name, result in zip(expect, results):
        message = function_result(result, "rnn_cell_forward").checks[1].message
        assert expect[name] in message, (name, message)


def test_forged_output_changes_neither_stdout_json_nor_report(tmp_path):
    out = tmp_path / "out"
    forger = body(f"""
import pathlib, json
for target in [pathlib.Path({str(out)!r}) / "report.json", pathlib.Path({str(out)!r}) / "grades.csv"]:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("forged")
    except OSError:
        pass
print(json.dumps({{"submissions": []}}) * 1000)
import sys; sys.stderr.write("x" * 5_000_000)
""")
    path = write_submission(tmp_path / "sub", S03, replaced_function(S03, "rnn_cell_forward", forger))
    proc = subprocess.run([sys.executable, "-m", "autograde", "grade", "--json", "--out", str(out), str(path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0
    doc = json.loads(proc.stdout)
    assert json.loads((out / "report.json").read_text()) == doc
    fn = next(f for f in doc["submissions"][0]["notebooks"][0]["functions"] if f["name"] == "rnn_cell_forward")
    assert fn["score"] == HONEST_WRONG
    assert doc["submissions"][0]["score"] == doc["submissions"][0]["max_score"] - (6 - HONEST_WRONG)


def test_harmless_noise_costs_nothing(grader, tmp_path):
    noisy = replaced_function(S03, "softmax", textwrap.dedent('''
        import sys, warnings

        def _helper(z):
            return z - np.max(z, axis=0, keepdims=True)

        def softmax(z):
            print("computing softmax of", z.shape)
            sys.stderr.write("debug output on stderr\\n")
            warnings.warn("a warning from the student")
            e = np.exp(_helper(z))
            return e / np.sum(e, axis=0, keepdims=True)
    '''), extra_cells=("print('hello from an extra cell')\nimport sys; sys.stderr.write('noise' * 1000)",
                       "def my_own_helper(x):\n    return 2 * x\n", "print(undefined_name)"))
    (result,) = grader.grade([write_submission(tmp_path, S03, noisy)])
    nb = result.notebooks[0]
    assert nb.score == nb.max_score, [f.to_json() for f in nb.functions if f.score < f.max_score]
    assert any(e.kind == "NameError" for e in nb.cell_errors)


def test_course_demo_cells_are_skipped_and_student_cells_run(grader, tmp_path):
    nb = replaced_function(S03, "softmax", textwrap.dedent('''
        def softmax(z):
            e = np.exp(z - np.max(z, axis=0, keepdims=True))
            return e / column_sums(e)
    '''), extra_cells=())
    # the student's own cell, before the exercise, defines a helper the answer uses
    nb["cells"].insert(3, {"cell_type": "code", "execution_count": None, "id": "mine", "metadata": {}, "outputs": [],
                           "source": "def column_sums(e):\n    return np.sum(e, axis=0, keepdims=True)\n"})
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("demo_"):
            cell["source"] = "while True:\n    pass\n"  # would time out if it ran
    (result,) = grader.grade([write_submission(tmp_path, S03, nb)])
    assert result.score == result.max_score, result.to_json()


def test_a_cell_that_never_ends_costs_its_notebook_only(tmp_path):
    nb = replaced_function(S03, "softmax", "import time\nwhile True:\n    time.sleep(0.01)\n")
    write_submission(tmp_path, S03, nb)
    shutil_copy = __import__("shutil").copytree
    shutil_copy(ROOT / "solutions" / "04_backpropagation_through_time", tmp_path / "04_backpropagation_through_time")
    grader = Grader(Options(jobs=2, limits=Limits(timeout=2.0, notebook_timeout=3.0)))
    (result,) = grader.grade([tmp_path])
    nb03, nb04 = result.notebooks
    assert nb03.score == 0
    assert all("did not finish running within 3 s" in f.checks[0].message for f in nb03.functions)
    assert nb04.score == nb04.max_score


def test_solutions_hidden_even_when_python_is_installed_above_the_course(monkeypatch):
    from pathlib import Path

    from autograde import paths, sandbox

    roots = sandbox._readable_roots()
    monkeypatch.setattr(sandbox, "_readable_roots", lambda: roots + [paths.root()])
    solutions = paths.solutions_dir()
    cmd = sandbox._bwrap_command([sys.executable, "-c",
                                  f"import os; print(len(os.listdir({str(solutions)!r})))"])
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "0", proc
    assert any(Path(solutions).iterdir())  # while the grader itself sees them


# ------------------------------------------------------------ issue 20 item 2: no hidden input reaches a report

_SEND = SEND_ON_EVERY_SOCKET + textwrap.dedent('''
    def _forge(error):
        """Write a result whose error is the student's own: as a text, and as the fields of a hidden error."""
        fields = {"what": "raised", "kind": error, "subclass": False, "cell": None, "line": None}
        case = {"outputs": None, "args_after": {}, "error": error, "not_implemented": False, "hidden": fields}
        _send_everywhere({"type": "result", "cases": [case] * _N})
        os._exit(0)
''')

LEAKS = {  # function of 03 -> a body that tries to put its hidden input into the report
    "softmax": "def softmax(z):\n    raise ValueError('LEAK' + repr(z.tolist()))\n",
    "rnn_cell_forward": ("def rnn_cell_forward(xt, a_prev, parameters):\n"
                         "    raise type('LEAK' + str(abs(int(xt.flat[0] * 1e6))), (ValueError,), {})('x')\n"),
    "rnn_forward": "def rnn_forward(x, a0, parameters):\n    _forge('raised LEAK' + repr(float(x.flat[0])))\n",
    "compact_parameters": ("def compact_parameters(parameters):\n"
                           "    os._exit(int(abs(parameters['Waa'].flat[0]) * 1000) % 200 + 17)\n"),
}


def test_no_hidden_input_or_exception_message_reaches_any_report(fast_grader, tmp_path):
    from autograde import exports, feedback, report, specs

    nb = json.loads(SOLUTIONS.read_text())
    from conftest import solution_cell

    for name, source in LEAKS.items():
        solution_cell(nb, name)["source"] = source
    n = len(fast_grader.reference_data.get(S03, "rnn_forward", fast_grader.options.seed).cases)
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "student-forge", "metadata": {},
                        "outputs": [], "source": _SEND + f"_N = {n}\n"})
    (result,) = fast_grader.grade([write_submission(tmp_path, S03, nb)])
    channels = {"json": json.dumps(result.to_json()), "feedback.html": feedback.page(result),
                "gradescope": json.dumps(exports.gradescope(result)), "table": report.table([result])}
    for channel, text in channels.items():
        assert "LEAK" not in text, (channel, text[text.index("LEAK") - 200:text.index("LEAK") + 100])
        assert "status 1" not in text and "status 2" not in text, channel
    messages = {f.name: f.checks[1].message for f in result.notebooks[0].functions}
    # what may be said: the type, the cell and line of the student's own code, the kind of input
    assert "raised ValueError (cell" in messages["softmax"] and "(inputs: " in messages["softmax"], messages
    assert "a subclass of ValueError" in messages["rnn_cell_forward"], messages
    assert "exited before returning" in messages["compact_parameters"], messages


def test_the_self_check_still_shows_the_whole_message():
    from autograde.selfcheck import visible_result

    ns: dict = {}
    exec(LEAKS["softmax"], ns)
    result, _ = visible_result(S03, "softmax", ns["softmax"])
    assert "LEAK[" in result.checks[1].message, result.to_json()


# ------------------------------------------------------ issue 20 item 5: the complex-step shortcut does not pay

COMPLEX_STEP = {
    ("06_language_model", "masked_loss"): textwrap.dedent('''
        def masked_loss(logits, targets, mask):
            n_y, m, T_y = logits.shape
            rows, cols = np.arange(m)[:, None], np.arange(T_y)[None, :]

            def forward(z):
                z = z - np.max(z.real, axis=0, keepdims=True)
                log_softmax = z - np.log(np.sum(np.exp(z), axis=0, keepdims=True))
                return -np.sum(mask * log_softmax[targets, rows, cols]) / m

            dlogits = np.zeros_like(logits)
            for idx in np.ndindex(logits.shape):
                z = logits.astype(complex)
                z[idx] += 1e-30j
                dlogits[idx] = forward(z).imag / 1e-30
            return float(forward(logits).real), dlogits
    '''),
    ("09_gru", "simple_gru_cell_backward"): textwrap.dedent('''
        def simple_gru_cell_backward(dc_next, cache):
            c_next, c_prev, xt, gu, cct, parameters = cache
            args = {"c_prev": c_prev, "xt": xt, **{k: parameters[k] for k in ("Wc", "bc", "Wu", "bu")}}

            def loss(a):
                concat = np.concatenate([a["c_prev"], a["xt"]])
                cct = np.tanh(a["Wc"] @ concat + a["bc"])
                gu = 1 / (1 + np.exp(-(a["Wu"] @ concat + a["bu"])))
                return np.sum(dc_next * (gu * cct + (1 - gu) * a["c_prev"]))

            grads = {}
            for key in args:
                grads[key] = np.zeros_like(args[key])
                for idx in np.ndindex(args[key].shape):
                    a = {k: v.astype(complex) for k, v in args.items()}
                    a[key][idx] += 1e-30j
                    grads[key][idx] = loss(a).imag / 1e-30
            return {"dxt": grads["xt"], "dc_prev": grads["c_prev"], "dWc": grads["Wc"], "dbc": grads["bc"],
                    "dWu": grads["Wu"], "dbu": grads["bu"]}
    '''),
}


@pytest.mark.parametrize("stem,name", list(COMPLEX_STEP), ids=[n for _, n in COMPLEX_STEP])
def test_a_backward_pass_by_the_complex_step_does_not_pay(fast_grader, tmp_path, stem, name):
    nb = replaced_function(stem, name, COMPLEX_STEP[(stem, name)])
    (result,) = fast_grader.grade([write_submission(tmp_path, stem, nb)])
    fn = function_result(result, name)
    assert fn.score == 0, fn.to_json()
    assert "complex numbers are not used in this course" in fn.checks[0].message, fn.to_json()
    others = [f for f in result.notebooks[0].functions if f.name != name]
    assert all(f.score == f.max_score for f in others), [f.to_json() for f in others if f.score < f.max_score]


# -------------------------------------------------- issue 20 item 6: a hint only when the evidence fits it

STUBS = {  # (source, hints it must not get, what the stub hint must say the output is)
    ("08_vanishing_gradients", "clip_by_global_norm"): (  # identity: each array "clipped by its own norm"?
        "def clip_by_global_norm(gradients, max_norm):\n"
        "    return {k: g.copy() for k, g in gradients.items()}, float(max_norm)\n", ("its own norm", "square root"),
        "the output is the inputs gradients and max_norm returned unchanged"),
    ("02_notation", "build_vocabulary"): (  # the special tokens alone: "min_count"?
        "def build_vocabulary(sentences, min_count=1, max_size=None):\n    return ['<UNK>', '<EOS>']\n",
        ("count >= min_count", "max_size counts", "Hint: the"), "the output is the same whatever the input"),
    ("03_recurrent_neural_network", "softmax"): (  # zeros are zeros, not "an input returned unchanged"
        "def softmax(z):\n    return np.zeros_like(z)\n", ("returned unchanged",), "the output is zeros."),
}


@pytest.mark.parametrize("stem,name", list(STUBS), ids=[n for _, n in STUBS])
def test_a_stub_is_told_nothing_was_attempted_not_a_mistake_hint(fast_grader, tmp_path, stem, name):
    source, wrong_hints, what = STUBS[(stem, name)]
    (result,) = fast_grader.grade([write_submission(tmp_path, stem, replaced_function(stem, name, source))])
    fn = function_result(result, name)
    messages = " ".join(c.text for c in fn.checks if not c.passed)
    assert fn.score < fn.max_score, fn.to_json()
    assert not any(h in messages for h in wrong_hints), messages
    assert "nothing seems computed" in messages and what in messages, messages


# ------------------------------------- issue 20 item 4: float32 precision is not called finite differences

def test_an_honest_float32_backward_pass_gets_a_float32_hint_not_an_accusation():
    import numpy as np

    from autograde import reference
    from autograde.checks import judge
    from autograde.spec import HIDDEN_SEED

    def f32(v):
        if isinstance(v, np.ndarray):
            return v.astype(np.float32)
        if isinstance(v, dict):
            return {k: f32(x) for k, x in v.items()}
        if isinstance(v, (tuple, list)):
            return type(v)(f32(x) for x in v)
        return v

    stem, name = "09_gru", "gru_cell_backward"
    prep = reference.prepare(stem, name, HIDDEN_SEED)
    backward = reference.namespace(stem)[name]
    results = []
    for case in prep.cases:  # the reference's own code, run on float32 copies, cast back to float64
        out = backward(*f32(list(case.args.values())))
        out = {k: v.astype(np.float64) for k, v in out.items()}
        results.append({"outputs": out, "args_after": case.args, "error": None, "not_implemented": False})
    result = judge(prep, results)
    messages = " ".join(c.text for c in result.checks if not c.passed)
    assert result.score < result.max_score, result.to_json()  # float64 is asked for: values are lost
    assert "looks computed by finite differences" not in messages, messages
    assert "float32" in messages, messages
