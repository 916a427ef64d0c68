"""Hidden means hidden, for hints too: on a hidden case no message or hint shows a number the student's output
chose (issue 20, item 2).

The student's code computes its output with the hidden inputs at hand, so any number read off that output (a
ratio to the reference, a shape, a count, a statistic, an index) can spell the hidden inputs out. Hints weigh
every case and are written after the cases were judged: they go through the same redaction as the messages.
On visible cases (the self-check) everything is still said.
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest

from autograde.checks import judge
from autograde.grade import Grader, Options
from autograde.reference import prepare
from autograde.runner import Limits
from autograde.spec import hidden_seed
from conftest import S03, function_result, load, solution_cell, solution_path, write_submission

# rnn_cell_forward: the reference's a_next times a factor computed from the hidden input (1 + its first entry);
# rnn_forward: an array whose shape spells the hidden input out, where a tuple is expected
SCALED = '''
_reference_cell = rnn_cell_forward
def rnn_cell_forward(xt, a_prev, parameters):
    a_next, yt_pred, cache = _reference_cell(xt, a_prev, parameters)
    return (1.0 + float(xt.flat[0])) * a_next, yt_pred, cache
'''
SHAPED = '''
def rnn_forward(x, a0, parameters):
    return np.zeros((0, 100003 + int(abs(float(x.flat[0])) * 1e6)))
'''


def _significant(token: str) -> int:
    digits = re.sub(r"e.*$", "", token.lower()).replace("-", "").replace(".", "").lstrip("0")
    return len(digits)


def shows(text: str, value: float) -> bool:
    """Whether ``text`` holds a number equal to ``value`` to 3 significant digits (written with at least 3)."""
    target = float(f"{value:.3g}")
    for token in re.findall(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", text):
        if _significant(token) >= 3 and float(f"{float(token):.3g}") == target:
            return True
    return False


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from autograde import exports, feedback, report

    grader = Grader(Options(jobs=2, limits=Limits(timeout=5.0, notebook_timeout=60.0)))
    nb = load(solution_path(S03))
    solution_cell(nb, "rnn_cell_forward")["source"] += "\n" + SCALED
    solution_cell(nb, "rnn_forward")["source"] = SHAPED
    (result,) = grader.grade([write_submission(tmp_path_factory.mktemp("hidden"), S03, nb)])
    channels = {"json": json.dumps(result.to_json(), ensure_ascii=False), "feedback.html": feedback.page(result),
                "gradescope": json.dumps(exports.gradescope(result), ensure_ascii=False),
                "table": report.table([result])}
    return grader, result, channels


def test_no_ratio_chosen_from_a_hidden_input_reaches_any_report(graded):
    grader, result, channels = graded
    cases = grader.reference_data.get(S03, "rnn_cell_forward", grader.options.seed).cases
    factors = [1.0 + float(c.args["xt"].flat[0]) for c in cases]
    for channel, text in channels.items():
        leaked = [f for f in factors if shows(text, f)]
        assert not leaked, (channel, leaked, re.findall(r"[^.]*constant factor[^.]*\.", text))
    fn = function_result(result, "rnn_cell_forward")
    hints = [c.hint for c in fn.checks if c.hint]
    # the hint is still given, without its number
    assert any("a_next is off by a constant factor." in h for h in hints), fn.to_json()


def test_no_shape_chosen_from_a_hidden_input_reaches_any_report(graded):
    grader, result, channels = graded
    cases = grader.reference_data.get(S03, "rnn_forward", grader.options.seed).cases
    widths = [str(100003 + int(abs(float(c.args["x"].flat[0])) * 1e6)) for c in cases]
    for channel, text in channels.items():
        assert not [w for w in widths if w in text], channel
    fn = function_result(result, "rnn_forward")
    assert any("returned an array, expected a tuple" in c.message for c in fn.checks), fn.to_json()


def _judged(stem: str, name: str, hidden: bool, outputs):
    """The function's hidden cases judged as hidden (the grader) or as visible (a self-check would say all),
    with ``outputs(case)`` as the student's answers."""
    prep = dataclasses.replace(prepare(stem, name, hidden_seed()), hidden=hidden)
    results = [{"outputs": outputs(c), "args_after": c.args, "error": None, "not_implemented": False}
               for c in prep.cases]
    return prep, judge(prep, results)


