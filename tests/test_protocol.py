"""The worker protocol (autograde.protocol): what the grader accepts from the student's process.

The student's code can write anything on its own socket while the notebook's cells run, the first message
included: the one that carries the cell errors, which become the notebook's notes. A cell error crosses as
its fields (:class:`autograde.kernel.CellError`); of the wrong types, or of a cell the notebook does not have,
it is refused (the function scores 0 with the reason); otherwise it is rebuilt: texts cleaned and bounded, a
place that is not a line of the notebook's cells dropped.
"""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from autograde import protocol
from autograde.grade import Grader, Options
from autograde.kernel import Cell, CellError
from autograde.runner import Limits
from conftest import S03, SEND_ON_EVERY_SOCKET, load, solution_path, write_submission

CELLS = [Cell(2, "import numpy as np"), Cell(5, "def f(x):\n    return y\n")]  # cell 5 has 3 lines


def _ready(*errors: object) -> dict:
    return {"type": "ready", "cell_errors": list(errors), "missing": None}


def _error(**fields: object) -> dict:
    return {"index": 5, "kind": "NameError", "detail": "name 'y' is not defined", "cell": 5, "line": 2} | fields


def test_an_honest_cell_error_crosses_unchanged():
    (error,), missing = protocol.ready(_ready(_error()), CELLS)
    assert error == CellError(5, "NameError", "name 'y' is not defined", 5, 2) and missing is None
    assert error.message == "NameError: name 'y' is not defined (cell 5, line 2)"
    (error,), _ = protocol.ready(_ready(_error(detail="", cell=None, line=None)), CELLS)
    assert error == CellError(5, "NameError") and error.message == "NameError"


@pytest.mark.parametrize("error", [
    "NameError: name 'y' is not defined (cell 5, line 2)",  # the old format: text
    _error(index="5"), _error(index=True), _error(index=5.0), _error(kind=5), _error(kind=None),
    _error(detail=None), _error(detail=["x"]), _error(cell=1.5), _error(cell="5"), _error(line=True),
    _error(line="2"), _error(extra=1), {k: v for k, v in _error().items() if k != "line"}, None, [],
], ids=repr)
def test_a_cell_error_of_the_wrong_form_is_refused(error):
    with pytest.raises(protocol.Violation, match="a malformed list of cell errors"):
        protocol.ready(_ready(_error(), error), CELLS)
    with pytest.raises(protocol.Violation, match="a malformed list of cell errors"):
        protocol.ready({"type": "ready", "cell_errors": _error(), "missing": None}, CELLS)


@pytest.mark.parametrize("index", [0, 1, 3, 999, -5, 2**62])
def test_a_cell_error_of_a_cell_the_notebook_does_not_have_is_refused(index):
    with pytest.raises(protocol.Violation, match="a cell the notebook does not have"):
        protocol.ready(_ready(_error(index=index)), CELLS)


@pytest.mark.parametrize("cell, line", [(999, 1), (3, 1), (5, 4), (5, -1), (2, 2), (None, 2), (5, None),
                                        (-5, 1), (2**62, 1)])
def test_a_place_not_in_the_notebook_is_dropped(cell, line):
    (error,), _ = protocol.ready(_ready(_error(cell=cell, line=line)), CELLS)
    assert (error.cell, error.line) == (None, None)
    assert error.message == "NameError: name 'y' is not defined"
    (kept,), _ = protocol.ready(_ready(_error(cell=5, line=3)), CELLS)  # the last line of cell 5 is one
    assert (kept.cell, kept.line) == (5, 3)


def test_long_text_and_many_errors_are_bounded_and_cleaned():
    (error,), _ = protocol.ready(_ready(_error(kind="K" * 10_000, detail="\ud800" + "d" * 10_000)), CELLS)
    assert error.kind == "K" * protocol.MAX_KIND
    assert error.detail == "\ufffd" + "d" * (protocol.MAX_DETAIL - 2) + "…"
    assert len(error.message) < 600 and error.message.endswith("(cell 5, line 2)")
    error.message.encode("utf-8")  # no lone surrogate left
    errors, _ = protocol.ready(_ready(*[_error()] * 10_000), CELLS)
    assert len(errors) == protocol.MAX_CELL_ERRORS


