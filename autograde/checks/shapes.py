"""The check "shapes and dtypes": every output has the reference's structure, shape and dtype."""

from __future__ import annotations

from autograde.checks.base import Check, Seen


class ShapesCheck(Check):
    id = "shapes"
    ok = "every output has the expected shape and dtype"

    def inspect(self, seen: Seen) -> None:
        if seen.structure:
            self.fail(seen, seen.structure[0])
