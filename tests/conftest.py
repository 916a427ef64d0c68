"""Shared helpers: the repository's paths, and submissions made by editing the reference notebooks."""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

# the reference data the tests' grading computes is kept for the session only, not in the user's ~/.cache
_CACHE = tempfile.mkdtemp(prefix="autograde-test-cache-")
os.environ["AUTOGRADE_CACHE_DIR"] = _CACHE

# The grading secret of the tests, set here and nowhere else: never the machine's own. Every test (and every
# process it starts: python -m autograde, nbgrader) grades with FIXED_SECRET (or the first secret of
# AUTOGRADE_TEST_SECRETS, to run the whole suite under another) unless it sets another one itself, and the secret file points into a folder of the session, so that the user's
# ~/.config/autograde/secret (or AUTOGRADE_SECRET_FILE) is neither read nor created.
FIXED_SECRET = "autograde-tests-fixed-secret"


def _catalogue_secrets() -> tuple[str, ...]:
    """The secrets the mistake catalogue runs under: AUTOGRADE_TEST_SECRETS (comma-separated, to replay a run),
    else FIXED_SECRET and two drawn fresh for this run (printed in the report's header)."""
    given = [s.strip() for s in os.environ.get("AUTOGRADE_TEST_SECRETS", "").split(",") if s.strip()]
    return tuple(given) or (FIXED_SECRET, os.urandom(16).hex(), os.urandom(16).hex())


SECRETS = _catalogue_secrets()
_SECRET_DIR = tempfile.mkdtemp(prefix="autograde-test-secret-")
os.environ["AUTOGRADE_SECRET_FILE"] = os.path.join(_SECRET_DIR, "secret")
os.environ["AUTOGRADE_SECRET"] = SECRETS[0]  # FIXED_SECRET, unless AUTOGRADE_TEST_SECRETS names another first
os.environ.pop("AUTOGRADE_SEED", None)  # the built-in seed: hidden inputs vary only with the secret


def pytest_report_header(config):
    return (f"grading secrets of the mistake catalogue: {','.join(SECRETS)} "
            f"(replay with AUTOGRADE_TEST_SECRETS={','.join(SECRETS)})")


@pytest.fixture(params=range(len(SECRETS)), ids=[f"secret{i}" for i in range(len(SECRETS))])
def each_secret(request, monkeypatch) -> str:
    """Grade under each of SECRETS in turn (the test is run once per secret)."""
    monkeypatch.setenv("AUTOGRADE_SECRET", SECRETS[request.param])
    return SECRETS[request.param]


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_CACHE, ignore_errors=True)
    shutil.rmtree(_SECRET_DIR, ignore_errors=True)


from autograde import batch
from autograde.grade import Grader, Options
from autograde.specs import all_specs

ROOT = Path(__file__).resolve().parent.parent
STEMS = tuple(all_specs())  # every graded notebook
# the two notebooks of the sample submission, which many tests use
S03, S04 = "03_recurrent_neural_network", "04_backpropagation_through_time"


def solution_path(stem: str) -> Path:
    return ROOT / "solutions" / stem / f"{stem}.ipynb"


def assignment_path(stem: str) -> Path:
    return ROOT / "assignments" / stem / f"{stem}.ipynb"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def cell_source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def solution_cell(nb: dict, name: str) -> dict:
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name:
            return cell
    raise KeyError(name)


def edited_solution(stem: str, name: str, old: str, new: str) -> dict:
    """The reference notebook with one function's solution cell edited (``old`` must occur in it)."""
    nb = copy.deepcopy(load(solution_path(stem)))
    cell = solution_cell(nb, name)
    source = cell_source(cell)
    assert old in source, f"{old!r} is not in the solution of {name}"
    cell["source"] = source.replace(old, new)
    return nb


def write_submission(folder: Path, stem: str, nb: dict) -> Path:
    path = folder / stem / f"{stem}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def grader() -> Grader:
    return Grader(Options(jobs=2))