# ------------------------------------------------------------------- the same, sent by a notebook's own cell

_FORGE = SEND_ON_EVERY_SOCKET + textwrap.dedent('''
    def _forge(errors):
        """Say "ready" first, with these cell errors."""
        _send_everywhere({"type": "ready", "cell_errors": errors, "missing": None})
''')


def test_cell_errors_forged_by_the_notebook_are_refused_or_cleaned(tmp_path):
    forged = {  # the cell errors a notebook's last cell says, as a Python expression (``here``: its own index)
        "wrong-types": '[{"index": str(here), "kind": 5, "detail": None, "cell": 1.5, "line": True}]',
        "no-such-cell": '[{"index": here + 7, "kind": "NameError", "detail": "forged", "cell": None, "line": None}]',
        "no-such-place": '[{"index": here, "kind": "NameError", "detail": "forged", "cell": 999, "line": 1}]',
        "ten-kilobytes": '[{"index": here, "kind": "K" * 10_000, "detail": "d" * 10_000, "cell": here, "line": 1}]',
    }
    paths = {}
    for name, errors in forged.items():
        nb = load(solution_path(S03))
        here = len(nb["cells"]) + 1
        nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "student-forge", "metadata": {},
                            "outputs": [], "source": _FORGE + f"here = {here}\n_forge({errors})\n"})
        paths[name] = write_submission(tmp_path / name, S03, nb)
    grader = Grader(Options(jobs=2, limits=Limits(timeout=5.0, notebook_timeout=60.0)))
    results = dict(zip(forged, grader.grade(list(paths.values()))))
    notes = {name: [e.message for e in r.notebooks[0].cell_errors] for name, r in results.items()}
    for name, reason in (("wrong-types", "a malformed list of cell errors"),
                         ("no-such-cell", "a cell error of a cell the notebook does not have")):
        first = results[name].notebooks[0].functions[0]  # refused: the function scores 0 with the reason
        assert notes[name] == [], (name, notes[name])
        assert first.score == 0 and f"the student process sent {reason}" in first.checks[0].message, first.to_json()
    assert notes["no-such-place"] == ["NameError: forged"], notes
    (note,) = notes["ten-kilobytes"]
    here = len(load(solution_path(S03))["cells"]) + 1
    assert note == "K" * protocol.MAX_KIND + ": " + "d" * (protocol.MAX_DETAIL - 1) + f"… (cell {here}, line 1)"
    json.dumps([r.to_json() for r in results.values()])


# ------------------------------------------------------------------------ what became of a function: its kind

_NOTEBOOK = textwrap.dedent('''
    import os, time
    def answers(x):
        return x * 2
    def crashes(x):
        os._exit(0)
    def slow(x):
        time.sleep(30)
    def complex_step(x):
        z = x + 1e-20j
        return (z * 2).real
    def not_a_function():
        pass
    not_a_function = 3
''')


def _outcomes(cells: list[Cell], names: list[str], limits: Limits):
    from autograde.runner import Workers, run_notebook

    cases = [{"x": np.arange(3.0)}]
    with Workers(limits) as workers:
        outcomes, _ = run_notebook(workers.session(cells), [(name, cases, {}) for name in names])
    return outcomes


