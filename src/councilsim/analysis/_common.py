"""Helpers shared by the analysis modules (internal: not part of the public API).

Resolving drafts and engine options, rewriting a provision, running texts over an executor, and
plain-text, JSON and HTML output. The module is private (underscore); its names are not, because
the analysis modules share them.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

from councilsim._export import dumps, frame, import_pandas, jsonable
from councilsim._frozen import read_only_fields
from councilsim.api import as_scenario, simulate
from councilsim.catalog import ProvisionKind, severity_of
from councilsim.errors import ArgumentTypeError, InputError
from councilsim.exact import ExactTooCostly
from councilsim.models import Draft, Provision, Scenario
from councilsim.options import EngineOptions, Method, Provenance, SeedLike
from councilsim.results import short_repr

__all__ = [  # shared with the analysis modules (some re-exported from the layers below)
    "EngineOptions",
    "Method",
    "Report",
    "SeedLike",
    "as_draft",
    "as_scenario",
    "checked_target",
    "dumps",
    "format_value",
    "import_pandas",
    "jsonable",
    "map_tasks",
    "plain_scalar",
    "preformatted_html",
    "provision_for",
    "provision_kind",
    "resolve_engine",
    "run_with_fallback",
    "simulate_text",
    "text_table",
    "with_provision",
]

def as_draft(scenario: Scenario, draft: str | Draft | None) -> Draft:
    if isinstance(draft, Draft):
        scenario.check_draft(draft)  # a draft from elsewhere meets the scenario's own checks
        return draft
    if draft is None or isinstance(draft, str):
        return scenario.draft(draft)
    raise ArgumentTypeError(
        f"draft must be a draft id, a Draft or None, got {type(draft).__name__}")


def resolve_engine(
    scenario: Scenario, draft: Draft, options: EngineOptions | None, **keywords: Any
) -> EngineOptions:
    """An analysis' engine options, checked and resolved once against the scenario.

    ``keywords`` (method, draws, seed, nodes, model, executor; None means not given) take
    precedence over ``options``; see :meth:`councilsim.options.EngineOptions.resolve`. With
    Monte Carlo the resolved seed is one integer shared by every text of the analysis (common
    random numbers), recorded in the result so that the analysis can be repeated exactly.
    """
    return EngineOptions.of(options, **keywords).resolve(scenario, draft)


def run_with_fallback(
    compute: Callable[[EngineOptions], Any],
    scenario: Scenario,
    draft: Draft,
    options: EngineOptions | None,
    **keywords: Any,
) -> tuple[EngineOptions, Any]:
    """The resolved engine and ``compute(engine)``; under ``auto``, Monte Carlo if exact fails.

    ``auto`` is resolved on the scenario as given; an analysis that varies the stances (a
    smaller uncertainty, a larger shared shock) can reach texts whose exact grids are too
    large. Then the whole analysis runs again with Monte Carlo, so that all its texts share one
    engine (differences between texts are never differences between engines). A method asked
    for explicitly is kept, and its error raised.
    """
    engine = resolve_engine(scenario, draft, options, **keywords)
    try:
        return engine, compute(engine)
    except ExactTooCostly:
        asked = EngineOptions.of(options, **keywords).method or scenario.simulation.method
        if asked != "auto":
            raise
    engine = resolve_engine(scenario, draft, options, **(keywords | {"method": "monte_carlo"}))
    return engine, compute(engine)


def provision_kind(scenario: Scenario, kind: str) -> ProvisionKind:
    kinds = scenario.provision_kinds
    if not isinstance(kind, str) or kind not in kinds:
        known = ", ".join(sorted(kinds))
        raise InputError(f"unknown provision kind {kind!r}; known kinds: {known}")
    return kinds[kind]


def plain_scalar(value: Any) -> Any:
    """Numpy scalars to Python scalars, so pydantic and JSON see ordinary types."""
    return value.item() if isinstance(value, np.generic) else value


def provision_for(
    scenario: Scenario, kind: str, value: Any, *, severity: bool = False, note: str | None = None
) -> Provision:
    """Build a provision of ``kind`` at ``value`` (real units, level name, bool) or severity.

    Raises
    ------
    ValueError
        Naming the forms the kind allows.
    """
    entry = provision_kind(scenario, kind)
    value = plain_scalar(value)
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


def with_provision(draft: Draft, provision: Provision) -> Draft:
    """``draft`` with ``provision`` replacing the one of its kind (or added at the end)."""
    provisions = list(draft.provisions)
    for i, old in enumerate(provisions):
        if old.kind == provision.kind:
            provisions[i] = provision
            break
    else:
        provisions.append(provision)
    return draft.model_copy(update={"provisions": tuple(provisions)})


def simulate_text(scenario: Scenario, draft: Draft, engine: EngineOptions):
    """One text of an analysis, simulated with the analysis' resolved options (no P(decisive)).

    A Monte Carlo text runs its tasks over ``engine.executor`` when there is one; analyses that
    map their texts over the executor pass options without it to each text.
    """
    return simulate(scenario, draft, options=engine, decisive=False)


def map_tasks(function, tasks: list, executor: Executor | None, progress=None) -> list:
    if executor is None:
        outputs = map(function, tasks)
    elif not callable(getattr(executor, "map", None)):
        raise ArgumentTypeError(
            "executor must have a map method (e.g. concurrent.futures.Executor)")
    else:
        outputs = executor.map(function, tasks)
    if progress is None:
        return list(outputs)
    done = []
    for output in outputs:  # results arrive in order, whatever the executor
        done.append(output)
        progress(len(done), len(tasks))
    return done


def text_table(
    header: Sequence[str], rows: Iterable[Sequence[str]], left: Iterable[int] = (0,)
) -> str:
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


def preformatted_html(text: str) -> str:
    return f"<pre>{html.escape(text)}</pre>"


def format_value(value: Any, unit: str | None = None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
        return f"{text} {unit}" if unit else text
    return str(value)


def checked_target(target: float) -> float:
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0.0 < target < 1.0:
        raise InputError(f"target must be a probability strictly between 0 and 1, got {target!r}")
    return float(target)


class Report:
    """The output forms every analysis result shares.

    Subclasses define ``to_dict``, ``to_table`` (named columns and rows: the CSV the command
    line writes, without pandas) and ``summary``.
    """

    def __post_init__(self) -> None:
        read_only_fields(self)

    @property
    def provenance(self) -> Provenance:
        """What produced this result: engine and settings, scenario hash, version."""
        return Provenance.of(self)

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` and the :attr:`provenance` as JSON (``kwargs`` to json.dumps)."""
        return dumps({**self.to_dict(), "provenance": self.provenance.to_dict()}, **kwargs)

    def table_with_provenance(self) -> tuple[list[str], list[list[Any]]]:
        """:meth:`to_table` with the provenance as columns: the command line's CSV.

        The engine, draws, nodes, seed and version repeat on every row, so that a CSV file on
        its own says how to reproduce it.
        """
        header, rows = self.to_table()
        extra = {name: value for name, value in self.provenance.to_dict().items()
                 if name in ("method", "draws", "nodes", "seed", "version")
                 and name not in header}
        return [*header, *extra], [[*row, *extra.values()] for row in rows]

    def to_frame(self):
        """The rows of :meth:`to_table` as a pandas DataFrame (needs pandas)."""
        return frame(*self.to_table())

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return short_repr(self)

    def _repr_html_(self) -> str:
        return preformatted_html(self.summary())
