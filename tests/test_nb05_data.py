"""Notebook 05's task data: the held-out inputs are fixed and never drawn for training (issue 21)."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.nb05 import counting_task, held_out_inputs, majority_task


def _codes(seqs: np.ndarray, n_symbols: int) -> set[int]:
    powers = n_symbols ** np.arange(seqs.shape[1] - 1, -1, -1)
    return set((seqs @ powers).tolist())


def test_held_out_inputs_are_a_fixed_quarter():
    held = held_out_inputs(3, 6)
    assert held.size == round(0.25 * 729) and len(set(held.tolist())) == held.size
    assert np.array_equal(held, held_out_inputs(3, 6))  # the same set on every call
    assert held.min() >= 0 and held.max() < 729


@pytest.mark.parametrize("task, n_symbols, length", [(counting_task, 3, 6), (majority_task, 2, 9)])
def test_training_never_draws_a_held_out_input_and_the_test_draws_only_those(task, n_symbols, length):
    rng = np.random.default_rng(0)
    held = set(held_out_inputs(n_symbols, length).tolist())
    train, _ = task(rng, 5000, length, part="train")
    test, _ = task(rng, 5000, length, part="test")
    assert not _codes(train, n_symbols) & held
    assert _codes(test, n_symbols) == held  # 5000 draws cover every held-out input
    assert len(_codes(train, n_symbols)) == n_symbols**length - len(held)


def test_counts_and_majorities_are_right():
    source, counts = counting_task(np.random.default_rng(1), 200)
    for row, c in zip(source, counts):
        assert c.tolist() == [int(np.sum(row == k)) for k in range(3)]
    bits, labels = majority_task(np.random.default_rng(2), 200, part="test")
    assert np.array_equal(labels, (bits.sum(axis=1) >= 5).astype(np.int64))


def test_a_wrong_part_is_named():
    with pytest.raises(ValueError, match="part"):
        counting_task(np.random.default_rng(0), 3, part="validation")
