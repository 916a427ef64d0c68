"""Wall-clock time of `python -m autograde grade` on one notebook, as a user runs it (a fresh process).

    python benchmarks/grade_speed.py [--runs 7] [NOTEBOOK...]

By default it grades the sample submission's 03 and 04 separately and prints the median, min and max of
each. Targets (issue 2): 03 ≤ 2 s and 04 ≤ 3 s median on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = [
    ROOT / "examples/sample_submission/03_recurrent_neural_network/03_recurrent_neural_network.ipynb",
    ROOT / "examples/sample_submission/04_backpropagation_through_time/04_backpropagation_through_time.ipynb",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    for nb in args.notebooks:
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "autograde", "grade", "--json", str(nb)],
                                  capture_output=True, cwd=ROOT)
            times.append(time.perf_counter() - start)
            if proc.returncode != 0:
                print(proc.stderr.decode(), file=sys.stderr)
                return 1
        print(f"{nb.name}: median {statistics.median(times):.2f} s, min {min(times):.2f} s, "
              f"max {max(times):.2f} s over {args.runs} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
