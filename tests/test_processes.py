"""The grader's processes: none outlives grading, Ctrl-C stops everything, and the command line's own checks.

Processes are found by descent, not by command line (a conda or system Python runs the worker as plain
``python -m autograde.worker``, with nothing naming this checkout): each check runs in a small wrapper that
makes itself a *child subreaper* (Linux ``prctl``), so that every process started under it — a double-forked
daemon, a worker in a session of its own — stays its descendant even when its parent is gone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, replaced_function, write_submission

S03 = "03_recurrent_neural_network"
SAMPLE = ROOT / "examples" / "sample_submission"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="child subreapers are Linux's")

# Runs ``argv`` under a subreaper, optionally interrupts it once ``wait_for`` has appeared among its
# descendants' command lines, and prints {"returncode", "left"}: the processes still alive under it.
WRAPPER = textwrap.dedent(r"""
    import ctypes, json, os, signal, subprocess, sys, tempfile, time

    PR_SET_CHILD_SUBREAPER = 36
    assert ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    spec = json.loads(sys.argv[1])

    def descendants():
        parents = {}
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                except OSError:
                    continue
                if fields[0] != "Z":
                    parents[int(pid)] = (int(fields[1]), cmd)
        mine, frontier = {}, [os.getpid()]
        while frontier:
            parent = frontier.pop()
            for pid, (ppid, cmd) in parents.items():
                if ppid == parent and pid not in mine:
                    mine[pid] = cmd
                    frontier.append(pid)
        return mine

    # (stderr to a file, not a pipe: a process left behind holding the pipe would make us wait for it)
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(spec["argv"], stdout=subprocess.DEVNULL, stderr=err, text=True)
    if spec.get("interrupt_when"):
        deadline = time.monotonic() + 120
        while not any(spec["interrupt_when"] in c for c in descendants().values()):
            assert time.monotonic() < deadline and proc.poll() is None, "never started"
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)
    err.seek(0)
    stderr = err.read()
    for _ in range(40):  # what is being killed may take a moment to go
        while True:  # reap the orphans handed to this subreaper
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        left = descendants()
        if not left:
            break
        time.sleep(0.05)
    for pid in left:  # (a failing check leaves nothing behind either)
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
    print(json.dumps({"returncode": proc.returncode, "left": left, "stderr": stderr[-2000:]}))
""")


def run_wrapped(argv: list[str], interrupt_when: str | None = None) -> dict:
    spec = json.dumps({"argv": argv, "interrupt_when": interrupt_when})
    proc = subprocess.run([sys.executable, "-c", WRAPPER, spec], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def grade_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "autograde", "grade", *args]


# a daemon that escapes by double fork, children that ignore signals, a loop that never ends
LEAVERS = """import os, subprocess, time
def rnn_cell_forward(xt, a_prev, parameters):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            subprocess.Popen(["sleep", "424"])
            time.sleep(424)
        os._exit(0)
    for _ in range(3):
        subprocess.Popen(["sleep", "424"], start_new_session=True)
    while True:
        pass
"""


def test_no_process_outlives_grading(tmp_path):
    path = write_submission(tmp_path, S03, replaced_function(S03, "rnn_cell_forward", LEAVERS))
    out = run_wrapped(grade_command(str(path), "--timeout", "3", "--jobs", "1"))
    assert out["returncode"] == 0, out["stderr"]
    assert out["left"] == {}


def test_ctrl_c_exits_130_and_kills_every_worker(tmp_path):
    path = write_submission(tmp_path, S03, replaced_function(S03, "rnn_cell_forward", LEAVERS))
    out = run_wrapped(grade_command(str(path), "--timeout", "60", "--jobs", "2"), interrupt_when="sleep 424")
    assert out["returncode"] == 130, out["stderr"]
    assert "interrupted" in out["stderr"]
    assert out["left"] == {}


@pytest.mark.parametrize("args", [["--batch-size", "4"], ["--scheduler", "tcp://127.0.0.1:9", "--batch-size", "0"]],
                         ids=["without-scheduler", "zero"])
def test_batch_size_is_validated(args):
    proc = subprocess.run(grade_command(str(SAMPLE), *args), capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "--batch-size" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
