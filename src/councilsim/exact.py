"""Exact engine: nested Gauss–Hermite quadrature over the shared shocks, a count DP inside.

Given the council-wide shock ``G``, blocs are independent; given also a bloc's shock ``E``, its
members are independent. So for every quadrature node of ``G`` and of each bloc's ``E`` a dynamic
programme over the bloc's members gives the law of (yes votes, vetoed or not); integrating over
``E`` and convolving the blocs gives the law given ``G``; integrating over ``G`` gives the answer.
Members outside any bloc form one more group with no shock of its own.

The probability that a member is decisive needs the law of everyone else's votes; it comes from
the same DP run once per left-out member (batched) and from the convolution of the other groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import ndtr

from councilsim.results import RawOutcome
from councilsim.votemodel import VoteLaw

__all__ = ["DEFAULT_NODES", "run_exact"]

#: Quadrature nodes per shock. The error check reruns the tally at two thirds of this.
DEFAULT_NODES = 32


@cache
def _standard_normal_rule(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    # Probabilists' Hermite rule: sum w f(x) approximates E f(Z) for Z ~ N(0, 1).
    x, w = hermegauss(nodes)
    return x, w / w.sum()


def _rule(sd: float, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    if sd == 0.0:
        return np.zeros(1), np.ones(1)
    x, w = _standard_normal_rule(nodes)
    return sd * x, w


@dataclass(frozen=True)
class _Group:
    """Members sharing one shock (a bloc), or the members with no bloc shock."""

    members: np.ndarray  # indices into the council
    shock_sd: float


def _groups(law: VoteLaw) -> list[_Group]:
    groups = []
    free = [i for i in range(law.seats) if law.bloc[i] < 0 or law.bloc_sd[law.bloc[i]] == 0.0]
    for b, sd in enumerate(law.bloc_sd):
        members = np.flatnonzero(law.bloc == b)
        if sd > 0.0 and members.size:
            groups.append(_Group(members, float(sd)))
    if free:
        groups.append(_Group(np.asarray(free), 0.0))
    return groups


def _member_probabilities(law: VoteLaw, idx: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Vote probabilities (Y, N, A, X) of members ``idx`` given the shared shocks ``shift``.

    ``shift`` broadcasts against the members axis (last); the result has a trailing axis of 4.
    """
    utility = law.mean[idx] + shift
    present = 1.0 - law.p_absent[idx]
    free = ~law.obliged_abstain[idx]
    yes = present * ndtr((utility - law.yes_above[idx]) / law.sd[idx]) * free
    no = present * ndtr((law.no_below[idx] - utility) / law.sd[idx]) * free
    abstain = np.clip(present - yes - no, 0.0, None)
    absent = np.broadcast_to(law.p_absent[idx], yes.shape)
    return np.stack([yes, no, abstain, absent], axis=-1)


def _count_law(p_yes: np.ndarray, p_veto: np.ndarray) -> np.ndarray:
    """Law of (yes count, any veto) over independent members, batched over leading axes.

    ``p_yes`` and ``p_veto`` have shape ``(..., m)``; the result ``(..., m + 1, 2)``.
    """
    m = p_yes.shape[-1]
    law = np.zeros(p_yes.shape[:-1] + (m + 1, 2))
    law[..., 0, 0] = 1.0
    for j in range(m):
        y, v = p_yes[..., j, None, None], p_veto[..., j, None]
        step = law * (1.0 - y - v[..., None])
        step[..., 1 : j + 2, :] += law[..., : j + 1, :] * y
        step[..., :, 1] += law.sum(axis=-1) * v
        law = step
    return law


