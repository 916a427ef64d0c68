"""Grading on a real Dask cluster: the scheduler and two workers that .ci/run starts (AUTOGRADE_TEST_SCHEDULER),
or, outside it, ones this module starts on 127.0.0.1 and kills afterwards."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from autograde import batch, classfiles, classreport, cluster
from autograde.discovery import expand
from autograde.grade import Grader, Options
from autograde.plan import count_functions, expect, plan
from autograde.results import SubmissionResult
from autograde.specs import all_specs
from conftest import ROOT, S03, S04, edited_solution, replaced_function, run_interrupted, write_submission

SAMPLE = ROOT / "examples" / "sample_submission"


@pytest.fixture(scope="module")
def address():
    given = os.environ.get("AUTOGRADE_TEST_SCHEDULER")
    if given:
        yield given
        return
    import dask
    from distributed import LocalCluster

    # two worker processes (each with a nanny, as `dask worker` runs them) and a scheduler on 127.0.0.1; a task
    # that kills its worker twice is given up (the default, 3, only makes the crash test longer)
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address=None) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def client(address):
    c = cluster.connect(address, timeout=60)
    c.wait_for_workers(2, timeout=120)
    yield c
    c.close()


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """A class of eight: the sample, honest, empty (not implemented), and a mistake, twice over."""
    course = tmp_path_factory.mktemp("class")
    wrong = edited_solution(S03, "softmax", "np.sum(e, axis=0, keepdims=True)", "np.sum(e, axis=1, keepdims=True)")
    for k in range(2):
        shutil.copytree(SAMPLE, course / "submitted" / f"s{k}a")
        for stem in (S03, S04):  # the notebooks of the sample, so that the class stays quick to grade
            write_submission(course / "submitted" / f"s{k}b", stem, json.loads(
                (ROOT / "solutions" / stem / f"{stem}.ipynb").read_text()))
            shutil.copytree(ROOT / "assignments" / stem, course / "submitted" / f"s{k}c" / stem)
        write_submission(course / "submitted" / f"s{k}d", S03, wrong)
    return course


def class_plans(folder):
    """The class planned as the command line plans it."""
    return expect([plan(p, sid) for p, sid in expand([folder])])


@pytest.fixture(scope="module")
def local_doc(klass):
    plans = class_plans(klass)
    return [r.to_json() for r in Grader(Options(jobs=2)).grade_plans(plans)]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograde", "grade", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


def test_cli_on_the_cluster_equals_local_grading(klass, address, client, local_doc, tmp_path):
    out = tmp_path / "out"
    proc = cli(str(klass), "--scheduler", address, "--json", "--out", str(out), "--canvas", str(tmp_path / "c.csv"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["submissions"] == local_doc
    assert json.loads((out / "report.json").read_text())["submissions"] == local_doc
    assert sorted(p.name for p in (out / "submissions").iterdir()) == [d["id"] for d in local_doc]
    assert (tmp_path / "c.csv").read_text().count("\n") == 2 + len(local_doc)
    # the class report: the same as local grading's
    local = classreport.build(sorted((SubmissionResult.from_json(d) for d in local_doc), key=lambda r: r.id))
    assert (out / "class.csv").read_text() == classfiles.csv_text(local) and (out / "class.html").is_file()
    # each worker computed each function's reference data once, however many tasks it ran
    functions = sum(len(nb.functions) for nb in all_specs().values())
    misses = client.run(lambda: __import__("autograde.reference").reference._prepare.cache_info().misses)
    assert set(misses.values()) == {functions}, misses
    # a rerun with the same --out grades nothing again
    proc = cli(str(klass), "--scheduler", address, "--out", str(out))
    assert proc.returncode == 0 and f"({len(local_doc)} unchanged, not regraded)" in proc.stdout


def test_batches_are_consecutive_and_bounded():
    items = list(range(100))
    assert cluster.batches(items, threads=2) == [items[i:i + 13] for i in range(0, 100, 13)]
    assert max(map(len, cluster.batches(list(range(10_000)), threads=2))) == cluster.MAX_BATCH
    assert cluster.batches(items[:3], threads=8) == [[0], [1], [2]]
    assert cluster.batches(items[:5], threads=1, size=2) == [[0, 1], [2, 3], [4]]


def test_a_worker_killed_halfway_loses_nothing(klass, client, local_doc):
    """One worker is killed (SIGKILL) while it grades; its batch is redone elsewhere, nothing twice."""
    plans = class_plans(klass)
    pids = client.run(os.getpid)
    seen, killed = [], []

    def on_result(p, r):
        seen.append(p.id)
        if not killed:
            busy = [w for w, tasks in client.processing().items() if tasks and w in pids] or list(pids)
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append(busy[0])

    progress = []
    grader = cluster.ClusterGrader(Options(), client, progress.append, batch_size=2)
    results = grader.grade_plans(plans, on_result)
    assert killed and sorted(seen) == sorted(p.id for p in plans) and len(seen) == len(set(seen))
    assert sum(progress) == count_functions(plans)  # the progress bar counts every function once
    assert [r.to_json() for r in results] == local_doc
    client.wait_for_workers(2, timeout=120)  # the nanny restarts the killed worker
    assert client.run(os.getpid) != pids


def test_an_interrupted_cluster_run_resumes(klass, client, local_doc, tmp_path):
    out = tmp_path / "out"
    plans = class_plans(klass)
    grader = cluster.ClusterGrader(Options(), client, batch_size=1)
    run_interrupted(grader, plans, out)
    saved = [d.name for d in (out / "submissions").iterdir() if (d / "result.json").is_file()]
    assert len(saved) == 1 and not (out / "report.json").exists()
    graded = []
    results, reused = batch.run(grader, plans, out, on_start=lambda todo: graded.extend(p.id for p in todo))
    assert reused == 1 and sorted(graded + saved) == sorted(p.id for p in plans)
    assert json.loads((out / "report.json").read_text())["submissions"] == local_doc


def test_a_notebook_that_kills_its_workers_is_charged_to_itself(client, tmp_path):
    """A batch whose task keeps killing workers is split; only the culprit scores 0, with the reason."""
    killer = replaced_function(S03, "softmax", "def softmax(z):\n    return z  # KILL-THE-WORKER\n")
    paths = [write_submission(tmp_path / "ok", S03, json.loads(
        (ROOT / "solutions" / S03 / f"{S03}.ipynb").read_text())),
        write_submission(tmp_path / "killer", S03, killer)]
    grader = cluster.ClusterGrader(Options(), client, batch_size=2)
    grader.task = kill_on_marker
    ok, bad = grader.grade(paths)
    assert ok.score == ok.max_score > 0
    assert bad.score == 0 and all("worker died" in c.message for f in bad.notebooks[0].functions for c in f.checks)
    client.wait_for_workers(2, timeout=120)


def kill_on_marker(course, seed, limits, batch_):
    """A stand-in for a worker crash that no sandbox could cause: the task kills its own worker."""
    if any("KILL-THE-WORKER" in c.source for nb, _ in batch_ for c in nb.cells):
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(10)
    return cluster.grade_batch(course, seed, limits, batch_)


kill_on_marker.__module__ = "__main__"  # sent by value (the workers cannot import the tests)


def test_local_grading_imports_no_dask():
    code = ("import sys, io, contextlib\nfrom autograde.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    assert main(['grade', '--json', '--quiet', {str(SAMPLE)!r}]) == 0\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_missing_paths_and_bad_addresses_are_refused(tmp_path):
    proc = cli(str(tmp_path / "nowhere"), "--scheduler", "tcp://127.0.0.1:9")
    assert proc.returncode == 2 and "read here and sent to the workers" in proc.stderr
    proc = cli(str(SAMPLE), "--scheduler", "nonsense:::")
    assert proc.returncode == 2 and "is not a scheduler address" in proc.stderr
    with pytest.raises(cluster.ClusterError, match="could not reach"):
        cluster.connect("tcp://127.0.0.1:9", timeout=1)
