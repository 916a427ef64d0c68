"""The reference's answers on the hidden inputs kept on disk (autograde.refcache): used when valid, ignored
when not, keyed by everything they depend on, and out of the student's reach."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from autograde import reference, refcache, runner, sandbox
from autograde.grade import Grader, Options
from conftest import S03, S04, edited_solution, solution_path, write_submission


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("AUTOGRADE_CACHE_DIR", str(folder))
    reference.prepare.cache_clear()  # what this process already prepared would hide the disk
    yield folder
    reference.prepare.cache_clear()


def _data_files(cache):
    """The files of reference data (not the visible cases' keys, kept beside them: autograde.reference.prepare)."""
    return sorted(p for p in cache.glob("*.bin") if "-visible." not in p.name)


def _wrong_04(tmp_path):
    nb = edited_solution(S04, "rnn_cell_backward", "dWax = dz @ xt.T", "dWax = dz @ xt.T * 1.5")
    return write_submission(tmp_path / "student", S04, nb)


def _grade(path, seed=7):
    reference.prepare.cache_clear()  # (a new Grader has reference data of its own, empty)
    (result,) = Grader(Options(jobs=1, seed=seed)).grade([path])
    return result.to_json()


def test_a_second_run_reads_the_reference_data_and_grades_the_same(cache, tmp_path, monkeypatch):
    path = _wrong_04(tmp_path)
    first = _grade(path)
    files = _data_files(cache)
    assert len(files) == 4, files  # one per function of 04
    assert first["score"] < first["max_score"]

    def fail(*args, **kwargs):
        raise AssertionError("computed again instead of read from the cache")

    monkeypatch.setattr(reference, "numeric_gradients", fail)
    monkeypatch.setattr(reference, "reference_call", fail)
    assert json.dumps(_grade(path), sort_keys=True) == json.dumps(first, sort_keys=True)


def test_a_tampered_file_is_ignored_and_written_again(cache, tmp_path):
    path = _wrong_04(tmp_path)
    first = _grade(path)
    target = next(cache.glob("*.rnn_cell_backward.*.bin"))
    blob = bytearray(target.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    target.write_bytes(bytes(blob))
    assert refcache.load(S04, "rnn_cell_backward", 7) is None
    assert json.dumps(_grade(path), sort_keys=True) == json.dumps(first, sort_keys=True)
    assert refcache.load(S04, "rnn_cell_backward", 7) is not None


def test_keyed_by_seed_and_secret_and_off_when_asked(cache, tmp_path, monkeypatch):
    path = write_submission(tmp_path / "s", S03, json.loads(solution_path(S03).read_text()))
    _grade(path, seed=1)
    n = len(_data_files(cache))
    _grade(path, seed=2)
    assert len(_data_files(cache)) == 2 * n
    monkeypatch.setenv("AUTOGRADE_SECRET", "another secret")
    _grade(path, seed=1)
    assert len(_data_files(cache)) == 3 * n
    monkeypatch.setenv("AUTOGRADE_CACHE", "off")
    _grade(path, seed=3)
    assert len(_data_files(cache)) == 3 * n


@pytest.mark.skipif(not runner.sandbox_status()[0], reason="needs the bubblewrap sandbox")
def test_the_cache_is_hidden_from_the_student(cache, monkeypatch):
    # even in a folder the sandbox shows (here: inside Python's own prefix, which it must show)
    inside = sandbox._python_paths()[-1] / ".autograde-cache-test"
    monkeypatch.setenv("AUTOGRADE_CACHE_DIR", str(inside))
    try:
        refcache.store(S03, "softmax", 1, [1.0], None)
        assert refcache.load(S03, "softmax", 1) is not None
        cmd = sandbox._bwrap_command([sys.executable, "-c", f"import os; print(len(os.listdir({str(inside)!r})))"])
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and proc.stdout.strip() == "0", proc
    finally:
        import shutil

        shutil.rmtree(inside, ignore_errors=True)


def test_a_signed_file_renamed_for_another_seed_or_function_is_not_accepted(cache):
    """Issue 20 item 7: the signature covers what the file is for (course, secret, seed, machine, notebook,
    function), not only its data."""
    import numpy as np

    refcache.store(S03, "softmax", 1, [np.arange(3.0)], None)
    signed = refcache._path(S03, "softmax", 1)
    assert refcache.load(S03, "softmax", 1) is not None
    for stem, name, seed in ((S03, "softmax", 2), (S03, "rnn_cell_forward", 1), (S04, "softmax", 1)):
        target = refcache._path(stem, name, seed)
        target.write_bytes(signed.read_bytes())
        assert refcache.load(stem, name, seed) is None, (stem, name, seed)


def test_reference_data_is_computed_once_per_owner_whatever_the_threads(monkeypatch):
    """A grader's reference data: each function's computed once, however many threads ask at the same time,
    and kept by the grader (another grader, or another secret, has its own)."""
    import threading
    import time

    from autograde.grade import ReferenceData

    calls = []

    def slow_prepare(stem, name, seed):
        calls.append((stem, name, seed))
        time.sleep(0.2)  # long enough for every thread to ask while it is computed
        return object()

    monkeypatch.setattr(reference, "prepare", slow_prepare)
    data = ReferenceData()
    got = []
    threads = [threading.Thread(target=lambda: got.append(data.get(S03, "softmax", 1))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [(S03, "softmax", 1)] and len(got) == 6 and len({id(g) for g in got}) == 1
    assert data.get(S03, "softmax", 1) is got[0] and calls == [(S03, "softmax", 1)]
    data.get(S03, "softmax", 2)
    ReferenceData().get(S03, "softmax", 1)
    monkeypatch.setenv("AUTOGRADE_SECRET", "another-secret-" + "0" * 16)
    data.get(S03, "softmax", 1)
    assert calls == [(S03, "softmax", 1), (S03, "softmax", 2), (S03, "softmax", 1), (S03, "softmax", 1)]
    assert Grader(Options(jobs=1)).reference_data is not Grader(Options(jobs=1)).reference_data