def _convolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Law of the sum of yes counts and the 'or' of vetoes of two independent groups."""
    if a.shape[-2] < b.shape[-2]:
        a, b = b, a
    na, nb = a.shape[-2], b.shape[-2]
    out = np.zeros(a.shape[:-2] + (na + nb - 1, 2))
    a_any = a.sum(axis=-1)
    for k in range(nb):
        out[..., k : k + na, 0] += a[..., 0] * b[..., k, 0, None]
        out[..., k : k + na, 1] += a[..., 1] * b[..., k, 0, None] + a_any * b[..., k, 1, None]
    return out


def _convolve_all(laws: list[np.ndarray], batch: tuple[int, ...]) -> np.ndarray:
    total = np.zeros(batch + (1, 2))
    total[..., 0, 0] = 1.0
    for law in laws:
        total = _convolve(total, law)
    return total


def _leave_one_out(p_yes: np.ndarray, p_veto: np.ndarray) -> np.ndarray:
    """Count laws of the group without each member: shape ``(..., m, m, 2)`` (member, count, veto)."""
    m = p_yes.shape[-1]
    others = np.array([[j for j in range(m) if j != i] for i in range(m)], dtype=np.intp)
    others = others.reshape(m, m - 1)
    return _count_law(p_yes[..., others], p_veto[..., others])


def _decisive_weights(rest: np.ndarray, threshold: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """For ``y`` yes votes among a member's group-mates, the chance the rest of the council makes
    that member decisive: exactly ``threshold - 1`` other yes votes and no veto (ordinary member),
    or at least ``threshold - 1`` and no veto (a veto holder, whose no defeats the text alone)."""
    no_veto = rest[..., 0]  # (G, r + 1)
    r = no_veto.shape[-1] - 1
    need = threshold - 1 - np.arange(m)  # other yes votes needed from outside the group
    inside = (need >= 0) & (need <= r)
    exactly = np.where(inside, no_veto[..., np.clip(need, 0, r)], 0.0)
    at_least_table = np.cumsum(no_veto[..., ::-1], axis=-1)[..., ::-1]  # P(count >= k)
    at_least = np.where(
        need <= 0, no_veto.sum(axis=-1, keepdims=True), at_least_table[..., np.clip(need, 0, r)]
    )
    at_least = np.where(need > r, 0.0, at_least)
    return exactly, at_least


def _count_distribution(law: VoteLaw, nodes: int, *, decisive: bool):
    mood_x, mood_w = _rule(law.mood_sd, nodes)
    groups = _groups(law)
    group_laws, group_probs, group_loo = [], [], []
    for group in groups:
        shock_x, shock_w = _rule(group.shock_sd, nodes)
        shift = mood_x[:, None, None] + shock_x[None, :, None]  # (G, E, 1)
        probs = _member_probabilities(law, group.members, shift)  # (G, E, m, 4)
        p_yes, p_veto = probs[..., 0], probs[..., 1] * law.veto[group.members]
        counts = _count_law(p_yes, p_veto)  # (G, E, m + 1, 2)
        group_laws.append(np.einsum("e,geyv->gyv", shock_w, counts))
        group_probs.append(np.einsum("e,gemk->gmk", shock_w, probs))
        if decisive:
            group_loo.append((shock_w, _leave_one_out(p_yes, p_veto)))
    total_given_mood = _convolve_all(group_laws, (mood_x.size,))
    tally = mood_w @ total_given_mood.reshape(mood_x.size, -1)
    tally = tally.reshape(law.seats + 1, 2)
    vote_probs = np.zeros((law.seats, 4))
    for group, probs in zip(groups, group_probs):
        vote_probs[group.members] = np.einsum("g,gmk->mk", mood_w, probs)
    if not decisive:
        return tally, vote_probs, None
    p_decisive = np.zeros(law.seats)
    for g, (group, (shock_w, loo)) in enumerate(zip(groups, group_loo)):
        rest = _convolve_all(group_laws[:g] + group_laws[g + 1 :], (mood_x.size,))
        exactly, at_least = _decisive_weights(rest, law.threshold, group.members.size)
        weights = np.where(
            law.veto[group.members][None, :, None], at_least[:, None, :], exactly[:, None, :]
        )  # (G, member, y)
        per_node = np.einsum("gemy,gmy->gem", loo[..., 0], weights)
        p_decisive[group.members] = np.einsum("g,e,gem->m", mood_w, shock_w, per_node)
    return tally, vote_probs, p_decisive


def run_exact(law: VoteLaw, *, nodes: int = DEFAULT_NODES) -> RawOutcome:
    """Evaluate a :class:`~councilsim.votemodel.VoteLaw` exactly (up to quadrature error).

    Parameters
    ----------
    law : VoteLaw
    nodes : int
        Gauss–Hermite nodes per shock.

    Returns
    -------
    RawOutcome
        With ``error``: the change in P(adopted) and in the tally between ``nodes`` and two
        thirds as many nodes, a conservative estimate of the quadrature error.
    """
    tally, vote_probs, p_decisive = _count_distribution(law, nodes, decisive=True)
    coarse, _, _ = _count_distribution(law, max(2, (2 * nodes) // 3), decisive=False)
    error = float(np.abs(tally - coarse).sum())
    return RawOutcome(
        tally=tally,
        vote_probs=vote_probs,
        p_decisive=p_decisive,
        threshold=law.threshold,
        error=error,
        draws=None,
    )
