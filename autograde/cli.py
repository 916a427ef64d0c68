"""The command line: ``python -m autograde build`` and ``python -m autograde grade``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from autograde import __version__

# what --help shows: plain text (the module docstring's reST markup would be printed as it is)
DESCRIPTION = ("The command line of the course's grader: python -m autograde build, python -m autograde grade, "
               "python -m autograde release.")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograde", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="regenerate assignments/ from solutions/")
    build.add_argument("stems", nargs="*", help="notebooks to build (default: all)")
    build.add_argument("--check", action="store_true",
                       help="change nothing; exit 1 if assignments/ is not what a build would write")

    release = sub.add_parser("release", help="write what to give students: the assignments and a package with "
                                             "the self-checks, without reference code or mistake generators")
    release.add_argument("out", type=Path, metavar="DIR", help="a new or empty folder")

    grade = sub.add_parser("grade", help="grade submissions against the reference solutions")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION", type=Path,
                       help="a notebook, or a folder searched at any depth for the course's notebooks, named by "
                            "the folder; an nbgrader course folder (or its submitted/ folder), or a class folder "
                            "whose sub-folders each hold course notebooks, stands for one submission per student")
    grade.add_argument("--notebooks", metavar="NN,...",
                       help="the notebooks every submission must hold, by number or stem (e.g. 03,04); a missing "
                            "one scores 0 (default: every notebook found in any submission of the batch)")
    grade.add_argument("--json", action="store_true", help="print one JSON document on stdout and nothing else")
    grade.add_argument("--out", type=Path, metavar="DIR",
                       help="write report.json, grades.csv and per submission a feedback page and Gradescope "
                            "results into DIR; a rerun grades only what is new or changed. DIR must be new, "
                            "empty, or written by an earlier run on the same submissions")
    grade.add_argument("--force", action="store_true",
                       help="with --out: regrade everything, and write into DIR even if it holds another batch")
    grade.add_argument("--flag-below", type=_share, metavar="P%",
                       help="with --out: the class report (DIR/class.html) lists the students below this share of "
                            "their points (default 50%%)")
    grade.add_argument("--gradescope", type=Path, metavar="FILE",
                       help="write Gradescope's results.json for the (single) submission to FILE")
    grade.add_argument("--gradebook", metavar="DB",
                       help="write the scores into an nbgrader gradebook (a path to gradebook.db or a URL)")
    grade.add_argument("--seed", type=int, help="seed of the hidden inputs (default: AUTOGRADE_SEED or built in)")
    grade.add_argument("--timeout", type=float, default=10.0, metavar="S",
                       help="wall-clock seconds allowed per graded function (default 10)")
    grade.add_argument("--notebook-timeout", type=float, default=60.0, metavar="S",
                       help="wall-clock seconds allowed per notebook, its cells and all its functions (default 60)")
    grade.add_argument("--memory", type=float, default=2.0, metavar="GiB",
                       help="memory allowed to the student's process (default 2)")
    grade.add_argument("--jobs", type=int, default=None, metavar="N",
                       help="notebooks graded in parallel (default: number of cores)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on the workers of this Dask scheduler (e.g. tcp://10.0.0.5:8786; needs the "
                            "cluster extra); the submissions are read here and sent to the workers")
    grade.add_argument("--batch-size", type=int, metavar="N",
                       help="with --scheduler: notebooks per task (default: automatic, at most 16)")
    grade.add_argument("--canvas", type=Path, metavar="FILE",
                       help="write a CSV that Canvas's gradebook import accepts (one column per notebook)")
    grade.add_argument("--canvas-roster", type=Path, metavar="CSV",
                       help="with --canvas: Canvas's exported gradebook, to match submission ids to Canvas students")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.grade_parser = grade
    return parser


def _grade(args: argparse.Namespace) -> int:
    from autograde import batch, exports, report
    from autograde.discovery import SubmissionError, expand_with_notes
    from autograde.grade import Grader, Options
    from autograde.plan import count_functions, expect, plan
    from autograde.reference import CourseError
    from autograde.runner import Limits, sandbox_status

    options = Options(limits=Limits(timeout=args.timeout, notebook_timeout=args.notebook_timeout,
                                    memory=int(args.memory * 2**30)))
    if args.seed is not None:
        options.seed = args.seed
    if args.jobs is not None:
        options.jobs = args.jobs
    roster = None
    if args.canvas_roster:
        try:
            roster = exports.read_canvas_roster(args.canvas_roster)
        except ValueError as exc:
            print(f"autograde grade: --canvas-roster: {exc}", file=sys.stderr)
            return 2
    cluster_errors: tuple[type[Exception], ...] = ()
    if args.scheduler:
        try:
            from autograde import cluster
        except ImportError as exc:
            print(f"autograde grade: --scheduler needs Dask's distributed package ({exc}): "
                  "pip install -e '.[cluster]'", file=sys.stderr)
            return 2
        cluster_errors = (cluster.ClusterError,)
        client = None
        try:
            client = cluster.connect(args.scheduler)
            grader = cluster.ClusterGrader(options, client, batch_size=args.batch_size)
            lines = grader.sandbox_report()
        except cluster.ClusterError as exc:
            if client is not None:
                client.close()
            print(f"autograde: cluster: {exc}", file=sys.stderr)
            return 2
    else:
        sandboxed, line = sandbox_status()
        lines = [] if sandboxed else [line]
        grader = Grader(options)
    for line in lines:
        print(line, file=sys.stderr)
    try:
        submissions, id_notes = expand_with_notes(args.submissions)
    except SubmissionError as exc:
        if args.scheduler:
            grader.client.close()
        print(f"autograde grade: {exc}", file=sys.stderr)
        return 2
    for note in id_notes:
        print(f"autograde: ids: {note}", file=sys.stderr)
    plans = expect([plan(path, sid) for path, sid in submissions], args.notebooks)
    if args.gradescope and len(plans) != 1:
        print(f"autograde grade: --gradescope writes one submission's results, but {len(plans)} were given",
              file=sys.stderr)
        return 2
    bar = None

    def start(todo: list) -> None:  # a progress bar on stderr, over the functions to grade
        nonlocal bar
        if not args.quiet and sys.stderr.isatty():
            from tqdm import tqdm  # only when shown: importing it costs 0.05 s of every grade

            bar = tqdm(total=count_functions(todo), desc="grading", unit="function", file=sys.stderr)
            grader.progress = bar.update

    reused = 0
    try:
        if args.out:
            results, reused = batch.run(grader, plans, args.out, force=args.force, on_start=start,
                                        flag_below=0.5 if args.flag_below is None else args.flag_below)
        else:
            start(plans)
            results = grader.grade_plans(plans)
    except batch.OutError as exc:
        print(f"autograde grade: {exc}", file=sys.stderr)
        return 2
    except CourseError as exc:
        print(f"autograde: the course itself is broken: {exc}", file=sys.stderr)
        return 3
    except cluster_errors as exc:
        print(f"autograde: cluster: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        saved = f"; what was graded is saved in {args.out}: run the same command to resume" if args.out else ""
        print(f"\nautograde: interrupted{saved}", file=sys.stderr)
        return 130
    finally:
        if bar is not None:
            bar.close()
        if args.scheduler:
            grader.client.close()
    if args.gradescope:
        report.write_atomically(args.gradescope, json.dumps(exports.gradescope(results[0]), indent=1) + "\n")
    if args.gradebook:
        url = args.gradebook if "://" in args.gradebook else f"sqlite:///{Path(args.gradebook).resolve()}"
        for problem in exports.to_gradebook(results, url):
            print(f"autograde: gradebook: {problem}", file=sys.stderr)
    if args.canvas:
        text, problems = exports.canvas_csv(results, roster)
        report.write_atomically(args.canvas, text)
        for problem in problems:
            print(f"autograde: canvas: {problem}", file=sys.stderr)
    if args.json:
        sys.stdout.write(json.dumps(report.document(results), ensure_ascii=False) + "\n")
    else:
        print(report.table(results))
        if args.out:
            again = f" ({reused} unchanged, not regraded)" if reused else ""
            print(f"wrote {args.out / 'report.json'}, {args.out / 'grades.csv'}, the class report "
                  f"{args.out / 'class.html'} (and class.csv) and a feedback page per submission in "
                  f"{args.out / 'submissions'}{again}")
    return 0


def _share(text: str) -> float:
    """``--flag-below``: a percentage, ``50%`` or ``50``, as a share between 0 and 1."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage such as 50%") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0% and 100%")
    return value / 100


