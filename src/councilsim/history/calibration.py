"""Estimate members' stances from the recorded votes (maximum a posteriori, with standard errors).

The model is the vote model of DESIGN §3 read as an ordered-probit item-response model. On text
``j`` member ``i`` has net utility ::

    D_ij = v_i + x_ij' delta + a_j + e_ij,      a_j ~ N(0, tau^2),  e_ij ~ N(0, 1)

and votes yes if ``D_ij > b_i``, no if ``D_ij < -(b_i + c_i)`` and abstains otherwise, so ::

    P(Y) = Phi(v_i + x'delta + a_j - b_i)
    P(N) = Phi(-(b_i + c_i) - v_i - x'delta - a_j)
    P(A) = 1 - P(Y) - P(N)

Every parameter is a field of :class:`~councilsim.models.Member` or :class:`Scenario`:

* ``v_i`` is ``support``, ``b_i`` is ``abstention``, ``c_i`` is ``veto_cost`` (veto holders only,
  and only on substantive texts: procedural texts carry no veto, as in
  :class:`~councilsim.votemodel.RandomUtilityModel`);
* the member's own shock has standard deviation 1 (``uncertainty = 1``): utility has no natural
  scale, so this fixes it;
* ``a_j`` is the text's appeal, which differs from draft to draft and is unknown for a new one. It
  is a random effect integrated out of the likelihood by Gauss-Hermite quadrature (a marginal
  likelihood), so ``tau`` is exactly the council-wide mood ``mood_sd`` of a scenario: a
  calibrated scenario predicts a new text with the model that was fitted;
* ``absence`` is each member's share of "X" (did not vote), shrunk toward the pooled share.

Two things are not identified by votes alone and are pinned down by design:

* a permanent member's band and veto cost: its yes cut-off identifies ``v - b`` and its no
  cut-off ``v + b + c``, not the three separately. A veto holder's band is therefore set to the
  pooled band of the elected members (the geometric mean of their estimated bands), and
  ``veto_cost`` is what the permanent member needs *beyond* that before it says no, which is
  what the field means;
* rarely seen members: each elected member's support and log band have a normal prior centred on
  the (estimated) means of all elected members (sd :data:`SUPPORT_PRIOR_SD`,
  :data:`BAND_PRIOR_SD`), so a member with a handful of votes gets the pooled stance. The
  estimates are therefore posterior modes; the standard errors come from the observed information
  (the Hessian of the negative log posterior, by central differences of the analytic gradient).

Optional text covariates ``x_ij`` (:data:`EFFECT_KINDS`, named by :func:`effect_keys`) shift a
member's support by what is known of a text before its vote: its agenda topic groups, its
sponsors (the member itself, or a permanent member) and the member's own last vote on the topic.
Each permanent member has its own effects, the elected members share one set, and all shrink
toward 0. They map onto ``support`` for one text (:meth:`Calibration.members_for` with a
:class:`TextContext`). Time-decay weights (``half_life``) let stances drift.

Blocs "from what is left": after the fit, each member's generalised residual on each text (the
posterior mean of its own shock ``e_ij`` given the votes) is correlated between pairs of members,
partial on the text's posterior mean appeal (yes-votes' residuals all move with it). If two
members share a bloc shock of sd ``s`` on top of unit own shocks, their latent residuals
correlate at ``s^2 / (1 + s^2)``; :meth:`Calibration.bloc` turns the mean pairwise correlation of
a group into a :class:`~councilsim.models.Bloc` by that formula. This is a rough estimate (the
residuals of discrete votes are attenuated, and negative correlations, such as the P3 against
Russia, have no bloc to go to): a starting point for a scenario's ``[[bloc]]`` tables, not a
fitted quantity.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import optimize, sparse
from scipy.special import log_ndtr, ndtr, ndtri

from councilsim.errors import InputError, LeakageError
from councilsim.history.record import (
    TOPIC_GROUPS,
    DateLike,
    History,
    RecordedVote,
    _as_date,
    _normalise_text,
    _ReadOnlyDict,
    _searchable,
    _seats_and_threshold,
    _topic_group_regexes,
)
from councilsim.models import Bloc, Council, Member, Scenario

__all__ = [
    "BAND_PRIOR_SD",
    "EFFECT_KINDS",
    "EFFECT_PRIOR_SD",
    "SUPPORT_PRIOR_SD",
    "UNUSABLE_STATUSES",
    "Calibration",
    "MemberEstimate",
    "TextContext",
    "agenda_groups",
    "calibrate",
    "calibrated_scenario",
    "effect_keys",
    "last_votes_before",
    "sponsor_codes",
    "usable",
]

#: Prior sd of an elected member's support around the elected members' mean (utility units).
SUPPORT_PRIOR_SD = 1.0
#: Prior sd of an elected member's log abstention band around the elected members' mean.
BAND_PRIOR_SD = 1.0
#: Prior sd of a permanent member's support around the elected mean (very weak).
PERMANENT_SUPPORT_PRIOR_SD = 3.0
#: Prior of a permanent member's log veto cost: N(log 0.5, 2^2) (weak; keeps it finite at 0).
VETO_COST_PRIOR = (math.log(0.5), 2.0)
#: Kinds of text covariates :func:`calibrate` can estimate (see :func:`effect_keys`).
EFFECT_KINDS = ("topic", "sponsor", "lag")
#: Default prior sd (utility units) of each covariate effect; effects shrink toward 0.
EFFECT_PRIOR_SD: Mapping[str, float] = MappingProxyType({"topic": 1.0, "sponsor": 1.0, "lag": 1.0})
#: Beta-prior weight (in votes) pulling a member's absence share toward the pooled share.
ABSENCE_PRIOR_VOTES = 5.0
#: Gauss-Hermite nodes for the text appeal.
NODES = 48
#: Statuses SOURCE.md says not to use for calibration.
UNUSABLE_STATUSES = frozenset({"incomplete", "suspect_1995", "label_unconfirmed"})

_LETTERS = ("Y", "N", "A")
_LAG_LEVELS = ("N", "A")  # effects of a last vote of N or A, relative to Y or no last vote
#: United Nations names of states that sat on the Council, where the record's (Wikipedia) name
#: differs; sponsors are listed under UN names.
_UN_NAMES = {
    "Russian Federation": "RUS",
    "United States of America": "USA",
    "United Kingdom of Great Britain and Northern Ireland": "GBR",
    "Republic of Korea": "KOR",
    "Côte d'Ivoire": "CIV",
    "Cote d'Ivoire": "CIV",
    "Viet Nam": "VNM",
    "Czechia": "CZE",
    "Congo": "COG",
    "Syrian Arab Republic": "SYR",
    "Bolivia (Plurinational State of)": "BOL",
    "Plurinational State of Bolivia": "BOL",
    "Venezuela (Bolivarian Republic of)": "VEN",
    "Bolivarian Republic of Venezuela": "VEN",
    "United Republic of Tanzania": "TZA",
    "Cabo Verde": "CPV",
    "Gambia": "GMB",
    "North Macedonia": "MKD",
    "Libyan Arab Jamahiriya": "LBY",
    "Iran (Islamic Republic of)": "IRN",
}


# ----------------------------------------------------------------------------------------------
# Which texts, which topic groups
# ----------------------------------------------------------------------------------------------


def usable(vote: RecordedVote) -> bool:
    """Whether a recorded vote can be calibrated on or predicted.

    That is a real vote with a complete member-level record: not adopted without a vote, not
    ``incomplete`` or ``suspect_1995``, and listing at least as many seats as votes needed.
    """
    if not vote.votes or vote.modality == "without_vote" or vote.status in UNUSABLE_STATUSES:
        return False
    # Fewer seats than votes needed: RecordedVote.council() refuses it.
    return len(vote.votes) >= _seats_and_threshold(vote.date)[1]


@cache
def _group_regexes() -> tuple[tuple[str, Any, Any], ...]:
    return tuple((name, *_topic_group_regexes(name)) for name in TOPIC_GROUPS)


@cache
def _agenda_groups(topic: str) -> tuple[str, ...]:
    text = _searchable(topic, "")
    return tuple(
        name
        for name, include, exclude in _group_regexes()
        if include.search(text) and not (exclude is not None and exclude.search(text))
    )


def agenda_groups(vote: RecordedVote) -> tuple[str, ...]:
    """Return the topic groups a text belongs to by its agenda wording alone.

    The groups are those of :data:`~councilsim.history.TOPIC_GROUPS`.

    :meth:`History.filter` also searches the title, but the record has titles only for adopted
    resolutions: classifying a text to be *predicted* by its title would leak its outcome. This
    function is what predictions use.
    """
    return _agenda_groups(vote.topic)


@cache
def _name_codes() -> Mapping[str, str]:
    from councilsim._bundled import read_record

    rows = read_record("members_by_year")
    names = {row["member_name_wikipedia"]: row["seat_code"] for row in rows}
    names.update(_UN_NAMES)
    return MappingProxyType({_normalise_text(k): v for k, v in names.items()})


def sponsor_codes(vote: RecordedVote) -> frozenset[str]:
    """Seat codes of the Council members (of this vote) among the text's sponsors."""
    if not vote.sponsors:
        return frozenset()
    table = _name_codes()
    # The record's own normalisation: it also reads a back-tick as an apostrophe.
    codes = (table.get(_normalise_text(name)) for name in vote.sponsors)
    return frozenset(code for code in codes if code is not None and code in vote.votes)


