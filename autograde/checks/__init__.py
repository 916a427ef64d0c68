"""Verdicts: the student's outputs against the expected ones, check by check.

Everything here runs in the grader's process (or, for a self-check, the student's kernel) on plain data
returned by :mod:`autograde.calls`; nothing the student's code says about itself is taken into account.
Messages name the output or key that is wrong and by how much, and give a hint where the mistake is
recognisable; they never show hidden inputs or reference code.

:func:`judge` compares each case with the reference once (:func:`autograde.checks.base.see`) and shows it to
one object per kind of check the spec gives points for, made from :data:`REGISTRY`:

=================  =============================================================  =====================
module             checks                                                         ids (spec.CHECKS)
=================  =============================================================  =====================
``shapes``         structure, shape and dtype of every output                     shapes
``values``         every output ``allclose`` to the reference's, with hints       values, edge
``gradients``      returned gradients against finite differences                  gradients
``distribution``   random outputs against the reference's distribution            distribution
``unchanged``      inputs left as they were                                       unchanged
=================  =============================================================  =====================

They share ``prepared`` (what a function is judged against), ``compare`` (pairing and comparing outputs),
``redact`` (what a hidden case's messages may show) and ``hints`` (where to look when values are wrong).

To add a kind of check: a subclass of :class:`autograde.checks.base.Check` in a module of its own, one line
in :data:`REGISTRY`, and its id and name in :data:`autograde.spec.CHECKS`.
"""

from autograde.checks.base import Check, Judged, Seen, Verdict
from autograde.checks.compare import (Missing, _compare, _gradient_output, _values_text, index_sequence,
                                      name_outputs, walk)
from autograde.checks.hints import FLOAT32_BAND, FLOAT32_HINT, STUB_HINT, gradient_hint
from autograde.checks.judging import REGISTRY, judge
from autograde.checks.prepared import Prepared

__all__ = ["Check", "FLOAT32_BAND", "FLOAT32_HINT", "Judged", "Missing", "Prepared", "REGISTRY", "STUB_HINT",
           "Seen", "Verdict", "gradient_hint", "index_sequence", "judge", "name_outputs", "walk",
           # for the tests, which look at one step
           "_compare", "_gradient_output", "_values_text"]
