"""Which stance parameters matter: P(adopted)'s sensitivity to every parameter of the vote model.

Each parameter of the random-utility model (docs/model.md) is moved down and up by a step,
clipped to its allowed range, and the draft is simulated at both ends; the central finite
difference is the parameter's effect. Sorted by size, the rows are the data of a tornado diagram.

Parameters covered, for every council member (members without a stance in the scenario have the
default one, and are covered too): ``support``, ``uncertainty``, ``abstention``, ``veto_cost``
(veto holders only), ``ideal.<kind>`` / ``salience.<kind>`` for each entry the member lists,
and the terms that apply to this draft: ``affinity.<key>`` for each affinity whose code or camp
is among the draft's sponsors, ``rival`` when a rival text is on the table, ``amendment`` for an
amendment; for every bloc its ``sd`` and, for a bloc with loadings, each member's
``loading.<code>``; for the council the ``mood_sd``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
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
    jsonable,
    map_tasks,
    run_with_fallback,
    simulate_text,
    text_table,
)
from councilsim.errors import InputError, NotFoundError
from councilsim.models import Draft, Scenario
from councilsim.options import EngineOptions
from councilsim.results import chart

__all__ = ["Sensitivity", "SensitivityRow", "sensitivity"]

#: Parameter families and their allowed ranges (low, high); the step of each family can be set.
RANGES: dict[str, tuple[float, float]] = {
    "support": (-math.inf, math.inf),
    "uncertainty": (0.01, math.inf),  # must stay > 0; a floor keeps the exact engine's grid small
    "abstention": (0.0, math.inf),
    "veto_cost": (0.0, math.inf),
    "ideal": (0.0, 1.0),
    "salience": (0.0, math.inf),
    "affinity": (-math.inf, math.inf),
    "rival": (-math.inf, math.inf),
    "amendment": (-math.inf, math.inf),
    "bloc_sd": (0.0, math.inf),
    "loading": (-math.inf, math.inf),
    "mood_sd": (0.0, math.inf),
}


@dataclass(frozen=True)
class SensitivityRow:
    """One parameter's effect on P(adopted): a bar of a tornado diagram.

    Attributes
    ----------
    scope : {"member", "bloc", "council"}
        What the parameter belongs to.
    member : str
        Member code, bloc name, or ``"council"`` (for ``mood_sd``).
    parameter : str
        ``support``, ``uncertainty``, ``abstention``, ``veto_cost``, ``ideal.<kind>``,
        ``salience.<kind>``, ``sd`` (a bloc's shock) or ``mood_sd``.
    value : float
        The parameter's value in the scenario.
    low, high : float
        The two values simulated: ``value`` minus and plus the step, clipped to the allowed range.
    p_low, p_high : float
        P(adopted) at ``low`` and at ``high``.
    effect : float
        Central finite difference ``(p_high - p_low) / (high - low)``: the change of P(adopted)
        per unit of the parameter.
    swing : float
        ``p_high - p_low``: the width of the tornado bar.
    """

    scope: str
    member: str
    parameter: str
    value: float
    low: float
    high: float
    p_low: float
    p_high: float
    effect: float
    swing: float


@dataclass(frozen=True, repr=False)  # repr: Report's, a screenful
class Sensitivity(Report):
    """Every parameter's effect on P(adopted), largest first (the data of a tornado diagram).

    Attributes
    ----------
    draft_id : str
        The draft simulated.
    p_adopted : float
        P(adopted) with every parameter at its scenario value.
    rows : tuple of SensitivityRow
        One row per parameter, sorted by ``abs(effect)``, largest first.
    steps : dict of str to float
        The step used for each parameter family.
    method : str
        ``"exact"`` or ``"monte_carlo"``.
    error : float
        The exact engine's error bound or the Monte Carlo standard error of P(adopted) at the
        scenario values; with Monte Carlo all points share one seed, so differences are far more
        precise than this.
    draws : int or None
        Monte Carlo draws per point.
    seed : int or None
        Entropy of the root seed shared by all points (Monte Carlo).
    scenario_title : str
        For display.
    scenario_hash : str
        SHA-256 of the scenario's canonical JSON.
    nodes : int or None
        Least number of points of the exact engine's mood grid (None for Monte Carlo).
    """

    draft_id: str
    p_adopted: float
    rows: tuple[SensitivityRow, ...]
    steps: dict[str, float]
    method: str
    error: float
    draws: int | None
    seed: int | None
    scenario_title: str
    scenario_hash: str
    nodes: int | None = None

    def row(self, member: str, parameter: str) -> SensitivityRow:
        """Return the row of ``member``'s ``parameter`` (e.g. ``row("RUS", "support")``)."""
        for row in self.rows:
            if row.member == member and row.parameter == parameter:
                return row
        raise NotFoundError(f"no row for {member!r} {parameter!r}")

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python types (JSON-ready); rows become a list of dicts."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["rows"] = [row.__dict__ for row in self.rows]
        return jsonable(out)

    def to_table(self) -> tuple[list[str], list[list[Any]]]:
        """``(columns, rows)``: one row per parameter, in rank order.

        The CSV of ``councilsim sensitivity``; ``p_low``/``p_high`` are P(adopted) at
        ``low``/``high``.
        """
        columns = list(SensitivityRow.__dataclass_fields__)
        return columns, [[getattr(row, c) for c in columns] for row in self.rows]

    def plot(self, ax=None, **kwargs: Any):
        """Tornado diagram of the largest effects (needs matplotlib); returns the Axes.

        ``kwargs`` go to :func:`councilsim.plot.tornado`.
        """
        return chart("tornado")(self, ax=ax, **kwargs)

    def summary(self, top: int | None = 25) -> str:
        """Return a plain-text tornado table: the ``top`` largest effects (all when None)."""
        shown = self.rows if top is None else self.rows[:top]
        header = ["member", "parameter", "value", "low", "high", "P(low)", "P(high)", "effect"]
        rows = [
            [r.member, r.parameter, f"{r.value:.3f}", f"{r.low:.3f}", f"{r.high:.3f}",
             f"{r.p_low:.4f}", f"{r.p_high:.4f}", f"{r.effect:+.4f}"]
            for r in shown
        ]
        steps = ", ".join(f"{k} {v:g}" for k, v in self.steps.items())
        lines = [
            f"Sensitivity of P(adopted) = {self.p_adopted:.4f} for draft {self.draft_id!r} "
            f"({self.method}); effect = dP/dparameter by central differences",
            f"steps: {steps}",
            text_table(header, rows, left=(0, 1)),
        ]
        if len(shown) < len(self.rows):
            lines.append(f"({len(shown)} of {len(self.rows)} parameters shown)")
        return "\n".join(lines)


def _steps_iv(step: float | Mapping[str, float]) -> dict[str, float]:
    default = 0.1
    given: Mapping[str, float]
    if isinstance(step, Mapping):
        unknown = sorted(set(step) - set(RANGES))
        if unknown:
            raise InputError(
                f"unknown parameter families in step: {unknown}; allowed: {', '.join(RANGES)}"
            )
        given = step
    else:
        default, given = step, {}
    steps = {family: given.get(family, default) for family in RANGES}
    for family, value in steps.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
            0 < value < math.inf
        ):
            raise InputError(f"step for {family!r} must be a positive number, got {value!r}")
    return {family: float(value) for family, value in steps.items()}


