"""The package's own error types: what went wrong with the user's input, in the user's terms."""

from __future__ import annotations

__all__ = ["CouncilsimError", "ScenarioError"]


class CouncilsimError(Exception):
    """Base class of every error councilsim raises on purpose."""


class ScenarioError(CouncilsimError, ValueError):
    """A scenario file (or document) that cannot be read or is invalid.

    Attributes
    ----------
    path : str or None
        The file, when there is one.
    line, column : int or None
        Position of a TOML syntax error (1-based).
    field : str or None
        Field path of an invalid value, in the file's terms (``member[3].uncertainty``).
    problem : str
        What is wrong and what is allowed.
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        self.problem, self.path, self.line, self.column, self.field = (
            problem, path, line, column, field,
        )
        where = path or "<scenario>"
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {field + ': ' if field else ''}{problem}")
