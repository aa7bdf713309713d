"""Who defeats a draft: the most likely blocking coalitions, with their probabilities.

Definition
----------
Every failed vote has exactly one *blocking coalition*, as the Council counts a failure:

* if the draft fell short of the threshold, the coalition is the set of members who withheld
  a yes — voted no, abstained or were absent (kind ``"short"``), whatever the veto holders did.
  Its ``missing_yes`` says how many of them would have had to switch to yes; when it is 1
  every member of the set was decisive;
* otherwise the draft had the required yes votes and at least one veto holder voted no: the
  coalition is the set of veto holders voting no (kind ``"veto"``) — each of them alone would
  have sufficed, whatever the others did.

So the coalitions of all failed votes partition the event "not adopted": their probabilities
add up to P(not adopted), and a veto holder's probability of vetoing (the required yes votes
and its no) is the total probability of the ``"veto"`` coalitions that contain it.

Methods
-------
``"exact"`` integrates over the shared shocks (the exact engine's trapezoidal rules over the mood
and over each bloc's shock, fine enough for its narrowest member) the probability of every pattern
of votes: for the veto holders, who votes no, jointly with the number of yes votes; for all
members, who withholds a yes. It enumerates ``2**seats`` patterns per mood node, so it is
limited to councils of at most 20 seats. ``"monte_carlo"`` simulates votes
(``keep_draws=True``) and counts the
coalition of every failed draw; it is deterministic for a given seed and gives standard errors.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.special import ndtr

from councilsim.analysis._common import (
    Report,
    SeedLike,
    as_draft,
    as_scenario,
    jsonable,
    text_table,
)
from councilsim.api import simulate
from councilsim.errors import InputError
from councilsim.exact import DEFAULT_NODES, quadrature_groups
from councilsim.models import Draft, Scenario
from councilsim.options import EngineOptions, Method
from councilsim.results import chart
from councilsim.rules import NO, YES
from councilsim.votemodel import VoteLaw, VoteModel

__all__ = ["BlockingCoalitions", "Coalition", "blocking_coalitions"]

#: Largest council the exact method enumerates (2**seats vote patterns per mood node).
MAX_EXACT_SEATS = 20


@dataclass(frozen=True)
class Coalition:
    """A set of members whose votes defeated the draft, and how likely that is.

    Attributes
    ----------
    kind : {"veto", "short"}
        ``"veto"``: these veto holders voted no; ``"short"``: no veto, and these members
        withheld a yes, leaving the draft below the threshold.
    members : tuple of str
        The coalition, in council order.
    probability : float
        Probability that this is the blocking coalition of the vote.
    std_error : float or None
        Monte Carlo standard error of ``probability`` (None for the exact method).
    missing_yes : int or None
        For ``"short"``: yes votes missing to reach the threshold (None for ``"veto"``).
    """

    kind: str
    members: tuple[str, ...]
    probability: float
    std_error: float | None
    missing_yes: int | None


@dataclass(frozen=True, repr=False)  # repr: Report's, a screenful
class BlockingCoalitions(Report):
    """The most likely blocking coalitions of a draft (see the module docstring for the definition).

    Attributes
    ----------
    draft_id : str
        The draft simulated.
    coalitions : tuple of Coalition
        The ``top`` most likely coalitions, most likely first.
    p_adopted, p_not_adopted : float
        Probability that the draft is (not) adopted.
    p_vetoed, p_short : float
        Probability of a veto (the required yes votes and a veto holder's no); of too few yes
        votes. They add up to ``p_not_adopted``, as do the probabilities of all coalitions.
    p_listed : float
        Total probability of the coalitions listed (at most ``p_not_adopted``).
    n_coalitions : int
        Number of distinct coalitions with positive probability (observed, for Monte Carlo).
    veto : dict of str to float
        For each veto holder, the probability that it vetoes: the required yes votes are cast
        and it votes no (as :attr:`SimulationResult.veto_prob`).
    veto_std_error : dict of str to float or None
        Monte Carlo standard errors of ``veto`` (None for exact).
    membership : dict of str to float
        For each member, the probability that it belongs to the blocking coalition.
    threshold : int
        Yes votes needed.
    method : str
        ``"exact"`` or ``"monte_carlo"``.
    draws : int or None
        Monte Carlo draws.
    seed : int or None
        Entropy of the root seed (Monte Carlo).
    nodes : int or None
        Quadrature nodes over the mood (exact).
    scenario_title : str
        For display.
    scenario_hash : str
        SHA-256 of the scenario's canonical JSON.
    """

    draft_id: str
    coalitions: tuple[Coalition, ...]
    p_adopted: float
    p_not_adopted: float
    p_vetoed: float
    p_short: float
    p_listed: float
    n_coalitions: int
    veto: dict[str, float]
    veto_std_error: dict[str, float] | None
    membership: dict[str, float]
    threshold: int
    method: str
    draws: int | None
    seed: int | None
    nodes: int | None
    scenario_title: str
    scenario_hash: str

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python types (JSON-ready)."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["coalitions"] = [c.__dict__ for c in self.coalitions]
        return jsonable(out)

    def to_table(self) -> tuple[list[str], list[list[Any]]]:
        """``(columns, rows)``: one row per listed coalition, most likely first.

        The CSV of ``councilsim coalitions``; ``members`` are space-separated codes.
        """
        columns = ["rank", "kind", "members", "probability", "std_error", "missing_yes"]
        rows = [[k, c.kind, " ".join(c.members), c.probability, c.std_error, c.missing_yes]
                for k, c in enumerate(self.coalitions, 1)]
        return columns, rows

    def plot(self, ax=None, **kwargs: Any):
        """Bars of the most likely blocking coalitions (needs matplotlib); returns the Axes.

        ``kwargs`` go to :func:`councilsim.plot.coalition_bars`.
        """
        return chart("coalition_bars")(self, ax=ax, **kwargs)

    def summary(self) -> str:
        """Return a plain-text table of the listed coalitions and each veto holder's P(veto)."""
        how = (
            f"exact, {self.nodes} nodes" if self.method == "exact"
            else f"Monte Carlo, {self.draws:,} draws, seed {self.seed}"
        )
        mc = self.method == "monte_carlo"
        header = ["#", "kind", "members", "probability", *(["std. error"] if mc else []),
                  "missing yes"]
        rows = [
            [str(k), c.kind, " ".join(c.members), f"{c.probability:.4f}",
             *([f"{c.std_error:.4f}"] if mc else []),
             "" if c.missing_yes is None else str(c.missing_yes)]
            for k, c in enumerate(self.coalitions, 1)
        ]
        veto = ", ".join(f"{code} {p:.4f}" for code, p in self.veto.items()) or "none"
        return "\n".join([
            f"Blocking coalitions of draft {self.draft_id!r} ({how})",
            f"P(not adopted) = {self.p_not_adopted:.4f}: vetoed {self.p_vetoed:.4f}, short of "
            f"{self.threshold} yes votes {self.p_short:.4f}; the {len(self.coalitions)} listed "
            f"cover {self.p_listed:.4f} ({self.n_coalitions} coalitions in all)",
            text_table(header, rows, left=(1, 2)),
            f"P(vetoes): {veto}",
        ])


# ---------------------------------------------------------------------------------------------
# Exact
# ---------------------------------------------------------------------------------------------


def _patterns(bit1: np.ndarray, bit0: np.ndarray) -> np.ndarray:
    """Probabilities of all 2**m patterns of m independent members: ``(..., m)`` -> ``(..., 2**m)``.

    Member ``j`` is bit ``j`` of the pattern index; ``bit1``/``bit0`` are its probabilities of
    being in / out of the set (they need not add up to 1: the rest is an excluded event).
    """
    out = np.ones(bit1.shape[:-1] + (1,))
    for j in range(bit1.shape[-1]):
        out = np.concatenate([out * bit0[..., j, None], out * bit1[..., j, None]], axis=-1)
    return out


def _kron(acc: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Patterns of two independent groups: ``acc`` takes the low bits, ``group`` the next."""
    return (group[..., :, None] * acc[..., None, :]).reshape(acc.shape[:-1] + (-1,))


def _to_council_masks(order: list[int]) -> np.ndarray:
    """Council bitmask of every pattern index whose bit j is council member ``order[j]``."""
    index = np.arange(2 ** len(order), dtype=np.int64)
    masks = np.zeros_like(index)
    for j, member in enumerate(order):
        masks |= ((index >> j) & 1) << member
    return masks


def _with_yes_count(table: np.ndarray, yes: np.ndarray, rest: np.ndarray) -> np.ndarray:
    """Add one member to a ``(P, patterns, yes count)`` table: yes shifts the count, rest not."""
    out = np.zeros(table.shape[:-1] + (table.shape[-1] + 1,))
    out[..., :-1] += table * rest[:, None, None]
    out[..., 1:] += table * yes[:, None, None]
    return out


def _veto_table(yes: np.ndarray, no: np.ndarray, is_veto: np.ndarray) -> np.ndarray:
    """``(P, 2**holders, m + 1)``: P(these holders vote no, the others not; k yes votes).

    One group's members at each of its points; holder ``j`` (in group order) is bit ``j``.
    """
    table = np.ones((yes.shape[0], 1, 1))
    for j in range(yes.shape[1]):
        if is_veto[j]:
            rest = _with_yes_count(table, yes[:, j], 1.0 - yes[:, j] - no[:, j])
            no_j = np.zeros_like(rest)
            no_j[..., :-1] = table * no[:, j, None, None]  # a no adds no yes vote
            table = np.concatenate([rest, no_j], axis=1)
        else:
            table = _with_yes_count(table, yes[:, j], 1.0 - yes[:, j])
    return table


def _exact_patterns(law: VoteLaw, nodes: int):
    """Integrated probabilities of every veto pattern and every withheld-yes pattern.

    A veto pattern counts only with the required yes votes (a veto as the Council counts it);
    a withheld-yes pattern is any, whatever the veto holders did (the caller keeps those short
    of the threshold). Uses the exact engine's quadrature
    (:func:`councilsim.exact.quadrature_groups`). Returns ``(veto_masks, veto_probs,
    short_masks, short_probs)`` with council bitmasks.
    """
    groups, w = quadrature_groups(law, nodes)
    voting = (1.0 - law.p_absent) * ~law.obliged_abstain
    veto_order: list[int] = []
    short_order: list[int] = []
    veto_acc = np.ones((w.size, 1, 1))  # (mood nodes, veto patterns, yes count)
    short_groups = []
    for members, shift, to_mood in groups:
        utility = law.mean[members] + shift  # (P, m)
        sd = law.sd[members]
        yes = voting[members] * ndtr((utility - law.yes_above[members]) / sd)
        no = voting[members] * ndtr((law.no_below[members] - utility) / sd)
        is_veto = law.veto[members]
        short = to_mood @ _patterns(1.0 - yes, yes)  # (G, 2**m)
        table = np.einsum("gp,pak->gak", to_mood, _veto_table(yes, no, is_veto))
        short_groups.append(short)
        short_order.extend(members.tolist())
        # Groups are independent given the mood: patterns combine (the group takes the next
        # bits), yes counts add (a convolution).
        counts = veto_acc.shape[-1] + table.shape[-1] - 1
        combined = np.zeros((w.size, table.shape[1], veto_acc.shape[1], counts))
        for k in range(table.shape[-1]):
            combined[..., k : k + veto_acc.shape[-1]] += (
                table[:, :, None, k, None] * veto_acc[:, None]
            )
        veto_acc = combined.reshape(w.size, -1, counts)
        veto_order.extend(members[np.flatnonzero(is_veto)].tolist())
    veto_probs = np.tensordot(w, veto_acc[..., law.threshold :].sum(axis=-1), axes=1)
    short_acc = None  # built per mood node: it can reach 2**20 patterns
    for k in np.flatnonzero(w):
        acc = np.ones(1)
        for short in short_groups:
            acc = _kron(acc, short[k])
        short_acc = w[k] * acc if short_acc is None else short_acc + w[k] * acc
    return (
        _to_council_masks(veto_order), veto_probs, _to_council_masks(short_order), short_acc
    )


def _popcount(masks: np.ndarray, seats: int) -> np.ndarray:
    return sum(((masks >> j) & 1) for j in range(seats))


def _members(mask: int, codes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(code for j, code in enumerate(codes) if mask >> j & 1)


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def blocking_coalitions(
    scenario: Scenario | str | os.PathLike,
    draft: str | Draft | None = None,
    *,
    top: int = 10,
    method: Method | None = None,
    draws: int | None = None,
    seed: SeedLike = None,
    nodes: int | None = None,
    model: VoteModel | None = None,
    executor: Executor | None = None,
    options: EngineOptions | None = None,
) -> BlockingCoalitions:
    """Find the most likely blocking coalitions of a draft, with their probabilities.

    See the module docstring for the definition: in every failed vote, the veto holders voting
    no (``"veto"``), or if there is no veto, the members withholding a yes (``"short"``).

    Parameters
    ----------
    scenario : Scenario or path
        The situation, or a path to a scenario TOML file.
    draft : str, Draft or None
        The draft (id, object, or None when the scenario has exactly one).
    top : int
        How many coalitions to list, most likely first (default 10).
    method : {"auto", "exact", "monte_carlo"}, optional
        Default the scenario's ``simulation.method``. ``"auto"`` is exact for councils of up to
        20 seats, Monte Carlo above.
    draws : int, optional
        Monte Carlo draws (default: the scenario's ``simulation.draws``).
    seed : None, int, SeedSequence or Generator, optional
        Monte Carlo seed (default: the scenario's, else fresh entropy, recorded).
    nodes : int, optional
        Least number of mood points for the exact method (default
        :data:`councilsim.exact.DEFAULT_NODES`).
    model : VoteModel, optional
        The vote model; the exact method needs one that gives a
        :class:`~councilsim.votemodel.VoteLaw`.
    executor : concurrent.futures.Executor, optional
        Runs the Monte Carlo tasks; results are identical.
    options : EngineOptions, optional
        method, draws, seed, nodes, model and executor in one object (the keyword arguments,
        when given, take precedence).

    Returns
    -------
    BlockingCoalitions

    Raises
    ------
    ValueError
        For ``top`` below 1, an unknown method, or the exact method on more than 20 seats.
    """
    scenario = as_scenario(scenario)
    draft = as_draft(scenario, draft)
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        raise InputError(f"top must be a positive integer, got {top!r}")
    seats = scenario.council.seats
    engine = EngineOptions.of(options, method=method, draws=draws, seed=seed, nodes=nodes,
                              model=model, executor=executor)
    method = engine.method or scenario.simulation.method
    if method == "auto":  # this analysis' own rule: its exact form enumerates 2**seats patterns
        has_law = isinstance(engine.vote_model.prepare(scenario, draft), VoteLaw)
        method = "exact" if seats <= MAX_EXACT_SEATS and has_law else "monte_carlo"
    if method == "exact" and seats > MAX_EXACT_SEATS:
        raise InputError(
            f"the exact method enumerates 2**seats vote patterns and allows at most "
            f"{MAX_EXACT_SEATS} seats; this council has {seats}: use method='monte_carlo'"
        )
    if seats > 62:  # coalitions are int64 bitmasks
        raise InputError(f"at most 62 seats can be counted as coalitions, got {seats}")
    codes = scenario.council.members
    threshold = scenario.council.threshold
    veto_holders = () if draft.procedural else scenario.council.veto_holders
    common = dict(draft_id=draft.id, threshold=threshold, scenario_title=scenario.title,
                  scenario_hash=scenario.content_hash())
    if method == "exact":
        law = engine.vote_model.prepare(scenario, draft)
        if not isinstance(law, VoteLaw):
            raise InputError("this vote model has no exact form; use method='monte_carlo'")
        nodes = int(engine.nodes or DEFAULT_NODES)
        veto_masks, veto_probs, short_masks, short_probs = _exact_patterns(law, nodes)
        # Holders' no patterns that cannot leave the required yes votes never veto.
        vetoed = (veto_masks != 0) & (veto_probs > 0)
        short = (_popcount(short_masks, seats) > seats - threshold) & (short_probs > 0)
        masks = np.concatenate([veto_masks[vetoed], short_masks[short]])
        probs = np.concatenate([veto_probs[vetoed], short_probs[short]])
        kinds = np.concatenate([np.ones(vetoed.sum(), bool), np.zeros(short.sum(), bool)])
        p_vetoed, p_short = float(veto_probs[vetoed].sum()), float(short_probs[short].sum())
        std_errors = None
        total, draws_used, seed_used = None, None, None
    else:
        result = simulate(scenario, draft, options=replace(engine, method="monte_carlo"),
                          keep_draws=True)
        votes = result.votes
        bit = np.int64(1) << np.arange(seats, dtype=np.int64)
        veto = np.array([code in veto_holders for code in codes])
        veto_no = (votes == NO) & veto
        yes = votes == YES
        enough = yes.sum(axis=1) >= threshold
        is_vetoed = veto_no.any(axis=1) & enough
        failed = is_vetoed | ~enough
        mask = np.where(is_vetoed, veto_no @ bit, (~yes) @ bit)
        keys, counts = np.unique(2 * mask[failed] + is_vetoed[failed], return_counts=True)
        total = votes.shape[0]
        masks, kinds, probs = keys >> 1, (keys & 1).astype(bool), counts / total
        std_errors = np.sqrt(probs * (1.0 - probs) / total)
        p_vetoed = float(is_vetoed.mean())
        p_short = float((failed & ~is_vetoed).mean())
        draws_used, seed_used, nodes = total, result.seed, None
    order = np.lexsort((masks, ~kinds, -probs))  # by probability, ties: veto first, then mask
    listed = []
    for i in order[:top]:
        members = _members(int(masks[i]), codes)
        listed.append(Coalition(
            kind="veto" if kinds[i] else "short",
            members=members,
            probability=float(probs[i]),
            std_error=None if std_errors is None else float(std_errors[i]),
            missing_yes=None if kinds[i] else threshold - (seats - len(members)),
        ))
    in_set = ((masks[:, None] >> np.arange(seats)) & 1).astype(bool)
    membership = {code: float(probs[in_set[:, j]].sum()) for j, code in enumerate(codes)}
    veto_prob = {
        code: float(probs[kinds & in_set[:, codes.index(code)]].sum()) for code in veto_holders
    }
    veto_se = None if total is None else {
        code: math.sqrt(p * (1.0 - p) / total) for code, p in veto_prob.items()
    }
    p_not = p_vetoed + p_short
    return BlockingCoalitions(
        coalitions=tuple(listed),
        p_adopted=1.0 - p_not,
        p_not_adopted=p_not,
        p_vetoed=p_vetoed,
        p_short=p_short,
        p_listed=float(sum(c.probability for c in listed)),
        n_coalitions=int(np.count_nonzero(probs > (0 if total else 1e-15))),
        veto=veto_prob,
        veto_std_error=veto_se,
        membership=membership,
        method=method,
        draws=draws_used,
        seed=seed_used,
        nodes=nodes,
        **common,
    )
