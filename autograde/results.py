"""What grading produces: checks, functions, notebooks and submissions, and their JSON form.

The JSON form is a fixed schema that other tools read (see the README); fields may be added, never removed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum

from autograde.kernel import CellError
from autograde.wire import clean_text


def clean(text: object) -> str:
    """Text that any file can hold: lone surrogates (from exception messages, or file names that are not
    UTF-8) become U+FFFD. Every text field of a result goes through it."""
    return clean_text(text if isinstance(text, str) else str(text))


def _cleaned(value: object) -> object:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(k): _cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


class _Clean:
    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                setattr(self, f.name, clean(value))
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                setattr(self, f.name, [clean(v) for v in value])


HINT = ". Hint: "  # between a check's message and its hint, in the full text


@dataclass
class CheckResult(_Clean):
    name: str
    passed: bool
    message: str  # what is wrong (or right), without the hint
    points: float = 0.0  # what the check is worth
    hint: str | None = None  # where to look, when the check failed and a likely mistake is known

    @property
    def score(self) -> float:
        return self.points if self.passed else 0.0

    @property
    def text(self) -> str:
        """The message and its hint, as one text (the JSON's ``message``, the table's line)."""
        return self.message + (HINT + self.hint if self.hint else "")

    def to_json(self) -> dict:
        return {"name": self.name, "passed": self.passed, "message": self.text, "hint": self.hint,
                "score": self.score, "max_score": self.points}

    @classmethod
    def from_json(cls, doc: dict) -> "CheckResult":
        message, hint = doc["message"], doc.get("hint")
        if hint and message.endswith(HINT + hint):  # the JSON's message is the full text
            message = message[:-len(HINT + hint)]
        return cls(doc["name"], doc["passed"], message, doc["max_score"], hint)


class Status(StrEnum):
    """How a graded function ran, whatever its checks found."""

    ANSWERED = "answered"  # it returned an answer on every input
    NOT_IMPLEMENTED = "not_implemented"  # it raised NotImplementedError on every input: not attempted
    RAISED = "raised"  # it raised an error (or returned no usable answer) on at least one input
    NO_ANSWER = "no_answer"  # nothing came back: not defined, timed out, crashed, notebook missing or unreadable


@dataclass
class FunctionResult(_Clean):
    name: str
    checks: list[CheckResult]
    status: Status = Status.ANSWERED

    def __post_init__(self) -> None:
        super().__post_init__()
        self.status = Status(self.status)

    @property
    def score(self) -> float:
        return float(sum(c.score for c in self.checks))

    @property
    def max_score(self) -> float:
        return float(sum(c.points for c in self.checks))

    def to_json(self) -> dict:
        return {"name": self.name, "score": self.score, "max_score": self.max_score, "status": str(self.status),
                "checks": [c.to_json() for c in self.checks]}


@dataclass
class NotebookResult(_Clean):
    notebook: str  # the stem
    path: str
    functions: list[FunctionResult]
    error: str | None = None  # why the notebook could not be read or run, if it could not
    notes: list[str] = field(default_factory=list)  # the grader's notes ("… was graded as …"), not cell errors
    missing: bool = False  # the submission has no such notebook
    cell_errors: list[CellError] = field(default_factory=list)  # the notebook's cells that raised while it ran

    def __post_init__(self) -> None:
        super().__post_init__()
        self.cell_errors = [replace(e, kind=clean(e.kind), detail=clean(e.detail)) for e in self.cell_errors]

    @property
    def score(self) -> float:
        return float(sum(f.score for f in self.functions))

    @property
    def max_score(self) -> float:
        return float(sum(f.max_score for f in self.functions))

    @property
    def cell_error_messages(self) -> list[str]:
        """Each cell error's one-line message, once (two cells that call one failing function raise the same
        error), leaving out one that a note already says."""
        return [m for m in dict.fromkeys(e.message for e in self.cell_errors) if m not in self.notes]

    def to_json(self) -> dict:
        # "notes", as before there was "cell_errors": the grader's notes, then the cell errors' messages
        notes = list(dict.fromkeys(self.notes)) + self.cell_error_messages
        return {"notebook": self.notebook, "path": self.path, "score": self.score, "max_score": self.max_score,
                "error": self.error, "notes": notes, "missing": self.missing,
                "cell_errors": [{**asdict(e), "message": e.message} for e in self.cell_errors],
                "functions": [f.to_json() for f in self.functions]}

    @classmethod
    def from_json(cls, doc: dict) -> "NotebookResult":
        """Read back what :meth:`to_json` wrote. A result saved before there was ``cell_errors`` has its
        cells' errors among its notes, and they stay there (nothing reads them back out of the text)."""
        errors = [CellError(e["index"], e["kind"], e.get("detail", ""), e.get("cell"), e.get("line"))
                  for e in doc.get("cell_errors", [])]
        said = {e.message for e in errors}
        functions = [FunctionResult(f["name"], [CheckResult.from_json(c) for c in f["checks"]],
                                    Status(f.get("status", Status.ANSWERED))) for f in doc["functions"]]
        return cls(doc["notebook"], doc["path"], functions, doc.get("error"),
                   [n for n in doc.get("notes", []) if n not in said], bool(doc.get("missing", False)), errors)


@dataclass
class SubmissionResult(_Clean):
    submission: str
    notebooks: list[NotebookResult]
    error: str | None = None
    id: str = ""  # a name for files (the student's id in an nbgrader tree)

    @property
    def score(self) -> float:
        return float(sum(n.score for n in self.notebooks))

    @property
    def max_score(self) -> float:
        return float(sum(n.max_score for n in self.notebooks))

    def to_json(self) -> dict:
        return _cleaned({"submission": self.submission, "id": self.id, "score": self.score,
                         "max_score": self.max_score, "error": self.error,
                         "notebooks": [n.to_json() for n in self.notebooks]})

    @classmethod
    def from_json(cls, doc: dict) -> "SubmissionResult":
        """Read back what :meth:`to_json` wrote (a resumed batch reuses earlier results)."""
        notebooks = [NotebookResult.from_json(n) for n in doc["notebooks"]]
        return cls(doc["submission"], notebooks, doc.get("error"), doc.get("id", ""))
