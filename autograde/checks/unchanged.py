"""The check "inputs left unchanged": every input is bit for bit what it was before the call."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograde.checks.base import Check, Seen
from autograde.checks.compare import Missing, walk


class UnchangedCheck(Check):
    id = "unchanged"
    ok = "no input array was modified"

    def inspect(self, seen: Seen) -> None:
        changed = _changed_inputs(seen.case.args, seen.result.get("args_after"))
        if changed:
            self.fail(seen, f"{changed} was modified in place; {self.prep.spec.unchanged_hint}")


def _changed_inputs(before: dict, after: Any) -> str | None:
    """The first input (as a path) that differs after the call, or None."""
    if not isinstance(after, dict):
        return "the inputs"
    for name, value in before.items():
        structure: list[str] = []
        leaves: list[tuple] = []
        walk(after.get(name), value, name, structure, leaves)
        if structure:
            return name
        for path, o, r in leaves:
            if isinstance(o, Missing):
                return path
            if not isinstance(r, np.ndarray):
                if o != r:
                    return path
            elif o.shape != r.shape or not np.array_equal(o, r, equal_nan=True):
                return path
    return None
