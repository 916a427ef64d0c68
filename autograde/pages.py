"""HTML pages from Jinja2 templates (``autograde/templates/``), with every value escaped.

Autoescaping escapes markup; :func:`finalize` first writes control characters (newlines, ANSI escapes,
bidirectional overrides) as visible escapes, as in the table (:func:`autograde.report.safe`). Only values
marked ``Markup`` by the code (never text from a submission) are inserted as they are.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from autograde.report import safe

TEMPLATES = Path(__file__).resolve().parent / "templates"


def finalize(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Markup):
        return safe(value)
    return value


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, finalize=finalize,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["points"] = lambda x: f"{x:g}"
    env.filters["percent"] = percent
    env.filters["angled"] = angled
    return env


# the lecture's time index, a⟨t⟩, as the terminal shows it: in many text fonts U+27E8/U+27E9 are missing, and
# the browser's fallback draws them like parentheses ("a(t)"); a span asks for fonts that have them first
_ANGLED = re.compile(r"⟨[^⟨⟩<>&]{1,16}⟩")


def angled(value: Any) -> Markup:
    """Text escaped as every value is, with the angle brackets of a⟨t⟩ set in a font that has them."""
    text = str(Markup.escape(finalize(str(value))))
    return Markup(_ANGLED.sub(lambda m: f'<span class="ang">{m.group()}</span>', text))


def percent(share: float | None) -> str:
    """A share as a whole percentage; a share that is not 0 (or 1) never shows as 0 % (or 100 %)."""
    if share is None:
        return "—"
    if 0 < share < 0.005:
        return "<1 %"
    if 0.995 <= share < 1:
        return ">99 %"
    return f"{100 * share:.0f} %"


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
