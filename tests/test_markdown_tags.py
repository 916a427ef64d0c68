"""No bare <WORD> in the notebooks' markdown: Markdown passes it to the browser as an HTML tag, and JupyterLab
drops it, so "with <EOS> and <UNK>" reads "with and" (issue 21). Write `<EOS>` (code) or &lt;EOS&gt;."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, cell_source, load

# real HTML that a notebook may use on purpose
HTML = {"a", "b", "i", "u", "s", "em", "strong", "code", "pre", "kbd", "sub", "sup", "br", "hr", "p", "div", "span",
        "img", "table", "thead", "tbody", "tr", "td", "th", "ul", "ol", "li", "details", "summary", "small", "center",
        "font", "blockquote", "figure", "figcaption"}
NOTEBOOKS = sorted(p for folder in ("solutions", "assignments", "examples") for p in (ROOT / folder).rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)


def bare_tags(markdown: str) -> list[str]:
    """The <word> tags of ``markdown`` outside code (fenced and inline) and math ($...$, $$...$$)."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    text = re.sub(r"(?<!\\)\$[^$\n]*\$", "", text)
    return [m.group(0) for m in re.finditer(r"</?([A-Za-z][A-Za-z0-9_-]*)[^<>\n]*>", text)
            if m.group(1).lower() not in HTML]


def test_the_check_finds_what_it_looks_for():
    assert bare_tags("tokenise (with <EOS> and <UNK>) then") == ["<EOS>", "<UNK>"]
    assert bare_tags("with `<EOS>`, &lt;UNK&gt;, $\\langle\\text{EOS}\\rangle$, a<br>b and\n```\n<EOS>\n```") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_bare_tag_in_markdown(path):
    found = [(i, tag) for i, cell in enumerate(load(path)["cells"]) if cell.get("cell_type") == "markdown"
             for tag in bare_tags(cell_source(cell))]
    assert not found, f"{path.relative_to(ROOT)}: bare tags in markdown (cell, tag): {found}"