@pytest.mark.parametrize("factor, named", [(2.0, "2"), (-0.5, "-0.5"), (3.712, None), (7.0, None)])
def test_a_hidden_case_names_only_a_factor_tied_to_a_slip(factor, named):
    """A factor of 2 or 1/2 (a half step, a square's derivative without its 2) is named on a hidden case; any
    other is the student's choice and is not. A visible case names every factor."""
    from autograde.reference import functions
    from autograde import specs

    fns = functions(specs.get(S03))

    def scaled(case):
        a_next, yt_pred, cache = fns("rnn_cell_forward")(**case.args)
        return factor * a_next, yt_pred, cache

    for hidden in (True, False):
        _, fn = _judged(S03, "rnn_cell_forward", hidden, scaled)
        hints = " ".join(c.hint or "" for c in fn.checks)
        if named is None and hidden:
            assert "a_next is off by a constant factor." in hints and f"{factor:g}" not in hints, hints
        else:
            assert f"a_next is off by a constant factor of {named or f'{factor:.4g}'}." in hints, hints


S07 = "07_sampling_novel_sequences"


def test_a_hidden_distribution_message_shows_no_count_index_or_statistic():
    """<UNK> repeated a number of times the hidden input chose, and frequencies far from the reference's: on a
    hidden case the message says what is wrong with no number beyond the input's label (not the index of <UNK>,
    a hidden input; not a count, statistic or share of the student's output; not the reference's share)."""

    def unk_repeated(case):
        unk = case.args["unk_index"]
        if unk is None:
            return [case.args["eos_index"]]
        return [unk] * (3 + int(abs(float(case.args["parameters"]["by"][0, 0])) * 10))

    def one_token(case):  # a valid index, always the same: frequencies far from the reference's
        return [0] * case.args["max_length"]

    for name, outputs, said in (("sample_words", unk_repeated, "<UNK>"), ("sample", one_token, "frequencies")):
        prep, fn = _judged(S07, name, True, outputs)
        (check,) = [c for c in fn.checks if c.name == "distribution of random outputs"]
        assert not check.passed and said in check.message, fn.to_json()
        text = check.message.split(" (inputs: ", 1)[0]
        assert not re.findall(r"\d", text), check.message
        # the self-check, on visible inputs, still says how many times and how far
        _, visible = _judged(S07, name, False, outputs)
        (vcheck,) = [c for c in visible.checks if c.name == "distribution of random outputs"]
        assert re.search(r"\d+ times|chi-square \d+", vcheck.message), vcheck.message


def test_a_hidden_case_may_show_only_its_label_s_numbers_and_sizes_not_integer_values():
    """An integer input (an index such as eos_index) or an integer in an input or the reference's output is
    hidden data, not a size: a student's shape made of it is not shown. The label's numbers and the shapes and
    lengths of the inputs and of the reference's output are."""
    from autograde.checks.redact import _shown, redacting

    args = {"x": np.zeros((3, 4)), "eos_index": 6, "indices": [7, 9], "max_length": 40}
    with redacting(True, args, [11, 13, 15], "n_x=3, m=4, max_length=40, temperature=1.2"):
        assert _shown(3, 4, 12, 2, 40)  # the label's numbers, shapes, sizes and lengths
        for n in (6, 7, 9, 11, 13, 1):
            assert not _shown(n), n
    with redacting(False, args, [11], ""):
        assert _shown(6, 123456)  # a visible case shows everything
