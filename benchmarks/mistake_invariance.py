"""Does a mistake cost the same in every class? Mistakes written without looking at the specs' catalogue —
mechanical mutations of every graded function's solution cell — graded under several secrets.

    python benchmarks/mistake_invariance.py [--secrets 5] [--stems 03,04] [--per-operator 2] [--show]

Each mutant is one operator applied at one place of one solution cell (a sign or operator swapped, a transpose
dropped, an axis or index shifted, a sum made a mean, a loop reversed, ...; see OPERATORS). It is graded, in
this process, against the hidden cases of each secret exactly as the grader judges them (the reference's other
functions standing in for the student's, :func:`autograde.checks.judge`); the student's process and its
sandbox are left out, which changes nothing about which checks fail. A mutant that scores differently under
two secrets is printed with its scores, and the exit status is 1.

The secrets are drawn fresh on each run and printed; ``AUTOGRADE_TEST_SECRETS=a,b,c`` replays a run.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import time
from pathlib import Path

from autograde import reference, specs, testfunctions
from autograde.calls import run_cases
from autograde.checks import judge
from autograde.spec import HIDDEN_SEED

# (name, pattern, replacement): each applied at one match at a time
OPERATORS = (
    ("plus-to-minus", r"(?<=[\w)\]]) \+ (?=[\w(\[])", " - "),
    ("minus-to-plus", r"(?<=[\w)\]]) - (?=[\w(\[])", " + "),
    ("times-to-divide", r"(?<=[\w)\]]) \* (?=[\w(\[])", " / "),
    ("matmul-to-times", r" @ ", " * "),
    ("transpose-dropped", r"\.T\b", ""),
    ("axis-0-to-1", r"axis=0", "axis=1"),
    ("axis-1-to-0", r"axis=1", "axis=0"),
    ("keepdims-dropped", r", keepdims=True", ""),
    ("sum-to-mean", r"np\.sum\(", "np.mean("),
    ("reversed-dropped", r"reversed\((range\([^()]*\))\)", r"\1"),
    ("index-t-minus-1", r"\[:, :, t\]", "[:, :, t - 1]"),
    ("slice-shifted", r"\[1:\]", "[:-1]"),
    ("less-to-less-equal", r" < ", " <= "),
    ("tanh-to-sigmoid", r"np\.tanh\(", "(lambda z: 1 / (1 + np.exp(-z)))("),
    ("exp-dropped", r"np\.exp\(", "("),
    ("one-minus-dropped", r"\(1 - ", "("),
    ("square-dropped", r"\*\* ?2", ""),
    ("zeros-to-ones", r"np\.zeros", "np.ones"),
)
TIME_LIMIT = 10.0  # seconds per mutant and secret


def solution_cells(stem: str) -> dict[str, str]:
    """Each graded function's solution cell, by name."""
    from autograde.kernel import parse_notebook
    from autograde import paths

    nb = parse_notebook(paths.solution_notebook(stem).read_text(encoding="utf-8"))
    names = {f.name for f in specs.get(stem).functions}
    out = {}
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in names:
            out[gid] = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    return out


def mutants(source: str, per_operator: int) -> list[tuple[str, str]]:
    """(label, mutated source): each operator at each of its first ``per_operator`` places in the code (not in
    comments or docstrings)."""
    out = []
    for name, pattern, repl in OPERATORS:
        n = 0
        for m in re.finditer(pattern, source):
            line_start = source.rfind("\n", 0, m.start()) + 1
            line = source[line_start:source.find("\n", m.start()) if "\n" in source[m.start():] else len(source)]
            stripped = line.strip()
            if "#" in source[line_start:m.start()] or stripped.startswith(('"', "'")) or '"""' in line:
                continue
            mutated = source[:m.start()] + m.expand(repl) + source[m.end():]
            if mutated != source:
                out.append((f"{name}@{source.count(chr(10), 0, m.start()) + 1}", mutated))
                n += 1
            if n >= per_operator:
                break
    return out


class _Late(BaseException):
    pass


def _alarm(signum, frame):
    raise _Late()


def score(stem: str, name: str, source: str, secret: str) -> tuple[float, tuple[str, ...]]:
    """What the mutant scores under ``secret``, and the checks it fails."""
    os.environ["AUTOGRADE_SECRET"] = secret
    prep = reference.prepare(stem, name, HIDDEN_SEED)
    namespace = dict(reference.namespace(stem))
    try:
        exec(compile(source, f"<{name}>", "exec"), namespace)  # noqa: S102 - the course's own cells, mutated
    except Exception as exc:  # noqa: BLE001
        return 0.0, (f"does not run: {type(exc).__name__}",)
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        results = run_cases(namespace[name], namespace, [c.args for c in prep.cases], reference.dependencies(stem, name),
                            testfunctions.resolve)
    except _Late:
        return 0.0, ("too slow",)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    fr = judge(prep, results)
    return fr.score, tuple(sorted(c.name for c in fr.checks if not c.passed))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--secrets", type=int, default=5)
    parser.add_argument("--stems", default="", help="notebooks by number, e.g. 03,04 (default: all)")
    parser.add_argument("--per-operator", type=int, default=2, help="places per operator and function")
    parser.add_argument("--show", action="store_true", help="print every mutant, not only those that vary")
    a = parser.parse_args()
    os.environ.setdefault("AUTOGRADE_CACHE", "off")
    given = [s for s in os.environ.get("AUTOGRADE_TEST_SECRETS", "").split(",") if s]
    secrets = given or [os.urandom(16).hex() for _ in range(a.secrets)]
    print(f"secrets: AUTOGRADE_TEST_SECRETS={','.join(secrets)}", flush=True)
    wanted = [s for s in a.stems.split(",") if s]
    stems = [s for s in specs.all_specs() if not wanted or s[:2] in wanted]
    start, total, varying, caught = time.time(), 0, [], 0
    for stem in stems:
        for name, source in solution_cells(stem).items():
            for label, mutated in mutants(source, a.per_operator):
                results = [score(stem, name, mutated, s) for s in secrets]
                total += 1
                caught += results[0][0] < specs.get(stem).function(name).max_score
                if len(set(results)) > 1:
                    varying.append((stem, name, label, results))
                    print(f"VARIES {stem} {name} {label}: " + "; ".join(f"{sc:g} {list(f)}" for sc, f in results),
                          flush=True)
                elif a.show:
                    print(f"same   {stem} {name} {label}: {results[0][0]:g} {list(results[0][1])}", flush=True)
    print(f"{total} mutants of {len(stems)} notebooks under {len(secrets)} secrets: {caught} lose points, "
          f"{len(varying)} score differently under different secrets ({time.time() - start:.0f} s)")
    return 1 if varying else 0


if __name__ == "__main__":
    sys.exit(main())
