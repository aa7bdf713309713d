"""The likelihood of the recorded votes under the vote model (one model, read as an IRT model).

Member ``i`` on text ``j`` has net utility ::

    D_ij = v_i + x_ij' delta + a_j + lambda_i * w_j + e_ij

with the text's general appeal ``a_j ~ N(0, tau_s^2)`` (``s``: the text's spread class, rival
texts may have their own), its East-West position ``w_j ~ N(0, omega_s^2)`` (``omega_0 = 1``)
read by each permanent member with a signed loading ``lambda_i`` (0 for elected members), and
``e_ij ~ N(0, 1)``. The member votes yes if ``D > b_i``, no if
``D < -(b_i + c_i)`` (``c_i`` only for a veto holder on a substantive text), else abstains. Both
text terms are integrated out by a product Gauss-Hermite rule, so the likelihood is the
marginal likelihood of the scenario that :mod:`councilsim.history.adapter` builds: ``tau`` is
``mood_sd``, ``lambda`` the loadings of the ``east-west`` bloc (sd 1), and each effect in
``delta`` a scenario field (see :func:`effect_keys`).

Votes enter only through their *type* (member, letter, veto applies, spread class, effects)
and texts through their *pattern* (the multiset of types), so identical texts cost once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import sparse
from scipy.special import log_ndtr, ndtr, ndtri

from councilsim.history._textfacts import CAMPS, TextContext
from councilsim.history.record import RecordedVote

__all__ = [
    "AXIS_NODES",
    "BAND_PRIOR_SD",
    "EFFECT_KINDS",
    "EFFECT_PRIOR_SD",
    "NODES",
    "PERMANENT_LOADING_PRIOR_SD",
    "SUPPORT_PRIOR_SD",
    "Data",
    "Problem",
    "effect_keys",
    "effect_terms",
    "prepare",
    "product_rule",
]

#: Prior sd of an elected member's support around the elected members' mean (utility units).
SUPPORT_PRIOR_SD = 1.0
#: Prior sd of an elected member's log abstention band around the elected members' mean.
BAND_PRIOR_SD = 1.0
#: Prior sd of a permanent member's support around the elected mean (very weak).
PERMANENT_SUPPORT_PRIOR_SD = 3.0
#: Prior of a permanent member's log veto cost: N(log 0.5, 2^2) (weak; keeps it finite at 0).
VETO_COST_PRIOR = (math.log(0.5), 2.0)
#: Prior sd of the log of the texts' spreads (the appeal's tau, the East-West ratios omega).
SPREAD_PRIOR_SD = 1.5
#: Prior sd of a permanent member's East-West loading (around 0). Elected members do not read
#: the axis (loading 0): their common moves are the general appeal's, and a bloc over five
#: members keeps the exact engine fast.
PERMANENT_LOADING_PRIOR_SD = 1.5
#: Kinds of text effects (see :func:`effect_keys`).
EFFECT_KINDS = ("topic", "sponsor", "camp-topic", "rival", "amendment", "history")
#: Default prior sd (utility units) of each kind of effect; effects shrink toward 0.
EFFECT_PRIOR_SD: Mapping[str, float] = {
    "topic": 1.0, "sponsor": 1.0, "camp-topic": 1.0, "rival": 1.0, "amendment": 1.0,
    "history": 1.0,
}
#: Gauss-Hermite nodes for the general appeal and for the East-West position.
NODES = 24
AXIS_NODES = 10

_LETTERS = ("Y", "N", "A")
PERMANENT_SEATS = frozenset({"CHN", "FRA", "GBR", "RUS", "USA"})


def effect_terms(
    code: str,
    permanent: bool,
    context: TextContext,
    kinds: Iterable[str],
    camps: Mapping[str, Sequence[str]] = CAMPS,
) -> list[tuple[str, float]]:
    """The effects that shift ``code``'s support on a text described by ``context``.

    Each is a name and the weight its value enters with: 1, except the history terms, which
    grow with the record (``log(1 + count)``: one recent failure counts less than a dozen).

    ``<who>`` is the member's code for a permanent member and ``ELECTED`` (one pooled effect)
    for elected members.

    * ``topic:<group>:<who>``: the text's agenda topic groups (scenario: ``support``);
    * ``sponsor:<who>:self`` when the member sponsors the text, ``sponsor:<who>:<camp>`` when a
      member of the camp does (scenario: ``Member.affinity``, keyed by code or camp);
    * ``camp-topic:<who>:<camp>:<group>`` for each of the text's topic groups when the camp
      sponsors it: the response to a camp's texts differs by topic (scenario: folded into
      ``Member.affinity`` for the scenario's topic);
    * ``rival:<who>`` / ``amendment:<who>`` (scenario: ``Member.rival`` / ``Member.amendment``)
      and ``rival:<who>:<camp>`` when a rival text is on the table and the camp sponsors this
      one (scenario: ``Member.affinity`` of a scenario whose drafts all have rivals);
    * ``history:<who>:failed`` when texts on the agenda item failed recently and
      ``history:<who>:vetoed`` when texts on its topic were vetoed (scenario: ``support``).
    """
    kinds = set(kinds)
    who = code if permanent else "ELECTED"
    keys = []
    if "topic" in kinds:
        keys.extend(f"topic:{group}:{who}" for group in context.topics)
    if "sponsor" in kinds and context.sponsors:
        if code in context.sponsors:
            keys.append(f"sponsor:{who}:self")
        keys.extend(
            f"sponsor:{who}:{camp}"
            for camp, members in camps.items()
            if context.sponsors.intersection(members)
        )
    if "camp-topic" in kinds and context.sponsors:
        keys.extend(
            f"camp-topic:{who}:{camp}:{group}"
            for camp, members in camps.items()
            if context.sponsors.intersection(members)
            for group in context.topics
        )
    if "rival" in kinds and context.rival:
        keys.append(f"rival:{who}")
        keys.extend(
            f"rival:{who}:{camp}"
            for camp, members in camps.items()
            if context.sponsors.intersection(members)
        )
    if "amendment" in kinds and context.amendment:
        keys.append(f"amendment:{who}")
    if "history" in kinds:
        weighted = [(f"history:{who}:failed", context.item_failures),
                    (f"history:{who}:vetoed", context.topic_vetoes)]
        return [(key, 1.0) for key in keys] + [
            (key, math.log1p(count)) for key, count in weighted if count
        ]
    return [(key, 1.0) for key in keys]


def effect_keys(
    code: str,
    permanent: bool,
    context: TextContext,
    kinds: Iterable[str],
    camps: Mapping[str, Sequence[str]] = CAMPS,
) -> list[str]:
    """Names of the effects of :func:`effect_terms`."""
    return [key for key, _ in effect_terms(code, permanent, context, kinds, camps)]


@dataclass
class Data:
    """The votes, compressed into vote types and text patterns."""

    codes: list[str]  # member index -> seat code
    permanent: np.ndarray  # bool per member
    pattern_weight: np.ndarray  # summed text weights per pattern
    pattern_class: np.ndarray  # spread class per pattern
    counts_matrix: sparse.csr_matrix  # (patterns, types)
    type_member: np.ndarray
    type_vote: np.ndarray  # 0 Y, 1 N, 2 A
    type_veto: np.ndarray  # bool: the veto cost applies
    type_class: np.ndarray  # spread class of the type's text
    type_effects: np.ndarray  # (types, E) effect indices, -1 for none
    type_weights: np.ndarray  # (types, E) the weight each effect enters with (0 for none)
    effect_names: list[str]
    n_classes: int
    text_pattern: np.ndarray
    text_types: list[list[tuple[int, int]]]  # per text: (member, type)
    counts: dict[str, dict[str, int]]
    weight_of: dict[str, float]
    n_texts: int
    n_votes: int


def prepare(
    votes: Sequence[RecordedVote],
    contexts: Sequence[TextContext],
    weights: np.ndarray,
    *,
    permanent_codes: frozenset[str],
    kinds: tuple[str, ...],
    rival_spread: bool = False,
) -> Data:
    """Compress ``votes`` (with their pre-vote ``contexts`` and weights) for the likelihood."""
    codes: dict[str, int] = {}
    effect_index: dict[str, int] = {}
    types: dict[tuple[Any, ...], int] = {}
    patterns: dict[tuple[Any, ...], int] = {}
    pattern_weight: list[float] = []
    pattern_class: list[int] = []
    text_pattern, text_types = [], []
    counts: dict[str, dict[str, int]] = {}
    weight_of: dict[str, float] = {}
    n_votes = 0

    def index_of(table: dict, key: Any) -> int:
        found = table.get(key)
        if found is None:
            found = table[key] = len(table)
        return found

    for vote, context, weight in zip(votes, contexts, weights, strict=True):
        spread = int(rival_spread and context.rival)
        members = []
        for code, letter in vote.votes.items():
            tally = counts.setdefault(code, {"Y": 0, "N": 0, "A": 0, "X": 0})
            tally[letter] = tally.get(letter, 0) + 1
            weight_of[code] = weight_of.get(code, 0.0) + float(weight)
            if letter not in _LETTERS:
                continue
            n_votes += 1
            m = index_of(codes, code)
            is_perm = code in permanent_codes
            effects = tuple(sorted(
                (index_of(effect_index, key), weight)
                for key, weight in effect_terms(code, is_perm, context, kinds)
            ))
            veto = is_perm and code in vote.permanent and not vote.procedural
            key = (m, _LETTERS.index(letter), veto, spread, effects)
            members.append((m, index_of(types, key)))
        p = index_of(patterns, (spread, *sorted(k for _, k in members)))
        if p == len(pattern_weight):
            pattern_weight.append(0.0)
            pattern_class.append(spread)
        pattern_weight[p] += float(weight)
        text_pattern.append(p)
        text_types.append(members)

    rows, cols = [], []
    for key, p in patterns.items():
        rows.extend([p] * (len(key) - 1))
        cols.extend(key[1:])
    counts_matrix = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(patterns), len(types))
    )
    counts_matrix.sum_duplicates()
    type_keys = list(types)
    width = max((len(k[4]) for k in type_keys), default=0)
    type_effects = np.full((len(type_keys), max(width, 1)), -1, dtype=np.intp)
    type_weights = np.zeros((len(type_keys), max(width, 1)))
    for i, key in enumerate(type_keys):
        type_effects[i, : len(key[4])] = [index for index, _ in key[4]]
        type_weights[i, : len(key[4])] = [weight for _, weight in key[4]]
    code_list = list(codes)
    return Data(
        codes=code_list,
        permanent=np.array([c in permanent_codes for c in code_list], dtype=bool),
        pattern_weight=np.asarray(pattern_weight),
        pattern_class=np.asarray(pattern_class, dtype=np.intp),
        counts_matrix=counts_matrix,
        type_member=np.array([k[0] for k in type_keys], dtype=np.intp),
        type_vote=np.array([k[1] for k in type_keys], dtype=np.intp),
        type_veto=np.array([k[2] for k in type_keys], dtype=bool),
        type_class=np.array([k[3] for k in type_keys], dtype=np.intp),
        type_effects=type_effects,
        type_weights=type_weights,
        effect_names=list(effect_index),
        n_classes=2 if rival_spread else 1,
        text_pattern=np.asarray(text_pattern, dtype=np.intp),
        text_types=text_types,
        counts=counts,
        weight_of=weight_of,
        n_texts=len(votes),
        n_votes=n_votes,
    )


def _vote_terms(eta, band, cost, by_vote):
    """Log P(vote) and its derivatives in eta, band and cost, for some types at some nodes.

    ``eta`` has a row per type and a column per node; ``by_vote`` holds the rows that are Y,
    N and A votes.
    """
    n, k = eta.shape
    ll = np.empty((n, k))
    d_eta = np.empty((n, k))
    d_band = np.empty((n, k))
    d_cost = np.zeros((n, k))
    yes, no, abst = by_vote
    band, cost = band[:, None], cost[:, None]
    half_log_2pi = 0.5 * math.log(2 * math.pi)
    # Y: Phi(eta - b)
    z = eta[yes] - band[yes]
    lz = log_ndtr(z)
    mills = np.exp(-0.5 * z**2 - half_log_2pi - lz)
    ll[yes], d_eta[yes], d_band[yes] = lz, mills, -mills
    # N: Phi(-b - c - eta)
    z = -band[no] - cost[no] - eta[no]
    lz = log_ndtr(z)
    mills = np.exp(-0.5 * z**2 - half_log_2pi - lz)
    ll[no], d_eta[no], d_band[no], d_cost[no] = lz, -mills, -mills, -mills
    # A: Phi(b - eta) - Phi(-b - c - eta), computed in the tail that keeps precision
    upper = band[abst] - eta[abst]
    lower = -band[abst] - cost[abst] - eta[abst]
    flip = lower > 0
    prob = np.where(flip, ndtr(-lower) - ndtr(-upper), ndtr(upper) - ndtr(lower))
    prob = np.maximum(prob, 1e-300)
    dens_u = np.exp(-0.5 * upper**2 - half_log_2pi) / prob
    dens_l = np.exp(-0.5 * lower**2 - half_log_2pi) / prob
    ll[abst] = np.log(prob)
    d_eta[abst] = -dens_u + dens_l
    d_band[abst] = dens_u + dens_l
    d_cost[abst] = dens_l
    return ll, d_eta, d_band, d_cost


@cache
def product_rule(nodes: int, axis_nodes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes (appeal, axis) and log weights of a product Gauss-Hermite rule for N(0, I_2).

    Nodes whose weight is below 1e-14 of the total are dropped: they cannot move the integral.
    """
    x, wx = hermegauss(nodes)
    y, wy = hermegauss(axis_nodes) if axis_nodes > 1 else (np.zeros(1), np.ones(1))
    w = np.outer(wx / wx.sum(), wy / wy.sum())
    keep = w > 1e-14
    xx, yy = np.meshgrid(x, y, indexing="ij")
    return xx[keep], yy[keep], np.log(w[keep])


