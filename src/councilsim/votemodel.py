"""From a scenario and a draft to each member's law of voting.

The default model is the random-utility model of docs/model.md: a member's net utility is normal,
with a mean set by its stance and the draft, plus shocks shared council-wide (mood) and within its
bloc. A model is any object with a ``prepare(scenario, draft)`` method; it returns either a
:class:`VoteLaw` (which both engines can use, the exact one included) or any object with a
``sample(rng, size)`` method returning simulated votes (Monte Carlo only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from councilsim.models import Draft, Scenario
from councilsim.rules import ABSENT, ABSTAIN, NO, YES

__all__ = ["RandomUtilityModel", "VoteLaw", "VoteModel", "VoteSampler"]


@runtime_checkable
class VoteSampler(Protocol):
    """Anything that draws simulated votes: an int8 array of shape ``(size, seats)``.

    Votes are coded ``YES=0, NO=1, ABSTAIN=2, ABSENT=3`` in council member order. For results that
    do not depend on chunking, the draws must depend only on the generator's stream and ``size``.
    """

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # noqa: D102
        ...


class VoteModel(Protocol):
    """A vote model: turns a scenario and a draft into a :class:`VoteLaw` or a sampler."""

    def prepare(self, scenario: Scenario, draft: Draft) -> VoteLaw | VoteSampler:  # noqa: D102
        ...


@dataclass(frozen=True, eq=False)
class VoteLaw:
    """Each member's latent-utility law for one draft, in council order.

    Member ``i``'s utility is ``D_i = mean_i + mood_sd * G + loading_i * bloc_sd[bloc_i] *
    E[bloc_i] + sd_i * e_i`` with independent standard normals; it votes yes if
    ``D_i > yes_above_i``, no if ``D_i < no_below_i`` and abstains otherwise, unless it is
    absent (probability ``p_absent_i``) or obliged to abstain.

    Attributes
    ----------
    codes : tuple of str
        Member codes in council order.
    mean, sd, yes_above, no_below, p_absent : ndarray of float, shape (seats,)
        Utility mean and idiosyncratic standard deviation, the two vote cut-offs, absence chance.
    obliged_abstain : ndarray of bool, shape (seats,)
        Members that must abstain (Art. 27(3)).
    bloc : ndarray of int, shape (seats,)
        Index into ``bloc_sd`` of each member's bloc, -1 for none.
    bloc_sd : ndarray of float, shape (blocs,)
        Standard deviation of each bloc's shared shock.
    loading : ndarray of float, shape (seats,)
        Each member's loading on its bloc's shock (1 for members outside any bloc); signed, so
        members of one bloc can move against each other.
    mood_sd : float
        Standard deviation of the council-wide shock.
    veto : ndarray of bool, shape (seats,)
        Members whose "no" is a veto for this draft (none when procedural).
    threshold : int
        Yes votes needed.
    """

    codes: tuple[str, ...]
    mean: np.ndarray
    sd: np.ndarray
    yes_above: np.ndarray
    no_below: np.ndarray
    p_absent: np.ndarray
    obliged_abstain: np.ndarray
    bloc: np.ndarray
    bloc_sd: np.ndarray
    mood_sd: float
    veto: np.ndarray
    threshold: int
    loading: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.loading is None:
            object.__setattr__(self, "loading", np.ones(len(self.codes)))

    @property
    def unit_loadings(self) -> bool:
        """Whether every member loads 1 on its bloc's shock (blocs as in docs/model.md)."""
        return bool(np.all(self.loading == 1.0))

    @property
    def seats(self) -> int:
        """Number of seats."""
        return len(self.codes)

    def sample_masks(
        self, rng: np.random.Generator, size: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Draw ``size`` votes as boolean masks ``(yes, no, absent)``, each ``(seats, size)``.

        Members are rows, so every operation runs over long contiguous rows (several times
        faster than draws as rows). ``absent`` is None when no member can be absent;
        abstentions are what is left.
        """
        n_blocs = len(self.bloc_sd)
        z = rng.standard_normal((1 + n_blocs + self.seats, size))
        # Shared shift per draw: row 0 is the mood alone (members outside any bloc),
        # row 1 + b the mood plus bloc b's shock.
        shared = z[: 1 + n_blocs]
        shared[0] *= self.mood_sd
        shared[1:] *= self.bloc_sd[:, None]
        # Members loading other than 1 take the mood and their share of the bloc's shock apart.
        scaled = self.loading != 1.0
        bloc_shock = shared[1:].copy() if scaled.any() else None
        shared[1:] += shared[0]
        utility = z[1 + n_blocs :]
        utility *= self.sd[:, None]
        utility += self.mean[:, None]
        # Row by row, in place: indexing ``shared`` by member would copy a whole block.
        for row, source, loading in zip(utility, self.bloc + 1, self.loading, strict=True):
            if loading == 1.0 or source == 0:
                row += shared[source]
            else:
                row += shared[0]
                row += loading * bloc_shock[source - 1]
        yes = utility > self.yes_above[:, None]
        no = utility < self.no_below[:, None]
        if self.obliged_abstain.any():
            yes[self.obliged_abstain] = False
            no[self.obliged_abstain] = False
        absent = None
        if np.any(self.p_absent > 0):
            # Uniforms come after the normals, so models without absence share the stream.
            absent = rng.random((self.seats, size)) < self.p_absent[:, None]
            yes &= ~absent
            no &= ~absent
        return yes, no, absent

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` simulated votes, an int8 array of shape ``(size, seats)``."""
        return votes_from_masks(*self.sample_masks(rng, size))


def votes_from_masks(yes: np.ndarray, no: np.ndarray, absent: np.ndarray | None) -> np.ndarray:
    """Vote codes (``YES=0, NO=1, ABSTAIN=2, ABSENT=3``), ``(draws, seats)``, from masks.

    The masks are ``(seats, draws)``, as :meth:`VoteLaw.sample_masks` returns them.
    """
    yes, no = yes.T, no.T
    absent = None if absent is None else absent.T
    votes = np.full(yes.shape, ABSTAIN, dtype=np.int8)
    votes[yes] = YES
    votes[no] = NO
    if absent is not None:
        votes[absent] = ABSENT
    return votes


class RandomUtilityModel:
    """The default vote model (docs/model.md): quadratic policy utility plus hierarchical shocks.

    A member's mean utility is ``support + sum_k salience_k * ((ideal_k - q_k)^2 -
    (ideal_k - s_k)^2)``, where ``q`` is the status quo and ``s`` the draft's severities,
    plus what the draft's circumstances add: the member's ``affinity`` for each key (member
    or camp) among the draft's sponsors, its ``rival`` term when another draft on the item is
    on the table, its ``amendment`` term for an amendment. A member with no ideal for a kind
    it weighs is taken to prefer the status quo on it.
    """

    def prepare(self, scenario: Scenario, draft: Draft) -> VoteLaw:
        """Build the :class:`VoteLaw` of every member for ``draft``."""
        table = _stance_table(scenario)
        proposal = scenario.draft_severities(draft)
        s = np.array([proposal.get(kind, 0.0) for kind in table.kinds])
        # (x - q)^2 - (x - s)^2, weighted and summed over kinds: vectorised over members.
        gain = table.salience * ((table.ideal - table.status_quo) ** 2 - (table.ideal - s) ** 2)
        council = scenario.council
        veto = table.veto_holder & (not draft.procedural)
        mean = table.support + gain.sum(axis=1)
        if not table.context_free:
            mean = mean + _context_shift(table, scenario, draft)
        return VoteLaw(
            codes=council.members,
            mean=mean,
            sd=table.uncertainty,
            yes_above=table.abstention,
            no_below=-(table.abstention + np.where(veto, table.veto_cost, 0.0)),
            p_absent=table.absence,
            obliged_abstain=np.array([code in draft.obliged_abstain for code in council.members]),
            bloc=table.bloc,
            bloc_sd=table.bloc_sd,
            mood_sd=float(scenario.mood_sd),
            veto=veto,
            threshold=council.threshold,
            loading=table.loading,
        )


def _context_shift(table: _StanceTable, scenario: Scenario, draft: Draft) -> np.ndarray:
    """What the draft's sponsors, rivals and amendment status add to each member's support."""
    sponsors = set(draft.sponsors)
    matched = np.array([not sponsors.isdisjoint(codes) for codes in table.affinity_keys])
    shift = table.affinity @ matched if matched.size else np.zeros(len(table.support))
    if scenario.has_rival(draft):
        shift = shift + table.rival
    if draft.amendment:
        shift = shift + table.amendment
    return shift


@dataclass(frozen=True, eq=False)
class _StanceTable:
    """A scenario's stances as arrays (members in council order, kinds in ``kinds`` order)."""

    kinds: tuple[str, ...]
    support: np.ndarray
    ideal: np.ndarray  # (members, kinds); the status quo where a member states no ideal
    salience: np.ndarray  # (members, kinds); 0 where not stated
    status_quo: np.ndarray  # (kinds,)
    uncertainty: np.ndarray
    abstention: np.ndarray
    veto_cost: np.ndarray
    absence: np.ndarray
    veto_holder: np.ndarray
    bloc: np.ndarray
    bloc_sd: np.ndarray
    loading: np.ndarray  # (members,): loading on the bloc's shock, 1 outside any bloc
    affinity_keys: tuple[frozenset[str], ...]  # the members each affinity key stands for
    affinity: np.ndarray  # (members, keys)
    rival: np.ndarray
    amendment: np.ndarray
    context_free: bool  # no affinity, rival or amendment term: the mean ignores the context


_TABLES: dict[str, _StanceTable] = {}


def _stance_table(scenario: Scenario) -> _StanceTable:
    # Keyed by the scenario's content hash (computed once per scenario): sweeps, sensitivity
    # runs and negotiations prepare many drafts of the same scenario.
    key = scenario.content_hash()
    table = _TABLES.get(key)
    if table is None:
        if len(_TABLES) >= 256:
            _TABLES.clear()
        table = _TABLES[key] = _build_stance_table(scenario)
    return table


def _build_stance_table(scenario: Scenario) -> _StanceTable:
    council = scenario.council
    stances = [scenario.member(code) for code in council.members]
    kinds = tuple(sorted({kind for stance in stances for kind in stance.salience}))
    status_quo = scenario.status_quo_severities()
    q = np.array([status_quo.get(kind, 0.0) for kind in kinds])
    ideal = np.array([[stance.ideal.get(kind, q[k]) for k, kind in enumerate(kinds)]
                      for stance in stances]).reshape(len(stances), len(kinds))
    salience = np.array([[stance.salience.get(kind, 0.0) for kind in kinds]
                         for stance in stances]).reshape(len(stances), len(kinds))
    bloc_index = {code: b for b, bloc in enumerate(scenario.blocs) for code in bloc.members}
    loadings = {code: bloc.loading(code) for bloc in scenario.blocs for code in bloc.members}
    keys = tuple(sorted({key for stance in stances for key in stance.affinity}))
    affinity = np.array([[stance.affinity.get(key, 0.0) for key in keys]
                         for stance in stances]).reshape(len(stances), len(keys))
    rival = np.array([stance.rival for stance in stances], dtype=float)
    amendment = np.array([stance.amendment for stance in stances], dtype=float)
    return _StanceTable(
        kinds=kinds,
        support=np.array([stance.support for stance in stances], dtype=float),
        ideal=ideal,
        salience=salience,
        status_quo=q,
        uncertainty=np.array([stance.uncertainty for stance in stances]),
        abstention=np.array([stance.abstention for stance in stances]),
        veto_cost=np.array([stance.veto_cost for stance in stances]),
        absence=np.array([stance.absence for stance in stances]),
        veto_holder=np.array([code in council.veto_holders for code in council.members]),
        bloc=np.array([bloc_index.get(code, -1) for code in council.members], dtype=np.intp),
        bloc_sd=np.array([bloc.sd for bloc in scenario.blocs], dtype=float),
        loading=np.array([loadings.get(code, 1.0) for code in council.members], dtype=float),
        affinity_keys=tuple(scenario.affinity_codes(key) for key in keys),
        affinity=affinity,
        rival=rival,
        amendment=amendment,
        context_free=not (affinity.any() or rival.any() or amendment.any()),
    )