def test_each_outcome_has_its_kind():
    from autograde.runner import OutcomeKind as K

    cells = [Cell(1, _NOTEBOOK), Cell(2, _FORGE + "def forges(x):\n    _forge([])\n    return x\n")]
    names = ["answers", "missing", "not_a_function", "crashes", "slow", "complex_step", "forges", "answers"]
    outcomes = _outcomes(cells, names, Limits(timeout=1.0, notebook_timeout=60.0))
    assert [o.kind for o in outcomes] == [K.ANSWERED, K.UNDEFINED, K.UNDEFINED, K.CRASHED, K.TIMED_OUT, K.REFUSED,
                                          K.BROKE_PROTOCOL, K.ANSWERED], [(o.kind, o.failure) for o in outcomes]
    assert outcomes[0].cases[0]["outputs"].tolist() == [0.0, 2.0, 4.0] and outcomes[0].failure is None
    assert all(o.cases is None and o.failure for o in outcomes[1:-1])
    assert "was defined" in outcomes[1].failure and "timed out after 1 s" == outcomes[4].failure


def test_a_notebook_that_cannot_run_or_runs_out_of_time():
    from autograde.runner import OutcomeKind as K

    dies = _outcomes([Cell(1, "import os\nos._exit(3)")], ["f", "g"], Limits(timeout=1.0, notebook_timeout=60.0))
    assert [o.kind for o in dies] == [K.NOTEBOOK_FAILED] * 2 and dies[0].failure == dies[1].failure, dies
    assert dies[0].failure.startswith("the notebook's code could not be run:"), dies
    late = _outcomes([Cell(1, _NOTEBOOK)], ["slow", "answers"], Limits(timeout=5.0, notebook_timeout=1.0))
    assert [o.kind for o in late] == [K.TIMED_OUT, K.NOT_RUN], [(o.kind, o.failure) for o in late]


# ---------------------------------------------------- an error on a hidden input: its fields, never a text

def _case(hidden: object = None, error: str | None = "raised LEAK 0.1234", not_implemented: bool = False) -> dict:
    return {"outputs": None, "args_after": {}, "error": error, "not_implemented": not_implemented, "hidden": hidden}


def _judged(*cases: dict) -> list[str | None]:
    message = {"type": "result", "cases": list(cases)}
    return [c["error"] for c in protocol.results(message, len(cases), "2 GiB", protocol.Errors(CELLS))]


def _hidden(**fields: object) -> dict:
    return {"what": "raised", "kind": "ValueError", "subclass": False, "cell": 5, "line": 2} | fields


def test_an_error_on_a_hidden_input_is_said_from_its_fields_only():
    from autograde.calls import PLAIN_DATA

    assert _judged(_case(_hidden()), _case(_hidden(subclass=True)), _case(_hidden(kind="LEAK_0_1234")),
                   _case(_hidden(cell=5, line=9)), _case(_hidden(kind="MemoryError")),
                   _case(_hidden(what="returned", kind="an array that is not numeric")),
                   _case(_hidden(what="replaced", kind="LEAK 0.1234")), _case(None), _case(None, None),
                   _case(None, "anything", True)) == [
        "raised ValueError (cell 5, line 2)",
        "raised an exception of the notebook's own class (a subclass of ValueError) (cell 5, line 2)",
        "raised an exception (cell 5, line 2)",
        "raised ValueError",  # cell 5 has 3 lines: no line 9
        "used more than 2 GiB of memory (MemoryError (cell 5, line 2))",
        f"returned an array that is not numeric; {PLAIN_DATA}",
        "replaced an input by an object that is not plain data",
        "raised an exception",  # a text without its fields: nothing of it is shown
        None,
        "not implemented yet",
    ]


@pytest.mark.parametrize("hidden", [
    "raised ValueError", [], _hidden(what="exploded"), _hidden(kind=5), _hidden(subclass=1), _hidden(cell="5"),
    _hidden(line=2.0), _hidden(extra=1), {k: v for k, v in _hidden().items() if k != "line"},
], ids=repr)
def test_malformed_error_fields_are_refused(hidden):
    with pytest.raises(protocol.Violation, match="a malformed error"):
        _judged(_case(hidden))


def test_a_result_without_the_error_fields_is_refused():
    case = {k: v for k, v in _case().items() if k != "hidden"}
    with pytest.raises(protocol.Violation, match="not of the form"):
        _judged(case)
