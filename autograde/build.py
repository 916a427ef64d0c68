"""``python -m autograde build``: the student notebooks and their stored self-check cases, from solutions/.

For each notebook ``solutions/<stem>/<stem>.ipynb`` it writes

* ``assignments/<stem>/<stem>.ipynb``: the student version, made by nbgrader's own preprocessors, in the
  order ``nbgrader generate_assignment`` applies them (solutions replaced by ``raise
  NotImplementedError()``, hidden tests removed, outputs cleared, cells locked, checksums computed), minus
  the steps that need nbgrader's database;
* ``assignments/<stem>/<stem>.selfcheck.json``: the visible cases of every graded function with the
  reference's outputs, what each recognisable mistake would give, for the self-check cells; the same file
  goes beside the solution notebook, from where ``nbgrader generate_assignment`` copies it.

Both are deterministic, so a build on a clean checkout changes no file, on any machine: stored floats keep
12 significant digits, and numbers that agree with the file already there to a tolerance far below the
checks' keep their stored value (:mod:`autograde.stored`). ``--check`` says which files a build would
change, without writing.
"""

from __future__ import annotations

import inspect
import json
import sys
from typing import Any, Callable

import nbformat
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ClearSolutions,
    ComputeChecksums,
    LockCells,
)
from traitlets.config import Config

from autograde import paths, reference, specs, stored, testfunctions, wire
from autograde.calls import run_cases
from autograde.spec import VISIBLE_SEED, Case

# nbgrader's GenerateAssignment order, without IncludeHeaderFooter, InstantiateTests and SaveCells
# (no header, no autotests, no database): small steps, composed
PREPROCESSORS = (LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums, ClearHiddenTests,
                 ClearMarkScheme, ComputeChecksums, CheckCellMetadata)


def student_notebook(stem: str) -> str:
    """The student version of a solution notebook, as the text of an .ipynb file."""
    nb = nbformat.read(str(paths.solution_notebook(stem)), as_version=4)
    resources: dict = {"nbgrader": {"notebook": stem, "assignment": stem}}
    config = Config()
    for step in PREPROCESSORS:
        nb, resources = step(config=config).preprocess(nb, resources)
    # generate_assignment leaves execution counts of unexecuted cells alone; make them None
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = None
    return nbformat.writes(nb) + "\n"


