"""The feedback page a student reads: one self-contained HTML file per submission
(``templates/feedback.html.j2``).

Every piece of text that can come from a submission (messages quote exceptions raised by student code) is
escaped by the template engine (:mod:`autograde.pages`); the page loads nothing from anywhere.
"""

from __future__ import annotations

from markupsafe import Markup

from autograde import pages
from autograde.results import SubmissionResult


def _bar(score: float, max_score: float) -> Markup:
    frac = score / max_score if max_score else 0.0
    kind = "" if frac >= 0.999 else "partial" if frac >= 0.5 else "low"
    return Markup(f'<div class="bar {kind}"><span style="width:{100 * frac:.1f}%"></span></div>')


def page(result: SubmissionResult, title: str = "Recurrent neural networks — feedback") -> str:
    """The feedback page of one submission, as HTML text."""
    return pages.render("feedback.html.j2", result=result, title=title, bar=_bar)
