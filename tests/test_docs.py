"""The documents say what is true: generated parts are current, and what a newcomer runs works as written."""

from __future__ import annotations

import json
import re

from autograde import docs, exports, specs
from autograde.results import CheckResult, FunctionResult, NotebookResult, SubmissionResult
from conftest import ROOT, solution_path

README = ROOT / "README.md"
COURSE = ROOT / "docs" / "course.md"


def _section(text: str, name: str) -> str:
    return re.search(rf"<!-- generated: {name} -->\n(.*?)<!-- end generated: {name} -->", text, re.S).group(1)


def test_generated_sections_are_current():
    for path, text in docs.outputs().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run python -m autograde build"


def test_course_md_lists_every_graded_function_with_its_signature():
    listed = _section(COURSE.read_text(encoding="utf-8"), "functions")
    names = [f.name for nb in specs.all_specs().values() for f in nb.functions]
    assert f"All {len(names)} graded functions" in listed
    for name in names:
        assert re.search(rf"`{name}\(", listed), name


def _import_calls(stem: str) -> dict[str, set[str]]:
    """import_functions("other", "a", ...) in any code cell of the reference notebook, read plainly."""
    nb = json.loads(solution_path(stem).read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for call in re.findall(r"import_functions\(([^)]*)\)", source):
            other, *names = re.findall(r"\"([^\"]+)\"", call)
            found.setdefault(other, set()).update(names)
    return found


def test_readme_says_exactly_what_each_notebook_imports():
    section = _section(README.read_text(encoding="utf-8"), "imports")
    lines = {m.group(1): m.group(0) for m in re.finditer(r"^- \*\*(\d\d)\*\* .*$", section, re.M)}
    assert sorted(lines) == sorted(stem[:2] for stem in specs.all_specs())
    for stem in specs.all_specs():
        calls = _import_calls(stem)
        line = lines[stem[:2]]
        if not calls:
            assert "imports nothing." in line, line
        said = {(m.group(2), n) for m in re.finditer(r"((?:`\w+`(?:, )?)+) from (\d\d)", line)
                for n in re.findall(r"`(\w+)`", m.group(1))}
        assert said == {(other[:2], n) for other, names in calls.items() for n in names}, (stem, line)
    readme = README.read_text(encoding="utf-8")
    assert "05–12 take your RNN from 03 and 04" not in readme


def test_the_missing_notebook_rule_is_one_and_the_canvas_export_follows_it():
    fn = FunctionResult("softmax", [CheckResult("values", False, "missing notebook: no 03.ipynb", 3.0)])
    missing = NotebookResult("03_recurrent_neural_network", "x", [fn], error="missing notebook: no 03.ipynb")
    text, _ = exports.canvas_csv([SubmissionResult("alice", [missing], None, id="alice")])
    assert text.splitlines()[2].split(",")[-1] == "0"
    readme = README.read_text(encoding="utf-8")
    assert "left blank" not in readme.replace("gets blank cells", "")
    (rule,) = [p for p in readme.split("\n\n") if "A notebook that a submission lacks scores 0" in p]
    assert "Canvas" in rule
    assert "not submitted is left blank" not in (ROOT / "autograde" / "exports.py").read_text(encoding="utf-8")


def test_readme_installs_bubblewrap_after_apt_get_update():
    readme = README.read_text(encoding="utf-8")
    commands = [line for line in re.findall(r"```bash\n(.*?)```", readme, re.S)[1].splitlines()
                if "bubblewrap" in line]
    assert commands and all("apt-get update" in c and c.index("apt-get update") < c.index("apt-get install")
                            for c in commands), commands