def _build(args: argparse.Namespace) -> int:
    try:
        import nbgrader  # noqa: F401 - an extra, not in the students' install
    except ImportError:
        print("autograde build: building the assignments needs nbgrader: pip install -e '.[instructor]'",
              file=sys.stderr)
        return 2
    from autograde import build

    return build.main(args.stems, check=args.check)


def _stems(parser: argparse.ArgumentParser, given: str | None) -> list[str] | None:
    """The notebooks named by --notebooks, as stems: a stem, or the number it starts with."""
    if given is None:
        return None
    from autograde import specs

    known = specs.all_specs()
    stems = []
    for item in filter(None, (part.strip() for part in given.split(","))):
        match = [s for s in known if s == item or s.split("_")[0] == item.zfill(2)]
        if not match:
            parser.error(f"--notebooks: no notebook {item!r}; the graded notebooks are {', '.join(known)}")
        stems += [s for s in match if s not in stems]
    if not stems:
        parser.error("--notebooks names no notebook")
    return sorted(stems)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "grade":
        parser = parser.grade_parser  # its usage, not the top-level one, goes with its errors
        missing = [str(p) for p in args.submissions if not p.exists()]
        if missing:  # a mistyped path: say so, and grade nothing
            where = (" on this machine (with --scheduler the submissions are read here and sent to the workers: give "
                     "them as this machine sees them; paths on the workers' file system are not read)"
                     if args.scheduler else "")
            parser.error(f"no such file or folder{where}: {', '.join(missing)}")
        args.notebooks = _stems(parser, args.notebooks)
        for option, value in (("--timeout", args.timeout), ("--notebook-timeout", args.notebook_timeout),
                              ("--memory", args.memory)):
            if not value > 0:
                parser.error(f"{option} must be positive, not {value:g}")
        if args.jobs is not None and args.jobs < 1:
            parser.error(f"--jobs must be at least 1, not {args.jobs}")
        if args.force and not args.out:
            parser.error("--force goes with --out")
        if args.flag_below is not None and not args.out:
            parser.error("--flag-below goes with --out (it sets who the class report DIR/class.html lists)")
        if args.batch_size is not None and (not args.scheduler or args.batch_size < 1):
            parser.error("--batch-size goes with --scheduler, and is at least 1")
        if args.canvas_roster and not args.canvas:
            parser.error("--canvas-roster goes with --canvas")
        if args.gradebook:
            try:
                import nbgrader  # noqa: F401 - an extra, not in the students' install
            except ImportError:
                parser.error("--gradebook needs nbgrader: pip install -e '.[instructor]'")
        return _grade(args)
    if args.command == "release":
        from autograde import release

        return release.main(args.out)
    return _build(args)
