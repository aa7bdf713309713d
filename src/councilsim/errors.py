"""The package's own error types, all under one root, :class:`CouncilsimError`.

* :class:`InputError` (also a ``ValueError``): a value the caller gave is not allowed; the
  message names it and says what is allowed. :class:`ScenarioError` is one for scenario files,
  :class:`ArgumentTypeError` (also a ``TypeError``) one for an argument of the wrong type.
* :class:`ReadOnlyError` (also a ``TypeError``): an attempt to change a read-only mapping.
* :class:`NotFoundError` (an ``InputError``, also a ``KeyError`` and an ``IndexError``): a lookup
  by name or position (a recorded vote, a council's row) found nothing.
* :class:`EngineLimitError`: the request is valid but beyond what an engine can compute
  (e.g. the exact engine's grids would be too large); the message says what to use instead.
* :class:`DataIntegrityError`: the bundled data is damaged or inconsistent.
* :class:`LeakageError`: a forecast would use information from after its own date.

The command line reports any of them in one line with exit code 2; any other exception is a
bug in councilsim and is reported as one.
"""

from __future__ import annotations

__all__ = [
    "ArgumentTypeError",
    "CouncilsimError",
    "DataIntegrityError",
    "EngineLimitError",
    "InputError",
    "LeakageError",
    "NotFoundError",
    "ReadOnlyError",
    "ScenarioError",
]


class CouncilsimError(Exception):
    """Base class of every error councilsim raises on purpose."""


class InputError(CouncilsimError, ValueError):
    """A value the caller gave is not allowed (the message says what is)."""


class ArgumentTypeError(InputError, TypeError):
    """An argument of the wrong type (also a ``TypeError``, as Python's own checks raise)."""


class NotFoundError(InputError, KeyError, IndexError):
    """A lookup by name or position found nothing (the message says what there is).

    Also a ``KeyError`` and an ``IndexError``, as Python's own lookups raise; its message reads
    as written (a plain ``KeyError`` quotes it).
    """

    __str__ = Exception.__str__


class ReadOnlyError(CouncilsimError, TypeError):
    """A read-only mapping (a model's or a result's) was asked to change in place."""


class EngineLimitError(CouncilsimError):
    """A valid request that an engine cannot compute within its limits."""


class DataIntegrityError(CouncilsimError):
    """The bundled data failed a check: damaged, edited, or inconsistent."""


class LeakageError(CouncilsimError):
    """A forecast or calibration would see information from on or after its own date.

    Raised by explicit checks (not ``assert``, which ``python -O`` removes): it signals a bug,
    but one whose consequence — scores that look better than they are — must never pass silently.
    """


class ScenarioError(InputError):
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
