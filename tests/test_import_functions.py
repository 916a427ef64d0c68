"""``import_functions``, as a student's notebook calls it: the functions of an earlier notebook of theirs, from
the folder beside this one, and a clear error in place of any it cannot give."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import load, solution_path, write_submission
from course_utils.notebooks import import_functions, notebook_dir

S03 = "03_recurrent_neural_network"
S04 = "04_backpropagation_through_time"


@pytest.fixture
def in_notebook_04(tmp_path):
    """As if notebook 04 were running in ``tmp_path/04_…/``."""
    here = tmp_path / S04
    here.mkdir()
    token = notebook_dir.set(here)
    yield tmp_path
    notebook_dir.reset(token)


def test_functions_come_from_the_notebook_beside_this_one(in_notebook_04, capsys):
    write_submission(in_notebook_04, S03, load(solution_path(S03)))
    softmax, rnn_forward = import_functions(S03, "softmax", "rnn_forward")
    p = softmax(np.array([[1.0, 2.0], [3.0, 4.0], [0.0, -1.0]]))
    assert np.allclose(p.sum(axis=0), 1.0) and p.shape == (3, 2)
    assert rnn_forward.__name__ == "rnn_forward"


def test_a_missing_notebook_or_function_raises_a_clear_error_when_called(in_notebook_04, capsys):
    (softmax,) = import_functions(S03, "softmax")
    with pytest.raises(Exception, match=S03):
        softmax(np.zeros((2, 2)))
    write_submission(in_notebook_04, S03, load(solution_path(S03)))
    (nothing,) = import_functions(S03, "no_such_function")
    with pytest.raises(Exception, match="no_such_function"):
        nothing()
    assert "no_such_function" in capsys.readouterr().out
