"""How a draft's fate changes with one provision (or two): P(adopted) along a grid of texts.

:func:`sweep` rewrites one provision of a draft to each value of a grid — in the catalog's real
units (barrels a year, workers), as level names, ``True``/``False`` for a ban, or as severities —
and simulates every resulting text. :func:`sweep_grid` does the same over the product of two
grids. With Monte Carlo every text is simulated with the same seed (common random numbers), so
the curves are smooth and differences between neighbouring points are not noise.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from councilsim._progress import ProgressLike, progress_reporter
from councilsim.analysis._common import (
    Method,
    Report,
    SeedLike,
    as_draft,
    as_scenario,
    checked_target,
    format_value,
    jsonable,
    map_tasks,
    plain_scalar,
    provision_for,
    provision_kind,
    resolve_engine,
    text_table,
    with_provision,
)
from councilsim.api import simulate_texts
from councilsim.errors import InputError
from councilsim.exact import BATCH_LAWS
from councilsim.models import Draft, Provision, Scenario
from councilsim.options import EngineOptions
from councilsim.results import chart

__all__ = ["SweepGrid", "SweepResult", "sweep", "sweep_grid"]


# ---------------------------------------------------------------------------------------------
# Points of a sweep
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Points:
    """Texts simulated by one task: a batch for the exact engine, one text for Monte Carlo."""

    scenario: Scenario
    drafts: tuple[Draft, ...]
    engine: EngineOptions  # resolved, without the executor


def _run_points(points: _Points) -> list[tuple]:
    results = simulate_texts(points.scenario, list(points.drafts), points.engine, decisive=False)
    return [(r.p_adopted, r.p_vetoed, r.p_short, r.std_error, r.veto_prob, r.p_no)
            for r in results]


def _simulate_points(
    scenario: Scenario, drafts: list[Draft], engine: EngineOptions, progress: ProgressLike = None
) -> list[tuple]:
    """Every text's outcome, in order; tasks are mapped over ``executor``.

    Exact texts go in batches (the exact engine evaluates a batch at once), Monte Carlo texts
    one per task.
    """
    size = BATCH_LAWS if engine.method == "exact" else 1
    tasks = [
        _Points(scenario, tuple(drafts[i : i + size]), engine.without_executor())
        for i in range(0, len(drafts), size)
    ]
    with progress_reporter(progress, f"{len(drafts)} texts") as report:
        outputs = map_tasks(_run_points, tasks, engine.executor, report)
    return [output for batch in outputs for output in batch]


def _grid_values(
    scenario: Scenario, kind: str, values: Any, severity: bool
) -> tuple[list[Any], list[Provision], np.ndarray]:
    """Validate one axis: values as Python scalars, their provisions and severities."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable | np.ndarray):
        raise InputError(f"values for {kind!r} must be a sequence (list, array), got {values!r}")
    items = values.ravel().tolist() if isinstance(values, np.ndarray) else list(values)
    plain = [plain_scalar(v) for v in items]
    if not plain:
        raise InputError(f"values for {kind!r} must not be empty")
    note = "swept (severity)" if severity else "swept"
    provisions = [provision_for(scenario, kind, v, severity=severity, note=note) for v in plain]
    severities = np.array([scenario.severity(p) for p in provisions])
    return plain, provisions, severities


