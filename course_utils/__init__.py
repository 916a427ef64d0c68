"""Helpers the course notebooks import: gradient checking, notebook imports, data and plots.

Nothing here implements a graded exercise: the reference code lives only in ``solutions/``.
"""

__all__ = ["gradcheck", "notebooks", "data", "plots"]