def specs_max(stem: str, name: str) -> float:
    """The most a function can score."""
    from autograde import specs

    return specs.get(stem).function(name).max_score


def scores(result) -> dict[str, float]:
    """{function: score} of a submission's result."""
    return {f.name: f.score for nb in result.notebooks for f in nb.functions}


def function_result(result, name: str):
    for nb in result.notebooks:
        for f in nb.functions:
            if f.name == name:
                return f
    raise KeyError(name)


def replaced_function(stem: str, name: str, source: str, extra_cells: tuple[str, ...] = ()) -> dict:
    """The reference notebook with one function's solution cell replaced by ``source``, and extra code cells
    (a student's own) appended."""
    nb = copy.deepcopy(load(solution_path(stem)))
    solution_cell(nb, name)["source"] = source
    for i, extra in enumerate(extra_cells):
        nb["cells"].append({"cell_type": "code", "execution_count": None, "id": f"student-{i}", "metadata": {},
                            "outputs": [], "source": extra})
    return nb


def assert_mistake_caught_once(grader, tmp_path, case) -> None:
    """A plausible mistake is caught by the named checks only, explained, and charged to its own function.

    ``case`` is (id, stem, function, old text, new text, checks that must fail, text the feedback must
    contain): the reference notebook with ``old`` replaced by ``new`` in that function's solution cell.
    """
    _, stem, name, old, new, failing, feedback = case
    path = write_submission(tmp_path, stem, edited_solution(stem, name, old, new))
    (result,) = grader.grade([path])
    fn = function_result(result, name)
    failed = {c.name for c in fn.checks if not c.passed}
    assert failed == failing, (os.environ["AUTOGRADE_SECRET"], fn.to_json())
    assert fn.score == sum(c.points for c in fn.checks if c.name not in failing), fn.to_json()
    messages = " ".join(c.text for c in fn.checks if not c.passed)
    assert feedback in messages, messages
    others = {k: v for k, v in scores(result).items() if k != name}
    full = {f.name: f.max_score for nb in result.notebooks for f in nb.functions if f.name != name}
    assert others == full, "the mistake was charged to another function too"


class Interrupt(Exception):
    pass


def run_interrupted(grader, plans, out) -> None:
    """``batch.run`` stopped (by an exception) as soon as its first submission is saved."""
    original = grader.grade_plans

    def first_then_stop(todo, on_result):
        def stop(p, r):
            on_result(p, r)
            raise Interrupt

        return original(todo, stop)

    grader.grade_plans = first_then_stop
    try:
        with pytest.raises(Interrupt):
            batch.run(grader, plans, out)
    finally:
        del grader.grade_plans  # the class's method again


_EXECUTED: dict = {}


def executed_solution(stem: str):
    """The reference notebook run top to bottom in a fresh kernel, once per test session (the executions are
    the slowest part of the suite; the tests only read them)."""
    if stem not in _EXECUTED:
        import nbformat
        from nbclient import NotebookClient

        path = solution_path(stem)
        nb = nbformat.read(str(path), as_version=4)
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        _EXECUTED[stem] = nb
    return _EXECUTED[stem]


# The code of a notebook cell that defines _send_everywhere(message): it writes ``message`` as the worker would
# (a frame of plain data) on every socket the student's process holds, to forge what the grader receives.
SEND_ON_EVERY_SOCKET = textwrap.dedent('''
    import os, socket, stat, struct, json
    def _send_everywhere(message):
        header = b'{"tree": ' + json.dumps(message).encode() + b', "sizes": []}'
        frame = struct.pack("<Q", len(header)) + header
        for fd in range(3, 64):
            try:
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    socket.socket(fileno=os.dup(fd)).sendall(struct.pack("<Q", len(frame)) + frame)
            except OSError:
                pass
''')


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of a module graph as a list of modules (the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None
