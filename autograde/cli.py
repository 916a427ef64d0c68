"""The command line: ``python -m autograde build`` and ``python -m autograde grade``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from autograde import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograde", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="regenerate assignments/ from solutions/")
    build.add_argument("stems", nargs="*", help="notebooks to build (default: all)")
    build.add_argument("--check", action="store_true",
                       help="change nothing; exit 1 if assignments/ is not what a build would write")

    grade = sub.add_parser("grade", help="grade submissions against the reference solutions")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION", type=Path,
                       help="a notebook, or a folder searched at any depth for the course's notebooks")
    grade.add_argument("--json", action="store_true", help="print one JSON document on stdout and nothing else")
    grade.add_argument("--out", type=Path, metavar="DIR", help="write report.json and grades.csv into DIR")
    grade.add_argument("--seed", type=int, help="seed of the hidden inputs (default: AUTOGRADE_SEED or built in)")
    grade.add_argument("--timeout", type=float, default=10.0, metavar="S",
                       help="wall-clock seconds allowed per graded function (default 10)")
    grade.add_argument("--jobs", type=int, default=None, metavar="N",
                       help="functions graded in parallel (default: number of cores)")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _grade(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from autograde import report
    from autograde.grade import Grader, Options
    from autograde.reference import CourseError
    from autograde.runner import Limits

    options = Options(limits=Limits(timeout=args.timeout))
    if args.seed is not None:
        options.seed = args.seed
    if args.jobs is not None:
        options.jobs = args.jobs
    from autograde.runner import sandbox_status

    sandboxed, line = sandbox_status()
    if not sandboxed:
        print(line, file=sys.stderr)
    grader = Grader(options)
    bar = None
    if not args.quiet and not args.json and sys.stderr.isatty():
        bar = tqdm(total=grader.count_tasks(args.submissions), desc="grading", unit="function", file=sys.stderr)
        grader.progress = bar.update
    try:
        results = grader.grade(args.submissions)
    except CourseError as exc:
        print(f"autograde: the course itself is broken: {exc}", file=sys.stderr)
        return 3
    finally:
        if bar is not None:
            bar.close()
    if args.out:
        report.write_out(args.out, results)
    if args.json:
        sys.stdout.write(json.dumps(report.document(results), ensure_ascii=False) + "\n")
    else:
        print(report.table(results))
        if args.out:
            print(f"wrote {args.out / 'report.json'} and {args.out / 'grades.csv'}")
    return 0


def _build(args: argparse.Namespace) -> int:
    from autograde import build

    return build.main(args.stems, check=args.check)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "grade":
        if args.timeout <= 0 or (args.jobs is not None and args.jobs < 1):
            _parser().error("--timeout must be positive and --jobs at least 1")
        return _grade(args)
    return _build(args)
