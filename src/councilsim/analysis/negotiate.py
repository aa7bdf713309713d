"""What text would pass: the sponsor's best draft that reaches a target probability of adoption.

:func:`negotiate` moves each provision of a draft between the draft's severity ``s_k`` and the
status quo ``q_k`` on a grid of ``steps`` steps and searches for the text the sponsor likes best
— by its own mean utility in the vote model, ``support + sum_k w_k ((x_k - q_k)^2 -
(x_k - s_k)^2)`` — among the texts with P(adopted) >= ``target``:

1. **Concede.** While P(adopted) is below the target, make the one-step concession (one
   provision one step toward ``q_k``) that raises P(adopted) most per unit of sponsor utility
   lost (a concession that costs the sponsor nothing and helps comes first).
2. **Strengthen.** Once the target is met, repeatedly take back the one-step strengthening
   (toward ``s_k``) that gains the sponsor most while keeping P(adopted) >= target.
3. **Swap.** Try trading one step of one provision for one step of another when that raises the
   sponsor's utility and keeps the target; after any swap, strengthen again.

It stops when no single provision can be strengthened one step without P(adopted) falling below
the target (or without lowering the sponsor's own utility, for a provision the draft pushed past
the sponsor's ideal) and no swap helps. This is a greedy local search over a grid, not a proof of
optimality. If every provision has been conceded to the status quo and the target is still out of
reach, the result says so (``reached=False``) and holds the most adoptable text met on the way
(with the path up to it).

:meth:`Negotiation.scenario` gives the scenario with the negotiated text added; save it with
:func:`councilsim.loading.scenario_toml`.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from councilsim.analysis._common import (
    Method,
    Report,
    SeedLike,
    as_draft,
    as_scenario,
    checked_target,
    format_value,
    import_pandas,
    jsonable,
    resolve_engine,
    simulate_text,
    text_table,
)
from councilsim.catalog import ProvisionKind, in_kind_unit, value_for_severity
from councilsim.errors import InputError, NotFoundError
from councilsim.models import Draft, Provision, Scenario
from councilsim.options import EngineOptions
from councilsim.votemodel import RandomUtilityModel, VoteModel

__all__ = [
    "Change",
    "Move",
    "NegotiatedProvision",
    "Negotiation",
    "negotiate",
]

#: Most grid steps between status quo and draft: a finer grid changes no printed digit (and,
#: at 100,000 steps, tried caps a step from a full ban that read as unit slips).
MAX_STEPS = 1000

Forms = Literal["continuous", "named"]
_TOL = 1e-9


# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NegotiatedProvision:
    """One provision of the draft before and after negotiation.

    Attributes
    ----------
    kind : str
        Provision kind.
    label : str
        Its human-readable name.
    unit : str or None
        Catalog unit of numeric values.
    status_quo_severity, draft_severity, severity : float
        Severity in force before the vote, in the draft, and in the negotiated text.
    share_conceded : float
        Fraction of the way from the draft's severity back to the status quo that was given up
        (0 = kept as drafted, 1 = cut to the status quo).
    status_quo_value, draft_value, value : float, bool or str
        The same three in real units: for a cap ``baseline * (1 - severity)``; for a ban
        ``true`` only at severity 1; for levels the nearest level at or below the severity.
    value_text : str
        ``value`` with its unit, for display.
    exact_form : bool
        Whether ``value`` has exactly the negotiated severity (False for a severity between two
        named levels, or a partial ban: the real-unit reading is then the form at or below).
    """

    kind: str
    label: str
    unit: str | None
    status_quo_severity: float
    draft_severity: float
    severity: float
    share_conceded: float
    status_quo_value: float | bool | str
    draft_value: float | bool | str
    value: float | bool | str
    value_text: str
    exact_form: bool


@dataclass(frozen=True)
class Change:
    """One provision moved one step: ``kind`` from ``from_severity`` to ``to_severity``."""

    kind: str
    from_severity: float
    to_severity: float
    value_text: str


@dataclass(frozen=True)
class Move:
    """One step of the negotiation path.

    Attributes
    ----------
    phase : {"concede", "strengthen", "swap"}
        What the step did.
    changes : tuple of Change
        The provisions moved (two for a swap).
    p_adopted : float
        P(adopted) of the text after the step.
    sponsor_utility : float
        The sponsor's mean utility for the text after the step.
    gain_per_utility : float or None
        For a concession: P(adopted) gained per unit of sponsor utility lost (``inf`` when the
        concession cost the sponsor nothing).
    """

    phase: str
    changes: tuple[Change, ...]
    p_adopted: float
    sponsor_utility: float
    gain_per_utility: float | None = None


@dataclass(frozen=True, repr=False)  # repr: Report's, a screenful
class Negotiation(Report):
    """The sponsor's preferred text among those reaching a target P(adopted), and how it got there.

    Attributes
    ----------
    draft_id : str
        The draft negotiated from.
    sponsor : str
        The member whose utility is maximised.
    target : float
        The P(adopted) the text must reach.
    reached : bool
        Whether the negotiated text reaches ``target``.
    message : str
        A one-line verdict, saying clearly when the target cannot be reached.
    p_adopted : float
        P(adopted) of the negotiated text.
    error : float
        Its quadrature error bound (exact) or standard error (Monte Carlo).
    sponsor_utility : float
        The sponsor's mean utility for the negotiated text.
    initial_p_adopted, initial_utility : float
        The same for the draft as tabled.
    status_quo_p_adopted, status_quo_utility : float
        The same for the text with every provision cut to the status quo.
    provisions : tuple of NegotiatedProvision
        Every provision of the draft, in its order, before and after.
    path : tuple of Move
        The concessions, strengthenings and swaps, in order.
    draft : Draft
        The negotiated text (id ``<draft id>-negotiated``). Provisions cut to the status quo are
        left out; caps are given in real units; a level or ban between named forms is given as a
        severity, its note naming the form at or below.
    method : str
        ``"exact"`` or ``"monte_carlo"``.
    steps : int
        Grid steps between status quo and draft, per provision.
    forms : str
        ``"continuous"`` or ``"named"`` (levels and bans move between named forms only).
    evaluations : int
        Number of distinct texts simulated.
    draws : int or None
        Monte Carlo draws per text.
    seed : int or None
        Entropy of the root seed shared by all texts (Monte Carlo).
    scenario_title : str
        For display.
    scenario_hash : str
        SHA-256 of the original scenario's canonical JSON.
    nodes : int or None
        Least number of points of the exact engine's mood grid (None for Monte Carlo).
    base_scenario : Scenario
        The original scenario (not part of :meth:`to_dict`).
    """

    draft_id: str
    sponsor: str
    target: float
    reached: bool
    message: str
    p_adopted: float
    error: float
    sponsor_utility: float
    initial_p_adopted: float
    initial_utility: float
    status_quo_p_adopted: float
    status_quo_utility: float
    provisions: tuple[NegotiatedProvision, ...]
    path: tuple[Move, ...]
    draft: Draft
    method: str
    steps: int
    forms: str
    evaluations: int
    draws: int | None
    seed: int | None
    scenario_title: str
    scenario_hash: str
    base_scenario: Scenario = field(repr=False, compare=False)
    nodes: int | None = None

    def provision(self, kind: str) -> NegotiatedProvision:
        """Return the row of provision ``kind``."""
        for row in self.provisions:
            if row.kind == kind:
                return row
        raise NotFoundError(f"the draft has no {kind!r} provision; it has "
                       + ", ".join(r.kind for r in self.provisions))

    def scenario(self, *, replace: bool = False) -> Scenario:
        """Return the original scenario with the negotiated draft added (or replacing the original).

        Parameters
        ----------
        replace : bool
            Put the negotiated draft in place of the one negotiated from, instead of adding it
            after the scenario's drafts.
        """
        drafts = [d for d in self.base_scenario.drafts if d.id != self.draft.id]
        if replace:
            at = next((i for i, d in enumerate(drafts) if d.id == self.draft_id), len(drafts))
            drafts[at : at + 1] = [self.draft]
        else:
            drafts.append(self.draft)
        data = self.base_scenario.model_dump()
        data["drafts"] = [d.model_dump() for d in drafts]
        return Scenario.model_validate(data)

    def versus_rows(self, other: str | Draft) -> list[dict[str, Any]]:
        """Compare each provision of the draft, the negotiated text and another draft.

        Parameters
        ----------
        other : str or Draft
            A draft of the scenario (e.g. the text actually adopted) or a Draft.

        Returns
        -------
        list of dict
            One dict per provision kind in any of the three texts, with severities and values
            in real units (``draft_*``, ``negotiated_*``, ``other_*``).
        """
        scenario = self.base_scenario
        other = as_draft(scenario, other)
        kinds = scenario.provision_kinds
        negotiated = scenario.draft_severities(self.draft)
        theirs = scenario.draft_severities(other)
        q = scenario.status_quo_severities()
        rows = {row.kind: row for row in self.provisions}
        order = [row.kind for row in self.provisions]
        order += [p.kind for p in other.provisions if p.kind not in order]
        out = []
        for kind in order:
            entry = kinds[kind]
            draft_sev = rows[kind].draft_severity if kind in rows else q.get(kind, 0.0)
            values = {
                "status_quo": q.get(kind, 0.0),
                "draft": draft_sev,
                "negotiated": negotiated.get(kind, q.get(kind, 0.0)),
                "other": theirs.get(kind, q.get(kind, 0.0)),
            }
            row: dict[str, Any] = {"kind": kind, "label": entry.label, "unit": entry.unit}
            for name, sev in values.items():
                value, text, _ = _real_value(entry, sev)
                row[f"{name}_severity"] = sev
                row[f"{name}_value"] = value
                row[f"{name}_text"] = text
            row["negotiated_minus_other"] = values["negotiated"] - values["other"]
            out.append(row)
        return out

    def versus(self, other: str | Draft) -> str:
        """Return a plain-text table comparing the draft, the negotiated text and ``other``."""
        other_id = other.id if isinstance(other, Draft) else str(other)
        rows = self.versus_rows(other)
        header = ["provision", "status quo", self.draft_id, "negotiated", other_id]
        body = [
            [r["kind"], *(f"{r[f'{n}_text']} ({r[f'{n}_severity']:.2f})"
                          for n in ("status_quo", "draft", "negotiated", "other"))]
            for r in rows
        ]
        return "\n".join([
            f"Provisions (severity in brackets): draft {self.draft_id!r}, negotiated text "
            f"(P(adopted) {self.p_adopted:.3f}, target {self.target:g}), {other_id!r}",
            text_table(header, body, left=(0, 1, 2, 3, 4)),
        ])

    def to_dict(self) -> dict[str, Any]:
        """All fields but ``base_scenario`` as plain Python types (JSON-ready)."""
        out = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in ("base_scenario", "draft", "provisions", "path")
        }
        out["provisions"] = [row.__dict__ for row in self.provisions]
        out["path"] = [
            {**move.__dict__, "changes": [c.__dict__ for c in move.changes]} for move in self.path
        ]
        out["draft"] = self.draft.model_dump(mode="json", exclude_none=True)
        return jsonable(out)

    def to_table(self) -> tuple[list[str], list[list[Any]]]:
        """Named columns and one row per provision of the negotiated text."""
        header = list(NegotiatedProvision.__dataclass_fields__)
        return header, [[getattr(row, name) for name in header] for row in self.provisions]

    def to_frame(self):
        """One row per provision (needs pandas)."""
        pd = import_pandas()
        frame = pd.DataFrame([row.__dict__ for row in self.provisions]).set_index("kind")
        frame.attrs.update(draft_id=self.draft_id, p_adopted=self.p_adopted, target=self.target)
        return frame

    def summary(self) -> str:
        """Return a plain-text report: verdict, provisions before and after, and the path."""
        lines = [
            f"Negotiating {self.draft_id!r} for {self.sponsor} to P(adopted) >= {self.target:g} "
            f"({self.method}, {self.steps} steps per provision, {self.forms} forms)",
            self.message,
            f"P(adopted): draft {self.initial_p_adopted:.4f} -> negotiated {self.p_adopted:.4f} "
            f"(status quo text {self.status_quo_p_adopted:.4f})",
            f"{self.sponsor}'s mean utility: draft {self.initial_utility:.4f} -> negotiated "
            f"{self.sponsor_utility:.4f} (status quo text {self.status_quo_utility:.4f})",
            "",
        ]
        header = ["provision", "status quo", "draft", "negotiated", "severity", "conceded"]
        rows = []
        for r in self.provisions:
            sev = f"{r.draft_severity:.2f} -> {r.severity:.2f}"
            rows.append([
                r.kind,
                _value_text(r.status_quo_value, r.unit),
                _value_text(r.draft_value, r.unit),
                r.value_text + ("" if r.exact_form else " ~"),
                sev,
                f"{100 * r.share_conceded:.0f}%",
            ])
        lines.append(text_table(header, rows, left=(0, 1, 2, 3)))
        if any(not r.exact_form for r in self.provisions):
            lines.append("~ severity between named forms: the form at or below is shown")
        lines += ["", f"Path ({len(self.path)} moves):"]
        for k, move in enumerate(self.path, 1):
            changes = "; ".join(
                f"{c.kind} {c.from_severity:.2f}->{c.to_severity:.2f} ({c.value_text})"
                for c in move.changes
            )
            ratio = (
                f", dP/dU {move.gain_per_utility:.3g}" if move.gain_per_utility is not None else ""
            )
            lines.append(
                f"{k:>3}. {move.phase:<10} {changes}: P {move.p_adopted:.4f}, "
                f"U {move.sponsor_utility:.4f}{ratio}"
            )
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Severities and real units
# ---------------------------------------------------------------------------------------------


def _real_value(entry: ProvisionKind, severity: float) -> tuple[float | bool | str, str, bool]:
    """The value at ``severity`` in real units, its display text and whether it is exact."""
    value = value_for_severity(entry, severity)
    if entry.baseline is not None:
        text = format_value(value, entry.unit)
        named = [name for name, sev in entry.levels.items()
                 if 0.0 < sev < 1.0 and abs(sev - severity) <= _TOL]
        if named:  # e.g. worker_cap "no_new": the level says more than its cap equivalent
            text = f"{named[0]} (~{text})"
        return value, text, True
    if entry.scale == "ban":
        exact = abs(severity - (1.0 if value else 0.0)) <= _TOL
        return value, "true" if value else "false", exact
    return value, value, abs(entry.levels[value] - severity) <= _TOL


def _value_text(value: Any, unit: str | None) -> str:
    return format_value(value, unit) if isinstance(value, float) else format_value(value)


def _without_float_dust(x: float) -> float:
    """Drop floating-point dust (``2025000.0000000002`` -> ``2025000.0``)."""
    return float(f"{x:.12g}")


@dataclass(frozen=True)
class _Track:
    """One provision's grid, index 0 = status quo, last = the draft's severity."""

    kind: str
    entry: ProvisionKind
    original: Provision
    grid: tuple[float, ...]

    @property
    def top(self) -> int:
        return len(self.grid) - 1


def _tracks(scenario: Scenario, draft: Draft, steps: int, forms: str) -> list[_Track]:
    q = scenario.status_quo_severities()
    s = scenario.draft_severities(draft)
    kinds = scenario.provision_kinds
    tracks = []
    for provision in draft.provisions:
        kind = provision.kind
        entry, lo, hi = kinds[kind], q.get(kind, 0.0), s[kind]
        if abs(hi - lo) <= _TOL:
            grid: tuple[float, ...] = (hi,)
        elif forms == "named" and entry.baseline is None:
            named = {v for v in ([0.0, 1.0] if entry.scale == "ban" else entry.levels.values())
                     if min(lo, hi) - _TOL <= v <= max(lo, hi) + _TOL}
            named |= {lo, hi}
            grid = tuple(sorted(named, key=lambda v: abs(v - lo)))
            grid = (lo, *[v for v in grid if abs(v - lo) > _TOL and abs(v - hi) > _TOL], hi)
        else:
            grid = tuple([lo] + [lo + (hi - lo) * j / steps for j in range(1, steps)] + [hi])
        tracks.append(_Track(kind, entry, provision, grid))
    return tracks


def _provision_at(track: _Track, index: int) -> Provision | None:
    """Return the provision at grid ``index`` (None: left at the status quo)."""
    if index == track.top:
        return track.original
    if index == 0:
        return None
    severity = track.grid[index]
    entry = track.entry
    value, text, exact = _real_value(entry, severity)
    was = (_original_value(track)[0] if track.original.value is not None
           else track.original.severity)
    note = f"negotiated from {_value_text(was, entry.unit)}"
    if entry.baseline is not None:
        return Provision(kind=track.kind, value=value, unit=entry.unit, note=note)
    if exact:
        return Provision(kind=track.kind, value=value, note=note)
    return Provision(kind=track.kind, severity=_without_float_dust(severity),
                     note=f"{note}; between named forms, at or above {text!r}")


# ---------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------


def _sponsor_iv(scenario: Scenario, draft: Draft, sponsor: str | None) -> str:
    members = scenario.council.members
    if sponsor is None:
        on_council = [code for code in draft.sponsors if code in members]
        if not on_council:
            raise InputError(
                f"draft {draft.id!r} has no sponsor on the council; name one with sponsor=, "
                f"one of: {', '.join(members)}"
            )
        return on_council[0]
    if sponsor not in members:
        raise InputError(
            f"sponsor {sponsor!r} is not on the council; its utility comes from its stance, so "
            f"the sponsor must be one of: {', '.join(members)}"
        )
    return sponsor


class _Search:
    """The greedy search of :func:`negotiate` (the module docstring describes its steps).

    A text is a state: one grid index per provision (``top`` is the draft, ``zero`` the status
    quo). Every text simulated is kept in ``evaluated``; ``path`` holds the moves from the draft
    to ``state``, and ``visited`` the texts the concessions went through.
    """

    def __init__(self, scenario: Scenario, base: Draft, tracks: list[_Track], *,
                 engine: EngineOptions, sponsor: str, target: float) -> None:
        self.scenario, self.base, self.tracks, self.engine = scenario, base, tracks, engine
        self.sponsor, self.target = sponsor, target
        self.sponsor_index = scenario.council.members.index(sponsor)
        self.utility_model = RandomUtilityModel()
        self.evaluated: dict[tuple[int, ...], tuple[float, float, float, Draft]] = {}
        self.top = tuple(t.top for t in tracks)
        self.zero = tuple(0 for _ in tracks)
        self.state = self.top
        self.path: list[Move] = []
        self.visited = [self.state]  # visited[i] is the text after path[:i]
        self.p, self.u, _, _ = self.evaluate(self.state)

    def text(self, state: tuple[int, ...]) -> Draft:
        """The draft that ``state`` stands for."""
        base, target = self.base, self.target
        if state == self.top:
            return base
        provisions = [p for t, j in zip(self.tracks, state, strict=True)
                      if (p := _provision_at(t, j)) is not None]
        return base.model_copy(update={
            "id": f"{base.id}-negotiated",
            "title": f"{base.title or base.id} (negotiated: P(adopted) >= {target:g})",
            "provisions": tuple(provisions),
            "note": f"councilsim.negotiate for {self.sponsor}, target {target:g}, "
                    f"from {base.id!r}",
        })

    def evaluate(self, state: tuple[int, ...]) -> tuple[float, float, float, Draft]:
        """P(adopted), the sponsor's utility, the error of P and the text, simulated once."""
        if state not in self.evaluated:
            amended = self.text(state)
            result = simulate_text(self.scenario, amended, self.engine)
            utility = float(
                self.utility_model.prepare(self.scenario, amended).mean[self.sponsor_index])
            self.evaluated[state] = (result.p_adopted, utility, result.std_error, amended)
        return self.evaluated[state]

    def concede(self) -> bool:
        """Step 1: concede until the target is met; whether it was."""
        while self.p < self.target:
            best = None
            for k, j in enumerate(self.state):
                if j == 0:
                    continue
                new = _moved(self.state, k, -1)
                p_new, u_new, _, _ = self.evaluate(new)
                gain, loss = p_new - self.p, self.u - u_new
                if gain > 0:
                    ratio = math.inf if loss <= 1e-15 else gain / loss
                    key = (2, ratio, gain) if math.isinf(ratio) else (1, ratio, gain)
                else:  # nothing helps at once: take the least harmful step toward the status quo
                    ratio, key = gain / loss if loss > 1e-15 else 0.0, (0, gain, -loss)
                if best is None or key > best[0]:
                    best = (key, k, new, ratio)
            if best is None:
                break
            _, k, new, ratio = best
            self.record("concede", new, k, gain_per_utility=ratio)
            self.visited.append(self.state)
        return self.p >= self.target

    def strengthen_back(self) -> None:
        """Steps 2-3: strengthen back, then try swaps, until neither helps."""
        while True:
            while (step := self.best_strengthening()) is not None:
                self.record("strengthen", step, *self.moved_provisions(step))
            swap = self.best_swap()
            if swap is None:
                break
            self.record("swap", swap, *self.moved_provisions(swap))

    def best_strengthening(self) -> tuple[int, ...] | None:
        """The one-step strengthening that gains the sponsor most and keeps the target."""
        best = None
        for k, j in enumerate(self.state):
            if j == self.tracks[k].top:
                continue
            new = _moved(self.state, k, +1)
            p_new, u_new, _, _ = self.evaluate(new)
            if p_new >= self.target and u_new >= self.u - 1e-12:
                key = (u_new - self.u, p_new)
                if best is None or key > best[0]:
                    best = (key, new)
        return None if best is None else best[1]

    def best_swap(self) -> tuple[int, ...] | None:
        """The trade of one step for another that raises the sponsor's utility most."""
        best = None
        for a, ja in enumerate(self.state):
            if ja == self.tracks[a].top:
                continue
            for b, jb in enumerate(self.state):
                if b == a or jb == 0:
                    continue
                new = _moved(_moved(self.state, a, +1), b, -1)
                p_new, u_new, _, _ = self.evaluate(new)
                if p_new >= self.target and u_new > self.u + 1e-12:
                    key = (u_new - self.u, p_new)
                    if best is None or key > best[0]:
                        best = (key, new)
        return None if best is None else best[1]

    def moved_provisions(self, new: tuple[int, ...]) -> list[int]:
        """Indices of the provisions ``new`` moves (strengthened first, as a swap reports them)."""
        up = [k for k, (j, n) in enumerate(zip(self.state, new, strict=True)) if n > j]
        down = [k for k, (j, n) in enumerate(zip(self.state, new, strict=True)) if n < j]
        return up + down

    def record(self, phase: str, new: tuple[int, ...], *moved: int,
               gain_per_utility: float | None = None) -> None:
        """Make ``new`` the current text and add the move to it to the path."""
        self.p, self.u, _, _ = self.evaluate(new)
        changes = tuple(self.change(new, k) for k in moved)
        self.path.append(Move(phase, changes, self.p, self.u, gain_per_utility))
        self.state = new

    def change(self, new: tuple[int, ...], k: int) -> Change:
        """Provision ``k``'s move from the current text to ``new``."""
        t = self.tracks[k]
        _, text, _ = _real_value(t.entry, t.grid[new[k]])
        return Change(t.kind, t.grid[self.state[k]], t.grid[new[k]], text)

    def fall_back_to_most_adoptable(self) -> None:
        """Target out of reach: keep the most adoptable text on the path, and the path to it."""
        best_at = max(range(len(self.visited)),
                      key=lambda i: (self.evaluated[self.visited[i]][0], i))
        self.state, self.path = self.visited[best_at], self.path[:best_at]


