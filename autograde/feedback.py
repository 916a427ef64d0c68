"""The feedback page a student reads: one self-contained HTML file per submission.

Every piece of text that can come from a submission (messages quote exceptions raised by student code) is
escaped; the page loads nothing from anywhere.
"""

from __future__ import annotations

import re
from html import escape as _html_escape

from autograde.report import safe
from autograde.results import FunctionResult, SubmissionResult

MISSING = "missing notebook"  # how autograde.grade.MISSING starts a missing notebook's error


# the lecture's time index, a⟨t⟩, as the terminal shows it: in many text fonts U+27E8/U+27E9 are missing, and
# the browser's fallback draws them like parentheses ("a(t)"); fonts that have them are asked for first
_ANGLED = re.compile(r"⟨[^⟨⟩<>&]{1,16}⟩")


def escape(text: object) -> str:
    """HTML text of what may come from a submission: control characters shown as escapes, markup escaped; the
    angle brackets of a⟨t⟩ in a font that has them."""
    return _ANGLED.sub(lambda m: f'<span class="ang">{m.group()}</span>', _html_escape(safe(text)))

STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "PingFang SC", sans-serif;
       color: #1f2328; background: #f6f8fa; margin: 0; }
main { max-width: 960px; margin: 0 auto; padding: 28px 20px 60px; }
h1 { font-size: 24px; margin: 0 0 4px; }
.sub { color: #57606a; margin: 0 0 20px; }
.total { display: flex; align-items: center; gap: 16px; background: #fff; border: 1px solid #d0d7de;
         border-radius: 10px; padding: 16px 20px; margin-bottom: 22px; }
.total .big { font-size: 30px; font-weight: 700; white-space: nowrap; }
.bar { flex: 1; height: 10px; background: #eaeef2; border-radius: 5px; overflow: hidden; }
.bar span { display: block; height: 100%; background: #2da44e; }
.bar.partial span { background: #d4a72c; } .bar.low span { background: #cf222e; }
section.nb { background: #fff; border: 1px solid #d0d7de; border-radius: 10px; margin-bottom: 22px; }
section.nb > header { display: flex; justify-content: space-between; align-items: baseline;
                      padding: 14px 20px; border-bottom: 1px solid #d0d7de; }
section.nb h2 { font-size: 18px; margin: 0; }
.pts { font-weight: 600; white-space: nowrap; }
.note { margin: 10px 20px; padding: 8px 12px; background: #fff8c5; border: 1px solid #d4a72c66;
        border-radius: 6px; font-size: 14px; }
.note.error { background: #ffebe9; border-color: #cf222e55; }
details.fn { border-top: 1px solid #eaeef2; } details.fn:first-of-type { border-top: 0; }
div.fn.bare { display: flex; align-items: center; gap: 10px; padding: 9px 20px; border-top: 1px solid #eaeef2; }
div.fn.bare .pts { margin-left: auto; }
details.fn > summary { list-style: none; cursor: pointer; display: flex; align-items: center; gap: 10px;
                       padding: 11px 20px; }
details.fn > summary::-webkit-details-marker { display: none; }
.mark { width: 22px; height: 22px; border-radius: 50%; display: inline-flex; align-items: center;
        justify-content: center; color: #fff; font-size: 13px; flex: none; }
.ok .mark { background: #2da44e; } .bad .mark { background: #cf222e; } .part .mark { background: #d4a72c; }
.fname { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-weight: 600; }
summary .pts { margin-left: auto; }
ul.checks { list-style: none; margin: 0; padding: 0 20px 14px 52px; }
ul.checks li { padding: 4px 0; }
.check { font-weight: 600; } .cpts { color: #57606a; font-size: 13px; }
.msg { color: #424a53; font-size: 14px; margin-left: 4px; overflow-wrap: anywhere; }
li.fail .check { color: #cf222e; } li.pass .check { color: #1a7f37; }
.hint { display: block; margin: 6px 0 2px; padding: 6px 10px; background: #ddf4ff; border-left: 3px solid #0969da;
        border-radius: 4px; font-size: 14px; }
.ang { font-family: "Cambria Math", "STIX Two Math", "Noto Sans Math", "Segoe UI Symbol", "Apple Symbols",
        "DejaVu Sans", serif; }
footer { color: #57606a; font-size: 13px; margin-top: 28px; }
"""


def _bar(score: float, max_score: float) -> str:
    frac = score / max_score if max_score else 0.0
    kind = "" if frac >= 0.999 else "partial" if frac >= 0.5 else "low"
    return f'<div class="bar {kind}"><span style="width:{100 * frac:.1f}%"></span></div>'


def _message(text: str) -> str:
    """A check's message, with its hint set apart."""
    if ". Hint: " in text:
        main, hint = text.split(". Hint: ", 1)
        return f'<span class="msg">{escape(main)}.</span><span class="hint"><b>Hint:</b> {escape(hint)}</span>'
    return f'<span class="msg">{escape(text)}</span>'


def _function(fn: FunctionResult, said: str | None = None) -> str:
    """A function's row, open on its checks unless it has full marks. When the notebook could not be graded
    (``said``: why, already said once above its functions), only the function's name and points."""
    state = "ok" if fn.score == fn.max_score else "bad" if fn.score == 0 else "part"
    mark = {"ok": "✓", "bad": "✗", "part": "!"}[state]
    if said is not None and all(not c.passed and said in c.message for c in fn.checks):
        return (f'<div class="fn {state} bare"><span class="mark">{mark}</span>'
                f'<span class="fname">{escape(fn.name)}</span><span class="pts">{fn.score:g} / {fn.max_score:g}</span>'
                f'</div>')
    items = []
    for chk in fn.checks:
        cls = "pass" if chk.passed else "fail"
        items.append(f'<li class="{cls}"><span class="check">{"✓" if chk.passed else "✗"} {escape(chk.name)}</span> '
                     f'<span class="cpts">({chk.score:g}/{chk.points:g})</span> {_message(chk.message)}</li>')
    open_attr = "" if state == "ok" else " open"
    return (f'<details class="fn {state}"{open_attr}><summary><span class="mark">{mark}</span>'
            f'<span class="fname">{escape(fn.name)}</span><span class="pts">{fn.score:g} / {fn.max_score:g}</span>'
            f'</summary><ul class="checks">{"".join(items)}</ul></details>')


def page(result: SubmissionResult, title: str = "Recurrent neural networks — feedback") -> str:
    """The feedback page of one submission, as HTML text."""
    parts = [f"<h1>{escape(title)}</h1>",
             f'<p class="sub">Submission <code>{escape(result.id or result.submission)}</code></p>',
             f'<div class="total"><span class="big">{result.score:g} / {result.max_score:g}</span>'
             f"{_bar(result.score, result.max_score)}</div>"]
    if result.error:
        parts.append(f'<div class="note error">{escape(result.error)}</div>')
    for nb in result.notebooks:
        parts.append(f'<section class="nb"><header><h2>{escape(nb.notebook)}</h2>'
                     f'<span class="pts">{nb.score:g} / {nb.max_score:g}</span></header>')
        if nb.error and nb.error.startswith(MISSING):
            parts.append(f'<div class="note error">{escape(nb.error)}: each of its functions scores 0.</div>')
        elif nb.error:
            parts.append(f'<div class="note error">This notebook could not be graded: {escape(nb.error)}</div>')
        for note in nb.notes:
            parts.append(f'<div class="note">A cell of your notebook raised an error while it ran: '
                         f"{escape(note)}</div>")
        parts += [_function(fn, nb.error) for fn in nb.functions]
        parts.append("</section>")
    parts.append("<footer>Each function is graded on its own, check by check, on hidden inputs of the same kinds "
                 "as your self-checks. A function that calls another graded function is given the reference "
                 "version of it, so a mistake costs points only once.</footer>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><main>{''.join(parts)}</main></body></html>\n")