class Problem:
    """Negative log posterior and its gradient over the packed parameter vector.

    Layout: support ``v`` (members), log band ``beta`` (elected), log veto cost ``gamma``
    (permanent), East-West loading ``lam`` (permanent), ``mu_v``, ``log tau`` per spread class,
    log East-West sd per spread class after the first, [``mu_b`` without elected members],
    then the effects.

    Veto holders' log band is the mean of the elected members' log bands (``pool @ theta``): a
    permanent member's yes and no cut-offs identify ``v - b`` and ``v + b + c`` only.
    """

    def __init__(
        self,
        data: Data,
        nodes: int = NODES,
        axis_nodes: int = AXIS_NODES,
        effect_sd: Mapping[str, float] = EFFECT_PRIOR_SD,
    ) -> None:
        self.data = data
        m = self.m = len(data.codes)
        self.elected = np.flatnonzero(~data.permanent)
        self.perm = np.flatnonzero(data.permanent)
        self.n_el, self.n_perm = self.elected.size, self.perm.size
        self.n_eff = len(data.effect_names)
        self.axis = axis_nodes > 1
        self.i_v = np.arange(m)
        self.i_beta = m + np.arange(self.n_el)
        self.i_gamma = m + self.n_el + np.arange(self.n_perm)
        start = m + self.n_el + self.n_perm
        self.i_lam = start + np.arange(self.n_perm) if self.axis else np.zeros(0, dtype=np.intp)
        start += self.i_lam.size
        self.i_mu_v = start
        start += 1
        self.i_tau = start + np.arange(data.n_classes)
        start += data.n_classes
        # The East-West spread of spread classes after the first (whose spread, 1, sets the
        # loadings' scale).
        n_omega = data.n_classes - 1 if self.axis else 0
        self.i_omega = start + np.arange(n_omega)
        start += n_omega
        self.free_mu_b = self.n_el == 0
        self.i_mu_b = start if self.free_mu_b else -1
        start += int(self.free_mu_b)
        self.i_eff = start + np.arange(self.n_eff)
        self.size = start + self.n_eff
        self.pool = np.zeros(self.size)
        if self.free_mu_b:
            self.pool[self.i_mu_b] = 1.0
        else:
            self.pool[self.i_beta] = 1.0 / self.n_el
        self.beta_of = np.full(m, -1, dtype=np.intp)
        self.beta_of[self.elected] = np.arange(self.n_el)
        self.gamma_of = np.full(m, -1, dtype=np.intp)
        self.gamma_of[self.perm] = np.arange(self.n_perm)
        self.x, self.y, self.logw = product_rule(nodes, axis_nodes)
        self.counts_t = data.counts_matrix.T.tocsr()
        # Elected members do not read the East-West axis (loading 0): their terms vary with the
        # appeal node only, so they are computed on the distinct appeal nodes and repeated
        # along the axis (the same arithmetic on the same numbers: identical results, a
        # fraction of the work). Permanent members' terms are computed on every node.
        reads_axis = self.axis & data.permanent[data.type_member]
        appeal, self.appeal_of_node = np.unique(self.x, return_inverse=True)
        self.blocks = [
            (rows, xs, ys, expand, [np.flatnonzero(data.type_vote[rows] == k) for k in range(3)])
            for rows, xs, ys, expand in (
                (np.flatnonzero(reads_axis), self.x, self.y, None),
                (np.flatnonzero(~reads_axis), appeal, None, self.appeal_of_node),
            )
            if rows.size
        ]
        self.eff_prior_sd = np.array(
            [float(effect_sd[name.split(":", 1)[0]]) for name in data.effect_names]
        )

    # -- unpacking ----------------------------------------------------------------------------

    def unpack(self, theta: np.ndarray) -> dict[str, Any]:
        """Named parameters (natural scale) of a packed vector."""
        log_band = np.empty(self.m)
        log_band[self.elected] = theta[self.i_beta]
        mu_b = float((self.pool * theta).sum())
        log_band[self.perm] = mu_b
        cost = np.zeros(self.m)
        cost[self.perm] = np.exp(theta[self.i_gamma])
        return dict(
            v=theta[self.i_v],
            band=np.exp(log_band),
            cost=cost,
            lam=self._loadings(theta),
            mu_v=theta[self.i_mu_v],
            mu_b=mu_b,
            tau=np.exp(theta[self.i_tau]),
            omega=np.exp(np.concatenate([[0.0], theta[self.i_omega]])),
            effects=theta[self.i_eff],
        )

    def _loadings(self, theta: np.ndarray) -> np.ndarray:
        lam = np.zeros(self.m)
        if self.axis:
            lam[self.perm] = theta[self.i_lam]
        return lam

    def axis_spread(self, p: Mapping[str, Any]) -> np.ndarray:
        """East-West spread of each vote type's text (1 unless a spread class has its own)."""
        omega = p["omega"]
        return omega[np.minimum(self.data.type_class, omega.size - 1)]

    def offsets(self, effects: np.ndarray) -> np.ndarray:
        """Summed effect shift of each vote type."""
        padded = np.append(effects, 0.0)
        # index -1 hits the appended 0 (and its weight is 0)
        return (padded[self.data.type_effects] * self.data.type_weights).sum(axis=1)

    # -- prior ---------------------------------------------------------------------------------

    def log_prior(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Log prior density (up to a constant) and its gradient."""
        grad = np.zeros_like(theta)
        total = 0.0

        def normal(index: Any, centre: Any, sd: float, centre_index: int = -1) -> None:
            nonlocal total
            dev = theta[index] - centre
            total -= 0.5 * float(np.sum(dev**2)) / sd**2
            grad[index] -= dev / sd**2
            if centre_index >= 0:
                grad[centre_index] += float(np.sum(dev)) / sd**2

        mu_v = theta[self.i_mu_v]
        normal(self.i_v[self.elected], mu_v, SUPPORT_PRIOR_SD, self.i_mu_v)
        normal(self.i_v[self.perm], mu_v, PERMANENT_SUPPORT_PRIOR_SD, self.i_mu_v)
        # Deviations from their own mean; the mean's derivative terms sum to zero.
        beta = theta[self.i_beta]
        normal(self.i_beta, beta.mean() if self.n_el else 0.0, BAND_PRIOR_SD)
        normal(self.i_gamma, VETO_COST_PRIOR[0], VETO_COST_PRIOR[1])
        if self.axis:
            normal(self.i_lam, 0.0, PERMANENT_LOADING_PRIOR_SD)
        dev = theta[self.i_eff]
        total -= 0.5 * float(np.sum((dev / self.eff_prior_sd) ** 2))
        grad[self.i_eff] -= dev / self.eff_prior_sd**2
        # hyper-parameters: practically flat, only to keep the Hessian definite
        hyper = [self.i_mu_v]
        if self.free_mu_b:
            hyper.append(self.i_mu_b)
        for i in hyper:
            total -= 0.5 * theta[i] ** 2 / 100.0
            grad[i] -= theta[i] / 100.0
        # The texts' spreads, on the log scale: weakly informative (an sd of 1 within a factor
        # of 20 at two sds). Without it, texts whose votes are nearly all yes leave a ridge along
        # which the spread, bands and supports grow together without bound (tau 108, bands 31
        # for the DPRK texts before August 2017), whose forecasts are nonsense.
        normal(np.array([*self.i_tau, *self.i_omega], dtype=int), 0.0, SPREAD_PRIOR_SD)
        return float(total), grad

    # -- likelihood ----------------------------------------------------------------------------

    def node_terms(self, p: Mapping[str, Any]):
        """Per vote type and node: log P(vote) and its derivatives in eta, band and cost."""
        d = self.data
        band = p["band"][d.type_member]
        cost = p["cost"][d.type_member] * d.type_veto
        base = p["v"][d.type_member] + self.offsets(p["effects"])
        spread = p["tau"][d.type_class]
        along = p["lam"][d.type_member] * self.axis_spread(p)
        shape = (d.type_member.size, self.x.size)
        ll, d_eta, d_band, d_cost = (np.empty(shape) for _ in range(4))
        for rows, xs, ys, expand, by_vote in self.blocks:
            eta = base[rows, None] + spread[rows, None] * xs
            if ys is not None:
                eta = eta + along[rows, None] * ys
            terms = _vote_terms(eta, band[rows], cost[rows], by_vote)
            for out, term in zip((ll, d_eta, d_band, d_cost), terms, strict=True):
                out[rows] = term if expand is None else term[:, expand]
        return ll, d_eta, d_band, d_cost

    def evaluate(self, theta: np.ndarray, *, with_posterior: bool = False):
        """Negative log posterior and gradient (and node posteriors if asked)."""
        p = self.unpack(theta)
        ll, d_eta, d_band, d_cost = self.node_terms(p)
        d = self.data
        per_node = d.counts_matrix @ ll + self.logw  # (patterns, nodes)
        top = per_node.max(axis=1, keepdims=True)
        log_lik_pat = top[:, 0] + np.log(np.exp(per_node - top).sum(axis=1))
        post = np.exp(per_node - log_lik_pat[:, None])
        log_lik = float((d.pattern_weight * log_lik_pat).sum())
        type_node = self.counts_t @ (post * d.pattern_weight[:, None])
        weighted = type_node * d_eta
        g_eta = weighted.sum(axis=1)
        grad = np.zeros(self.size)
        grad[self.i_v] = np.bincount(d.type_member, g_eta, minlength=self.m)
        band_member = np.bincount(
            d.type_member, (type_node * d_band).sum(axis=1), minlength=self.m
        ) * p["band"]
        grad[self.i_beta] = band_member[self.elected]
        grad += self.pool * band_member[self.perm].sum()
        cost_member = np.bincount(
            d.type_member, (type_node * d_cost).sum(axis=1), minlength=self.m
        ) * p["cost"]
        grad[self.i_gamma] = cost_member[self.perm]
        # Reductions rather than BLAS products: a BLAS sum's order may depend on its thread
        # count, and the estimate's last digits must not depend on the executor.
        g_tau = np.bincount(d.type_class, (weighted * self.x).sum(axis=1), minlength=d.n_classes)
        grad[self.i_tau] = g_tau * p["tau"]
        if self.axis:
            omega = self.axis_spread(p)
            along = (weighted * self.y).sum(axis=1)
            grad[self.i_lam] = np.bincount(d.type_member, along * omega,
                                           minlength=self.m)[self.perm]
            if self.i_omega.size:
                g_omega = np.bincount(d.type_class, along * omega * p["lam"][d.type_member],
                                      minlength=d.n_classes)
                grad[self.i_omega] = g_omega[1:]
        if self.n_eff:
            eff = d.type_effects
            valid = eff >= 0
            contrib = g_eta[:, None] * d.type_weights
            grad[self.i_eff] = np.bincount(eff[valid], contrib[valid], minlength=self.n_eff)
        log_prior, grad_prior = self.log_prior(theta)
        value = -(log_lik + log_prior)
        gradient = -(grad + grad_prior)
        if with_posterior:
            return value, gradient, log_lik, post, d_eta
        return value, gradient

    # -- start ---------------------------------------------------------------------------------

    def start(self) -> np.ndarray:
        """Moment-based starting values (tau = 1; East-West loadings +-0.5 for RUS/CHN, P3)."""
        d = self.data
        w = d.counts_matrix.T @ d.pattern_weight
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
        if self.axis:
            # The axis's sign is fixed by where it starts: east positive.
            sign = {"RUS": 0.5, "CHN": 0.5, "USA": -0.5, "GBR": -0.5, "FRA": -0.5}
            for j, i in enumerate(self.perm):
                theta[self.i_lam[j]] = sign.get(d.codes[i], 0.0)
        return theta

    def names(self) -> list[str]:
        """Name of each packed parameter."""
        d = self.data
        out = [""] * self.size
        for i, code in enumerate(d.codes):
            out[self.i_v[i]] = f"support:{code}"
        if self.axis:
            for j, i in enumerate(self.perm):
                out[self.i_lam[j]] = f"loading:{d.codes[i]}"
        for j, i in enumerate(self.elected):
            out[self.i_beta[j]] = f"log_band:{d.codes[i]}"
        for j, i in enumerate(self.perm):
            out[self.i_gamma[j]] = f"log_veto_cost:{d.codes[i]}"
        out[self.i_mu_v] = "mu_support"
        for s, i in enumerate(self.i_tau):
            out[i] = f"log_tau:{s}"
        for s, i in enumerate(self.i_omega):
            out[i] = f"log_axis_sd:{s + 1}"
        if self.free_mu_b:
            out[self.i_mu_b] = "mu_log_band"
        for j, name in enumerate(d.effect_names):
            out[self.i_eff[j]] = name
        return out
