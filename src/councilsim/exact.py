"""Exact engine: quadrature over the shared shocks; members and blocs combined exactly.

Given the council-wide mood ``G``, blocs are independent; given also a bloc's own shock, its
members are independent. The law of the yes count of independent members is the classic dynamic
programme — adding one member multiplies the count's generating function by
``(1 - p_yes) + p_yes * z`` — and combining independent blocs is a convolution, again a product
of generating functions. councilsim carries out both in that form: it evaluates each member's
factor at the ``n = seats + 1`` roots of unity (half of them, by symmetry), so the programme over
members is one product along an array axis, the combination of blocs another, and a final
inverse real FFT returns the exact count probabilities (no aliasing: counts never exceed
``seats``). Two channels are carried: every outcome, and outcomes without a veto (a veto holder's
no contributes 0 to the second).

Integrals: the mood is integrated by the trapezoidal rule on a uniform grid whose step follows
the integrand (see :func:`_mood_rules`). A bloc's total shift ``t = mood_sd * G + sd * E``
is evaluated on one uniform grid shared by every mood node: given ``G`` it is normal with mean
``mood_sd * G``, so each node integrates the grid against its own normal kernel by the
trapezoidal rule, which converges exponentially for these smooth, fast-decaying integrands (its
step follows the narrowest scale in play). Members outside any bloc form one more group whose
only shift is the mood.

P(decisive) needs the law of everyone else's votes: the product of a member's group-mates'
factors (prefix and suffix products, no division) times the other groups' transforms, read off
at ``threshold - 1`` yes votes.

The error check integrates the same transforms with every other mood point (twice the step);
the reported bound is the total change of the tally.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
from scipy.special import ndtr

from councilsim.results import RawOutcome
from councilsim.votemodel import VoteLaw

__all__ = ["DEFAULT_NODES", "MAX_NODES", "ExactTooCostly", "quadrature_groups", "run_exact"]

#: Least number of mood points across +-8.5 standard deviations (the step is finer when the
#: integrand is sharper, see :func:`_mood_rules`).
DEFAULT_NODES = 48
#: Upper limit of ``nodes`` accepted from users.
MAX_NODES = 200
#: Grid step, as a fraction of the narrowest scale of the integrand: the trapezoidal rule's
#: error then falls like exp(-2 pi^2 / spacing^2), about 1e-19 at 2/3.
_SPACING = 2.0 / 3.0
#: Mood step as a fraction of the integrand's scale: finer than the bloc grids', so that the
#: error check (twice the step) is itself accurate and the reported bound is tight (at most
#: 1e-7 on the shipped scenarios).
_MOOD_SPACING = 0.55
#: Grids span this many standard deviations of the shock they integrate out.
_GRID_HALF_WIDTH = 8.5
#: Largest grid (mood points, or bloc points) the exact engine builds; beyond it a scenario is
#: so sharp (tiny uncertainties against large shared shocks) that Monte Carlo is the better tool.
MAX_GRID_POINTS = 4001


class ExactTooCostly(ValueError):
    """The exact engine would need an unreasonably fine grid for this scenario."""


@cache
def _roots_of_unity(seats: int) -> np.ndarray:
    # Half the (seats + 1)-th roots of unity: the rest are their conjugates.
    n = seats + 1
    return np.exp(2j * np.pi * np.arange(n // 2 + 1) / n)


def _grid_size(count: int, what: str) -> int:
    if count > MAX_GRID_POINTS:
        raise ExactTooCostly(
            f"the exact engine would need {count:,} {what} points (uncertainties are tiny "
            "next to the shared shocks); use method='monte_carlo'"
        )
    return count


def _mood_rules(
    mood_sd: float, sharpness: float, nodes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mood points, the main rule's weights and the error check's weights over them.

    The mood is integrated by the trapezoidal rule on a uniform grid, like the bloc shocks:
    for these analytic, Gaussian-weighted integrands it converges exponentially, and its step
    can follow the integrand. ``sharpness`` is sum_i mood_sd^2 / (sd_i^2 + bloc_sd_i^2), the
    squared inverse of the scale (in units of the mood's sd) on which the product of all
    members' vote probabilities varies; the step is two thirds of that scale, and at most
    17 / ``nodes``. The error check uses every other point (a rule of twice the step), so it
    costs nothing.
    """
    if mood_sd == 0.0:
        return np.zeros(1), np.ones(1), np.ones(1)
    step = min(2 * _GRID_HALF_WIDTH / nodes, _MOOD_SPACING / np.sqrt(max(sharpness, 1e-12)))
    half = 2 * int(np.ceil(_GRID_HALF_WIDTH / step / 2))  # even: the coarse rule keeps both ends
    k = np.arange(-half, _grid_size(2 * half + 1, "mood") - half)
    x = step * k
    density = np.exp(-0.5 * x**2)
    main_w = density / density.sum()
    coarse = np.where(k % 2 == 0, density, 0.0)
    return x, main_w, coarse / coarse.sum()


