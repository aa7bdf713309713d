"""Helpers shared by the analysis modules.

Resolving scenarios and drafts, rewriting a provision, seeding, running points over an
executor, and plain-text, JSON and HTML output.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from typing import Any, Literal

import numpy as np

from councilsim.api import (
    _as_scenario,  # noqa: F401 - shared by the analysis modules
    _simulate_iv,
    shared_seed,
    simulate,
)
from councilsim.catalog import ProvisionKind, severity_of
from councilsim.errors import InputError
from councilsim.models import Draft, Provision, Scenario
from councilsim.results import _import_pandas  # noqa: F401 - shared by the analysis modules

Method = Literal["exact", "monte_carlo"]
_METHODS = ("exact", "monte_carlo")
SeedLike = None | int | np.random.SeedSequence | np.random.Generator


def _as_draft(scenario: Scenario, draft: str | Draft | None) -> Draft:
    if isinstance(draft, Draft):
        scenario.check_draft(draft)  # a draft from elsewhere meets the scenario's own checks
        return draft
    if draft is None or isinstance(draft, str):
        return scenario.draft(draft)
    raise TypeError(f"draft must be a draft id, a Draft or None, got {type(draft)}")


def _method_iv(method: str, draws: int | None, nodes: int | None = None) -> None:
    if method not in _METHODS:
        raise InputError(f"method must be one of {', '.join(map(repr, _METHODS))}; got {method!r}")
    _simulate_iv(method, draws, nodes)  # draws and nodes: exactly what simulate() accepts


def _common_seed(
    scenario: Scenario, method: str, seed: SeedLike
) -> tuple[np.random.SeedSequence | None, int | None]:
    """One root seed for every text of an analysis (common random numbers), and its entropy.

    ``None`` falls back to the scenario's ``simulation.seed`` and then to fresh entropy, which
    is recorded so that the analysis can be repeated exactly.
    """
    if method != "monte_carlo":
        return None, None
    entropy = shared_seed(scenario, seed)
    return np.random.SeedSequence(entropy), entropy


def _kind(scenario: Scenario, kind: str) -> ProvisionKind:
    kinds = scenario.provision_kinds
    if not isinstance(kind, str) or kind not in kinds:
        known = ", ".join(sorted(kinds))
        raise InputError(f"unknown provision kind {kind!r}; known kinds: {known}")
    return kinds[kind]


def _plain(value: Any) -> Any:
    """Numpy scalars to Python scalars, so pydantic and JSON see ordinary types."""
    return value.item() if isinstance(value, np.generic) else value


def _provision_for(
    scenario: Scenario, kind: str, value: Any, *, severity: bool = False, note: str | None = None
) -> Provision:
    """Build a provision of ``kind`` at ``value`` (real units, level name, bool) or severity.

    Raises
    ------
    ValueError
        Naming the forms the kind allows.
    """
    entry = _kind(scenario, kind)
    value = _plain(value)
    if severity:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
            raise InputError(f"severities of {kind!r} must be numbers in [0, 1], got {value!r}")
        return Provision(kind=kind, severity=float(value), note=note)
    if isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    try:
        severity_of(kind, entry, value=value)  # the message lists the allowed forms
    except ValueError as err:
        raise InputError(f"{err} (to give severities, pass severity=True)") from None
    unit = entry.unit if isinstance(value, float) else None
    return Provision(kind=kind, value=value, unit=unit, note=note)


def _with_provision(draft: Draft, provision: Provision) -> Draft:
    """``draft`` with ``provision`` replacing the one of its kind (or added at the end)."""
    provisions = list(draft.provisions)
    for i, old in enumerate(provisions):
        if old.kind == provision.kind:
            provisions[i] = provision
            break
    else:
        provisions.append(provision)
    return draft.model_copy(update={"provisions": tuple(provisions)})


def _simulate(scenario: Scenario, draft: Draft, method: str, draws, seed, nodes):
    return simulate(
        scenario, draft, method=method, draws=draws, seed=seed, nodes=nodes, decisive=False
    )


def _map(function, tasks: list, executor: Executor | None) -> list:
    if executor is None:
        return [function(task) for task in tasks]
    if not callable(getattr(executor, "map", None)):
        raise TypeError("executor must have a map method (e.g. concurrent.futures.Executor)")
    return list(executor.map(function, tasks))


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], left: Iterable[int] = (0,)) -> str:
    """Aligned plain-text table: columns in ``left`` left-aligned, the others right-aligned."""
    rows = [list(map(str, row)) for row in rows]
    header = list(map(str, header))
    left = set(left)
    widths = [max(len(row[c]) for row in [header, *rows]) for c in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.ljust(w) if c in left else cell.rjust(w)
            for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def _jsonable(value: Any) -> Any:
    """Recursively turn arrays, tuples and numpy scalars into JSON-ready Python values."""
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _dumps(data: dict[str, Any], kwargs: dict[str, Any]) -> str:
    kwargs.setdefault("indent", 2)
    return json.dumps(data, **kwargs)


def _html(text: str) -> str:
    return f"<pre>{html.escape(text)}</pre>"


def _format_value(value: Any, unit: str | None = None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
        return f"{text} {unit}" if unit else text
    return str(value)


def _target_iv(target: float) -> float:
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0.0 < target < 1.0:
        raise InputError(f"target must be a probability strictly between 0 and 1, got {target!r}")
    return float(target)


class _Report:
    """The output forms every analysis result shares.

    Subclasses define ``to_dict`` and ``summary``.
    """

    def to_json(self, **kwargs: Any) -> str:
        """Return :meth:`to_dict` as JSON; keyword arguments go to :func:`json.dumps`."""
        return _dumps(self.to_dict(), kwargs)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return _html(self.summary())
