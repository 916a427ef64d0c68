"""Helpers the course notebooks import: gradient checking, notebook imports, data, plots and drawings.

Nothing here implements a graded exercise: the reference code lives only in ``solutions/``.
"""

__all__ = ["gradcheck", "notebooks", "data", "plots", "drawing", "unrolled", "cell"]