def completed_notebook(stem: str) -> dict:
    """The student notebook with every exercise answered by the reference code (and no hidden tests): an
    honest, complete submission, for tests and benchmarks."""
    student = json.loads(paths.assignment_notebook(stem).read_text(encoding="utf-8"))
    reference = json.loads(paths.solution_notebook(stem).read_text(encoding="utf-8"))
    answers = {}
    for cell in reference["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            answers[meta["grade_id"]] = "\n".join(line for line in source.splitlines()
                                                  if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
    for cell in student["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return student


def _recorder(name: str, fn: Callable, log: list) -> Callable:
    """``fn``, noting each call (arguments in signature order, and what it returned) in ``log``; a call with the
    same arguments as one noted already is not noted again (the answer is the same: a sampler's step in a
    model without memory is called a thousand times with a handful of different arguments)."""
    signature = inspect.signature(fn)
    noted: set[str] = set()

    def call(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        given = wire.to_json(tuple(bound.arguments.values()))
        out = fn(*args, **kwargs)
        key = json.dumps(given, sort_keys=True)
        if key not in noted:
            noted.add(key)
            log.append({"name": name, "args": given, "outputs": wire.to_json(out)})
        return out

    return call


def _visible(fspec, fns, stem: str) -> dict:
    """A function's visible cases with everything the self-check judges them by (JSON-ready, rounded)."""
    cases = []
    for c in fspec.cases(VISIBLE_SEED, fns, stem):
        # the stored inputs are what the self-check runs on, so everything else is computed from them
        args, context = (wire.from_json(stored.rounded(wire.to_json(v))) for v in (c.args, c.context))
        cases.append(Case(c.label, args, context, c.edge))
    expected, calls = [], []
    for case in cases:
        # the reference's answer, noting the calls it makes to the functions it depends on: in a self-check
        # the student's function gets the same answers to the same calls, as the grader gives it
        log: list = []
        fn = fns(fspec.name)
        deps = {dep: _recorder(dep, fns(dep), log) for dep in fspec.depends}
        (res,) = run_cases(fn, fn.__globals__, [case.args], deps, testfunctions.resolve)
        if res["error"]:
            raise reference.CourseError(f"the reference {fspec.name} failed on its own inputs: {res['error']}")
        expected.append(wire.to_json(res["outputs"]))
        calls.append(log)
    numeric, error = reference.numeric_gradients(fspec, cases, fns)
    if error:
        raise reference.CourseError(error)
    return stored.rounded({
        "cases": [{"label": c.label, "edge": c.edge, "args": wire.to_json(c.args), "context": wire.to_json(c.context)}
                  for c in cases],
        "expected": expected,
        "mistakes": [[wire.to_json(m.outputs(c, fns)) if m.outputs else None for m in fspec.mistakes]
                     for c in cases],
        # finite differences of the reference forward pass, as in the grader's gradient check
        "numeric": [wire.to_json(n) for n in numeric] if numeric is not None else None,
        "calls": calls,
    })


def selfcheck_cases(stem: str, previous: str | None = None) -> str:
    """The stored visible cases of a notebook's graded functions, as JSON text.

    Floats keep 12 significant digits; with ``previous`` (the file as it is), every number that agrees with
    it to :data:`autograde.stored.RTOL` keeps its previous value, so that the text depends on no last bits.
    """
    nb = specs.get(stem)
    fns = reference.functions(nb)
    functions = {fspec.name: _visible(fspec, fns, stem) for fspec in nb.functions}
    doc = {"about": f"Visible self-check cases of {stem}, written by `python -m autograde build` "
                    "from solutions/. Do not edit.",
           "stem": stem, "seed": VISIBLE_SEED, "functions": functions}
    if previous is not None:
        try:
            doc = stored.settled(doc, json.loads(previous))
        except ValueError:
            pass
    return json.dumps(doc, indent=1) + "\n"


def outputs(stem: str) -> dict:
    """Every file the build writes for a notebook, with its content.

    The stored cases go into the source folder too, as nbgrader copies a source folder's other files into
    the release folder: `nbgrader generate_assignment` then gives the same assignments/ as this build.
    """
    current = paths.expected_file(stem)
    cases = selfcheck_cases(stem, current.read_text(encoding="utf-8") if current.is_file() else None)
    return {
        paths.assignment_notebook(stem): student_notebook(stem),
        paths.expected_file(stem): cases,
        paths.expected_file(stem, paths.solutions_dir() / stem): cases,
    }


def main(stems: list[str], check: bool = False) -> int:
    known = specs.all_specs()
    unknown = [s for s in stems if s not in known]
    if unknown:
        print(f"autograde build: unknown notebook {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    stale = []
    for stem in stems or list(known):
        if not paths.solution_notebook(stem).is_file():
            print(f"autograde build: {paths.solution_notebook(stem)} is missing", file=sys.stderr)
            return 2
        for path, text in outputs(stem).items():
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current == text:
                continue
            stale.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if not stems:  # the documents' generated parts (autograde/docs.py), which cover every notebook
        from autograde import docs

        for path, text in docs.outputs().items():
            if path.read_text(encoding="utf-8") != text:
                stale.append(path)
                if not check:
                    path.write_text(text, encoding="utf-8")
    rel = [str(p.relative_to(paths.root())) for p in stale]
    if check:
        print("stale: " + ", ".join(rel) if rel else "assignments/ is up to date")
        return 1 if rel else 0
    print("wrote " + ", ".join(rel) if rel else "assignments/ was already up to date")
    return 0
