"""Grading on a Dask cluster: ``python -m autograde grade SUBMISSION... --scheduler ADDRESS``.

The client (this process) finds and reads the submissions as for local grading, then sends their code to an
existing Dask ``distributed`` scheduler in *batches of notebooks* (one task grades several notebooks, so
that the scheduler is not the bottleneck). **Submissions are sent by the client**: the workers need no view
of the submissions' file system, and a path given here must exist here (docs/cluster.md).

Each worker grades a batch exactly as local grading does (:meth:`autograde.grade.Grader.grade_notebook`):
every notebook in its own sandboxed process, with the same limits, judged against reference data that the
worker computes once (:class:`CoursePlugin`, when the worker joins) and keeps for every task. The notebooks'
results come back as they are and are put in the same order as local grading's, so the reports are identical
for the same seed, whatever the number of workers.

Faults: a task whose worker dies is run again on another worker by the scheduler; a batch that kills its
workers repeatedly is split into single notebooks, graded one at a time (a dying worker's tasks are all
blamed, so a notebook graded beside the culprit would be blamed with it), so that a notebook that crashes
every worker that grades it scores 0 with the reason, and no other notebook is charged for it. Every notebook's result is taken once.

Nothing here is imported unless ``--scheduler`` is given: local grading does not import Dask.
"""

from __future__ import annotations

import math
from typing import Callable

from distributed import Client, KilledWorker, WorkerPlugin, as_completed

from autograde.grade import Grader, Options, ReferenceData, notebook_result
from autograde.plan import Plan, PlannedNotebook
from autograde.refcache import course_fingerprint
from autograde.results import NotebookResult, SubmissionResult
from autograde.runner import Limits, sandbox_status

MAX_BATCH = 16  # notebooks per task at most (a task of 16 notebooks takes about 10 s)
TASKS_PER_THREAD = 4  # batches in flight per worker thread: enough to keep workers busy, few for the scheduler


class ClusterError(RuntimeError):
    """The cluster cannot grade: unreachable scheduler, no workers, or workers with another version of the course."""


# ------------------------------------------------------------------------------------------ on the workers

class CoursePlugin(WorkerPlugin):
    """Prepares the course's reference data for a seed once per worker, when it joins (restarted workers
    too), and keeps it for every task the worker runs (:func:`grade_batch`): it lives as long as the worker."""

    idempotent = True

    def __init__(self, seed: int):
        self.seed = seed
        self.reference_data: ReferenceData | None = None  # made on the worker (setup), never sent

    @staticmethod
    def name(seed: int) -> str:
        return f"autograde-course-{seed}"

    def setup(self, worker) -> None:  # noqa: ANN001 - a distributed.Worker
        self.reference_data = ReferenceData()
        self.reference_data.warm(self.seed)


def _reference_data(seed: int) -> ReferenceData:
    """The reference data that this worker's :class:`CoursePlugin` keeps for ``seed``; outside a worker that
    has it (a test calling :func:`grade_batch` directly), data for this batch only."""
    from distributed import get_worker

    try:
        plugin = get_worker().plugins.get(CoursePlugin.name(seed))
    except ValueError:  # not on a worker
        plugin = None
    data = plugin.reference_data if isinstance(plugin, CoursePlugin) else None
    return data if data is not None else ReferenceData()


def grade_batch(course: str, seed: int, limits: Limits,
                batch: list[tuple[PlannedNotebook, object]]) -> list[NotebookResult]:
    """On a worker: grade each ``(notebook, submission)`` of the batch as local grading does (a sandbox's
    worker serves only the notebooks of one submission)."""
    if course != course_fingerprint():
        raise ClusterError(f"a worker has another version of the course (fingerprint {course_fingerprint()}, "
                           f"the client's is {course}): install the same commit on the client and every worker, "
                           "and restart the workers")
    # a grader for this batch: the batch's notebooks share its workers, then they stop
    grader = Grader(Options(seed=seed, limits=limits, jobs=1), reference_data=_reference_data(seed))
    with grader.workers:  # closed after the batch; on an error every worker is killed first
        return [grader.grade_notebook(nb, owner) for nb, owner in batch]


def _worker_status() -> tuple[bool, str, str]:
    sandboxed, line = sandbox_status()
    return sandboxed, line, course_fingerprint()


# ------------------------------------------------------------------------------------------ on the client

def connect(address: str, timeout: float = 20.0) -> Client:
    """A client of the scheduler at ``address``, with at least one worker; ClusterError if not."""
    from distributed.comm.addressing import get_address_host_port

    try:
        get_address_host_port(address)
    except ValueError as exc:
        raise ClusterError(f"{address!r} is not a scheduler address such as tcp://10.0.0.5:8786 ({exc})") from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"could not reach the Dask scheduler at {address} ({exc})") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        client.close()
        raise ClusterError(f"the Dask scheduler at {address} has no workers (start some with "
                           f"`dask worker {address}`)") from None
    return client


