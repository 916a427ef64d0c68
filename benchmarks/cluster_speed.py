"""Grading on a Dask cluster: the same class with 1 and 2 local workers, and what a MOOC would need.

    python benchmarks/cluster_speed.py [--students 20] [--threads 1]

It makes a class of STUDENTS submissions of every notebook that has a spec, starts a Dask scheduler and 1, then
2, worker processes (THREADS threads each, with nannies, as `dask worker` runs them; `distributed.LocalCluster`)
on 127.0.0.1, and times grading the class through
them (`autograde.cluster.ClusterGrader`, as `--scheduler` does), after a warm-up submission so that each
worker has prepared its reference data. It states the speed-up, and projects from the measured cost per
notebook (worker-thread seconds) what 100,000 students x 12 notebooks need, in worker-thread hours.
On a 2-core machine the client, the scheduler and two workers share the two cores, so the speed-up is a
floor: on a cluster each worker has cores of its own.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import STEMS, load, make_class  # noqa: E402

from distributed import LocalCluster  # noqa: E402

from autograde import cluster  # noqa: E402
from autograde.discovery import expand  # noqa: E402
from autograde.grade import Grader, Options  # noqa: E402
from autograde.plan import expect, plan  # noqa: E402

MOOC_STUDENTS, COURSE_NOTEBOOKS = 100_000, 12


def grade_on(workers: int, threads: int, plans: list, warm: list) -> float:
    with LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True, host="127.0.0.1",
                      dashboard_address=None) as local:
        client = cluster.connect(local.scheduler_address, timeout=60)
        try:
            grader = cluster.ClusterGrader(Options(), client)
            grader.grade_plans(warm * workers * threads)  # every worker has prepared its reference data
            start = time.perf_counter()
            results = grader.grade_plans(plans)
            elapsed = time.perf_counter() - start
        finally:
            client.close()
    assert len(results) == len(plans)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    args = parser.parse_args()
    n = len(STEMS)
    with tempfile.TemporaryDirectory() as tmp:
        make_class(Path(tmp), args.students)
        plans = expect([plan(p, sid) for p, sid in expand([Path(tmp)])])
        warm = plans[:1]
        start = time.perf_counter()
        local = Grader(Options(jobs=2)).grade_plans(plans)
        t_local = time.perf_counter() - start
        assert len(local) == len(plans)
        print(f"class: {args.students} students x {n} notebooks ({', '.join(s[:2] for s in STEMS)})")
        print(f"local, --jobs 2 (no cluster): {t_local:.1f} s ({load()})", flush=True)
        t = {}
        for workers in (1, 2):
            t[workers] = grade_on(workers, args.threads, plans, warm)
            print(f"cluster, {workers} worker(s) x {args.threads} thread(s): {t[workers]:.1f} s ({load()})", flush=True)
    print(f"speed-up from 1 to 2 workers: {t[1] / t[2]:.2f}x (on one 2-core machine shared with the client and "
          "the scheduler)")
    per_notebook = t[1] * args.threads / (args.students * n)
    thread_hours = MOOC_STUDENTS * COURSE_NOTEBOOKS * per_notebook / 3600
    print(f"measured cost: {per_notebook:.3f} worker-thread seconds per notebook (1 worker, {args.threads} thread(s))")
    print(f"projection, {MOOC_STUDENTS:,} students x {COURSE_NOTEBOOKS} notebooks: {thread_hours:,.0f} worker-thread "
          f"hours, e.g. {thread_hours / 50:.1f} h on 50 one-core workers, {thread_hours / 100:.1f} h on 100, "
          f"or 1 h on {thread_hours:,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
