"""The character-level training benchmark (benchmarks/char_training_speed.py) computes the gradient its own way:
from rnn_forward's y_pred instead of through masked_loss, in groups of streams spread over processes, with the
parameters in one flat array. Its speed is not tested here (benchmarks are not timed tests); that its training is
the same algorithm is."""

import importlib.util
import platform
from pathlib import Path

import numpy as np
import pytest

from autograde import reference
from autograde.specs import get

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("char_training_speed", ROOT / "benchmarks" / "char_training_speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fns():
    return reference.functions(get("06_language_model"))


@pytest.fixture(scope="module")
def streams(bench):
    from course_utils.nb06 import load_names, name_streams

    return name_streams(np.random.default_rng(3), load_names()[:400], bench.CHARS, 10)


def test_gradient_from_y_pred_is_the_masked_loss_gradient(bench, fns, streams):
    assert bench.masked_loss_difference(streams, fns) < 1e-12


def test_gradient_in_groups_is_the_gradient_in_one_piece(bench, fns, streams):
    assert bench.split_difference(streams, fns, 3) < 1e-12  # unequal groups of 4, 3 and 3 streams


def test_a_wrong_target_changes_the_gradient(bench, fns, streams):
    """The comparison above can fail: shifting the targets by one character is caught."""
    batch = bench.StreamGroups(streams, fns, 1)
    params = bench.check_params(8)
    x, targets = batch.chunk(0, 0)
    a0 = np.zeros((bench.N_A, streams.shape[0]))
    right, _ = bench.group_gradients(params, batch.functions, x, targets, a0, batch.steps[0])
    wrong, _ = bench.group_gradients(params, batch.functions, x, (targets + 1) % len(bench.CHARS), a0, batch.steps[0])
    batch.close()
    assert np.max(np.abs(right["Wya"] - wrong["Wya"])) > 1e-3 * np.max(np.abs(right["Wya"]))


def test_training_in_two_processes_follows_training_in_one(bench, fns, streams):
    """Five Adam updates (with a wrap back to the start of the streams) give the same parameters in groups."""
    params = []
    for k in (1, 2):
        groups = bench.StreamGroups(streams[:, :60], fns, k)
        trainer = bench.batched(groups, np.random.default_rng(1), 0.02, "adam")
        for _ in range(5):
            p, n_chars, worker_cpu = next(trainer)
        groups.close()
        assert n_chars == streams.shape[0] * bench.SEQ and (worker_cpu > 0) == (k > 1)
        params.append({name: v.copy() for name, v in p.items()})
    for name in params[0]:
        np.testing.assert_allclose(params[1][name], params[0][name], rtol=1e-9, atol=1e-12)


def test_race_takes_turns_by_characters_read(bench):
    log = []

    def trainer(name, step):
        while True:
            log.append(name)
            yield name, step, 0.0

    results = bench.race([trainer("loop", 25), trainer("batched", 100)], 200)
    assert [r[1] for r in results] == [200, 200]
    assert log[:6] == ["loop", "batched", "loop", "loop", "loop", "loop"]


def test_freed_memory_is_kept_where_glibc_allows(bench):
    kept = bench.keep_freed_memory()
    assert isinstance(kept, bool)
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert kept
