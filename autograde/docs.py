"""The parts of the documents that are generated, so that they cannot drift from the course:

* in README.md, what each notebook imports from the earlier ones (read from the ``import_functions`` calls of
  the reference notebooks);
* in docs/course.md, every graded function of every notebook with its signature (the specs' functions, in the
  specs' order, with the signature of the reference's ``def``).

Each lives between ``<!-- generated: NAME -->`` and ``<!-- end generated: NAME -->``; ``python -m autograde
build`` rewrites it, and ``build --check`` (run by a test) fails when it is stale.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from autograde import paths, specs
from autograde.kernel import code_cells, is_demo_cell


def _trees(stem: str, demos: bool = False) -> list[ast.Module]:
    """The parsed code cells of a reference notebook: those that make up its code, or (``demos``) its
    demonstration cells. A cell that does not parse is skipped."""
    nb = json.loads(paths.solution_notebook(stem).read_text(encoding="utf-8"))
    if demos:
        sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                   for c in nb["cells"] if c.get("cell_type") == "code" and is_demo_cell(c)]
    else:
        sources = [cell.source for cell in code_cells(nb)]
    trees = []
    for source in sources:
        try:
            trees.append(ast.parse(source))
        except SyntaxError:
            continue
    return trees


def imports(stem: str, demos: bool = False) -> list[tuple[str, list[str]]]:
    """What a notebook takes from earlier ones, in its code or (``demos``) in its demonstration cells only:
    (the other notebook's stem, the functions), in order, merged by notebook."""
    found: dict[str, list[str]] = {}
    for tree in _trees(stem, demos):
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None))
                    == "import_functions" and node.args and all(isinstance(a, ast.Constant) for a in node.args)):
                other, *names = [a.value for a in node.args]
                found.setdefault(other, [])
                found[other] += [n for n in names if n not in found[other]]
    if demos:  # what the code takes already is not said twice
        code = dict(imports(stem))
        found = {o: [n for n in names if n not in code.get(o, [])] for o, names in found.items()}
    return [(o, names) for o, names in found.items() if names]


def signatures(stem: str) -> list[str]:
    """A notebook's graded functions as ``name(arguments)``, in the spec's order."""
    defs = {}
    for tree in _trees(stem):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                defs.setdefault(node.name, f"{node.name}({ast.unparse(node.args)})")
    return [defs.get(f.name, f"{f.name}(…)") for f in specs.get(stem).functions]


def _number(stem: str) -> str:
    return stem.split("_")[0]


def _taken(taken: list[tuple[str, list[str]]]) -> str:
    return "; ".join(f"{', '.join(f'`{n}`' for n in names)} from {_number(other)}" for other, names in taken)


def imports_text() -> str:
    lines = []
    for stem in specs.all_specs():
        code, demos = imports(stem), imports(stem, demos=True)
        said = f"takes {_taken(code)}" if code else "imports nothing"
        if demos:
            said += f"{'' if code else ' for its exercises'}; its demonstrations also use {_taken(demos)}"
        lines.append(f"- **{_number(stem)}** {said}.")
    return "\n".join(lines)


def functions_text() -> str:
    lines = []
    total = 0
    for stem in specs.all_specs():
        sigs = signatures(stem)
        total += len(sigs)
        lines.append(f"- **{stem}** ({len(sigs)}): " + "; ".join(f"`{s}`" for s in sigs) + ".")
    return f"All {total} graded functions, by notebook:\n\n" + "\n".join(lines)


SECTIONS = {"README.md": {"imports": imports_text}, "docs/course.md": {"functions": functions_text}}


def _replace(text: str, name: str, body: str, where: str) -> str:
    pattern = re.compile(rf"(<!-- generated: {name} -->\n)(?:.*?\n)?(<!-- end generated: {name} -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"{where} has no <!-- generated: {name} --> section")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def outputs() -> dict[Path, str]:
    """The documents as a build writes them: each generated section rewritten."""
    out = {}
    for rel, sections in SECTIONS.items():
        path = paths.root() / rel
        if not path.is_file():  # a copy of the course without its documents (AUTOGRADE_ROOT elsewhere)
            continue
        text = path.read_text(encoding="utf-8")
        for name, make in sections.items():
            text = _replace(text, name, make(), rel)
        out[path] = text
    return out
