"""Problems and the error a build stops with. At the bottom of the layers:
every stage reports problems, the build and the command line print them.

A problem in an input (file, line, column, message, field) is made where the
input is read; a build that finds errors stops with all of them at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in a source file."""

    file: str
    line: int
    column: int
    severity: str  # "error" | "warning"
    message: str
    field: str = ""  # dotted field path, e.g. projects[2].budget.total

    def format(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}{where}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
            "field": self.field,
        }


class BuildError(Exception):
    """A build that must not replace the published site."""

    def __init__(self, problems: list[Problem], message: str = ""):
        self.problems = problems
        super().__init__(message or "\n".join(p.format() for p in problems))

    def __reduce__(self):
        # raised in a worker, it is pickled to the parent: Exception's own
        # pickling calls the class with str(self) alone, which made the
        # message the problem list (printed one character per line)
        return _restore_error, (type(self), self.problems, str(self))


def _restore_error(cls: type, problems: list, message: str) -> BuildError:
    err = Exception.__new__(cls)  # whatever the subclass's __init__ takes
    Exception.__init__(err, message)
    err.problems = problems
    return err
