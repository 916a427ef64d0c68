"""The training harness of notebooks 08-10 (course_utils.training), with the reference functions: a run
depends only on its model, distance and seed, and the gradient it reports at the subject is the loss's."""

from __future__ import annotations

import numpy as np

from autograde import reference
from autograde.numeric import gradients
from course_utils import training
from course_utils.nb08 import agreement_data

SHORT = {"iterations": 4, "m": 8, "test_m": 50, "probe_m": 6}


def _rnn():
    n3 = reference.namespace("03_recurrent_neural_network")
    n4 = reference.namespace("04_backpropagation_through_time")
    return training.basic_rnn(n3["rnn_forward"], n4["rnn_backward"], n4["rnn_cell_backward"]), n3["rnn_forward"]


def test_a_run_does_not_depend_on_what_ran_before():
    rnn, _ = _rnn()
    first = training.train(rnn, 5, 1, recipe=SHORT)
    training.train(rnn, 3, 0, recipe=SHORT)
    again = training.train(rnn, 5, 1, recipe=SHORT)
    assert first.losses == again.losses
    assert first.accuracy == again.accuracy and first.gradient_at_start == again.gradient_at_start
    other_seed = training.train(rnn, 5, 2, recipe=SHORT)
    assert other_seed.losses != first.losses


def test_the_gradient_at_the_subject_is_the_loss_gradient_at_a2():
    rnn, rnn_forward = _rnn()
    rng = np.random.default_rng(3)
    params = rnn.init(rng, 5)
    x, labels = agreement_data(rng, 4, 6)
    a = rnn_forward(x, np.zeros((5, 4)), params)[0]
    a2 = a[:, :, 1].copy()  # the state after the subject, x<2>

    def loss():  # the verb's loss as a function of a<2>: run on from step 3
        states = rnn_forward(x[:, :, 2:], a2, params)[0]
        z = params["Wya"] @ states[:, :, -1] + params["by"]
        log_p = z - z.max(axis=0) - np.log(np.sum(np.exp(z - z.max(axis=0)), axis=0))
        return -np.mean(log_p[labels, np.arange(4)])

    numeric = gradients(loss, {"da2": a2})["da2"]
    assert np.isclose(training.subject_gradient(rnn, params, x, labels), np.linalg.norm(numeric), rtol=1e-6)
