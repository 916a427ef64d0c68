"""Grading integrity end to end (issue 7): what student code can reach while graded, what it can leave
behind, what it can send, and what a submission can claim. Needs bubblewrap, like test_tampering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from autograde.discovery import SubmissionError, expand
from autograde.grade import Grader, Options
from autograde.report import grades_csv, table
from autograde import runner, specs
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
                raise LookupError("out of reach")  # (a hidden case's report shows only the type)
            raise RuntimeError("within reach")
        """))
    results = _grade_many(fast_grader, tmp_path, S03, notebooks)
    for name, result in results.items():
        message = function_result(result, "softmax").checks[1].message
        assert "raised LookupError" in message or ("raised RuntimeError" in message and name in (
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
def test_a_worker_serves_one_submission_only_and_nothing_crosses(tmp_path, monkeypatch):
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
    write_submission(tmp_path / "a", S04, load(solution_path(S04)))
    write_submission(tmp_path / "a", S03, leaves)
    first, second = grader.grade([tmp_path / "a", write_submission(tmp_path / "b", S03, finds)])
    assert function_result(first, "softmax").score == function_result(first, "softmax").max_score
    assert function_result(second, "softmax").score == function_result(second, "softmax").max_score, \
        function_result(second, "softmax").to_json()
    assert first.score == first.max_score, first.to_json()
    # one worker graded both of a's notebooks, and b got another: a worker never serves two students (without
    # private mounts per function and with something of the sandbox's own under its shared /tmp or /dev/shm, e.g.
    # a course under /tmp, a worker is not proven clean after a function, and every function gets a worker of
    # its own; with AUTOGRADE_SANDBOX=shared-tmp elsewhere, the emptied /tmp is proven clean)
    from pathlib import Path

    from autograde.sandbox import _readable_roots, _sandbox, _within

    functions = sum(len(specs.get(stem).functions) for stem in (S03, S04, S03))
    in_shared_tmp = any(_within(r, Path(t)) for r in _readable_roots() for t in ("/tmp", "/dev/shm"))
    assert len(started) == (functions if not _sandbox()[1] and in_shared_tmp else 2)
    assert grader.workers.pool is not None and not grader.workers.pool._idle  # and it is gone once grading is over


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


def test_only_declared_dependencies_answer_with_the_reference(fast_grader, tmp_path):
    """(Issue 22 item 1: one rule.) rnn_forward declares rnn_cell_forward, not softmax: an rnn_forward that inlines
    the cell and calls a wrong softmax of the student's own is charged for it, where calling a wrong
    rnn_cell_forward costs nothing (tests/test_dependencies.py checks every notebook's declared dependencies)."""
    nb03 = edited_solution(S03, "softmax", "s = e / np.sum(e, axis=0, keepdims=True)", "s = e")
    cell = [c for c in nb03["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "rnn_forward"][0]
    src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    cell["source"] = src.replace("a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)",
                                 "a_prev = a_next\n        a_next = np.tanh(parameters['Waa'] @ a_prev + "
                                 "parameters['Wax'] @ x[:, :, t] + parameters['ba'])\n        yt_pred = "
                                 "softmax(parameters['Wya'] @ a_next + parameters['by'])\n        "
                                 "cache = (a_next, a_prev, x[:, :, t], parameters)")
    write_submission(tmp_path, S03, nb03)
    (result,) = fast_grader.grade([tmp_path])
    scores = {f.name: (f.score, f.max_score) for nb in result.notebooks for f in nb.functions}
    assert scores["softmax"][0] < scores["softmax"][1]
    assert scores["rnn_forward"][0] < scores["rnn_forward"][1], scores
    # rnn_cell_forward calls softmax too, and declares it: the reference answers, so it keeps full marks
    assert scores["rnn_cell_forward"][0] == scores["rnn_cell_forward"][1], scores


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


# ----------------------------------------------------------------------- issue 20, item 1: nothing crosses

MARK = "left-behind-7c1"
# a student's own cell: enumerate every directory it can write (from inside the sandbox) and leave a file, a
# read-only folder holding a file, a System V shared memory segment and a planted notebook 03 there; or look
# for any of them
_PROBE = textwrap.dedent(f'''
    import builtins, ctypes, json, os
    MARK = {MARK!r}
    _SKIP = ("/proc", "/sys")
    _ALLOWED = ("/tmp", "/dev/shm")

    def _mounts():
        """Every mount of this process's view that a function could have written: the writable ones, and every
        in-memory file system (the sandbox's root, /dev, /tmp, covers), read-only or not. Host folders bound
        read-only (/usr, Python, the grader's files) are read-only for the kernel, whatever the permissions."""
        out = []
        with open("/proc/self/mountinfo") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                fields, fstype = left.split(), right.split()[0]
                point, options = fields[4].replace("\\040", " "), fields[5].split(",")
                if point.startswith(_SKIP):
                    continue
                if "rw" in options or fstype in ("tmpfs", "devtmpfs", "ramfs", "mqueue"):
                    out.append(point)
        return sorted(set(out))

    def _walk():
        mounts = _mounts()
        for top in mounts:
            for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
                if dirpath.startswith(_SKIP):
                    dirnames[:] = []
                    continue
                # a folder that is another mount is walked as that mount (or not at all, if read-only)
                dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in mounts
                               and not os.path.ismount(os.path.join(dirpath, d))]
                yield dirpath, dirnames, filenames

    def _plant():
        nb = {{"nbformat": 4, "nbformat_minor": 5, "metadata": {{}}, "cells": [{{"cell_type": "code",
              "metadata": {{}}, "outputs": [], "execution_count": None,
              "source": "import builtins\\nbuiltins.PLANTED = True\\n"}}]}}
        folder = "/03_recurrent_neural_network"
        try:
            os.makedirs(folder, exist_ok=True)
            with open(folder + "/03_recurrent_neural_network.ipynb", "w") as f:
                json.dump(nb, f)
        except OSError:
            pass

    def _leave():
        """Leave marks wherever this process can write; return the directories written."""
        _plant()
        written = []
        for dirpath, dirnames, filenames in list(_walk()):
            try:
                with open(os.path.join(dirpath, MARK), "w") as f:
                    f.write("kept")
            except OSError:
                continue
            written.append(dirpath)
            try:
                locked = os.path.join(dirpath, MARK + "-dir")
                os.makedirs(locked, exist_ok=True)
                with open(os.path.join(locked, MARK), "w") as f:
                    f.write("kept")
                os.chmod(locked, 0o555)
            except OSError:
                pass
        try:
            ctypes.CDLL(None).shmget(0x7C1, 4096, 0o1666)  # IPC_CREAT | 0666
        except OSError:
            pass
        return written

    def _found():
        """What an earlier function, notebook or student left that this one can see."""
        found = [os.path.join(d, n) for d, dirs, files in _walk() for n in dirs + files if n.startswith(MARK)]
        if os.path.exists("/03_recurrent_neural_network"):
            found.append("/03_recurrent_neural_network")
        try:
            if ctypes.CDLL(None).shmget(0x7C1, 0, 0) >= 0:
                found.append("System V shared memory")
        except OSError:
            pass
        if getattr(builtins, "PLANTED", False):
            found.append("a planted notebook ran")
        return found

    _DONE = {{}}  # once per process (per function): the cases of one function share it

    def _leave_and_check():
        if "leave" not in _DONE:
            _DONE["leave"] = _leave()
        written = _DONE["leave"]
        bad = [d for d in written if not any(d == a or d.startswith(a + "/") for a in _ALLOWED)]
        if bad:
            raise RuntimeError("writable outside /tmp and /dev/shm: " + ", ".join(bad[:10]))

    def _check():
        if "found" not in _DONE:
            _DONE["found"] = _found()
        found = _DONE["found"]
        if found:
            raise RuntimeError("found what was left: " + ", ".join(found[:10]))
''')

_HONEST_SOFTMAX = """
e = np.exp(z - np.max(z, axis=0, keepdims=True))
return e / np.sum(e, axis=0, keepdims=True)
"""


def _with_call(stem: str, nb: dict, name: str, call: str) -> dict:
    """``nb`` with ``call`` made at the start of function ``name``'s body."""
    from conftest import cell_source, solution_cell

    cell = solution_cell(nb, name)
    lines = cell_source(cell).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"def {name}("))
    while not lines[at].rstrip().endswith(":"):
        at += 1
    cell["source"] = "\n".join(lines[:at + 1] + [f"    {call}"] + lines[at + 1:]) + "\n"
    return nb


def _isolation_class():
    """Student A leaves marks everywhere it can write (softmax) and every later function, notebook (04) and
    student (B, whose 04 imports from 03) looks for them."""
    a03 = replaced_function(S03, "softmax", _softmax("_leave_and_check()\n" + _HONEST_SOFTMAX), (_PROBE,))
    for name in ("rnn_cell_forward", "rnn_forward"):
        a03 = _with_call(S03, a03, name, "_check()")
    a04 = replaced_function(S04, "numerical_gradient", cell_source_of(S04, "numerical_gradient"), (_PROBE,))
    a04 = _with_call(S04, a04, "numerical_gradient", "_check()")
    b03 = replaced_function(S03, "softmax", _softmax("_check()\n" + _HONEST_SOFTMAX), (_PROBE,))
    b04 = _with_call(S04, replaced_function(S04, "numerical_gradient", cell_source_of(S04, "numerical_gradient"),
                                            (_PROBE,)), "numerical_gradient", "_check()")
    return {"a": (a03, a04), "b": (b03, b04)}


def cell_source_of(stem: str, name: str) -> str:
    from conftest import cell_source, solution_cell

    return cell_source(solution_cell(load(solution_path(stem)), name))


def _assert_full(fn_results, who):
    for f in fn_results:
        assert f.score == f.max_score, (who, f.to_json())


def test_no_file_ipc_or_planted_notebook_crosses_functions_notebooks_or_students(tmp_path):
    """Issue 20 item 1, local path: a worker serves A then B one after the other (--jobs 1)."""
    subs = []
    for who, (nb03, nb04) in _isolation_class().items():
        write_submission(tmp_path / who, S03, nb03)
        write_submission(tmp_path / who, S04, nb04)
        subs.append(tmp_path / who)
    grader = Grader(Options(jobs=1, limits=Limits(timeout=60.0, notebook_timeout=300.0)))
    results = grader.grade(subs)
    for who, result in zip("ab", results):
        _assert_full([f for nb in result.notebooks for f in nb.functions], who)


def test_nothing_crosses_on_the_dask_path_either(tmp_path):
    """Issue 20 item 1, the Dask path: a cluster task grades a batch of several students' notebooks with the
    same worker code (cluster.grade_batch, run here in this process)."""
    from pathlib import Path

    from autograde import cluster
    from autograde.nbfile import read_cells
    from autograde.plan import PlannedNotebook
    from autograde.refcache import course_fingerprint
    from autograde.reference import demo_cell_ids

    opts = Options(jobs=1, limits=Limits(timeout=60.0, notebook_timeout=300.0))
    batch = []
    for owner, (who, (nb03, nb04)) in enumerate(_isolation_class().items()):
        for stem, nb in ((S03, nb03), (S04, nb04)):
            cells = read_cells(json.dumps(nb).encode(), demo_cell_ids(stem))
            batch.append((PlannedNotebook(stem, Path(f"{who}/{stem}.ipynb"), "", cells), owner))
    out = cluster.grade_batch(course_fingerprint(), opts.seed, opts.limits, batch)
    for (nb, owner), result in zip(batch, out):
        _assert_full(result.functions, (owner, nb.stem))


# ------------------------------------------------ issue 17 part 4: graded as in a fresh kernel, top to bottom

@pytest.mark.parametrize("cells", [
    # a submodule no cell imports (the worker itself had imported it)
    ("import course_utils\n_namespace = course_utils.notebooks.import_functions\n",),
    # a submodule imported only by a later cell (the worker imports every cell's modules up front)
    ("import course_utils\n_namespace = course_utils.gradcheck.relative_error\n", "import course_utils.gradcheck\n"),
], ids=["never-imported", "imported-later"])
def test_a_module_not_yet_imported_is_not_there_as_in_jupyter(fast_grader, tmp_path, cells):
    nb = replaced_function(S03, "softmax", _softmax("_namespace\n" + _HONEST_SOFTMAX), cells)
    (result,) = fast_grader.grade([write_submission(tmp_path, S03, nb)])
    softmax = function_result(result, "softmax")
    assert softmax.score == 0, softmax.to_json()  # NameError: the cell that defined _namespace failed
    errors = result.notebooks[0].cell_errors
    assert any(e.kind == "AttributeError" for e in errors), errors


def test_a_module_imported_before_use_is_there(fast_grader, tmp_path):
    cells = ("import course_utils.gradcheck\nimport course_utils\n_namespace = course_utils.gradcheck.relative_error\n"
             "from course_utils import nb10\nassert course_utils.nb08 is not None\n",)  # (nb10 imports nb09, nb08)
    nb = replaced_function(S03, "softmax", _softmax("_namespace\n" + _HONEST_SOFTMAX), cells)
    (result,) = fast_grader.grade([write_submission(tmp_path, S03, nb)])
    softmax = function_result(result, "softmax")
    assert softmax.score == softmax.max_score, (softmax.to_json(), result.notebooks[0].cell_errors)