def _axis(values: list[Any], severities: np.ndarray) -> tuple[np.ndarray, str]:
    """Pick the numeric x axis: the values when all are numbers, else the severities."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=float), "value"
    return severities.copy(), "severity"


def _crossings(x: np.ndarray, p: np.ndarray, target: float) -> tuple[list[float], list[str]]:
    """Where ``p`` crosses ``target`` along ``x``, by linear interpolation between grid points.

    A run of points exactly at the target between points on opposite sides counts once, at the
    middle of the run; touching the target and turning back is not a crossing.
    """
    sign = np.sign(p - target)
    where, direction = [], []
    last = None  # index of the last point off the target
    for i, s in enumerate(sign):
        if s == 0:
            continue
        if last is not None and sign[last] != s:
            if i == last + 1:
                t = (target - p[last]) / (p[i] - p[last])
                where.append(float(x[last] + t * (x[i] - x[last])))
            else:  # points last+1 .. i-1 sit exactly on the target
                where.append(float(0.5 * (x[last + 1] + x[i - 1])))
            direction.append("up" if s > 0 else "down")
        last = i
    return where, direction


# ---------------------------------------------------------------------------------------------
# One provision
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)  # repr: Report's, a screenful
class SweepResult(Report):
    """P(adopted), P(vetoed) and each veto holder's veto risk along one provision's values.

    Attributes
    ----------
    draft_id : str
        The draft whose provision was rewritten.
    provision : str
        The provision kind swept.
    label : str
        The kind's human-readable name.
    unit : str or None
        The catalog unit of numeric values (None for bans and level-only kinds).
    values : tuple
        The values swept, as given (real units, level names, booleans, or severities when
        ``by_severity``).
    by_severity : bool
        Whether ``values`` are severities rather than values in real units.
    severities : ndarray of float
        Severity of each value.
    x : ndarray of float
        The numeric axis: ``values`` when they are numbers, else ``severities`` (see ``axis``).
    axis : {"value", "severity"}
        What ``x`` and ``crossings`` are measured in.
    p_adopted, p_vetoed, p_short : ndarray of float
        Probability of adoption, of a veto (the required yes votes and a holder's no), and of
        too few yes votes (whatever the holders did).
    veto_prob : dict of str to ndarray
        For each veto holder, its probability of vetoing: the required yes votes and its no.
    p_no : dict of str to ndarray
        For each veto holder, its probability of voting no.
    error : ndarray of float
        The exact engine's quadrature error bound, or the Monte Carlo standard error, of
        ``p_adopted`` at each point.
    target : float
        The level of P(adopted) whose crossings are reported.
    crossings : tuple of float
        Every value of ``x`` where P(adopted) crosses ``target`` (linear interpolation between
        neighbouring grid points), in grid order.
    crossing_directions : tuple of str
        ``"down"`` where P(adopted) falls through the target along the grid, ``"up"`` where it
        rises through it.
    method : str
        ``"exact"`` or ``"monte_carlo"``.
    draws : int or None
        Monte Carlo draws per point.
    seed : int or None
        Entropy of the root seed shared by all points (Monte Carlo).
    nodes : int or None
        Quadrature nodes, when given.
    scenario_title : str
        For display.
    scenario_hash : str
        SHA-256 of the scenario's canonical JSON.
    """

    draft_id: str
    provision: str
    label: str
    unit: str | None
    values: tuple[Any, ...]
    by_severity: bool
    severities: np.ndarray
    x: np.ndarray
    axis: str
    p_adopted: np.ndarray
    p_vetoed: np.ndarray
    p_short: np.ndarray
    veto_prob: dict[str, np.ndarray]
    p_no: dict[str, np.ndarray]
    error: np.ndarray
    target: float
    crossings: tuple[float, ...]
    crossing_directions: tuple[str, ...]
    method: str
    draws: int | None
    seed: int | None
    nodes: int | None
    scenario_title: str
    scenario_hash: str

    @property
    def crossing(self) -> float | tuple[float, ...] | None:
        """Where P(adopted) crosses ``target``: None if never, the value if once, else all."""
        if not self.crossings:
            return None
        return self.crossings[0] if len(self.crossings) == 1 else self.crossings

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python types (JSON-ready; arrays become lists)."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["crossing"] = self.crossing
        return jsonable(out)

    def to_table(self) -> tuple[list[str], list[list[Any]]]:
        """``(columns, rows)``: one row per grid point (the CSV of ``councilsim sweep``).

        The value column is named with the kind and its unit, e.g. ``oil_refined
        (barrels/year)``; ``veto_CODE`` is a holder's veto risk, ``p_no_CODE`` its P(no);
        ``error`` is the quadrature error bound (exact) or standard error (Monte Carlo).
        """
        unit = "severity" if self.by_severity else self.unit
        columns = [f"{self.provision} ({unit})" if unit else self.provision, "severity",
                   "p_adopted", "p_vetoed", "p_short",
                   *(f"veto_{code}" for code in self.veto_prob),
                   *(f"p_no_{code}" for code in self.p_no),
                   "quadrature_error" if self.method == "exact" else "std_error"]
        rows = [
            [self.values[i], self.severities[i], self.p_adopted[i], self.p_vetoed[i],
             self.p_short[i], *(p[i] for p in self.veto_prob.values()),
             *(p[i] for p in self.p_no.values()), self.error[i]]
            for i in range(len(self.values))
        ]
        return columns, rows

    def plot(self, ax=None, **kwargs: Any):
        """P(adopted) and the veto risks against the swept value; returns the Axes.

        ``kwargs`` go to :func:`councilsim.plot.sweep_curves`.
        """
        return chart("sweep_curves")(self, ax=ax, **kwargs)

    def _crossing_text(self) -> str:
        unit = "severity" if self.axis == "severity" else self.unit
        if not self.crossings:
            return f"P(adopted) never crosses {self.target:g} on this grid"
        parts = [
            f"{'falls' if d == 'down' else 'rises'} through {self.target:g} at "
            f"{format_value(c, unit) if self.axis == 'value' else f'severity {c:.4f}'}"
            for c, d in zip(self.crossings, self.crossing_directions, strict=True)
        ]
        return "P(adopted) " + "; ".join(parts)

    def summary(self, max_rows: int = 25) -> str:
        """Return a plain-text table (at most ``max_rows`` evenly spaced points), crossings."""
        n = len(self.values)
        shown = np.unique(np.round(np.linspace(0, n - 1, min(n, max_rows))).astype(int))
        unit = "severity" if self.by_severity else (self.unit or "")
        header = [f"{self.provision} ({unit})" if unit else self.provision, "severity",
                  "P(adopted)", "P(vetoed)", *(f"veto {c}" for c in self.veto_prob)]
        rows = [
            [
                f"{self.values[i]:.4f}" if self.by_severity else format_value(self.values[i]),
                f"{self.severities[i]:.4f}",
                f"{self.p_adopted[i]:.4f}",
                f"{self.p_vetoed[i]:.4f}",
                *(f"{p[i]:.4f}" for p in self.veto_prob.values()),
            ]
            for i in shown
        ]
        how = "exact" if self.method == "exact" else (
            f"Monte Carlo, {self.draws:,} draws per point, common seed {self.seed}"
        )
        lines = [
            f"Sweep of {self.label} ({self.provision}) in draft {self.draft_id!r}: "
            f"{n} points ({how})",
            text_table(header, rows),
        ]
        if len(shown) < n:
            lines.append(f"({len(shown)} of {n} points shown)")
        lines.append(self._crossing_text())
        return "\n".join(lines)


def sweep(
    scenario: Scenario | str | os.PathLike,
    draft: str | Draft | None,
    provision: str,
    values: Sequence[Any] | np.ndarray,
    *,
    severity: bool = False,
    method: Method | None = None,
    draws: int | None = None,
    seed: SeedLike = None,
    nodes: int | None = None,
    target: float = 0.5,
    model: Any = None,
    executor: Executor | None = None,
    options: EngineOptions | None = None,
    progress: ProgressLike = None,
) -> SweepResult:
    """Simulate a draft with one provision set to each of a grid of values.

    Each value gives a modified draft (the provision of that kind replaced, or added when the
    draft lacks it); every modified draft is simulated.

    Parameters
    ----------
    scenario : Scenario or path
        The situation, or a path to a scenario TOML file.
    draft : str, Draft or None
        The draft (id, object, or None when the scenario has exactly one).
    provision : str
        A provision kind of the scenario's catalog, e.g. ``"oil_refined"``.
    values : sequence or array
        The grid, in the kind's real units: numbers in the catalog unit for a cap (e.g.
        ``np.linspace(0, 4_500_000, 50)`` barrels/year), level names for a kind with levels,
        ``True``/``False`` for a ban; or severities in [0, 1] when ``severity=True``.
    severity : bool
        Read ``values`` as severities.
    method : {"auto", "exact", "monte_carlo"}, optional
        Engine for every point; default the scenario's ``simulation.method``. ``auto`` is
        exact when the vote model has an exact form and its grids stay reasonable.
    draws : int, optional
        Monte Carlo draws per point (default: the scenario's ``simulation.draws``).
    seed : None, int, SeedSequence or Generator, optional
        Monte Carlo seed, the same for every point (common random numbers); default the
        scenario's ``simulation.seed``, else fresh entropy (recorded in the result).
    nodes : int, optional
        Least number of mood points of the exact engine (see :func:`councilsim.simulate`).
    target : float
        Level of P(adopted) whose crossings are reported (default 0.5).
    model : VoteModel, optional
        Vote model passed to :func:`councilsim.simulate`.
    executor : concurrent.futures.Executor, optional
        Maps the grid points over an executor; the results are identical to a serial run.
    options : EngineOptions, optional
        method, draws, seed, nodes, model and executor in one object (the keyword arguments,
        when given, take precedence).
    progress : bool or callable, optional
        ``True`` draws a progress bar over the texts (terminal or notebook); a callable is
        called as ``progress(done, total)``.

    Returns
    -------
    SweepResult

    Raises
    ------
    ValueError
        For an unknown kind, a value the kind does not take (the message lists the allowed
        forms), an unknown method or a target outside (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from councilsim import load_scenario
    >>> s = load_scenario("scenarios/dprk-2017-09.toml")  # doctest: +SKIP
    >>> r = sweep(s, "res-2375", "oil_refined", np.linspace(0, 4.5e6, 10))  # doctest: +SKIP
    >>> r.crossing  # doctest: +SKIP
    """
    scenario = as_scenario(scenario)
    base = as_draft(scenario, draft)
    engine = resolve_engine(scenario, base, options, method=method, draws=draws, seed=seed,
                            nodes=nodes, model=model, executor=executor)
    target = checked_target(target)
    entry = provision_kind(scenario, provision)
    plain, provisions, severities = _grid_values(scenario, provision, values, bool(severity))
    drafts = [with_provision(base, p) for p in provisions]
    outputs = _simulate_points(scenario, drafts, engine, progress)
    x, axis = _axis(plain, severities)
    p_adopted = np.array([o[0] for o in outputs])
    crossings, directions = _crossings(x, p_adopted, target)
    veto_holders = list(outputs[0][4])
    return SweepResult(
        draft_id=base.id,
        provision=provision,
        label=entry.label,
        unit=entry.unit,
        values=tuple(plain),
        by_severity=bool(severity),
        severities=severities,
        x=x,
        axis=axis,
        p_adopted=p_adopted,
        p_vetoed=np.array([o[1] for o in outputs]),
        p_short=np.array([o[2] for o in outputs]),
        veto_prob={code: np.array([o[4][code] for o in outputs]) for code in veto_holders},
        p_no={code: np.array([o[5][code] for o in outputs]) for code in veto_holders},
        error=np.array([o[3] for o in outputs]),
        target=target,
        crossings=tuple(crossings),
        crossing_directions=tuple(directions),
        **engine.provenance_fields(),
        scenario_title=scenario.title,
        scenario_hash=scenario.content_hash(),
    )


# ---------------------------------------------------------------------------------------------
# Two provisions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)  # repr: Report's, a screenful
class SweepGrid(Report):
    """P(adopted) and vetoes over the product of two provisions' grids.

    Arrays are indexed ``[i, j]`` for ``values[0][i]`` and ``values[1][j]``.

    Attributes
    ----------
    draft_id : str
        The draft whose provisions were rewritten.
    provisions : tuple of str
        The two kinds swept.
    labels : tuple of str
        Their human-readable names.
    units : tuple of (str or None)
        Their catalog units.
    values : tuple of tuple
        The two grids, as given.
    by_severity : tuple of bool
        Whether each grid was given as severities.
    severities : tuple of ndarray
        Severity of each grid value.
    p_adopted, p_vetoed, p_short : ndarray of float, shape (n0, n1)
        Probability of adoption, of a veto (the required yes votes and a holder's no), of too
        few yes votes (whatever the holders did).
    veto_prob : dict of str to ndarray
        Each veto holder's probability of vetoing, shape (n0, n1).
    p_no : dict of str to ndarray
        Each veto holder's probability of voting no, shape (n0, n1).
    error : ndarray of float, shape (n0, n1)
        Quadrature error bound (exact) or standard error (Monte Carlo) of ``p_adopted``.
    target : float
        Reference level of P(adopted); :meth:`feasible` marks the points at or above it.
    method : str
        ``"exact"`` or ``"monte_carlo"``.
    draws : int or None
        Monte Carlo draws per point.
    seed : int or None
        Entropy of the root seed shared by all points (Monte Carlo).
    nodes : int or None
        Quadrature nodes, when given.
    scenario_title : str
        For display.
    scenario_hash : str
        SHA-256 of the scenario's canonical JSON.
    """

    draft_id: str
    provisions: tuple[str, str]
    labels: tuple[str, str]
    units: tuple[str | None, str | None]
    values: tuple[tuple[Any, ...], tuple[Any, ...]]
    by_severity: tuple[bool, bool]
    severities: tuple[np.ndarray, np.ndarray]
    p_adopted: np.ndarray
    p_vetoed: np.ndarray
    p_short: np.ndarray
    veto_prob: dict[str, np.ndarray]
    p_no: dict[str, np.ndarray]
    error: np.ndarray
    target: float
    method: str
    draws: int | None
    seed: int | None
    nodes: int | None
    scenario_title: str
    scenario_hash: str

    def feasible(self) -> np.ndarray:
        """Boolean array: where P(adopted) reaches ``target``."""
        return self.p_adopted >= self.target

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python types (JSON-ready; arrays become nested lists)."""
        return jsonable({name: getattr(self, name) for name in self.__dataclass_fields__})

    def to_table(self) -> tuple[list[str], list[list[Any]]]:
        """``(columns, rows)``: one row per grid point, in long form (as :class:`SweepResult`)."""
        n0, n1 = self.p_adopted.shape
        names = [
            f"{kind} ({'severity' if flag else unit})" if flag or unit else kind
            for kind, unit, flag in zip(self.provisions, self.units, self.by_severity,
                                        strict=True)
        ]
        columns = [*names, *(f"severity {kind}" for kind in self.provisions), "p_adopted",
                   "p_vetoed", "p_short", *(f"veto_{c}" for c in self.veto_prob),
                   *(f"p_no_{c}" for c in self.p_no),
                   "quadrature_error" if self.method == "exact" else "std_error"]
        rows = [
            [self.values[0][i], self.values[1][j], self.severities[0][i], self.severities[1][j],
             self.p_adopted[i, j], self.p_vetoed[i, j], self.p_short[i, j],
             *(p[i, j] for p in self.veto_prob.values()), *(p[i, j] for p in self.p_no.values()),
             self.error[i, j]]
            for i in range(n0) for j in range(n1)
        ]
        return columns, rows

    def summary(self, max_rows: int = 15, max_columns: int = 8) -> str:
        """P(adopted) as a plain-text table (rows: first provision, columns: second).

        Values at or above ``target`` are marked with ``*``; large grids are thinned evenly.
        """
        n0, n1 = self.p_adopted.shape
        rows_idx = np.unique(np.round(np.linspace(0, n0 - 1, min(n0, max_rows))).astype(int))
        cols_idx = np.unique(np.round(np.linspace(0, n1 - 1, min(n1, max_columns))).astype(int))

        def show(axis: int, k: int) -> str:
            value = self.values[axis][k]
            return f"{value:.3f}" if self.by_severity[axis] else format_value(value)

        a, b = self.provisions
        header = [f"{a} \\ {b}", *(show(1, j) for j in cols_idx)]
        rows = [
            [show(0, i)]
            + [
                f"{self.p_adopted[i, j]:.3f}{'*' if self.p_adopted[i, j] >= self.target else ' '}"
                for j in cols_idx
            ]
            for i in rows_idx
        ]
        units = [
            "severity" if by_severity else (unit or "")
            for by_severity, unit in zip(self.by_severity, self.units, strict=True)
        ]
        lines = [
            f"P(adopted) of draft {self.draft_id!r}: rows {a} ({units[0]}), columns {b} "
            f"({units[1]}); * marks P(adopted) >= {self.target:g}",
            text_table(header, rows),
        ]
        if len(rows_idx) < n0 or len(cols_idx) < n1:
            lines.append(f"({len(rows_idx)} of {n0} rows, {len(cols_idx)} of {n1} columns shown)")
        return "\n".join(lines)


def sweep_grid(
    scenario: Scenario | str | os.PathLike,
    draft: str | Draft | None,
    first: tuple[str, Sequence[Any] | np.ndarray],
    second: tuple[str, Sequence[Any] | np.ndarray],
    *,
    severity: bool | tuple[bool, bool] = False,
    method: Method | None = None,
    draws: int | None = None,
    seed: SeedLike = None,
    nodes: int | None = None,
    target: float = 0.5,
    model: Any = None,
    executor: Executor | None = None,
    options: EngineOptions | None = None,
    progress: ProgressLike = None,
) -> SweepGrid:
    """Simulate a draft over the product of two provisions' grids.

    Parameters
    ----------
    scenario : Scenario or path
        The situation, or a path to a scenario TOML file.
    draft : str, Draft or None
        The draft (id, object, or None when the scenario has exactly one).
    first, second : tuple of (str, values)
        Each a provision kind and its grid, as for :func:`sweep`; the kinds must differ.
    severity : bool or tuple of two bool
        Read the grids as severities (one flag for both, or one per grid).
    method, draws, seed, nodes, target, model, executor, options, progress
        As for :func:`sweep` (one common seed for all points).

    Returns
    -------
    SweepGrid
    """
    scenario = as_scenario(scenario)
    base = as_draft(scenario, draft)
    engine = resolve_engine(scenario, base, options, method=method, draws=draws, seed=seed,
                            nodes=nodes, model=model, executor=executor)
    target = checked_target(target)
    flags = (severity, severity) if isinstance(severity, bool) else tuple(severity)
    if len(flags) != 2 or not all(isinstance(f, bool) for f in flags):
        raise InputError(f"severity must be a bool or a pair of bools, got {severity!r}")
    axes = []
    for name, pair in (("first", first), ("second", second)):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise InputError(f"{name} must be a (provision kind, values) pair, got {pair!r}")
        axes.append(pair)
    (kind0, values0), (kind1, values1) = axes
    if kind0 == kind1:
        raise InputError(f"the two provisions must differ; both are {kind0!r}")
    entries = (provision_kind(scenario, kind0), provision_kind(scenario, kind1))
    plain0, provs0, sev0 = _grid_values(scenario, kind0, values0, flags[0])
    plain1, provs1, sev1 = _grid_values(scenario, kind1, values1, flags[1])
    drafts = [with_provision(with_provision(base, p0), p1) for p0 in provs0 for p1 in provs1]
    outputs = _simulate_points(scenario, drafts, engine, progress)
    shape = (len(provs0), len(provs1))

    def grid(k: int) -> np.ndarray:
        return np.array([o[k] for o in outputs]).reshape(shape)

    return SweepGrid(
        draft_id=base.id,
        provisions=(kind0, kind1),
        labels=(entries[0].label, entries[1].label),
        units=(entries[0].unit, entries[1].unit),
        values=(tuple(plain0), tuple(plain1)),
        by_severity=flags,
        severities=(sev0, sev1),
        p_adopted=grid(0),
        p_vetoed=grid(1),
        p_short=grid(2),
        veto_prob={
            code: np.array([o[4][code] for o in outputs]).reshape(shape) for code in outputs[0][4]
        },
        p_no={
            code: np.array([o[5][code] for o in outputs]).reshape(shape) for code in outputs[0][5]
        },
        error=grid(3),
        target=target,
        **engine.provenance_fields(),
        scenario_title=scenario.title,
        scenario_hash=scenario.content_hash(),
    )