@dataclass(frozen=True)
class _Layout:
    """Groups padded to a common shape.

    ``members[k, j]`` is the council index of the j-th member of group k (``-1`` for padding);
    ``shift[k, p]`` the group's common utility shift at point ``p``; ``to_mood[k, g, p]`` the
    weight of point ``p`` in the integral at mood node ``g`` (0 for padding points).
    """

    members: np.ndarray
    shift: np.ndarray
    to_mood: np.ndarray

    def integrate(self, values: np.ndarray) -> np.ndarray:
        """Integrate each group's own shock out: ``(K, P, ...)`` to ``(K, mood nodes, ...)``."""
        return _real_matmul(self.to_mood, values)


def _real_matmul(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Return ``weights @ values`` over the second axis, for real weights and complex values.

    The values are viewed as real pairs, which halves the work of a complex product.
    """
    flat = np.ascontiguousarray(values).reshape(values.shape[:2] + (-1,))
    out = weights @ flat.view(np.float64)
    return out.view(complex).reshape(weights.shape[:2] + values.shape[2:])


def _layouts(law: VoteLaw, nodes: int) -> tuple[tuple[_Layout, ...], np.ndarray, np.ndarray]:
    """Quadrature layouts (padded batches of groups) and the two rules' mood weights.

    Cached: sweeps and negotiations evaluate many drafts of one scenario, whose layout depends
    only on the structure of the shocks.
    """
    shared = np.append(law.bloc_sd, 0.0)[law.bloc]  # bloc -1 (none) picks the appended 0
    sharpness = float(np.sum(law.mood_sd**2 / (law.sd**2 + shared**2)))
    return _cached_layout(
        nodes, law.mood_sd, round(sharpness, 12), tuple(law.bloc_sd), tuple(law.bloc),
        tuple(law.sd),
    )


@lru_cache(maxsize=64)
def _cached_layout(
    nodes: int,
    mood_sd: float,
    sharpness: float,
    bloc_sd: tuple[float, ...],
    bloc: tuple[int, ...],
    sd: tuple[float, ...],
) -> tuple[tuple[_Layout, ...], np.ndarray, np.ndarray]:
    mood_x, main_w, check_w = _mood_rules(mood_sd, sharpness, nodes)
    bloc_of, member_sd = np.asarray(bloc, dtype=np.intp), np.asarray(sd)
    mood_shift = mood_sd * mood_x
    groups = []  # (members, shift points, (mood nodes, points) weights)
    for b, shock_sd in enumerate(bloc_sd):
        members = np.flatnonzero(bloc_of == b)
        if shock_sd == 0.0 or not members.size:
            continue
        # A product of m members' vote probabilities varies on a scale about sqrt(m) times
        # finer than each factor (its Fourier transform is an m-fold convolution).
        step = _SPACING * min(shock_sd, member_sd[members].min() / np.sqrt(members.size))
        low = mood_shift.min() - _GRID_HALF_WIDTH * shock_sd
        span = mood_shift.max() + _GRID_HALF_WIDTH * shock_sd - low
        count = _grid_size(int(np.ceil(span / step)) + 1, "bloc-shock")
        grid = low + step * np.arange(count)
        kernel = np.exp(-0.5 * ((grid - mood_shift[:, None]) / shock_sd) ** 2)
        groups.append((members, grid, kernel * (step / (shock_sd * np.sqrt(2.0 * np.pi)))))
    free = [i for i, b in enumerate(bloc) if b < 0 or bloc_sd[b] == 0.0]
    if free:
        groups.append((np.asarray(free), mood_shift, np.eye(mood_shift.size)))
    for array in (main_w, check_w):
        array.flags.writeable = False  # shared through the cache
    return tuple(_padded(batch, mood_shift.size) for batch in _batches(groups)), main_w, check_w


def _batches(groups: list) -> list[list]:
    """Split groups into batches whose padding at most doubles their work.

    One batch means fewest numpy calls, but every group is padded to the largest member count
    and point count; a big bloc padded with small ones would multiply the work.
    """
    batches: list[list] = []
    for group in sorted(groups, key=lambda g: g[0].size * g[1].size, reverse=True):
        for batch in batches:
            if _padded_size(batch + [group]) <= 2 * sum(_padded_size([g]) for g in batch + [group]):
                batch.append(group)
                break
        else:
            batches.append([group])
    return batches


def _padded_size(groups: list) -> int:
    return len(groups) * max(m.size for m, _, _ in groups) * max(s.size for _, s, _ in groups)


def _padded(groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]], moods: int) -> _Layout:
    size = max(members.size for members, _, _ in groups)
    points = max(shift.size for _, shift, _ in groups)
    member_table = np.full((len(groups), size), -1, dtype=np.intp)
    shift_table = np.zeros((len(groups), points))
    to_mood = np.zeros((len(groups), moods, points))
    for k, (members, shift, weights) in enumerate(groups):
        member_table[k, : members.size] = members
        shift_table[k, : shift.size] = shift
        to_mood[k, :, : shift.size] = weights
    for array in (member_table, shift_table, to_mood):
        array.flags.writeable = False  # shared through the cache
    return _Layout(member_table, shift_table, to_mood)


def quadrature_groups(
    law: VoteLaw, nodes: int = DEFAULT_NODES
) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray]], np.ndarray]:
    """The exact engine's quadrature, for analyses that need more than the count law.

    Returns ``(groups, weights)``: for each group of conditionally independent members,
    ``(members, shift, to_mood)`` — council indices, the group's utility shift at each point,
    and the ``(mood nodes, points)`` weights integrating the group's own shock out — and the
    mood nodes' weights. Given a mood node, groups are independent; given a point, members are.
    """
    layouts, main_w, _ = _layouts(law, nodes)
    groups = []
    for layout in layouts:
        for k, members in enumerate(layout.members):
            valid = members >= 0
            points = np.flatnonzero(layout.to_mood[k].any(axis=0))
            groups.append((members[valid], layout.shift[k, points], layout.to_mood[k][:, points]))
    return groups, main_w


def _member_probabilities(law: VoteLaw, layout: _Layout) -> np.ndarray:
    """P(yes) and P(no) of every member at every point: shape ``(2, groups, points, size)``.

    Abstention and absence need no array: absence does not depend on the shocks, and
    abstention is what is left. Padding members never vote, so they never change a count.
    """
    idx = layout.members
    utility = law.mean[idx][:, None, :] + layout.shift[:, :, None]
    sd = law.sd[idx][:, None, :]
    voting = ((1.0 - law.p_absent[idx]) * ~(law.obliged_abstain[idx] | (idx < 0)))[:, None, :]
    return voting * ndtr(np.stack([utility - law.yes_above[idx][:, None, :],
                                   law.no_below[idx][:, None, :] - utility]) / sd)


def _exclusive_products(factors: np.ndarray) -> np.ndarray:
    """For each entry along the first axis, the product of all the others (no division).

    Prefix products forward, then suffix products backward; explicit loops over the (short)
    first axis beat ``np.cumprod``, which accumulates complex numbers element by element.
    """
    out = np.empty_like(factors)
    out[0] = 1.0
    for i in range(1, len(factors)):
        np.multiply(out[i - 1], factors[i - 1], out=out[i])
    suffix = factors[-1].copy()
    for i in range(len(factors) - 2, -1, -1):
        out[i] *= suffix
        suffix *= factors[i]
    return out


def _counts(transform: np.ndarray, seats: int) -> np.ndarray:
    """Count probabilities (0..seats) from a generating function at the half roots of unity."""
    return np.fft.irfft(np.conj(transform), n=seats + 1, axis=-1)


def _evaluate(law: VoteLaw, nodes: int, *, decisive: bool = True):
    """Tally, vote probabilities, P(decisive) under the main rule; the tally under the check.

    ``decisive=False`` skips P(decisive) (returned as None), about half the work.
    """
    seats, threshold = law.seats, law.threshold
    layouts, main_w, check_w = _layouts(law, nodes)
    z = _roots_of_unity(seats)
    vote_probs, p_decisive = np.zeros((seats, 4)), np.zeros(seats)
    batches = [_batch_transforms(law, layout, z, main_w, vote_probs) for layout in layouts]
    group = np.concatenate([b.group for b in batches])  # (K, G, 2, H)
    council = group.prod(axis=0)  # (G, 2, H): blocs combined
    tally, check = (
        _tally(_counts(np.tensordot(weights, council, axes=1), seats))
        for weights in (main_w, check_w)
    )
    if not decisive:
        return tally, check, vote_probs, None
    # Everyone but member i: its group-mates (at its group's points) times the other groups
    # (at each mood node). Integrating the other groups against the kernel first leaves one
    # weight per point, so the group-mates' products are only multiplied and summed.
    starts = np.cumsum([len(batch.group) for batch in batches])[:-1]
    others = np.split(_exclusive_products(group[:, :, 0]), starts)
    for layout, batch, outside_groups in zip(layouts, batches, others, strict=True):
        kernel = (layout.to_mood * main_w[:, None]).transpose(0, 2, 1)
        outside = _real_matmul(kernel, outside_groups)  # (K, P, H)
        mates = _exclusive_products(batch.no_veto)
        transform = (mates * outside).sum(axis=2).transpose(1, 0, 2)
        without_veto = _counts(transform, seats)  # (K, M, counts): others' yes, no veto
        exactly = without_veto[..., threshold - 1]
        at_least = without_veto[..., threshold - 1 :].sum(axis=-1)
        decisive = np.where(batch.is_veto, at_least, exactly)
        valid = layout.members >= 0
        p_decisive[layout.members[valid]] = decisive[valid]
    return tally, check, vote_probs, p_decisive


@dataclass(frozen=True)
class _Batch:
    no_veto: np.ndarray  # (M, K, P, H): members' factors, channel without a veto
    group: np.ndarray  # (K, G, 2, H): groups' transforms, their own shock integrated out
    is_veto: np.ndarray  # (K, M)


def _batch_transforms(
    law: VoteLaw, layout: _Layout, z: np.ndarray, main_w: np.ndarray, vote_probs: np.ndarray
) -> _Batch:
    """Members' factors and groups' transforms of one batch; fills its members' vote_probs."""
    probs = _member_probabilities(law, layout)  # (2, K, P, M): yes, no
    valid = layout.members >= 0
    is_veto = law.veto[layout.members] & valid  # (K, M)
    # Members first, so products over members run along contiguous memory: (M, K, P, 1).
    p_yes = np.moveaxis(probs[0], -1, 0)[..., None]
    p_veto = np.moveaxis(probs[1] * is_veto[:, None, :], -1, 0)[..., None]
    # Each member's factor at every root, built from real parts (cheaper than complex
    # broadcasting): channel "no veto" is (1 - p_yes - p_veto) + p_yes z, channel "any" adds
    # p_veto back.
    no_veto = np.empty(p_yes.shape[:-1] + z.shape, dtype=complex)
    no_veto.real = (1.0 - p_yes - p_veto) + p_yes * z.real
    no_veto.imag = p_yes * z.imag
    any_outcome = no_veto.copy()
    any_outcome.real += p_veto
    group_at_points = np.stack([no_veto.prod(axis=0), any_outcome.prod(axis=0)], axis=2)
    point_w = main_w @ layout.to_mood  # (K, P): each point's weight in the main rule
    yes_no = (probs * point_w[:, :, None]).sum(axis=2).transpose(1, 2, 0)  # (K, M, 2)
    members = layout.members[valid]
    absent = law.p_absent[members]
    vote_probs[members, :2] = yes_no[valid]
    vote_probs[members, 3] = absent
    vote_probs[members, 2] = np.clip(1.0 - absent - yes_no[valid].sum(axis=-1), 0.0, None)
    return _Batch(no_veto, layout.integrate(group_at_points), is_veto)


def _tally(joint: np.ndarray) -> np.ndarray:
    """``tally[k, v]``: P(k yes votes, vetoed = v) from the (no veto, any) count laws."""
    return np.stack([joint[0], joint[1] - joint[0]], axis=-1)


def run_exact(law: VoteLaw, *, nodes: int = DEFAULT_NODES, decisive: bool = True) -> RawOutcome:
    """Evaluate a :class:`~councilsim.votemodel.VoteLaw` exactly, up to quadrature error.

    Parameters
    ----------
    law : VoteLaw
    nodes : int
        Least number of points of the mood grid (more when the integrand is sharp).
    decisive : bool
        Also compute each member's P(decisive); False (for sweeps and searches that need only
        the tally and the vote probabilities) leaves ``p_decisive`` None and halves the work.

    Returns
    -------
    RawOutcome
        With ``error``: the total change of the tally when every other mood point is dropped,
        an estimate of the coarser rule's error and so an over-statement of this one's.

    Raises
    ------
    ExactTooCostly
        When a grid would need more than :data:`MAX_GRID_POINTS` points.
    """
    tally, check, vote_probs, p_decisive = _evaluate(law, nodes, decisive=decisive)
    # Round-off of the transforms can leave -1e-17 where a probability is 0.
    np.clip(tally, 0.0, 1.0, out=tally)
    if p_decisive is not None:
        np.clip(p_decisive, 0.0, 1.0, out=p_decisive)
    return RawOutcome(
        tally=tally,
        vote_probs=vote_probs,
        p_decisive=p_decisive,
        threshold=law.threshold,
        error=float(np.abs(tally - np.clip(check, 0.0, 1.0)).sum()),
        draws=None,
    )

