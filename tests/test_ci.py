"""The CI script: its background processes are killed on exit, quietly, whatever happens."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from conftest import ROOT

BEGIN, END = "# --- background processes", "# --- end of background processes ---"


def _block() -> str:
    text = (ROOT / ".ci" / "run").read_text()
    assert BEGIN in text and END in text, "the CI script's process handling is not marked for this test"
    return text[text.index(BEGIN):text.index(END)]


def _script(tmp_path, body: str) -> str:
    return (f"set -euo pipefail\ncluster_dir={tmp_path / 'cluster'}\nmkdir -p $cluster_dir\n{_block()}\n"
            f"start $cluster_dir/a.log sleep 300\nstart $cluster_dir/b.log sleep 301\n"
            f"echo ${{pids[@]}} > {tmp_path / 'pids'}\n{body}\n")


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(")")[-1].split()[0] != "Z":
                    alive.append(pid)
        except FileNotFoundError:
            pass
    return alive


def test_cleanup_is_quiet_even_when_a_process_died_before(tmp_path):
    # one process dies while the tests run (as a worker does in the crash test), the rest at cleanup
    body = "sleep 0.3\nkill -KILL -- -${pids[1]}\nsleep 0.3\necho tests-done"
    proc = subprocess.run(["bash", "-c", _script(tmp_path, body)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "tests-done\n", proc
    assert "Killed" not in proc.stderr and proc.stderr == "", proc.stderr
    assert _alive([int(p) for p in (tmp_path / "pids").read_text().split()]) == []
    assert not (tmp_path / "cluster").exists()


def test_an_interrupted_run_stops_and_cleans_up(tmp_path):
    proc = subprocess.Popen(["bash", "-c", _script(tmp_path, "sleep 2\necho went-on")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    for _ in range(100):
        if (tmp_path / "pids").exists() and (tmp_path / "pids").read_text().strip():
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGTERM)
    out, err = proc.communicate(timeout=60)  # bash runs the trap once the foreground command (sleep) is done
    assert proc.returncode == 143 and "went-on" not in out and "Killed" not in err, (out, err)
    assert _alive([int(p) for p in (tmp_path / "pids").read_text().split()]) == []
