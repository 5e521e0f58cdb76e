"""The error a build stops with. At the bottom of the layers: every stage
raises it, the build and the command line report it.

A problem in an input (``Problem``: file, line, column, message, field) is
made where the input is read (``content.load``); a build that finds errors
stops with all of them at once.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .load import Problem


class BuildError(Exception):
    """A build that must not replace the published site."""

    def __init__(self, problems: list["Problem"], message: str = ""):
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
