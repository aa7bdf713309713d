"""The same draft before other councils: reform models, power indices and P(adopted).

:func:`council_scenario` moves a scenario to another council; :func:`compare_councils` does it
for several councils and tabulates each one's a-priori voting power
(:func:`councilsim.analysis.power_indices`) beside the draft's P(adopted).

Moving a scenario to another council
------------------------------------
* A member sitting on both councils keeps its stance (its ``veto_cost`` is dropped if it holds
  no veto on the new council).
* Every other seat — placeholder codes such as ``E01`` or ``AF1``, and states the scenario does
  not describe — gets the **average stance of the scenario's elected members** (its seats
  without a veto; every seat if none is elected):

  - ``support``, ``abstention``, ``absence``: plain averages;
  - ``salience[k]``: the average salience (0 for members not weighing ``k``);
  - ``ideal[k]``: the salience-weighted average ideal (members without an ideal for ``k`` count
    at the status quo, as the vote model treats them). With these two, the placeholder's mean
    utility equals the average of the elected members' mean utilities for *every* draft, since
    ``mean_i w_i ((x_i - q)^2 - (x_i - s)^2) = W ((x_w - q)^2 - (x_w - s)^2)`` for
    ``W = mean_i w_i`` and ``x_w = sum_i w_i x_i / sum_i w_i``;
  - ``uncertainty``: the root mean square of ``sqrt(uncertainty^2 + bloc_sd^2)`` over them, so
    the placeholder's own shock also carries the bloc-shock variance it no longer shares;
  - no bloc, and ``veto_cost`` 0 (also for new veto holders such as the Ezulwini model's).
* Blocs, their loadings and camps keep the members that sit on the new council; a bloc left
  empty is dropped. Drafts' ``obliged_abstain`` lists keep only members of the new council;
  a sponsor not on it goes by its name (``"Albania"``), and affinities for it are dropped.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import Executor
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from councilsim.analysis._common import (
    Method,
    Report,
    SeedLike,
    as_draft,
    as_scenario,
    jsonable,
    resolve_engine,
    simulate_text,
    text_table,
)
from councilsim.analysis.power import PowerIndices, power_indices
from councilsim.errors import ArgumentTypeError, InputError, NotFoundError
from councilsim.models import Council, Draft, Member, Scenario
from councilsim.options import EngineOptions
from councilsim.results import chart

__all__ = [
    "DEFAULT_COUNCILS",
    "CouncilComparison",
    "CouncilRow",
    "average_elected_stance",
    "compare_councils",
    "council_scenario",
]

#: The bundled council models compared by default.
DEFAULT_COUNCILS = (
    "charter-1945", "charter-1965", "g4-2005", "ufc-2005", "ezulwini-2005", "no-veto",
)


def average_elected_stance(scenario: Scenario, code: str = "AVG") -> Member:
    """Return the average stance of the scenario's elected members (see the module docstring).

    Parameters
    ----------
    scenario : Scenario
    code : str
        The code the returned stance carries.

    Returns
    -------
    Member
    """
    council = scenario.council
    codes = [c for c in council.members if c not in council.veto_holders] or list(council.members)
    stances = [scenario.member(c) for c in codes]
    bloc_sd = {c: b.sd for b in scenario.blocs for c in b.members}
    q = scenario.status_quo_severities()
    kinds = sorted({k for s in stances for k in s.salience})
    salience, ideal = {}, {}
    for kind in kinds:
        weights = np.array([s.salience.get(kind, 0.0) for s in stances])
        if weights.sum() <= 0:
            continue
        ideals = np.array([s.ideal.get(kind, q.get(kind, 0.0)) for s in stances])
        salience[kind] = float(weights.mean())
        ideal[kind] = float(np.clip((weights @ ideals) / weights.sum(), 0.0, 1.0))
    return Member(
        code=code,
        support=float(np.mean([s.support for s in stances])),
        ideal=ideal,
        salience=salience,
        uncertainty=float(np.sqrt(np.mean(
            [s.uncertainty**2 + bloc_sd.get(s.code, 0.0) ** 2 for s in stances]
        ))),
        abstention=float(np.mean([s.abstention for s in stances])),
        absence=float(np.mean([s.absence for s in stances])),
        why="placeholder seat: average stance of the scenario's elected members "
            "(councilsim.analysis.reform)",
    )


def _as_council(council: str | Council) -> Council:
    if isinstance(council, Council):
        return council
    if isinstance(council, str):
        return Council.named(council)  # ValueError lists the names allowed
    raise ArgumentTypeError(
        f"a council must be a name or a Council, got {type(council).__name__}")


def _moved_draft(draft: Draft, old: Council, new: Council) -> Draft:
    """``draft`` before the ``new`` council (rules in the module docstring).

    Obliged abstentions of members who left are dropped; a sponsor who left the Council is
    still a state, named (``"Albania"``).
    """
    seats = set(new.members)
    return draft.model_copy(update={
        "obliged_abstain": tuple(c for c in draft.obliged_abstain if c in seats),
        "sponsors": tuple(c if c in seats or c not in old.members else old.label(c)
                          for c in draft.sponsors),
    })


def council_scenario(scenario: Scenario | str | os.PathLike, council: str | Council) -> Scenario:
    """Move the scenario to another council (rules in the module docstring).

    Parameters
    ----------
    scenario : Scenario or path
        The situation, or a path to a scenario TOML file.
    council : str or Council
        A council name (``"g4-2005"``, ``"charter-1965"``, ...) or a :class:`Council`.

    Returns
    -------
    Scenario
        With the new council, stances for all its seats, and blocs and drafts restricted to it.
    """
    scenario = as_scenario(scenario)
    council = _as_council(council)
    old = set(scenario.council.members)
    average = average_elected_stance(scenario)
    members = []
    for code in council.members:
        if code in old:
            stance = scenario.member(code)
            if code not in council.veto_holders and stance.veto_cost:
                stance = stance.model_copy(update={"veto_cost": 0.0})
        else:
            stance = average.model_copy(update={"code": code})
        members.append(stance)
    seats = set(council.members)
    camps = {name: tuple(c for c in camp if c in seats) for name, camp in scenario.camps.items()}
    # An affinity for a state off the new council has no sponsor code left to match.
    members = [
        m.model_copy(update={"affinity": {key: value for key, value in m.affinity.items()
                                          if key in seats or key in camps}})
        for m in members
    ]
    blocs = [
        b.model_copy(update={"members": tuple(c for c in b.members if c in seats),
                             "loadings": {c: v for c, v in b.loadings.items() if c in seats}})
        for b in scenario.blocs
        if seats.intersection(b.members)  # a bloc with no seat left is dropped
    ]
    drafts = [_moved_draft(d, scenario.council, council) for d in scenario.drafts]
    data = scenario.model_dump()
    data.update(
        council=council.model_dump(),
        camps=camps,
        members=[m.model_dump() for m in members],
        blocs=[b.model_dump() for b in blocs],
        drafts=[d.model_dump() for d in drafts],
    )
    return Scenario.model_validate(data)


@dataclass(frozen=True)
class CouncilRow:
    """One council: its rules, voting power, and the draft's fate before it.

    Attributes
    ----------
    name : str
        Council name (``"scenario: unsc-2017"`` for the scenario's own council).
    seats, threshold : int
        Seats and yes votes needed.
    veto_holders : tuple of str
        Members whose no is a veto.
    placeholders : tuple of str
        Seats given the average elected stance.
    dropped : tuple of str
        Scenario members without a seat on this council.
    p_adopted, p_vetoed, p_short : float
        The draft's probability of adoption, of a veto (the required yes votes and a holder's
        no), of falling short of the votes (whatever the holders did).
    error : float
        Quadrature error bound (exact) or standard error (Monte Carlo) of ``p_adopted``.
    power : PowerIndices
        Exact Shapley–Shubik and Banzhaf indices of every seat.
    """

    name: str
    seats: int
    threshold: int
    veto_holders: tuple[str, ...]
    placeholders: tuple[str, ...]
    dropped: tuple[str, ...]
    p_adopted: float
    p_vetoed: float
    p_short: float
    error: float
    power: PowerIndices

    def _mean_index(self, index: str, veto: bool) -> Fraction | None:
        values = getattr(self.power, index)
        chosen = [v for c, v in values.items() if (c in self.veto_holders) == veto]
        return sum(chosen, Fraction(0)) / len(chosen) if chosen else None

    @property
    def shapley_shubik_veto(self) -> Fraction | None:
        """Shapley–Shubik index of each veto holder (None if there are none)."""
        return self._mean_index("shapley_shubik", True)

    @property
    def shapley_shubik_other(self) -> Fraction | None:
        """Average Shapley–Shubik index of the seats without a veto."""
        return self._mean_index("shapley_shubik", False)

    @property
    def banzhaf_veto(self) -> Fraction | None:
        """Normalised Banzhaf index of each veto holder (None if there are none)."""
        return self._mean_index("banzhaf", True)

    @property
    def banzhaf_other(self) -> Fraction | None:
        """Average normalised Banzhaf index of the seats without a veto."""
        return self._mean_index("banzhaf", False)


@dataclass(frozen=True, repr=False)  # repr: Report's, a screenful
class CouncilComparison(Report):
    """A draft before several councils: power indices and P(adopted), one row per council.

    Attributes
    ----------
    draft_id : str
        The draft simulated.
    rows : tuple of CouncilRow
        One per council, in the order asked (the scenario's own council first, when included).
    method : str
        ``"exact"`` or ``"monte_carlo"``.
    draws : int or None
        Monte Carlo draws per council.
    seed : int or None
        Entropy of the root seed shared by all councils (Monte Carlo).
    scenario_title : str
        For display.
    scenario_hash : str
        SHA-256 of the scenario's canonical JSON.
    nodes : int or None
        Least number of points of the exact engine's mood grid (None for Monte Carlo).
    """

    draft_id: str
    rows: tuple[CouncilRow, ...]
    method: str
    draws: int | None
    seed: int | None
    scenario_title: str
    scenario_hash: str
    nodes: int | None = None

    def __getitem__(self, name: str) -> CouncilRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise NotFoundError(f"no council {name!r}; have {', '.join(r.name for r in self.rows)}")

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python types (JSON-ready; indices as floats and exact strings)."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["rows"] = [
            {**{k: v for k, v in row.__dict__.items() if k != "power"},
             "power": row.power.to_dict()}
            for row in self.rows
        ]
        return jsonable(out)

    def to_table(self) -> tuple[list[str], list[list[Any]]]:
        """``(columns, rows)``: one row per council (``councilsim reform --format csv``).

        Counts of seats, votes needed, veto holders and placeholder seats; the draft's
        P(adopted), P(vetoed), P(short); the Shapley-Shubik and Banzhaf index of a veto seat and
        the average of the other seats.
        """
        columns = ["council", "seats", "threshold", "veto_holders", "placeholders", "p_adopted",
                   "p_vetoed", "p_short", "shapley_shubik_veto", "shapley_shubik_other",
                   "banzhaf_veto", "banzhaf_other"]
        rows = [
            [row.name, row.seats, row.threshold, len(row.veto_holders), len(row.placeholders),
             row.p_adopted, row.p_vetoed, row.p_short, _float(row.shapley_shubik_veto),
             _float(row.shapley_shubik_other), _float(row.banzhaf_veto),
             _float(row.banzhaf_other)]
            for row in self.rows
        ]
        return columns, rows

    def plot(self, kind: str = "outcomes", ax=None, **kwargs: Any):
        """Chart the comparison (needs matplotlib); returns the Axes.

        ``kind="outcomes"``: adopted / vetoed / short of votes before each council
        (:func:`councilsim.plot.council_outcomes`); ``"power"``: the power of a veto seat and of
        another seat (:func:`councilsim.plot.power_bars`).
        """
        charts = {"outcomes": "council_outcomes", "power": "power_bars"}
        if kind not in charts:
            raise InputError(f"kind must be one of {', '.join(charts)}; got {kind!r}")
        return chart(charts[kind])(self, ax=ax, **kwargs)

    def summary(self) -> str:
        """Return a plain-text table: rules, power of a veto and another seat, P(adopted)."""
        header = ["council", "seats", "votes", "vetoes", "placeholders", "SS veto", "SS other",
                  "Bz veto", "Bz other", "P(adopted)", "P(vetoed)"]
        rows = [
            [r.name, str(r.seats), str(r.threshold), str(len(r.veto_holders)),
             str(len(r.placeholders)), _fmt(r.shapley_shubik_veto), _fmt(r.shapley_shubik_other),
             _fmt(r.banzhaf_veto), _fmt(r.banzhaf_other), f"{r.p_adopted:.4f}",
             f"{r.p_vetoed:.4f}"]
            for r in self.rows
        ]
        return "\n".join([
            f"Draft {self.draft_id!r} before other councils ({self.method}); SS = Shapley-Shubik, "
            "Bz = normalised Banzhaf, per veto seat and per other seat (average)",
            text_table(header, rows),
            "placeholders: seats given the average stance of the scenario's elected members",
        ])


def _float(value: Fraction | None) -> float:
    return math.nan if value is None else float(value)


def _fmt(value: Fraction | None) -> str:
    if value is None:
        return "-"
    if value == 0 or value >= Fraction(1, 1000):
        return f"{float(value):.4f}"
    return f"{float(value):.1e}"


def compare_councils(
    scenario: Scenario | str | os.PathLike,
    draft: str | Draft | None = None,
    councils: tuple[str | Council, ...] | list[str | Council] = DEFAULT_COUNCILS,
    *,
    include_scenario_council: bool = True,
    method: Method | None = None,
    draws: int | None = None,
    seed: SeedLike = None,
    nodes: int | None = None,
    model: Any = None,
    executor: Executor | None = None,
    options: EngineOptions | None = None,
) -> CouncilComparison:
    """Power indices and the draft's P(adopted) under each of several councils.

    Parameters
    ----------
    scenario : Scenario or path
        The situation, or a path to a scenario TOML file.
    draft : str, Draft or None
        The draft (id, object, or None when the scenario has exactly one).
    councils : sequence of str or Council
        Council names (bundled reform models or ``"unsc-YYYY"``) or Council objects; by default
        :data:`DEFAULT_COUNCILS`.
    include_scenario_council : bool
        Put the scenario's own council first, as the reference row.
    method : {"auto", "exact", "monte_carlo"}, optional
        Engine; default the scenario's ``simulation.method`` (``auto``: exact when it applies to
        the scenario's own council). Monte Carlo: one seed for every council.
    draws : int, optional
        Monte Carlo draws per council.
    seed : None, int, SeedSequence or Generator, optional
        Monte Carlo seed (default: the scenario's, else fresh entropy, recorded).
    nodes : int, optional
        Least number of mood points of the exact engine (see :func:`councilsim.simulate`).
    model : VoteModel, optional
        Vote model passed to :func:`councilsim.simulate`.
    executor : concurrent.futures.Executor, optional
        Runs each council's Monte Carlo tasks; results are identical.
    options : EngineOptions, optional
        method, draws, seed, nodes, model and executor in one object (the keyword arguments,
        when given, take precedence).

    Returns
    -------
    CouncilComparison

    Raises
    ------
    ValueError
        For an unknown council name (the message lists the names allowed) or method.
    """
    scenario = as_scenario(scenario)
    base = as_draft(scenario, draft)
    engine = resolve_engine(scenario, base, options, method=method, draws=draws, seed=seed,
                            nodes=nodes, model=model, executor=executor)
    if isinstance(councils, str | Council):
        councils = (councils,)
    entries: list[tuple[str, Scenario]] = []
    if include_scenario_council:
        own = scenario.council
        entries.append((f"scenario: {own.name or 'council'}", scenario))
    for council in councils:
        council = _as_council(council)
        entries.append((council.name or "council", council_scenario(scenario, council)))
    old = set(scenario.council.members)
    rows = []
    for name, moved in entries:
        council = moved.council
        draft = _moved_draft(base, scenario.council, council)
        result = simulate_text(moved, draft, engine)
        rows.append(CouncilRow(
            name=name,
            seats=council.seats,
            threshold=council.threshold,
            veto_holders=() if draft.procedural else council.veto_holders,
            placeholders=tuple(c for c in council.members if c not in old),
            dropped=tuple(c for c in scenario.council.members if c not in council.members),
            p_adopted=result.p_adopted,
            p_vetoed=result.p_vetoed,
            p_short=result.p_short,
            error=result.std_error,
            power=power_indices(council, procedural=draft.procedural),
        ))
    return CouncilComparison(
        draft_id=base.id,
        rows=tuple(rows),
        method=engine.method,
        draws=engine.draws,
        seed=engine.seed,
        scenario_title=scenario.title,
        scenario_hash=scenario.content_hash(),
        nodes=engine.nodes,
    )
