"""autograde: grades the course's notebooks against the reference solutions.

Entry points:

* ``python -m autograde build``   regenerate ``assignments/`` from ``solutions/``;
* ``python -m autograde grade``   grade submissions (a notebook, or folders of them);
* :mod:`autograde.selfcheck`      the self-check cells of the student notebooks.

See ``docs/design.md`` for how the pieces fit together.
"""

__version__ = "0.1.0"