@dataclass(frozen=True)
class _Variant:
    scenario: Scenario
    draft: Draft
    engine: EngineOptions  # resolved, without the executor


def _run_variant(variant: _Variant) -> float:
    return simulate_text(variant.scenario, variant.draft, variant.engine).p_adopted


def _with_member(scenario: Scenario, code: str, **update: Any) -> Scenario:
    stance = scenario.member(code).model_copy(update=update)
    members = [m for m in scenario.members if m.code != code]
    members.append(stance)
    order = {c: i for i, c in enumerate(scenario.council.members)}
    members.sort(key=lambda m: order[m.code])
    return scenario.model_copy(update={"members": tuple(members)})


def _with_bloc(scenario: Scenario, name: str, **update: Any) -> Scenario:
    blocs = tuple(b.model_copy(update=update) if b.name == name else b for b in scenario.blocs)
    return scenario.model_copy(update={"blocs": blocs})


def _parameters(scenario: Scenario, draft: Draft):
    """Yield (scope, owner, parameter, family, value, rebuild) for every parameter."""
    council = scenario.council
    sponsors = set(draft.sponsors)
    rival = scenario.has_rival(draft)
    for code in council.members:
        stance = scenario.member(code)
        for name in ("support", "uncertainty", "abstention"):
            yield ("member", code, name, name, getattr(stance, name),
                   lambda v, c=code, n=name: _with_member(scenario, c, **{n: v}))
        if code in council.veto_holders:
            yield ("member", code, "veto_cost", "veto_cost", stance.veto_cost,
                   lambda v, c=code: _with_member(scenario, c, veto_cost=v))
        for family in ("ideal", "salience"):
            table = getattr(stance, family)
            for kind, value in table.items():
                def rebuild(v, c=code, f=family, k=kind, t=table):
                    return _with_member(scenario, c, **{f: {**t, k: v}})

                yield ("member", code, f"{family}.{kind}", family, value, rebuild)
        # Only the sponsor, rival and amendment terms this draft triggers: the others cannot
        # move its P(adopted).
        for key, value in stance.affinity.items():
            if sponsors.isdisjoint(scenario.affinity_codes(key)):
                continue

            def rebuild_affinity(v, c=code, k=key, t=stance.affinity):
                return _with_member(scenario, c, affinity={**t, k: v})

            yield ("member", code, f"affinity.{key}", "affinity", value, rebuild_affinity)
        for name, applies in (("rival", rival), ("amendment", draft.amendment)):
            if applies:
                yield ("member", code, name, name, getattr(stance, name),
                       lambda v, c=code, n=name: _with_member(scenario, c, **{n: v}))
    for bloc in scenario.blocs:
        yield ("bloc", bloc.name, "sd", "bloc_sd", bloc.sd,
               lambda v, n=bloc.name: _with_bloc(scenario, n, sd=v))
        if bloc.loadings:
            for code in bloc.members:
                yield ("bloc", bloc.name, f"loading.{code}", "loading", bloc.loading(code),
                       lambda v, b=bloc, c=code: _with_bloc(scenario, b.name,
                                                            loadings={**b.loadings, c: v}))
    yield ("council", "council", "mood_sd", "mood_sd", scenario.mood_sd,
           lambda v: scenario.model_copy(update={"mood_sd": v}))