def _moved(state: tuple[int, ...], k: int, by: int) -> tuple[int, ...]:
    return tuple(j + by if i == k else j for i, j in enumerate(state))


def negotiate(
    scenario: Scenario | str | os.PathLike,
    draft: str | Draft | None = None,
    *,
    target: float = 0.9,
    sponsor: str | None = None,
    method: Method | None = None,
    steps: int = 20,
    forms: Forms = "continuous",
    draws: int | None = None,
    seed: SeedLike = None,
    nodes: int | None = None,
    model: VoteModel | None = None,
    executor: Executor | None = None,
    options: EngineOptions | None = None,
) -> Negotiation:
    """Find the text the sponsor likes best among those with P(adopted) >= ``target``.

    Each provision of the draft moves on a grid between its severity in the draft and the
    status quo's; the search (concede greedily, strengthen back, swap) is described in the
    module docstring.

    Parameters
    ----------
    scenario : Scenario or path
        The situation, or a path to a scenario TOML file.
    draft : str, Draft or None
        The draft to negotiate from (id, object, or None when the scenario has exactly one).
    target : float
        The P(adopted) the text must reach, strictly between 0 and 1 (default 0.9).
    sponsor : str, optional
        Council member whose own mean utility is maximised; default the draft's first sponsor
        that sits on the council.
    method : {"auto", "exact", "monte_carlo"}, optional
        Engine; default the scenario's ``simulation.method`` (``auto``: exact when it applies).
        Monte Carlo uses one seed for every text (common random numbers).
    steps : int
        Grid steps between status quo and draft severity, per provision (default 20).
    forms : {"continuous", "named"}
        ``"continuous"`` moves every provision on the ``steps`` grid; ``"named"`` moves levels
        and bans only between their named forms (caps stay on the grid), so the text can be
        written in real terms exactly.
    draws : int, optional
        Monte Carlo draws per text.
    seed : None, int, SeedSequence or Generator, optional
        Monte Carlo seed (default: the scenario's, else fresh entropy, recorded).
    nodes : int, optional
        Least number of mood points of the exact engine (see :func:`councilsim.simulate`).
    model : VoteModel, optional
        Vote model of the simulations (the sponsor's utility is always its mean net utility
        under the random-utility model of its stance).
    executor : concurrent.futures.Executor, optional
        Runs each text's Monte Carlo tasks; results are identical.
    options : EngineOptions, optional
        method, draws, seed, nodes, model and executor in one object (the keyword arguments,
        when given, take precedence).

    Returns
    -------
    Negotiation
        ``reached=False`` (and a message saying so) when even cutting every provision to the
        status quo does not reach the target.

    Raises
    ------
    ValueError
        For a target outside (0, 1), ``steps`` below 1, an unknown ``forms`` or method, or a
        sponsor not on the council.
    """
    scenario = as_scenario(scenario)
    base = as_draft(scenario, draft)
    engine = resolve_engine(scenario, base, options, method=method, draws=draws, seed=seed,
                            nodes=nodes, model=model, executor=executor)
    target = checked_target(target)
    if (isinstance(steps, bool) or not isinstance(steps, int | np.integer)
            or not 1 <= steps <= MAX_STEPS):
        raise InputError(f"steps must be a whole number from 1 to {MAX_STEPS}, got {steps!r} "
                         f"(a finer grid than 1/{MAX_STEPS} of the way changes no printed digit)")
    if forms not in ("continuous", "named"):
        raise InputError(f"forms must be 'continuous' or 'named', got {forms!r}")
    sponsor = _sponsor_iv(scenario, base, sponsor)
    search = _Search(scenario, base, _tracks(scenario, base, int(steps), forms),
                     engine=engine, sponsor=sponsor, target=target)
    reached = search.concede()
    if reached:
        search.strengthen_back()
    else:
        search.fall_back_to_most_adoptable()
    tracks, state = search.tracks, search.state
    p, u, error, amended = search.evaluate(state)
    p0, u0, _, _ = search.evaluate(search.top)
    p_sq, u_sq, _, _ = search.evaluate(search.zero)
    rows = []
    q_all = scenario.status_quo_severities()
    for t, j in zip(tracks, state, strict=True):
        lo, hi, sev = t.grid[0], t.grid[-1], t.grid[j]
        value, value_text, exact = _real_value(t.entry, sev)
        if j == t.top and t.original.value is not None:
            value, value_text, exact = _original_value(t)
        rows.append(NegotiatedProvision(
            kind=t.kind,
            label=t.entry.label,
            unit=t.entry.unit,
            status_quo_severity=q_all.get(t.kind, 0.0),
            draft_severity=hi,
            severity=sev,
            share_conceded=0.0 if hi == lo else (hi - sev) / (hi - lo),
            status_quo_value=_real_value(t.entry, lo)[0],
            draft_value=_original_value(t)[0] if t.original.value is not None
            else _real_value(t.entry, hi)[0],
            value=value,
            value_text=value_text,
            exact_form=exact,
        ))
    if reached:
        cut = [r.kind for r in rows if r.share_conceded > 0]
        message = (
            f"target {target:g} reached: P(adopted) {p:.4f}"
            + (f", conceding on {', '.join(cut)}" if cut else " with the draft as tabled")
        )
    else:
        message = (
            f"target {target:g} NOT reachable: even with every provision cut to the status "
            f"quo, P(adopted) is {p_sq:.4f}; the most adoptable text on the concession path "
            f"(given here) has P(adopted) {p:.4f}"
        )
    return Negotiation(
        draft_id=base.id,
        sponsor=sponsor,
        target=target,
        reached=reached,
        message=message,
        p_adopted=p,
        error=error,
        sponsor_utility=u,
        initial_p_adopted=p0,
        initial_utility=u0,
        status_quo_p_adopted=p_sq,
        status_quo_utility=u_sq,
        provisions=tuple(rows),
        path=tuple(search.path),
        draft=amended,
        method=engine.method,
        steps=int(steps),
        forms=forms,
        evaluations=len(search.evaluated),
        draws=engine.draws,
        seed=engine.seed,
        scenario_title=scenario.title,
        scenario_hash=scenario.content_hash(),
        base_scenario=scenario,
        nodes=engine.nodes,
    )


def _original_value(track: _Track) -> tuple[float | bool | str, str, bool]:
    value = track.original.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # The draft may say "2 million barrels/year": tables speak the kind's own unit.
        value = in_kind_unit(track.kind, track.entry, value, track.original.unit)
    return value, _value_text(value, track.entry.unit), True