@dataclass(frozen=True)
class TextContext:
    """What is known about a text before it is voted on, beyond the council that votes.

    Parameters
    ----------
    topics : tuple of str
        Topic groups of the agenda item (:func:`agenda_groups`).
    sponsors : frozenset of str
        Seat codes of Council members sponsoring the text (:func:`sponsor_codes`).
    last_votes : dict of str to str
        Each member's last vote (Y/N/A) on an earlier-dated text sharing a topic group.
    """

    topics: tuple[str, ...] = ()
    sponsors: frozenset[str] = frozenset()
    last_votes: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, vote: RecordedVote, last_votes: Mapping[str, str] | None = None) -> TextContext:
        """The context of a recorded text (``last_votes`` must come from earlier votes)."""
        return cls(agenda_groups(vote), sponsor_codes(vote), dict(last_votes or {}))


def effect_keys(
    code: str, permanent: bool, context: TextContext, kinds: Iterable[str]
) -> list[str]:
    """Names of the covariate effects that shift ``code``'s support on a text.

    * ``topic:<group>:<who>`` for each topic group of the text;
    * ``sponsor:self:<class>`` when the member sponsors the text, and ``sponsor:<P>:<who>`` for
      each *other* permanent member ``P`` sponsoring it;
    * ``lag:<who>:N`` / ``lag:<who>:A`` when the member's last vote on the topic was N / A.

    ``<who>`` is the member's code for a permanent member and ``ELECTED`` (one shared effect) for
    elected members; ``<class>`` is ``permanent`` or ``elected``.
    """
    kinds = set(kinds)
    who = code if permanent else "ELECTED"
    keys = []
    if "topic" in kinds:
        keys.extend(f"topic:{group}:{who}" for group in context.topics)
    if "sponsor" in kinds and context.sponsors:
        if code in context.sponsors:
            keys.append(f"sponsor:self:{'permanent' if permanent else 'elected'}")
        keys.extend(
            f"sponsor:{other}:{who}"
            for other in sorted(context.sponsors)
            if other != code and other in _PERMANENT_SEATS
        )
    if "lag" in kinds:
        last = context.last_votes.get(code)
        if last in _LAG_LEVELS:
            keys.append(f"lag:{who}:{last}")
    return keys


_PERMANENT_SEATS = frozenset({"CHN", "FRA", "GBR", "RUS", "USA"})


