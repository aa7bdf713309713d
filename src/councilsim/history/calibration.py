"""Estimate members' stances from the recorded votes (maximum a posteriori, with standard errors).

The model is the vote model of docs/model.md read as an ordered-probit item-response model (the
likelihood is :mod:`councilsim.history._likelihood`, the optimiser
:mod:`councilsim.history._estimator`, the pre-vote facts :mod:`councilsim.history._textfacts`).
On text ``j`` member ``i`` has net utility ::

    D_ij = v_i + x_ij' delta + a_j + lambda_i * w_j + e_ij
    a_j ~ N(0, tau_s^2),  w_j ~ N(0, 1),  e_ij ~ N(0, 1)

and votes yes if ``D_ij > b_i``, no if ``D_ij < -(b_i + c_i)`` and abstains otherwise.
Every parameter is a field of a :class:`~councilsim.models.Scenario`, so the model that is
fitted is the model that predicts (:mod:`councilsim.history.adapter` builds the scenario):

* ``v_i`` is ``support``, ``b_i`` is ``abstention``, ``c_i`` is ``veto_cost`` (veto holders only,
  and only on substantive texts), ``uncertainty`` is 1 (utility has no natural scale: this fixes
  it), ``absence`` each member's share of "X" shrunk toward the pooled share;
* ``a_j``, the text's general appeal, is integrated out of the likelihood: ``tau`` is the
  scenario's ``mood_sd``. Texts with a rival on the table may have their own spread
  (``rival_spread``), ``taus["rival"]``;
* ``w_j``, the text's East-West position, is read by each member with a signed ``loading``
  (permanent members, shrunk toward 0; elected members read it not): the scenario's
  ``east-west`` bloc of sd 1 over the permanent members, with these ``loadings``. This is the
  correlated opposition of the record: Russia and China voting no together, the three Western
  members together against them;
* ``delta``: effects of what is known of a text before its vote (:func:`effect_keys`): who
  sponsors it (``Member.affinity`` by camp and for the member itself), a rival text on the table
  (``Member.rival``; with the sponsors' camp, ``affinity`` of a scenario whose drafts all have
  rivals), an amendment (``Member.amendment``), the agenda topic groups (folded into
  ``support``), a camp's texts on a given topic (``camp-topic``, folded into that camp's
  ``affinity`` for the scenario's topic) and the agenda item's recent failures and its topic's
  recent vetoes, each counted as ``log(1 + count)`` (folded into ``support``). Each permanent
  member has its own effects, the elected members share one pooled set, and all shrink toward
  0.

Not identified by votes alone and pinned down by design: a permanent member's band (its yes and
no cut-offs identify ``v - b`` and ``v + b + c`` only) is the elected members' pooled band, and
``veto_cost`` is what it needs beyond that before it says no; each elected member's support and
log band have normal priors centred on the elected members' means, so a member with a handful
of votes gets the pooled stance. Time-decay weights (``half_life``) let stances drift.

Blocs "from what is left": :meth:`Calibration.bloc` turns the partial correlation of members'
generalised residuals into a :class:`~councilsim.models.Bloc` sd (``s^2 / (1 + s^2)``): a rough
starting point for a scenario's ``[[bloc]]`` tables, not a fitted quantity.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy.special import ndtr

from councilsim._bundled import LAST_YEAR
from councilsim._export import dumps
from councilsim._frozen import read_only_fields
from councilsim.errors import InputError, LeakageError
from councilsim.history._estimator import covariance, single_threaded_blas
from councilsim.history._estimator import fit as posterior_mode
from councilsim.history._likelihood import (
    AXIS_NODES,
    BAND_PRIOR_SD,
    EFFECT_KINDS,
    EFFECT_PRIOR_SD,
    NODES,
    SUPPORT_PRIOR_SD,
    Problem,
    effect_keys,
    effect_terms,
    prepare,
)
from councilsim.history._textfacts import (
    CAMPS,
    UNUSABLE_STATUSES,
    TextContext,
    agenda_groups,
    context_from_facts,
    last_votes_before,
    sponsor_codes,
    usable,
)
from councilsim.history._topics import TOPIC_GROUPS
from councilsim.history.features import facts_table
from councilsim.history.record import (
    DateLike,
    FrozenDict,
    History,
    RecordedVote,
    as_date,
    bundled_history,
)
from councilsim.models import Bloc
from councilsim.results import html_summary, short_repr

__all__ = [
    "AXIS_NODES",
    "BAND_PRIOR_SD",
    "CAMPS",
    "EFFECT_KINDS",
    "EFFECT_PRIOR_SD",
    "FORECAST_SETTINGS",
    "NODES",
    "SUPPORT_PRIOR_SD",
    "UNUSABLE_STATUSES",
    "Calibration",
    "MemberEstimate",
    "TextContext",
    "agenda_groups",
    "calibrate",
    "effect_keys",
    "last_votes_before",
    "sponsor_codes",
    "text_facts",
    "usable",
    "window_start",
]

#: Settings of the published forecasts: the backtest's and a scenario's ``[calibration]``
#: defaults. Chosen on the 2000-2009 backtest alone (``benchmarks/backtest_report.py --variants``
#: prints the candidates, its docstring the rule: a change must win by two paired standard
#: errors); no setting was tuned on 2010-2025 (one model candidate was left out after its
#: 2010-2025 score had been seen: the README's backtest section says which). ``window`` is in
#: years before the calibration's cut-off.
FORECAST_SETTINGS: Mapping[str, Any] = MappingProxyType({
    "half_life": 3.0,
    "window": 12,
    "effects": EFFECT_KINDS,
    "effect_sd": MappingProxyType(dict.fromkeys(EFFECT_KINDS, 3.0)),
    "axis": True,
    "axis_nodes": 5,
    "rival_spread": False,
    "nodes": 10,
    "tolerance": 1e-5,
})


def window_start(before: dt.date, window: int | None) -> dt.date | None:
    """First day of a calibration ``window`` years long ending before ``before``.

    1 January of the year ``window`` years before ``before``'s (None without a window): the
    convention of :data:`FORECAST_SETTINGS`, the backtest and a scenario's ``[calibration]``.
    """
    return dt.date(before.year - int(window), 1, 1) if window else None


#: Beta-prior weight (in votes) pulling a member's absence share toward the pooled share.
ABSENCE_PRIOR_VOTES = 5.0


def text_facts(votes: History) -> list[TextContext]:
    """The :class:`TextContext` of each text of ``votes`` (a :class:`History`), in order.

    Read from :func:`councilsim.history.features.facts_table` (the same leakage-safe facts as the
    reduced-form baseline): a text's history comes only from texts dated strictly before it,
    so pass every vote up to the one to be predicted (later ones change nothing).
    """
    table = facts_table(votes)
    return [context_from_facts(table[vote.vote_id]) for vote in votes]


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
    loading, loading_se : float
        Loading on the texts' East-West position (the ``east-west`` bloc), and its error.
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
    loading: float = 0.0
    loading_se: float = float("nan")

    def __post_init__(self) -> None:
        read_only_fields(self)

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
        pooled absence share and mean loading. :meth:`estimate` gives it to members without a
        record.
    tau, tau_se : float
        Standard deviation of the texts' appeal and its standard error; use it as ``mood_sd``.
    effect_kinds : tuple of str
        Effect kinds estimated (subset of :data:`EFFECT_KINDS`).
    effects, effects_se : dict of str to float
        Estimated shifts of support, keyed as :func:`effect_keys` names them (e.g.
        ``"topic:ukraine:RUS"``, ``"sponsor:RUS:west"``, ``"rival:ELECTED"``), and errors.
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
    taus : dict of str to float
        The appeal's sd by spread class: ``"base"`` (= ``tau``) and, with ``rival_spread``,
        ``"rival"`` for texts with a rival on the table.
    axis : bool
        Whether the East-West position was estimated (the members' ``loading``).
    axis_sds : dict of str to float
        The East-West position's sd by spread class: ``"base"`` is 1 (it sets the loadings'
        scale); with ``rival_spread``, ``"rival"`` for texts with a rival on the table.
    camps : dict of str to tuple of str
        The sponsor camps the ``sponsor:`` and ``rival:`` effects refer to.
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
    taus: Mapping[str, float] = field(default_factory=dict)
    axis: bool = False
    axis_sds: Mapping[str, float] = field(default_factory=lambda: {"base": 1.0})
    camps: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(CAMPS))

    def __post_init__(self) -> None:
        read_only_fields(self)

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
            counts=FrozenDict({}),
            weight=0.0,
            loading=pooled.loading,
            loading_se=pooled.loading_se,
        )

    def support_shift(self, code: str, context: TextContext | None = None) -> float:
        """Covariate shift of ``code``'s support on a text with this ``context``."""
        if context is None or not self.effect_kinds:
            return 0.0
        permanent = code in self.members and self.members[code].permanent
        return float(
            sum(
                self.effects.get(key, 0.0) * weight
                for key, weight in effect_terms(
                    code, permanent, context, self.effect_kinds, self.camps
                )
            )
        )

    def vote_probabilities(
        self, code: str, context: TextContext, *, veto: bool
    ) -> dict[str, float]:
        """``code``'s P(Y), P(N), P(A) when present on a text with this ``context``.

        The likelihood's law in closed form: the utility is normal with mean support plus every
        effect of the text and variance ``1 + tau^2 + (loading * East-West sd)^2`` (the text's
        spread class); yes above the band, no below ``-(band + veto cost)`` when ``veto`` (a
        veto holder on a substantive text), else below ``-band``.
        """
        estimate = self.estimate(code)
        spread = "rival" if context.rival and "rival" in self.taus else "base"
        mean = estimate.support + self.support_shift(code, context)
        sd = math.sqrt(1.0 + self.taus.get(spread, self.tau) ** 2
                       + (estimate.loading * self.axis_sds.get(spread, 1.0)) ** 2)
        cost = estimate.veto_cost if veto else 0.0
        yes = float(ndtr((mean - estimate.abstention) / sd))
        no = float(ndtr((-estimate.abstention - cost - mean) / sd))
        return {"Y": yes, "N": no, "A": 1.0 - yes - no}

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
        pairs = len(codes) * (len(codes) - 1) // 2
        if not rs:
            why = f"calibrated: none of its {pairs} pairs of members shares enough texts"
        else:
            counted = (f"{pairs} pair{'s' * (pairs != 1)}" if len(rs) == pairs else
                       f"{len(rs)} of {pairs} pairs (the others share too few texts)")
            why = f"calibrated: mean residual correlation {r:.2f} over {counted}"
        sd = math.sqrt(r / (1.0 - r)) if 0.0 < r < 1.0 else 0.0
        return Bloc(name=name, members=tuple(codes), sd=sd, why=why)

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
            "taus": dict(self.taus),
            "axis": self.axis,
            "axis_sds": dict(self.axis_sds),
            "camps": {name: list(codes) for name, codes in self.camps.items()},
        }

    def to_json(self, **kwargs: Any) -> str:
        """The :meth:`to_dict` form as JSON; keyword arguments go to :func:`json.dumps`."""
        return dumps(self.to_dict(), **kwargs)

    def to_frame(self) -> Any:
        """One row per member (needs pandas)."""
        import pandas as pd

        rows = [m.to_dict() for m in self.members.values()]
        return pd.DataFrame(rows).drop(columns=["counts"]).set_index("code")

    def __repr__(self) -> str:
        return short_repr(self)

    def _repr_html_(self) -> str:
        return html_summary(self)

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
            *([f"  rival texts: mood_sd {self.taus['rival']:.3f}, East-West sd "
               f"{self.axis_sds.get('rival', 1.0):.3f}"] if "rival" in self.taus else []),
            "",
            f"{'member':<8}{'votes':>6}{'support':>9}{'(se)':>7}{'band':>7}{'(se)':>7}"
            f"{'veto':>7}{'(se)':>7}{'absent':>8}" + (f"{'E-W':>7}" if self.axis else ""),
        ]
        ordered = sorted(self.members.values(), key=lambda m: (not m.permanent, -m.n_votes, m.code))
        for m in [*ordered, self.pooled]:
            veto = f"{m.veto_cost:>7.2f}{se(m.veto_cost_se):>7}" if m.permanent else " " * 14
            lines.append(
                f"{m.code:<8}{m.n_votes:>6}{m.support:>9.2f}{se(m.support_se):>7}"
                f"{m.abstention:>7.2f}{se(m.abstention_se):>7}{veto}{m.absence:>8.3f}"
                + (f"{m.loading:>+7.2f}" if self.axis else "")
            )
        if self.effects:
            lines += ["", "Effects of pre-vote facts on support (largest first):"]
            ranked = sorted(self.effects.items(), key=lambda item: -abs(item[1]))
            for key, value in ranked[:25]:
                error = se(self.effects_se.get(key, math.nan))
                lines.append(f"  {key:<36}{value:+7.2f}  ({error})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


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


def forecast_dates(history: History) -> tuple[dt.date, dt.date]:
    """The first and last day a forecast from ``history`` can be made for.

    The day after the first vote a calibration can learn from (:func:`usable`: S/RES/1(1946)
    has no member votes, so the first is S/RES/2(1946) of 30 January 1946), and the end of the
    last year whose Council membership is known (a sitting after the last recorded vote is
    forecast from every vote).
    """
    day = dt.timedelta(days=1)
    first = next((vote for vote in history if usable(vote)), history[0])
    return first.date + day, max(dt.date(LAST_YEAR, 12, 31), history[-1].date + day)


def date_problem(history: History, key: str, value: dt.date | None) -> str | None:
    """Why ``value`` cannot be a calibration's ``key`` (``"before"`` or ``"since"``), or None.

    A date outside the record is a likely typo, never a useful request. An empty ``history``
    has no range: the caller's "no usable recorded vote" says what is wrong.
    """
    if value is None or not len(history):
        return None
    earliest, latest = forecast_dates(history)
    span = f"the recorded votes run from {history[0].date} to {history[-1].date}"
    if key == "before" and not earliest <= value <= latest:
        return (f"before {value} is outside the record: give a date from {earliest} to "
                f"{latest}; {span}")
    if key == "since" and value > history[-1].date:
        return f"since {value} is after the last recorded vote; {span}"
    return None


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
    axis: bool = True,
    rival_spread: bool = False,
    standard_errors: bool = True,
    nodes: int = NODES,
    axis_nodes: int = AXIS_NODES,
    max_iterations: int = 2000,
    tolerance: float = 1e-6,
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
        Effects of pre-vote facts to estimate, from :data:`EFFECT_KINDS` (default none):
        ``"topic"`` (agenda topic group), ``"sponsor"`` (the member or a camp sponsors the
        text), ``"rival"`` (a rival text is on the table, also by the sponsors' camp),
        ``"amendment"``, ``"history"`` (the agenda item's recent failure, the member's own
        recent no on it). Each permanent member gets its own effects, the elected members one
        shared set; all shrink toward 0 (:func:`effect_keys` names them).
    effect_sd : mapping of str to float, optional
        Prior sd of each kind of effect (default :data:`EFFECT_PRIOR_SD`).
    axis : bool
        Estimate the texts' East-West position and the members' loadings on it.
    rival_spread : bool
        Give texts with a rival on the table their own appeal sd (``taus["rival"]``).
    standard_errors : bool
        Compute standard errors (a numerical Hessian: costs about one gradient evaluation per
        parameter pair of evaluations; switch off when only point estimates are needed).
    nodes, axis_nodes : int
        Gauss-Hermite nodes for the texts' appeal and East-West position.
    max_iterations : int
        Optimiser iteration limit.
    tolerance : float
        Optimiser gradient tolerance.
    executor : concurrent.futures.Executor, optional
        Computes the columns of the Hessian (the standard errors' cost) in parallel; the
        result is identical for any executor.

    Returns
    -------
    Calibration

    Raises
    ------
    InputError
        When no usable vote is selected or an option is out of range.
    LeakageError
        (A guard) when the selection used a vote dated on or after ``before``.

    Examples
    --------
    >>> from councilsim.history import load_history
    >>> cal = calibrate(load_history(), topic="dprk", before="2017-08-01", standard_errors=False)
    >>> cal.members["RUS"].veto_cost > 0
    True
    """
    if history is None:
        history = bundled_history()
    before_date = None if before is None else as_date(before, "before")
    since_date = None if since is None else as_date(since, "since")
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
    if not 1 <= int(axis_nodes) <= 100:
        raise InputError(f"axis_nodes must be from 1 to 100, got {axis_nodes!r}")
    for key, value in (("before", before_date), ("since", since_date)):
        if (problem := date_problem(history, key, value)) is not None:
            raise InputError(problem)
    known = history.filter(before=before_date) if before_date is not None else history
    votes = _select(known, topic=topic, since=since_date, before=before_date)
    if not votes:
        raise InputError(
            "no usable recorded vote matches "
            f"topic={topic!r}, since={since_date}, before={before_date}"
            + (f"; topic groups: {', '.join(TOPIC_GROUPS)} (or any word of the record's "
               "topics)" if topic else "")
        )
    if before_date is not None and votes[-1].date >= before_date:
        raise LeakageError(f"leakage: calibration before {before_date} selected a vote of "
                         f"{votes[-1].date} ({votes[-1].vote_id})")
    reference = before_date or (votes[-1].date + dt.timedelta(days=1))
    if half_life is None:
        weights = np.ones(len(votes))
    else:
        ages = np.array([(reference - vote.date).days / 365.25 for vote in votes])
        weights = 0.5 ** (ages / half_life)
    facts = facts_table(known, votes)
    data = prepare(
        votes,
        # Facts of the selected texts only, read from every earlier text of the record.
        [context_from_facts(facts[vote.vote_id]) for vote in votes],
        weights,
        permanent_codes=_permanent_codes(votes),
        kinds=kinds,
        rival_spread=rival_spread,
    )
    if not data.codes:
        raise InputError("the selected votes contain no Y, N or A vote to learn from")
    absent = [code for code in members or () if code not in data.codes]
    if absent:
        raise InputError(
            f"members {', '.join(map(repr, absent))} cast no vote in the selected texts "
            f"({len(votes)} from {votes[0].date} to {votes[-1].date}); members who did: "
            f"{', '.join(sorted(data.codes))}")
    problem = Problem(data, nodes=int(nodes), axis_nodes=int(axis_nodes) if axis else 1,
                      effect_sd=prior_sd)
    fit = posterior_mode(problem, max_iterations=max_iterations, tolerance=tolerance)
    theta = fit.x
    with single_threaded_blas():
        _, _, log_lik, post, d_eta = problem.evaluate(theta, with_posterior=True)
    if standard_errors:
        cov = covariance(problem, theta, executor)
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
        pool_se = math.sqrt(max(float(problem.pool @ cov @ problem.pool), 0.0))
    else:
        se = np.full(problem.size, np.nan)
        pool_se = float("nan")
    return _build(
        problem, theta, se, pool_se, fit, log_lik, (post, d_eta),
        topic=topic, since=since_date, before=before_date, half_life=half_life, kinds=kinds,
        report=None if members is None else tuple(members), standard_errors=standard_errors,
        last_date=votes[-1].date,
    )


def _absence(counts: Mapping[str, int], pooled: float) -> tuple[float, float]:
    n = sum(counts.values())
    x = counts.get("X", 0)
    share = (x + ABSENCE_PRIOR_VOTES * pooled) / (n + ABSENCE_PRIOR_VOTES)
    return share, math.sqrt(share * (1 - share) / (n + ABSENCE_PRIOR_VOTES))


def _residual_correlation(
    data: Any,
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
    problem: Problem,
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
    last_date: dt.date,
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
            loading, loading_se = 0.0, 0.0
        else:
            loading = float(p["lam"][i])
            loading_se = (float(se[problem.i_lam[problem.gamma_of[i]]])
                          if problem.axis and is_perm else 0.0)
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
            counts=FrozenDict(dict(counts)),
            weight=float(data.weight_of[code]),
            loading=loading,
            loading_se=loading_se,
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
        counts=FrozenDict({}),
        weight=0.0,
    )
    effects = {name: float(p["effects"][j]) for j, name in enumerate(data.effect_names)}
    effects_se = {name: float(se[problem.i_eff[j]]) for j, name in enumerate(data.effect_names)}
    reported = (
        estimates
        if report is None
        else {code: estimates[code] for code in report if code in estimates}
    )
    log_prior, _ = problem.log_prior(theta)
    taus = dict(zip(("base", "rival"), (float(t) for t in p["tau"]), strict=False))
    return Calibration(
        members=FrozenDict(reported),
        pooled=pooled,
        tau=taus["base"],
        tau_se=float(taus["base"] * se[problem.i_tau[0]]),
        effect_kinds=kinds,
        effects=FrozenDict(effects),
        effects_se=FrozenDict(effects_se),
        log_likelihood=float(log_lik),
        log_posterior=float(log_lik + log_prior),
        n_texts=data.n_texts,
        n_votes=data.n_votes,
        topic=topic,
        since=since,
        before=before,
        half_life=half_life,
        last_date=last_date,
        residual_correlation=FrozenDict(
            _residual_correlation(data, *residual_terms, problem.x)
        ),
        converged=bool(fit.success),
        iterations=int(fit.nit),
        standard_errors=standard_errors,
        taus=FrozenDict(taus),
        axis=problem.axis,
        axis_sds=FrozenDict(
            dict(zip(("base", "rival"), (float(w) for w in p["omega"]), strict=False))
        ),
        camps=FrozenDict(dict(CAMPS)),
    )