def sensitivity(
    scenario: Scenario | str | os.PathLike,
    draft: str | Draft | None = None,
    *,
    step: float | Mapping[str, float] = 0.1,
    method: Method | None = None,
    draws: int | None = None,
    seed: SeedLike = None,
    nodes: int | None = None,
    model: Any = None,
    executor: Executor | None = None,
    options: EngineOptions | None = None,
    progress: ProgressLike = None,
) -> Sensitivity:
    """Each vote-model parameter's effect on P(adopted), by central finite differences.

    Every parameter is set to ``value - step`` and ``value + step`` (clipped to its allowed
    range: ideals in [0, 1]; saliences, abstention bands, veto costs and shock sds >= 0;
    uncertainty >= 0.01) with all others at their scenario values, and the draft is simulated
    at both; ``effect = (p_high - p_low) / (high - low)``.

    Parameters
    ----------
    scenario : Scenario or path
        The situation, or a path to a scenario TOML file.
    draft : str, Draft or None
        The draft (id, object, or None when the scenario has exactly one).
    step : float or mapping
        One step for every parameter (default 0.1, in the parameter's own units), or a mapping
        from family (``support``, ``uncertainty``, ``abstention``, ``veto_cost``, ``ideal``,
        ``salience``, ``affinity``, ``rival``, ``amendment``, ``bloc_sd``, ``loading``,
        ``mood_sd``) to step; families not given use 0.1.
    method : {"auto", "exact", "monte_carlo"}, optional
        Engine; default the scenario's ``simulation.method`` (``auto``: exact when it applies).
        Monte Carlo uses one seed for every variant (common random numbers).
    draws : int, optional
        Monte Carlo draws per variant.
    seed : None, int, SeedSequence or Generator, optional
        Monte Carlo seed (default: the scenario's, else fresh entropy, recorded).
    nodes : int, optional
        Least number of mood points of the exact engine (see :func:`councilsim.simulate`).
    model : VoteModel, optional
        Vote model passed to :func:`councilsim.simulate`.
    executor : concurrent.futures.Executor, optional
        Maps the variants over an executor; results are identical.
    options : EngineOptions, optional
        method, draws, seed, nodes, model and executor in one object (the keyword arguments,
        when given, take precedence).
    progress : bool or callable, optional
        ``True`` draws a progress bar over the variants (terminal or notebook); a callable is
        called as ``progress(done, total)``.

    Returns
    -------
    Sensitivity
        Rows sorted by ``abs(effect)``, largest first.
    """
    scenario = as_scenario(scenario)
    base_draft = as_draft(scenario, draft)
    steps = _steps_iv(step)
    specs, scenarios = [], []
    for scope, owner, parameter, family, value, rebuild in _parameters(scenario, base_draft):
        floor, ceiling = RANGES[family]
        low = float(min(max(value - steps[family], floor), ceiling))
        high = float(min(max(value + steps[family], floor), ceiling))
        specs.append((scope, owner, parameter, float(value), low, high))
        scenarios += [rebuild(low), rebuild(high)]

    def run(engine: EngineOptions) -> tuple[Any, list[float]]:
        task_engine = engine.without_executor()
        variants = [_Variant(variant, base_draft, task_engine) for variant in scenarios]
        base = simulate_text(scenario, base_draft, engine)
        with progress_reporter(progress, f"{len(variants)} variants") as report:
            return base, map_tasks(_run_variant, variants, engine.executor, report)

    engine, (base, p) = run_with_fallback(
        run, scenario, base_draft, options, method=method, draws=draws, seed=seed, nodes=nodes,
        model=model, executor=executor)
    rows = []
    for k, (scope, owner, parameter, value, low, high) in enumerate(specs):
        p_low, p_high = p[2 * k], p[2 * k + 1]
        effect = (p_high - p_low) / (high - low) if high > low else 0.0
        rows.append(SensitivityRow(scope, owner, parameter, value, low, high, p_low, p_high,
                                   effect, p_high - p_low))
    order = np.argsort([-abs(r.effect) for r in rows], kind="stable")
    return Sensitivity(
        draft_id=base_draft.id,
        p_adopted=base.p_adopted,
        rows=tuple(rows[i] for i in order),
        steps=steps,
        method=engine.method,
        error=base.std_error,
        draws=engine.draws,
        seed=engine.seed,
        scenario_title=scenario.title,
        scenario_hash=scenario.content_hash(),
        nodes=engine.nodes,
    )