# ----------------------------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberEstimate:
    """A member's calibrated stance, with standard errors.

    Attributes
    ----------
    code : str
        Seat code.
    permanent : bool
        Whether the member held a veto in the record.
    support, abstention, veto_cost, absence : float
        The :class:`~councilsim.models.Member` fields (``veto_cost`` is 0 for elected members).
    support_se, abstention_se, veto_cost_se, absence_se : float
        Standard errors (NaN when not computed; 0 for fixed values).
    n_votes : int
        Recorded votes (Y, N, A or X) the estimate rests on.
    counts : dict of str to int
        Those votes by letter.
    weight : float
        Effective number of votes after time-decay weighting (equals ``n_votes`` without it).
    """

    code: str
    permanent: bool
    support: float
    support_se: float
    abstention: float
    abstention_se: float
    veto_cost: float
    veto_cost_se: float
    absence: float
    absence_se: float
    n_votes: int
    counts: Mapping[str, int]
    weight: float

    def member(
        self,
        *,
        veto_holder: bool | None = None,
        support_shift: float = 0.0,
        veto_cost: float | None = None,
    ) -> Member:
        """The :class:`~councilsim.models.Member` with these parameters.

        Parameters
        ----------
        veto_holder : bool, optional
            Whether the member holds a veto on the council it is used for (default: as in the
            record). A member without a veto gets ``veto_cost = 0``.
        support_shift : float
            Added to ``support`` (covariate effects for one text).
        veto_cost : float, optional
            Veto cost to use instead of the estimate (for a member that held no veto in the
            record but holds one on the council it is used for).
        """
        holder = self.permanent if veto_holder is None else veto_holder
        cost = self.veto_cost if veto_cost is None else veto_cost
        return Member(
            code=self.code,
            support=self.support + support_shift,
            uncertainty=1.0,
            abstention=self.abstention,
            veto_cost=cost if holder else 0.0,
            absence=min(self.absence, 0.999),
            why=f"calibrated on {self.n_votes} recorded votes",
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready form (NaN standard errors become None)."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["counts"] = dict(self.counts)
        for key, value in out.items():
            if isinstance(value, float) and not math.isfinite(value):
                out[key] = None
        return out


@dataclass(frozen=True)
class Calibration:
    """Members' stances estimated from recorded votes by :func:`calibrate`.

    Attributes
    ----------
    members : dict of str to MemberEstimate
        Per-member estimates, by seat code.
    pooled : MemberEstimate
        The pooled elected member (code ``"POOLED"``): the prior means of support and band and the
        pooled absence share. :meth:`members_for` gives it to members without a record.
    tau, tau_se : float
        Standard deviation of the texts' appeal and its standard error; use it as ``mood_sd``.
    effect_kinds : tuple of str
        Covariate kinds estimated (subset of :data:`EFFECT_KINDS`).
    effects, effects_se : dict of str to float
        Estimated shifts of support, keyed as :func:`effect_keys` names them (e.g.
        ``"topic:ukraine:RUS"``, ``"sponsor:USA:RUS"``, ``"lag:RUS:N"``), and standard errors.
    log_likelihood : float
        Marginal log-likelihood of the (weighted) votes at the estimate.
    log_posterior : float
        Log-likelihood plus the log prior (what is maximised).
    n_texts, n_votes : int
        Texts and member votes (Y, N, A) used.
    topic : str or None
        Topic group (or agenda substring) the record was restricted to.
    since, before : datetime.date or None
        First date used and first date excluded.
    half_life : float or None
        Half-life in years of the time-decay weights (None: every vote weighs 1).
    last_date : datetime.date or None
        Date of the latest vote used (for leakage checks).
    residual_correlation : dict of str to float
        Partial correlation of generalised residuals given the texts' appeal, for pairs of
        members with at least 20 texts in common and 5 votes other than yes each among them,
        keyed ``"AAA|BBB"`` (codes sorted).
    converged : bool
        Whether the optimiser reported convergence.
    iterations : int
        Optimiser iterations.
    standard_errors : bool
        Whether standard errors were computed.
    """

    members: Mapping[str, MemberEstimate]
    pooled: MemberEstimate
    tau: float
    tau_se: float
    effect_kinds: tuple[str, ...]
    effects: Mapping[str, float]
    effects_se: Mapping[str, float]
    log_likelihood: float
    log_posterior: float
    n_texts: int
    n_votes: int
    topic: str | None
    since: dt.date | None
    before: dt.date | None
    half_life: float | None
    last_date: dt.date | None
    residual_correlation: Mapping[str, float] = field(repr=False)
    converged: bool = True
    iterations: int = 0
    standard_errors: bool = True

    @property
    def mood_sd(self) -> float:
        """The scenario ``mood_sd`` this calibration implies (``tau``)."""
        return self.tau

    @property
    def veto_cost_default(self) -> float:
        """Veto cost given to a veto holder without a record: the mean of the permanent members'."""
        costs = [m.veto_cost for m in self.members.values() if m.permanent]
        return float(np.mean(costs)) if costs else 0.0

    def estimate(self, code: str) -> MemberEstimate:
        """The estimate for ``code``, or the pooled elected member under that code."""
        if code in self.members:
            return self.members[code]
        pooled = self.pooled
        return MemberEstimate(
            code=code,
            permanent=False,
            support=pooled.support,
            support_se=pooled.support_se,
            abstention=pooled.abstention,
            abstention_se=pooled.abstention_se,
            veto_cost=self.veto_cost_default,
            veto_cost_se=float("nan"),
            absence=pooled.absence,
            absence_se=pooled.absence_se,
            n_votes=0,
            counts=_ReadOnlyDict({}),
            weight=0.0,
        )

    def support_shift(self, code: str, context: TextContext | None = None) -> float:
        """Covariate shift of ``code``'s support on a text with this ``context``."""
        if context is None or not self.effect_kinds:
            return 0.0
        permanent = code in self.members and self.members[code].permanent
        return float(
            sum(
                self.effects.get(key, 0.0)
                for key in effect_keys(code, permanent, context, self.effect_kinds)
            )
        )

    def members_for(
        self,
        council: Council,
        context: TextContext | None = None,
        *,
        topics: Iterable[str] = (),
        sponsors: Iterable[str] = (),
        last_votes: Mapping[str, str] | None = None,
    ) -> tuple[Member, ...]:
        """:class:`~councilsim.models.Member` stances for every seat of ``council``.

        Members without a record get the pooled elected member (and, if they hold a veto, the
        mean veto cost of the permanent members). Only veto holders of ``council`` keep a veto
        cost. With covariate effects, ``support`` includes the shifts for the text described by
        ``context`` (or by ``topics``, ``sponsors`` and ``last_votes``).

        Parameters
        ----------
        council : Council
        context : TextContext, optional
        topics : iterable of str
            Topic groups of the text (:func:`agenda_groups`).
        sponsors : iterable of str
            Seat codes of Council members sponsoring the text.
        last_votes : mapping of str to str, optional
            Each member's last vote on the same topic group.
        """
        if context is None:
            context = TextContext(tuple(topics), frozenset(sponsors), dict(last_votes or {}))
        out = []
        for code in council.members:
            estimate = self.estimate(code)
            holder = code in council.veto_holders
            out.append(
                estimate.member(
                    veto_holder=holder,
                    support_shift=self.support_shift(code, context),
                    veto_cost=None if estimate.permanent else self.veto_cost_default,
                )
            )
        return tuple(out)

    def bloc(self, name: str, codes: Sequence[str]) -> Bloc:
        """A :class:`~councilsim.models.Bloc` whose sd matches the members' residual correlation.

        The mean pairwise correlation ``r`` (pairs without enough common texts are ignored; no
        pair at all, or ``r <= 0``, gives sd 0) becomes ``sd = sqrt(r / (1 - r))``.
        """
        rs = []
        for i, a in enumerate(codes):
            for b in codes[i + 1 :]:
                key = "|".join(sorted((a, b)))
                if key in self.residual_correlation:
                    rs.append(self.residual_correlation[key])
        r = float(np.mean(rs)) if rs else 0.0
        sd = math.sqrt(r / (1.0 - r)) if 0.0 < r < 1.0 else 0.0
        return Bloc(
            name=name,
            members=tuple(codes),
            sd=sd,
            why=f"mean residual correlation {r:.2f} over {len(rs)} pairs (calibrated)",
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready form."""

        def date(value: dt.date | None) -> str | None:
            return None if value is None else value.isoformat()

        def number(value: float) -> float | None:
            return value if math.isfinite(value) else None

        return {
            "members": {code: m.to_dict() for code, m in self.members.items()},
            "pooled": self.pooled.to_dict(),
            "tau": self.tau,
            "tau_se": number(self.tau_se),
            "mood_sd": self.mood_sd,
            "effect_kinds": list(self.effect_kinds),
            "effects": dict(self.effects),
            "effects_se": {k: number(v) for k, v in self.effects_se.items()},
            "log_likelihood": self.log_likelihood,
            "log_posterior": self.log_posterior,
            "n_texts": self.n_texts,
            "n_votes": self.n_votes,
            "topic": self.topic,
            "since": date(self.since),
            "before": date(self.before),
            "half_life": self.half_life,
            "last_date": date(self.last_date),
            "residual_correlation": dict(self.residual_correlation),
            "converged": self.converged,
            "iterations": self.iterations,
            "standard_errors": self.standard_errors,
        }

    def to_json(self, **kwargs: Any) -> str:
        """The :meth:`to_dict` form as JSON; keyword arguments go to :func:`json.dumps`."""
        kwargs.setdefault("indent", 2)
        return json.dumps(self.to_dict(), **kwargs)

    def to_frame(self) -> Any:
        """One row per member (needs pandas)."""
        import pandas as pd

        rows = [m.to_dict() for m in self.members.values()]
        return pd.DataFrame(rows).drop(columns=["counts"]).set_index("code")

    def summary(self) -> str:
        """A readable table of the estimates."""
        window = ", ".join(
            part
            for part in (
                f"topic {self.topic!r}" if self.topic else "all topics",
                f"since {self.since}" if self.since else "",
                f"before {self.before}" if self.before else "",
                f"half-life {self.half_life:g} y" if self.half_life else "",
            )
            if part
        )

        def se(value: float) -> str:
            return f"{value:.2f}" if math.isfinite(value) else "  - "

        lines = [
            f"Calibration: {self.n_texts} texts, {self.n_votes} member votes ({window})",
            f"  mood_sd (tau) = {self.tau:.3f} +/- {se(self.tau_se)}   "
            f"log-likelihood {self.log_likelihood:.1f}",
            "",
            f"{'member':<8}{'votes':>6}{'support':>9}{'(se)':>7}{'band':>7}{'(se)':>7}"
            f"{'veto':>7}{'(se)':>7}{'absent':>8}",
        ]
        ordered = sorted(self.members.values(), key=lambda m: (not m.permanent, -m.n_votes, m.code))
        for m in [*ordered, self.pooled]:
            veto = f"{m.veto_cost:>7.2f}{se(m.veto_cost_se):>7}" if m.permanent else " " * 14
            lines.append(
                f"{m.code:<8}{m.n_votes:>6}{m.support:>9.2f}{se(m.support_se):>7}"
                f"{m.abstention:>7.2f}{se(m.abstention_se):>7}{veto}{m.absence:>8.3f}"
            )
        if self.effects:
            lines += ["", "Covariate effects on support (largest first):"]
            ranked = sorted(self.effects.items(), key=lambda item: -abs(item[1]))
            for key, value in ranked[:25]:
                error = se(self.effects_se.get(key, math.nan))
                lines.append(f"  {key:<36}{value:+7.2f}  ({error})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# ----------------------------------------------------------------------------------------------
# Data preparation
# ----------------------------------------------------------------------------------------------


@dataclass
class _Data:
    """The votes, compressed twice.

    A member's vote enters the likelihood only through its *type* (member, letter, whether a veto
    cost applies, which effects shift it), and a text only through its *pattern* (the multiset of
    its types). Identical texts share a pattern and their weights add up; the expensive
    normal-tail terms are computed once per type.
    """

    codes: list[str]  # member index -> seat code
    permanent: np.ndarray  # bool per member
    pattern_weight: np.ndarray  # summed text weights per pattern
    counts_matrix: sparse.csr_matrix  # (patterns, types): how often each type occurs
    type_member: np.ndarray
    type_vote: np.ndarray  # 0 Y, 1 N, 2 A
    type_veto: np.ndarray  # bool: the veto cost applies
    type_effects: np.ndarray  # (types, E) effect indices, -1 for none
    effect_names: list[str]  # as effect_keys names them
    text_pattern: np.ndarray  # per text
    text_types: list[list[tuple[int, int]]]  # per text: (member, type)
    counts: dict[str, dict[str, int]]
    weight_of: dict[str, float]
    n_texts: int
    n_votes: int
    last_date: dt.date | None


def _last_votes_table(
    votes: Sequence[RecordedVote],
    *,
    letters: Sequence[str] = _LETTERS,
    fallback: str | None = None,
) -> list[dict[str, str]]:
    """Return, for each vote, each member's last vote on the vote's topic.

    That is its last vote (one of ``letters``) on an earlier-dated text sharing an agenda topic
    group (empty when the text has no group). Among texts of the same earlier date, the last in
    record order counts. With a ``fallback``, a member with no such vote takes its last vote on
    any earlier-dated text, else ``fallback`` (the backtest's persistence forecast); without
    one it is left out of the row (calibration's lag effects).
    """
    last: dict[tuple[str, str], tuple[dt.date, str]] = {}
    anything: dict[str, str] = {}
    out = []
    pending: list[tuple[RecordedVote, tuple[str, ...]]] = []
    current_date = None
    for vote in votes:
        if vote.date != current_date:
            # Votes of the same day are not known to each other in order: commit them together.
            for done, groups in pending:
                cast = {code: letter for code, letter in done.votes.items() if letter in letters}
                for group in groups:
                    for code, letter in cast.items():
                        last[(group, code)] = (done.date, letter)
                anything.update(cast)
            pending = []
            current_date = vote.date
        groups = agenda_groups(vote)
        row: dict[str, str] = {}
        for code in vote.votes:
            best = None
            for group in groups:
                seen = last.get((group, code))
                if seen is not None and (best is None or seen[0] > best[0]):
                    best = seen
            if best is not None:
                row[code] = best[1]
            elif fallback is not None:
                row[code] = anything.get(code, fallback)
        out.append(row)
        pending.append((vote, groups))
    return out


def last_votes_before(history: History, vote: RecordedVote) -> dict[str, str]:
    """Return each member's last recorded vote (Y/N/A) on the topic of ``vote``.

    The texts considered are dated strictly before ``vote`` and share one of its agenda topic
    groups; among texts of the same date, the last in record order counts.
    """
    groups = set(agenda_groups(vote))
    found: dict[str, str] = {}
    if not groups:
        return found
    for past in reversed(history.filter(before=vote.date)):
        if not usable(past) or not groups.intersection(agenda_groups(past)):
            continue
        for code, letter in past.votes.items():
            if code in vote.votes and code not in found and letter in _LETTERS:
                found[code] = letter
        if len(found) == len(vote.votes):
            break
    return found


def _prepare(
    votes: Sequence[RecordedVote],
    weights: np.ndarray,
    *,
    permanent_codes: frozenset[str],
    kinds: tuple[str, ...],
) -> _Data:
    codes: dict[str, int] = {}
    effect_index: dict[tuple[str, str, str], int] = {}
    types: dict[tuple[int, int, bool, tuple[int, ...]], int] = {}
    patterns: dict[tuple[int, ...], int] = {}
    pattern_weight: list[float] = []
    text_pattern = []
    text_types = []
    counts: dict[str, dict[str, int]] = {}
    weight_of: dict[str, float] = {}
    lags = _last_votes_table(votes) if "lag" in kinds else [{}] * len(votes)
    n_votes = 0

    def index_of(table: dict, key: Any) -> int:
        found = table.get(key)
        if found is None:
            found = table[key] = len(table)
        return found

    for t, vote in enumerate(votes):
        context = TextContext.of(vote, lags[t]) if kinds else TextContext()
        members = []
        for code, letter in vote.votes.items():
            tally = counts.setdefault(code, {"Y": 0, "N": 0, "A": 0, "X": 0})
            tally[letter] = tally.get(letter, 0) + 1
            weight_of[code] = weight_of.get(code, 0.0) + float(weights[t])
            if letter not in _LETTERS:
                continue
            n_votes += 1
            m = index_of(codes, code)
            is_perm = code in permanent_codes
            effects = [
                index_of(effect_index, key)
                for key in effect_keys(code, is_perm, context, kinds)
            ]
            veto = is_perm and code in vote.permanent and not vote.procedural
            key = (m, _LETTERS.index(letter), veto, tuple(sorted(effects)))
            members.append((m, index_of(types, key)))
        p = index_of(patterns, tuple(sorted(k for _, k in members)))
        if p == len(pattern_weight):
            pattern_weight.append(0.0)
        pattern_weight[p] += float(weights[t])
        text_pattern.append(p)
        text_types.append(members)

    rows, cols = [], []
    for key, p in patterns.items():
        rows.extend([p] * len(key))
        cols.extend(key)
    counts_matrix = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(patterns), len(types))
    )
    counts_matrix.sum_duplicates()
    type_keys = list(types)
    width = max((len(k[3]) for k in type_keys), default=0)
    type_effects = np.full((len(type_keys), max(width, 1)), -1, dtype=np.intp)
    for i, key in enumerate(type_keys):
        type_effects[i, : len(key[3])] = key[3]
    code_list = list(codes)
    return _Data(
        codes=code_list,
        permanent=np.array([c in permanent_codes for c in code_list], dtype=bool),
        pattern_weight=np.asarray(pattern_weight),
        counts_matrix=counts_matrix,
        type_member=np.array([k[0] for k in type_keys], dtype=np.intp),
        type_vote=np.array([k[1] for k in type_keys], dtype=np.intp),
        type_veto=np.array([k[2] for k in type_keys], dtype=bool),
        type_effects=type_effects,
        effect_names=list(effect_index),
        text_pattern=np.asarray(text_pattern, dtype=np.intp),
        text_types=text_types,
        counts=counts,
        weight_of=weight_of,
        n_texts=len(votes),
        n_votes=n_votes,
        last_date=votes[-1].date if votes else None,
    )


# ----------------------------------------------------------------------------------------------
# The likelihood
# ----------------------------------------------------------------------------------------------


@cache
def _rule(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = hermegauss(nodes)
    w = w / w.sum()
    keep = w > 1e-18
    return x[keep], np.log(w[keep])


class _Problem:
    """Negative log posterior and its gradient over the packed parameter vector.

    Layout: support ``v`` (members), log band ``beta`` (elected members), log veto cost
    ``gamma`` (permanent members), ``mu_v`` (prior mean of support), ``log tau``, then the effects.

    Veto holders' log band is the mean of the elected members' log bands (``pool @ theta``): the
    identification convention of the module docstring. Only when there are no elected members
    at all is it a free parameter ``mu_b`` (placed after ``log tau``).
    """

    def __init__(
        self, data: _Data, nodes: int = NODES, effect_sd: Mapping[str, float] = EFFECT_PRIOR_SD
    ) -> None:
        self.data = data
        m = len(data.codes)
        self.m = m
        self.elected = np.flatnonzero(~data.permanent)
        self.perm = np.flatnonzero(data.permanent)
        self.n_el, self.n_perm = self.elected.size, self.perm.size
        self.n_eff = len(data.effect_names)
        self.i_v = np.arange(m)
        self.i_beta = m + np.arange(self.n_el)
        self.i_gamma = m + self.n_el + np.arange(self.n_perm)
        base = m + self.n_el + self.n_perm
        self.free_mu_b = self.n_el == 0
        hyper = 3 if self.free_mu_b else 2
        self.i_mu_v, self.i_tau = base, base + 1
        self.i_mu_b = base + 2 if self.free_mu_b else -1
        self.i_eff = base + hyper + np.arange(self.n_eff)
        self.size = base + hyper + self.n_eff
        # The pooled (and veto holders') log band as a linear function of the parameters.
        self.pool = np.zeros(self.size)
        if self.free_mu_b:
            self.pool[self.i_mu_b] = 1.0
        else:
            self.pool[self.i_beta] = 1.0 / self.n_el
        # member -> position in beta / gamma blocks
        self.beta_of = np.full(m, -1, dtype=np.intp)
        self.beta_of[self.elected] = np.arange(self.n_el)
        self.gamma_of = np.full(m, -1, dtype=np.intp)
        self.gamma_of[self.perm] = np.arange(self.n_perm)
        self.x, self.logw = _rule(nodes)
        self.counts_t = data.counts_matrix.T.tocsr()
        self.by_vote = [np.flatnonzero(data.type_vote == k) for k in range(3)]
        self.eff_prior_sd = np.array(
            [float(effect_sd[name.split(":", 1)[0]]) for name in data.effect_names]
        )

    # -- unpacking ----------------------------------------------------------------------------

    def unpack(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        v = theta[self.i_v]
        log_band = np.empty(self.m)
        log_band[self.elected] = theta[self.i_beta]
        mu_b = float(self.pool @ theta)
        log_band[self.perm] = mu_b
        cost = np.zeros(self.m)
        cost[self.perm] = np.exp(theta[self.i_gamma])
        return dict(
            v=v,
            band=np.exp(log_band),
            cost=cost,
            mu_v=theta[self.i_mu_v],
            mu_b=mu_b,
            tau=math.exp(theta[self.i_tau]),
            effects=theta[self.i_eff],
        )

    def _offsets(self, effects: np.ndarray) -> np.ndarray:
        idx = self.data.type_effects
        padded = np.append(effects, 0.0)
        return padded[idx].sum(axis=1)  # index -1 hits the appended 0

    # -- prior ---------------------------------------------------------------------------------

    def _log_prior(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        grad = np.zeros_like(theta)
        mu_v = theta[self.i_mu_v]
        total = 0.0
        # elected support and log band around the pooled means
        dv = theta[self.i_v[self.elected]] - mu_v
        total -= 0.5 * np.sum(dv**2) / SUPPORT_PRIOR_SD**2
        grad[self.i_v[self.elected]] -= dv / SUPPORT_PRIOR_SD**2
        grad[self.i_mu_v] += np.sum(dv) / SUPPORT_PRIOR_SD**2
        # Deviations from their own mean; the mean's own derivative terms sum to zero.
        db = theta[self.i_beta] - (theta[self.i_beta].mean() if self.n_el else 0.0)
        total -= 0.5 * np.sum(db**2) / BAND_PRIOR_SD**2
        grad[self.i_beta] -= db / BAND_PRIOR_SD**2
        # permanent members: very weak pull of support, weak prior on log veto cost
        dp = theta[self.i_v[self.perm]] - mu_v
        total -= 0.5 * np.sum(dp**2) / PERMANENT_SUPPORT_PRIOR_SD**2
        grad[self.i_v[self.perm]] -= dp / PERMANENT_SUPPORT_PRIOR_SD**2
        grad[self.i_mu_v] += np.sum(dp) / PERMANENT_SUPPORT_PRIOR_SD**2
        mean, sd = VETO_COST_PRIOR
        dg = theta[self.i_gamma] - mean
        total -= 0.5 * np.sum(dg**2) / sd**2
        grad[self.i_gamma] -= dg / sd**2
        # effects shrink to zero
        de = theta[self.i_eff]
        total -= 0.5 * np.sum((de / self.eff_prior_sd) ** 2)
        grad[self.i_eff] -= de / self.eff_prior_sd**2
        # hyper-parameters: practically flat, only to keep the Hessian definite
        for i in (self.i_mu_v, self.i_tau) + ((self.i_mu_b,) if self.free_mu_b else ()):
            total -= 0.5 * theta[i] ** 2 / 100.0
            grad[i] -= theta[i] / 100.0
        return float(total), grad

    # -- likelihood ----------------------------------------------------------------------------

    def _node_terms(self, theta: np.ndarray):
        """Per vote type and node: log P(vote) and its derivatives in eta, band and cost."""
        p = self.unpack(theta)
        d = self.data
        band = p["band"][d.type_member]
        cost = p["cost"][d.type_member] * d.type_veto
        eta = (p["v"][d.type_member] + self._offsets(p["effects"]))[:, None] + p["tau"] * self.x
        n, k = eta.shape
        ll = np.empty((n, k))
        d_eta = np.empty((n, k))
        d_band = np.empty((n, k))
        d_cost = np.zeros((n, k))
        yes, no, abst = self.by_vote
        # Y: Phi(eta - b)
        z = eta[yes] - band[yes, None]
        lz = log_ndtr(z)
        mills = np.exp(-0.5 * z**2 - 0.5 * math.log(2 * math.pi) - lz)
        ll[yes], d_eta[yes], d_band[yes] = lz, mills, -mills
        # N: Phi(-b - c - eta)
        z = -band[no, None] - cost[no, None] - eta[no]
        lz = log_ndtr(z)
        mills = np.exp(-0.5 * z**2 - 0.5 * math.log(2 * math.pi) - lz)
        ll[no], d_eta[no], d_band[no], d_cost[no] = lz, -mills, -mills, -mills
        # A: Phi(b - eta) - Phi(-b - c - eta), computed in the tail that keeps precision
        upper = band[abst, None] - eta[abst]
        lower = -band[abst, None] - cost[abst, None] - eta[abst]
        flip = lower > 0
        prob = np.where(flip, ndtr(-lower) - ndtr(-upper), ndtr(upper) - ndtr(lower))
        prob = np.maximum(prob, 1e-300)
        dens_u = np.exp(-0.5 * upper**2) / math.sqrt(2 * math.pi) / prob
        dens_l = np.exp(-0.5 * lower**2) / math.sqrt(2 * math.pi) / prob
        ll[abst] = np.log(prob)
        d_eta[abst] = -dens_u + dens_l
        d_band[abst] = dens_u + dens_l
        d_cost[abst] = dens_l
        return p, ll, d_eta, d_band, d_cost

    def evaluate(self, theta: np.ndarray, *, with_posterior: bool = False):
        """Negative log posterior and gradient (and node posteriors if asked)."""
        p, ll, d_eta, d_band, d_cost = self._node_terms(theta)
        d = self.data
        per_node = d.counts_matrix @ ll + self.logw  # (patterns, K)
        top = per_node.max(axis=1, keepdims=True)
        log_lik_pat = top[:, 0] + np.log(np.exp(per_node - top).sum(axis=1))
        post = np.exp(per_node - log_lik_pat[:, None])  # node posteriors per pattern
        log_lik = float(d.pattern_weight @ log_lik_pat)
        # Weight of each (type, node): summed over the patterns containing the type.
        type_node = self.counts_t @ (post * d.pattern_weight[:, None])
        g_eta = (type_node * d_eta).sum(axis=1)
        g_band = (type_node * d_band).sum(axis=1)
        g_cost = (type_node * d_cost).sum(axis=1)
        g_tau = float((type_node * d_eta * self.x).sum())
        grad = np.zeros(self.size)
        grad[self.i_v] = np.bincount(d.type_member, g_eta, minlength=self.m)
        band_member = np.bincount(d.type_member, g_band, minlength=self.m) * p["band"]
        grad[self.i_beta] = band_member[self.elected]
        grad += self.pool * band_member[self.perm].sum()
        cost_member = np.bincount(d.type_member, g_cost, minlength=self.m) * p["cost"]
        grad[self.i_gamma] = cost_member[self.perm]
        grad[self.i_tau] = g_tau * p["tau"]
        if self.n_eff:
            eff = d.type_effects
            valid = eff >= 0
            contrib = np.broadcast_to(g_eta[:, None], eff.shape)
            grad[self.i_eff] = np.bincount(eff[valid], contrib[valid], minlength=self.n_eff)
        log_prior, grad_prior = self._log_prior(theta)
        value = -(log_lik + log_prior)
        gradient = -(grad + grad_prior)
        if with_posterior:
            return value, gradient, log_lik, post, d_eta
        return value, gradient

    # -- start ---------------------------------------------------------------------------------

    def start(self) -> np.ndarray:
        """Moment-based starting values (tau = 1)."""
        d = self.data
        w = d.counts_matrix.T @ d.pattern_weight  # weight of each vote type
        theta = np.zeros(self.size)
        share = np.zeros((self.m, 3))
        for k in range(3):
            sel = d.type_vote == k
            share[:, k] = np.bincount(d.type_member[sel], w[sel], minlength=self.m)
        share = (share + 0.5) / (share.sum(axis=1, keepdims=True) + 1.5)
        scale = math.sqrt(2.0)
        k_yes = ndtri(share[:, 0]) * scale  # v - b
        k_no = ndtri(share[:, 1]) * scale  # -v - b - c
        v = (k_yes - k_no) / 2
        band = np.maximum(-(k_yes + k_no) / 2, 0.05)
        mu_b = float(np.mean(np.log(band[self.elected]))) if self.n_el else math.log(0.5)
        theta[self.i_v] = v
        theta[self.i_beta] = np.log(band[self.elected])
        b_perm = math.exp(mu_b)
        v_perm = k_yes[self.perm] + b_perm
        theta[self.i_v[self.perm]] = v_perm
        theta[self.i_gamma] = np.log(np.maximum(-k_no[self.perm] - b_perm - v_perm, 0.1))
        theta[self.i_mu_v] = float(np.mean(v[self.elected])) if self.n_el else 0.0
        if self.free_mu_b:
            theta[self.i_mu_b] = mu_b
        theta[self.i_tau] = 0.0
        return theta

    def names(self) -> list[str]:
        d = self.data
        out = [""] * self.size
        for i, code in enumerate(d.codes):
            out[self.i_v[i]] = f"support:{code}"
        for j, i in enumerate(self.elected):
            out[self.i_beta[j]] = f"log_band:{d.codes[i]}"
        for j, i in enumerate(self.perm):
            out[self.i_gamma[j]] = f"log_veto_cost:{d.codes[i]}"
        out[self.i_mu_v], out[self.i_tau] = "mu_support", "log_tau"
        if self.free_mu_b:
            out[self.i_mu_b] = "mu_log_band"
        for j, name in enumerate(d.effect_names):
            out[self.i_eff[j]] = name
        return out


def _hessian(problem: _Problem, theta: np.ndarray, executor: Executor | None = None) -> np.ndarray:
    """Hessian of the negative log posterior by central differences of the analytic gradient.

    Its columns are independent, so an executor can compute them in parallel; each column is
    the same computation wherever it runs, so the result does not depend on the executor.
    """
    tasks = [(problem, theta, i) for i in range(theta.size)]
    columns = list(map(_hessian_column, tasks) if executor is None
                   else executor.map(_hessian_column, tasks))
    hess = np.column_stack(columns)
    return 0.5 * (hess + hess.T)


def _hessian_column(task: tuple[_Problem, np.ndarray, int]) -> np.ndarray:
    problem, theta, i = task
    step = 1e-5 * max(1.0, abs(theta[i]))
    up, down = theta.copy(), theta.copy()
    up[i] += step
    down[i] -= step
    with _single_threaded_blas():
        return (problem.evaluate(up)[1] - problem.evaluate(down)[1]) / (2 * step)


def _single_threaded_blas() -> contextlib.AbstractContextManager[Any]:
    """Keep BLAS to one thread while optimising, when threadpoolctl is installed.

    The optimiser makes thousands of tiny BLAS calls; waking BLAS threads for each costs more
    than the work, about three times the run time on a busy two-core machine. Parallelism
    belongs one level up (the backtest runs years in parallel). The limit is process-wide and
    restoring it from another thread proved unreliable, so it is applied only in the main thread
    (worker processes of a process pool included).
    """
    if threading.current_thread() is not threading.main_thread():
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _covariance(hess: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(hess)


# ----------------------------------------------------------------------------------------------
# calibrate
# ----------------------------------------------------------------------------------------------


def _select(
    history: History,
    *,
    topic: str | None,
    since: dt.date | None,
    before: dt.date | None,
) -> list[RecordedVote]:
    chosen = history.filter(since=since, before=before, topic=topic)
    return [vote for vote in chosen if usable(vote)]


def _permanent_codes(votes: Iterable[RecordedVote]) -> frozenset[str]:
    return frozenset(code for vote in votes for code in vote.permanent)


def calibrate(
    history: History | None = None,
    *,
    topic: str | None = None,
    before: DateLike | None = None,
    since: DateLike | None = None,
    members: Iterable[str] | None = None,
    half_life: float | None = None,
    effects: Iterable[str] = (),
    effect_sd: Mapping[str, float] | None = None,
    standard_errors: bool = True,
    nodes: int = NODES,
    max_iterations: int = 2000,
    executor: Executor | None = None,
) -> Calibration:
    """Estimate members' stances (support, abstention band, veto cost, absence) from votes.

    Parameters
    ----------
    history : History, optional
        The record to learn from (default: :func:`~councilsim.history.load_history`). Only texts
        actually voted on with a complete member-level record are used (see :func:`usable`).
    topic : str, optional
        Restrict to a topic group (:data:`~councilsim.history.TOPIC_GROUPS`) or agenda substring,
        as :meth:`History.filter` does.
    before, since : date, ISO string or year, optional
        First date excluded and first date included.
    members : iterable of str, optional
        Seat codes to report (the fit always uses every member's votes: they inform the texts'
        appeal). Codes without a record get the pooled elected member.
    half_life : float, optional
        Weigh each text by ``0.5 ** (age / half_life)``, the age in years counted back from
        ``before`` (or the last vote): stances drift, and recent votes say more about the next.
        Standard errors then describe the weighted (pseudo-)likelihood.
    effects : iterable of str
        Text covariates to estimate, from :data:`EFFECT_KINDS` (default none): ``"topic"``
        (shift of support by agenda topic group), ``"sponsor"`` (the member sponsors the text,
        or a permanent member does), ``"lag"`` (the member's own last vote on the topic was N or
        A). Each permanent member gets its own effects, the elected members one shared set; all
        shrink toward 0 (:func:`effect_keys` names them).
    effect_sd : mapping of str to float, optional
        Prior sd of each kind of effect (default :data:`EFFECT_PRIOR_SD`).
    standard_errors : bool
        Compute standard errors (a numerical Hessian: costs about one gradient evaluation per
        parameter pair of evaluations; switch off when only point estimates are needed).
    nodes : int
        Gauss-Hermite nodes for the texts' appeal.
    max_iterations : int
        Optimiser iteration limit.
    executor : concurrent.futures.Executor, optional
        Computes the columns of the Hessian (the standard errors' cost) in parallel; the
        result is identical for any executor.

    Returns
    -------
    Calibration

    Raises
    ------
    ValueError
        When no usable vote is selected.

    Examples
    --------
    >>> from councilsim.history import load_history
    >>> cal = calibrate(load_history(), topic="dprk", before="2017-08-01", standard_errors=False)
    >>> cal.members["RUS"].veto_cost > 0
    True
    """
    if history is None:
        from councilsim.history.record import load_history

        history = load_history()
    before_date = None if before is None else _as_date(before, "before")
    since_date = None if since is None else _as_date(since, "since")
    if half_life is not None and not half_life > 0:
        raise InputError(f"half_life must be a positive number of years, got {half_life!r}")
    if not 2 <= int(nodes) <= 200:
        raise InputError(f"nodes must be from 2 to 200, got {nodes!r}")
    kinds = tuple(dict.fromkeys(effects))
    unknown = [kind for kind in kinds if kind not in EFFECT_KINDS]
    if unknown:
        raise InputError(f"unknown effects {unknown}; allowed: {', '.join(EFFECT_KINDS)}")
    prior_sd = {**EFFECT_PRIOR_SD, **(effect_sd or {})}
    if any(not value > 0 for value in prior_sd.values()):
        raise InputError(f"effect_sd values must be positive, got {prior_sd}")
    votes = _select(history, topic=topic, since=since_date, before=before_date)
    if not votes:
        raise InputError(
            "no usable recorded vote matches "
            f"topic={topic!r}, since={since_date}, before={before_date}"
        )
    if before_date is not None and not votes[-1].date < before_date:
        raise LeakageError("calibration selected a vote on or after 'before'")
    reference = before_date or (votes[-1].date + dt.timedelta(days=1))
    if half_life is None:
        weights = np.ones(len(votes))
    else:
        ages = np.array([(reference - vote.date).days / 365.25 for vote in votes])
        weights = 0.5 ** (ages / half_life)
    data = _prepare(
        votes,
        weights,
        permanent_codes=_permanent_codes(votes),
        kinds=kinds,
    )
    if not data.codes:
        raise InputError("the selected votes contain no Y, N or A vote to learn from")
    problem = _Problem(data, nodes=int(nodes), effect_sd=prior_sd)
    start = problem.start()
    with _single_threaded_blas():
        fit = optimize.minimize(
            problem.evaluate,
            start,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": max_iterations, "maxfun": 2 * max_iterations, "gtol": 1e-6,
                     "ftol": 1e-12},
        )
        theta = fit.x
        _, _, log_lik, post, d_eta = problem.evaluate(theta, with_posterior=True)
        if standard_errors:
            cov = _covariance(_hessian(problem, theta, executor))
            se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
            pool_se = math.sqrt(max(float(problem.pool @ cov @ problem.pool), 0.0))
        else:
            se = np.full(problem.size, np.nan)
            pool_se = float("nan")
    return _build(
        problem, theta, se, pool_se, fit, log_lik, (post, d_eta),
        topic=topic, since=since_date, before=before_date, half_life=half_life, kinds=kinds,
        report=None if members is None else tuple(members), standard_errors=standard_errors,
    )


def _absence(counts: Mapping[str, int], pooled: float) -> tuple[float, float]:
    n = sum(counts.values())
    x = counts.get("X", 0)
    share = (x + ABSENCE_PRIOR_VOTES * pooled) / (n + ABSENCE_PRIOR_VOTES)
    return share, math.sqrt(share * (1 - share) / (n + ABSENCE_PRIOR_VOTES))


def _residual_correlation(
    data: _Data,
    post: np.ndarray,
    d_eta: np.ndarray,
    x: np.ndarray,
    *,
    min_common: int = 20,
    min_dissent: int = 5,
) -> dict[str, float]:
    """Pairwise partial correlation of generalised residuals, given each text's appeal.

    A member's generalised residual on a text is the posterior mean of its own shock given the
    text's votes. Residuals of yes votes all move with the posterior of the shared appeal, so raw
    correlations between members who always vote yes are spurious (near 1); the correlation is
    therefore taken *partial* on the text's posterior mean appeal, and only for pairs with at
    least ``min_common`` texts in common on which each cast at least ``min_dissent`` votes other
    than yes.
    """
    m = len(data.codes)
    n = data.n_texts
    resid = np.zeros((n, m))
    present = np.zeros((n, m))
    dissent = np.zeros((n, m))
    appeal = post[data.text_pattern] @ x  # posterior mean appeal, in units of tau
    vote_of_type = data.type_vote
    for t, members in enumerate(data.text_types):
        weights = post[data.text_pattern[t]]
        for member, kind in members:
            resid[t, member] = weights @ d_eta[kind]
            present[t, member] = 1.0
            dissent[t, member] = float(vote_of_type[kind] != 0)
    if not m:
        return {}
    common = present.T @ present
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_r = (resid.T @ present) / common  # [a, b]: mean of a's residual where b voted too
        mean_c = ((present * appeal[:, None]).T @ present) / common
        var_r = ((resid**2).T @ present) / common - mean_r**2
        var_c = ((present * appeal[:, None] ** 2).T @ present) / common - mean_c**2
        cov_rc = ((resid * appeal[:, None]).T @ present) / common - mean_r * mean_c
        cov_rr = (resid.T @ resid) / common - mean_r * mean_r.T
        part_cov = cov_rr - cov_rc * cov_rc.T / var_c
        part_var = var_r - cov_rc**2 / var_c
        r = part_cov / np.sqrt(part_var * part_var.T)
    dissents = dissent.T @ present  # [a, b]: a's non-yes votes where b voted too
    ok = (
        (common >= min_common)
        & (dissents >= min_dissent)
        & (dissents.T >= min_dissent)
        & (part_var > 1e-12)
        & (part_var.T > 1e-12)
        & np.isfinite(r)
    )
    out = {}
    for a, b in zip(*np.nonzero(np.triu(ok, k=1)), strict=True):
        key = "|".join(sorted((data.codes[a], data.codes[b])))
        out[key] = float(np.clip(r[a, b], -1.0, 1.0))
    return dict(sorted(out.items()))


def _build(
    problem: _Problem,
    theta: np.ndarray,
    se: np.ndarray,
    mu_b_se: float,
    fit: Any,
    log_lik: float,
    residual_terms: tuple[np.ndarray, np.ndarray],
    *,
    topic: str | None,
    since: dt.date | None,
    before: dt.date | None,
    half_life: float | None,
    kinds: tuple[str, ...],
    report: tuple[str, ...] | None,
    standard_errors: bool,
) -> Calibration:
    data = problem.data
    p = problem.unpack(theta)
    permanent_set = {c for c, is_p in zip(data.codes, data.permanent, strict=True) if is_p}
    x_el = sum(data.counts[c].get("X", 0) for c in data.counts if c not in permanent_set)
    n_el = sum(sum(data.counts[c].values()) for c in data.counts if c not in permanent_set)
    pooled_absence = x_el / n_el if n_el else 0.0
    band_pooled = math.exp(p["mu_b"])
    estimates: dict[str, MemberEstimate] = {}
    index = {code: i for i, code in enumerate(data.codes)}
    for code, counts in data.counts.items():
        absence, absence_se = _absence(counts, pooled_absence)
        i = index.get(code)
        is_perm = code in permanent_set
        if i is None:  # never cast Y/N/A: only absence is known
            support, support_se = p["mu_v"], se[problem.i_mu_v]
            band, band_se = band_pooled, band_pooled * mu_b_se
            cost, cost_se = 0.0, float("nan")
        else:
            support, support_se = float(p["v"][i]), float(se[problem.i_v[i]])
            band = float(p["band"][i])
            if is_perm:
                band_se = band * mu_b_se
                g = problem.gamma_of[i]
                cost = float(p["cost"][i])
                cost_se = cost * float(se[problem.i_gamma[g]])
            else:
                band_se = band * float(se[problem.i_beta[problem.beta_of[i]]])
                cost, cost_se = 0.0, 0.0
        estimates[code] = MemberEstimate(
            code=code,
            permanent=is_perm,
            support=float(support),
            support_se=float(support_se),
            abstention=float(band),
            abstention_se=float(band_se),
            veto_cost=float(cost),
            veto_cost_se=float(cost_se),
            absence=float(absence),
            absence_se=float(absence_se),
            n_votes=int(sum(counts.values())),
            counts=_ReadOnlyDict(dict(counts)),
            weight=float(data.weight_of[code]),
        )
    pooled = MemberEstimate(
        code="POOLED",
        permanent=False,
        support=float(p["mu_v"]),
        support_se=float(se[problem.i_mu_v]),
        abstention=band_pooled,
        abstention_se=float(band_pooled * mu_b_se),
        veto_cost=0.0,
        veto_cost_se=0.0,
        absence=float(pooled_absence),
        absence_se=math.sqrt(pooled_absence * (1 - pooled_absence) / max(n_el, 1)),
        n_votes=int(n_el),
        counts=_ReadOnlyDict({}),
        weight=0.0,
    )
    effects = {name: float(p["effects"][j]) for j, name in enumerate(data.effect_names)}
    effects_se = {name: float(se[problem.i_eff[j]]) for j, name in enumerate(data.effect_names)}
    reported = (
        estimates
        if report is None
        else {code: estimates[code] for code in report if code in estimates}
    )
    log_prior, _ = problem._log_prior(theta)
    tau = p["tau"]
    return Calibration(
        members=_ReadOnlyDict(reported),
        pooled=pooled,
        tau=float(tau),
        tau_se=float(tau * se[problem.i_tau]),
        effect_kinds=kinds,
        effects=_ReadOnlyDict(effects),
        effects_se=_ReadOnlyDict(effects_se),
        log_likelihood=float(log_lik),
        log_posterior=float(log_lik + log_prior),
        n_texts=data.n_texts,
        n_votes=data.n_votes,
        topic=topic,
        since=since,
        before=before,
        half_life=half_life,
        last_date=data.last_date,
        residual_correlation=_ReadOnlyDict(
            _residual_correlation(data, *residual_terms, problem.x)
        ),
        converged=bool(fit.success),
        iterations=int(fit.nit),
        standard_errors=standard_errors,
    )


# ----------------------------------------------------------------------------------------------
# Calibrated scenarios
# ----------------------------------------------------------------------------------------------


def calibrated_scenario(
    scenario: Scenario,
    calibration: Calibration,
    *,
    context: TextContext | None = None,
    blocs: str = "keep",
) -> Scenario:
    """Return a copy of ``scenario`` whose members' stances come from ``calibration``.

    What the record can tell replaces what it cannot check: each member's ``support``,
    ``abstention``, ``veto_cost`` and ``absence`` are the calibrated ones (plus the covariate
    shift for ``context``), its ``uncertainty`` is 1 (the calibration's scale) and ``mood_sd`` is
    the calibrated ``tau``. The member's ``ideal`` and ``salience`` (the provisions, on which the
    record says nothing) are kept, so drafts still differ by content: a calibrated support is
    the utility of a *typical text put to the vote*, and the policy terms add how much better or
    worse this draft is than the status quo.

    Parameters
    ----------
    scenario : Scenario
    calibration : Calibration
    context : TextContext, optional
        Topic groups, sponsors and last votes for the covariate effects.
    blocs : {"keep", "calibrated", "none"}
        Keep the scenario's blocs, keep their members with sds from the calibration's residual
        correlations (:meth:`Calibration.bloc`), or drop them.

    Returns
    -------
    Scenario
    """
    if blocs not in ("keep", "calibrated", "none"):
        raise InputError(f"blocs must be 'keep', 'calibrated' or 'none', got {blocs!r}")
    council = scenario.council
    calibrated = {m.code: m for m in calibration.members_for(council, context)}
    members = []
    for code in council.members:
        old = scenario.member(code)
        new = calibrated[code]
        note = f"calibrated: {new.why}" + (
            f", {calibration.topic}" if calibration.topic else ""
        ) + (f", before {calibration.before}" if calibration.before else "")
        members.append(
            Member(
                **{
                    **new.model_dump(),
                    "ideal": dict(old.ideal),
                    "salience": dict(old.salience),
                    "why": f"{old.why} | {note}" if old.why else note,
                }
            )
        )
    if blocs == "keep":
        new_blocs = scenario.blocs
    elif blocs == "calibrated":
        new_blocs = []
        for bloc in scenario.blocs:
            fitted = calibration.bloc(bloc.name, bloc.members)
            why = f"{bloc.why} | {fitted.why}" if bloc.why else fitted.why
            new_blocs.append(Bloc(name=bloc.name, members=bloc.members, sd=fitted.sd, why=why))
    else:
        new_blocs = []
    # Rebuilt through the constructor, so the cross-reference checks run again.
    fields = {name: getattr(scenario, name) for name in type(scenario).model_fields}
    fields.update(members=tuple(members), blocs=tuple(new_blocs), mood_sd=calibration.tau)
    return Scenario(**fields)
