"""Numbers quoted in a notebook's text come from its outputs (issue 21).

Each solution notebook below is executed top to bottom, and every number that its markdown (after the setup
cell) quotes as a result must be printed by one of its code cells, or be a constant written in its code.
"Quoted as a result" means a number with a decimal point (48.2, 0.04), with thousands separators (1,010,302),
or with a percent sign (100 %); whole numbers without those (T_x = 6, 3 layers) are the recipe, not results.
Numbers inside LaTeX ($...$) and inside backticks are formulas and code, not quotes.

A number matches an output number if it is that number rounded to the quoted precision ("48 %" matches
48.2%, "2.5 billion" matches 2,500,490,302). So a prose number that drifts from the output by more than its
rounding fails, and so does a number quoted from a run that the notebook no longer reproduces.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import executed_solution

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STEMS = ("01_why_sequence_models", "02_notation", "05_types_of_rnns", "11_bidirectional_rnn", "12_deep_rnns")

# numbers that the text quotes from the lecture, not from a run: {stem: {number as written: why}}
FACTS = {
    "02_notation": {"10,000": "the lecture's vocabulary size"},
}

_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]*\$|`[^`\n]*`", re.S)
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(%|billion|million))?(?![\w])")
_SCALE = {"billion": 1e9, "million": 1e6}


def quoted_numbers(markdown: str) -> list[tuple[str, float, int]]:
    """The result-like numbers of a markdown text: (as written, value, decimals), scaled by billion/million."""
    found = []
    for match in _NUMBER.finditer(_MATH.sub(" ", markdown)):
        text, unit = match.group(1), match.group(2)
        if "." not in text and "," not in text and unit is None:
            continue
        value = float(text.replace(",", "")) * _SCALE.get(unit, 1.0)
        decimals = len(text.split(".")[1]) if "." in text else 0
        found.append((match.group(0).strip(), value, decimals - (9 if unit == "billion" else 6 if unit == "million" else 0)))
    return found


def printed_numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)]


def unsupported_numbers(nb, facts=()) -> list[str]:
    """Every number of the markdown after the setup cell that no output and no code constant supports."""
    printed, constants = [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        constants += printed_numbers(cell.source)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                printed += printed_numbers(out.get("text", ""))
            for kind in ("text/plain", "text/markdown"):
                printed += printed_numbers(out.get("data", {}).get(kind, ""))
    setup = next(i for i, c in enumerate(nb.cells) if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "setup")
    missing = []
    for i, cell in enumerate(nb.cells[setup + 1:], start=setup + 1):
        if cell.cell_type != "markdown":
            continue
        for text, value, decimals in quoted_numbers(cell.source):
            if text.split()[0].rstrip("%") in facts:
                continue
            ok = any(abs(round(p, decimals) - value) < 1e-9 * max(1.0, abs(value)) for p in printed)
            ok = ok or any(abs(c - value) < 1e-12 for c in constants)
            if not ok:
                missing.append(f"cell {i}: {text!r}")
    return missing


def _markdown_nb(markdown: str, printed: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    setup = nbformat.v4.new_code_cell("x = 0.02", metadata={"nbgrader": {"grade_id": "setup"}})
    run = nbformat.v4.new_code_cell("print(...)")
    run.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
    nb.cells = [setup, run, nbformat.v4.new_markdown_cell(markdown)]
    return nb


def test_the_check_finds_a_number_that_drifted_from_the_output():
    printed = "3 layers: test accuracy 61.4%, 95.5% (median 95.4%); 2,500,490,302 parameters\n"
    good = "Three layers reached 95.5 % and 61.4%, about 95 %, with 2.5 billion parameters and lr 0.02; 3 layers."
    assert unsupported_numbers(_markdown_nb(good, printed)) == []
    bad = "Three layers reached 95.5 % and 62.0 % (median 95.4 %), $T = 6.5$ and `0.7`, 2.6 billion parameters."
    assert unsupported_numbers(_markdown_nb(bad, printed)) == ["cell 2: '62.0 %'", "cell 2: '2.6 billion'"]


@pytest.mark.parametrize("stem", STEMS)
def test_every_quoted_number_is_printed_by_the_notebook(stem):
    assert unsupported_numbers(executed_solution(stem), FACTS.get(stem, {})) == []
