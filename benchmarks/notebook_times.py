"""How long each solution notebook takes to run top to bottom in a fresh kernel, as a student runs it.

    python benchmarks/notebook_times.py [--runs 1] [NN ...]

Every notebook's experiments must run in well under 60 s (the course's promise to students); this prints each
notebook's median over RUNS, with the machine's load, and exits 1 if one takes 60 s or more. (Timed here, not
asserted in the tests: a test that depends on the machine's speed fails on a slow or busy machine.)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, STEMS, load  # noqa: E402

LIMIT = 60.0


def run_once(stem: str) -> float:
    path = ROOT / "solutions" / stem / f"{stem}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("notebooks", nargs="*", help="numbers or stems (default: all)")
    args = parser.parse_args()
    stems = [s for s in STEMS if not args.notebooks or any(s.startswith(n) for n in args.notebooks)]
    print(load())
    slow = []
    for stem in stems:
        times = [run_once(stem) for _ in range(args.runs)]
        median = statistics.median(times)
        print(f"{stem:36s} median {median:6.1f} s  (min {min(times):.1f}, max {max(times):.1f}, {args.runs} runs)")
        if median >= LIMIT:
            slow.append(stem)
    if slow:
        print(f"over {LIMIT:.0f} s: {', '.join(slow)}")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