def batches(items: list, threads: int, size: int | None = None) -> list[list]:
    """Consecutive slices of ``items``: about TASKS_PER_THREAD per worker thread, at most MAX_BATCH long."""
    if size is None:
        size = max(1, min(MAX_BATCH, math.ceil(len(items) / max(1, TASKS_PER_THREAD * threads))))
    return [items[i:i + size] for i in range(0, len(items), size)]


class ClusterGrader(Grader):
    """A :class:`Grader` whose notebooks are graded by the workers of a Dask scheduler."""

    task: Callable = staticmethod(grade_batch)  # what a worker runs on a batch

    def __init__(self, options: Options | None, client: Client, progress: Callable[[int], None] | None = None,
                 batch_size: int | None = None):
        super().__init__(options, progress)
        self.client = client
        self.batch_size = batch_size
        self.client.register_plugin(CoursePlugin(self.options.seed), name=CoursePlugin.name(self.options.seed))

    def sandbox_report(self) -> list[str]:
        """Lines to show: workers without the sandbox, or with another version of the course."""
        status = self.client.run(_worker_status)
        mine = course_fingerprint()
        other = sorted(w for w, (_, _, fp) in status.items() if fp != mine)
        if other:
            raise ClusterError(f"worker(s) {', '.join(other)} have another version of the course than this "
                               "client: install the same commit everywhere, and restart the workers")
        lines = {}
        for worker, (sandboxed, line, _) in sorted(status.items()):
            if not sandboxed:
                lines.setdefault(line, []).append(worker)
        return [f"{line} (on worker(s) {', '.join(ws)})" for line, ws in lines.items()]

    def grade_plans(self, plans: list[Plan],
                    on_result: Callable[[Plan, SubmissionResult], None] = lambda p, r: None) -> list[SubmissionResult]:
        """Grade planned submissions on the cluster; ``on_result`` is called as each submission is complete."""
        items = [(i, nb) for i, p in enumerate(plans) for nb in p.notebooks if nb.problem is None]
        threads = sum(self.client.nthreads().values()) or 1
        queue = batches(items, threads, self.batch_size)
        queue.reverse()  # popped from the end: in order
        course, seed, limits = course_fingerprint(), self.options.seed, self.options.limits
        done: dict[tuple[int, str], NotebookResult] = {}
        pending = [sum(1 for nb in p.notebooks if nb.problem is None) for p in plans]  # notebooks to come back
        results: list[SubmissionResult | None] = [None] * len(plans)

        def submit(batch: list) -> tuple:
            future = self.client.submit(self.task, course, seed, limits, [(nb, i) for i, nb in batch],
                                        pure=False)
            return future, batch

        def finish(i: int) -> None:
            p = plans[i]
            notebooks = [done.get((i, nb.stem)) or notebook_result(nb) for nb in p.notebooks]
            results[i] = SubmissionResult(str(p.path), notebooks, p.error, id=p.id)
            on_result(p, results[i])

        for i, n in enumerate(pending):
            if n == 0:
                finish(i)
        in_flight: dict = {}  # key -> (future, batch)
        window = as_completed(loop=self.client.loop)
        # the notebooks of a batch that killed its workers, graded one at a time, none beside another: when a
        # worker dies, every task it held is blamed, so a notebook beside the culprit would be blamed with it
        suspects: list = []
        suspect_in_flight: list = []

        def fill() -> None:
            if suspects and not suspect_in_flight:
                future, batch = submit([suspects.pop()])
                in_flight[future.key] = (future, batch)
                suspect_in_flight.append(future.key)
                window.add(future)
            while queue and len(in_flight) < TASKS_PER_THREAD * threads:
                future, batch = submit(queue.pop())
                in_flight[future.key] = (future, batch)
                window.add(future)

        try:
            fill()
            for future in window:
                _, batch = in_flight.pop(future.key)
                if future.key in suspect_in_flight:
                    suspect_in_flight.remove(future.key)
                try:
                    outputs = future.result()
                except KilledWorker:
                    if len(batch) > 1:  # find the culprit: every notebook on its own
                        suspects.extend(reversed(batch))
                        outputs = None
                    else:
                        (_, nb), = batch
                        reason = ("not graded: the grading worker died each time it graded this notebook "
                                  "(on the cluster, not in the sandbox); ask the course staff")
                        outputs = [notebook_result(nb, lost=reason)]
                if outputs is not None:
                    for (i, nb), output in zip(batch, outputs):
                        if (i, nb.stem) in done:
                            continue
                        done[(i, nb.stem)] = output
                        self.progress(len(output.functions))
                        pending[i] -= 1
                        if pending[i] == 0:
                            finish(i)
                fill()
        except BaseException:
            window.clear()
            self.client.cancel([f for f, _ in in_flight.values()])
            raise
        return [r for r in results if r is not None]
