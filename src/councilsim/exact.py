"""Exact engine: quadrature over the shared shocks; members and blocs combined exactly.

Given the council-wide mood ``G``, blocs are independent; given also a bloc's own shock, its
members are independent. The law of the yes count of independent members is the classic dynamic
programme — adding one member multiplies the count's generating function by
``(1 - p_yes) + p_yes * z`` — and combining independent blocs is a convolution, again a product
of generating functions. councilsim carries out both in that form: it evaluates each member's
factor at the ``n = seats + 1`` roots of unity (half of them, by symmetry), so the programme over
members is one product along an array axis, the combination of blocs another, and a final
inverse real discrete Fourier transform returns the exact count probabilities (no aliasing:
counts never exceed ``seats``; at this size it is one small matrix product). Two channels are
carried: every outcome, and outcomes without a veto holder's no (which contributes 0 to the
second). A veto, as the Council counts it, is a holder's no on a text with the required yes
votes: the second channel's complement at or above the threshold, and per holder
P(its no) times P(the others reach the threshold) (:func:`_p_veto`).

Integrals: the mood is integrated by the trapezoidal rule on a uniform grid whose step follows
the integrand (see :func:`_mood_rules`). A bloc's total shift ``t = mood_sd * G + sd * E``
is evaluated on one uniform grid shared by every mood node: given ``G`` it is normal with mean
``mood_sd * G``, so each node integrates the grid against its own normal kernel by the
trapezoidal rule, which converges exponentially for these smooth, fast-decaying integrands (its
step follows the narrowest scale in play). Members outside any bloc form one more group whose
only shift is the mood.

A bloc whose members load on its shock with different loadings (signed ones among them: one
side's shock is the other's opposite) has no single shared shift: member ``i`` moves by
``mood_sd * G + loading_i * sd * E``. Its points are then the pairs (mood node, ``E`` point) of
a product grid, with ``E`` on a uniform grid of its own (the trapezoidal rule again, its step
following the narrowest scale ``sd_i / |loading_i * sd|``): each point carries a common shift
(the mood's) and a spread (``sd * E``) that each member scales by its loading. A bloc whose
members all share one loading ``l`` is the plain case with the shock's sd scaled by ``|l|``.

P(decisive) needs the law of everyone else's votes: the product of a member's group-mates'
factors (prefix and suffix products, no division) times the other groups' transforms, read off
at ``threshold - 1`` yes votes.

Many laws sharing the structure of their shocks (the drafts of one scenario) can be evaluated
together (:func:`run_exact_many`): every array carries a leading axis over the laws, and each
law's numbers are computed by the same arithmetic whatever its batch.

The error check integrates the same transforms with every other and every fourth mood point
(twice and four times the step); the reported error extrapolates the total change of the tally
between the three rules (:func:`_error_estimates`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
from scipy.special import ndtr

from councilsim.errors import EngineLimitError
from councilsim.outcome import RawOutcome
from councilsim.votemodel import VoteLaw

__all__ = [
    "BATCH_LAWS", "DEFAULT_NODES", "MAX_NODES", "ExactTooCostly", "quadrature_groups", "run_exact",
    "run_exact_many",
]

#: Least number of mood points across +-8.5 standard deviations (the step is finer when the
#: integrand is sharper, see :func:`_mood_rules`).
DEFAULT_NODES = 48
#: Upper limit of ``nodes`` accepted from users.
MAX_NODES = 200
#: Grid step, as a fraction of the narrowest scale of the integrand: the trapezoidal rule's
#: error then falls like exp(-2 pi^2 / spacing^2), about 1e-19 at 2/3.
_SPACING = 2.0 / 3.0
#: Mood step as a fraction of the integrand's scale. The error is estimated from the rules of
#: twice and four times the step (:func:`_error_estimates`), so the main rule need not be fine
#: enough for a twice-coarser rule to be accurate too (the previous design's 0.55). At 0.9 the
#: estimate covers the change against a grid five times finer and stays below 1e-9 on 40 random
#: 15-seat laws (``test_reported_error_covers_the_difference_to_a_much_finer_mood_grid``), and
#: is at most 1e-13 on the shipped scenarios (``tests/integration/test_readme_claims.py``).
_MOOD_SPACING = 0.9
#: Safety factor on the extrapolated error estimate, and the round-off floor of the tally's
#: total change (a sum of about 30 probabilities, each a sum of hundreds of terms).
_ERROR_SAFETY = 10.0
_ERROR_FLOOR = 1e-13
#: Grids span this many standard deviations of the shock they integrate out.
_GRID_HALF_WIDTH = 8.5
#: Largest grid (mood points, or bloc points) the exact engine builds; beyond it a scenario is
#: so sharp (tiny uncertainties against large shared shocks) that Monte Carlo is the better tool.
MAX_GRID_POINTS = 4001


class ExactTooCostly(EngineLimitError, ValueError):
    """The exact engine would need an unreasonably fine grid for this scenario.

    Also a ``ValueError``, as it was before the error hierarchy, so that existing handlers work.
    """


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


def _mood_rules(mood_sd: float, sharpness: float, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Mood points and the weights over them, ``(3, points)``: the main rule, then two checks.

    The mood is integrated by the trapezoidal rule on a uniform grid, like the bloc shocks:
    for these analytic, Gaussian-weighted integrands it converges exponentially, and its step
    can follow the integrand. ``sharpness`` is sum_i mood_sd^2 / (sd_i^2 + bloc_sd_i^2), the
    squared inverse of the scale (in units of the mood's sd) on which the product of all
    members' vote probabilities varies; with the mood's own Gaussian weight the integrand varies
    on the scale ``1 / sqrt(1 + sharpness)``. The step is :data:`_MOOD_SPACING` times that
    scale, and at most 17 / ``nodes``. The error checks use every other and every fourth
    point (rules of twice and four times the step), so they cost nothing.
    """
    if mood_sd == 0.0:
        return np.zeros(1), np.ones((3, 1))
    step = min(2 * _GRID_HALF_WIDTH / nodes, _MOOD_SPACING / np.sqrt(1.0 + sharpness))
    # A multiple of 4: both coarser rules keep both ends.
    half = 4 * int(np.ceil(_GRID_HALF_WIDTH / step / 4))
    k = np.arange(-half, _grid_size(2 * half + 1, "mood") - half)
    x = step * k
    density = np.exp(-0.5 * x**2)
    rules = np.stack([np.where(k % every == 0, density, 0.0) for every in (1, 2, 4)])
    return x, rules / rules.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class _Layout:
    """A batch of groups padded to a common shape, with everything that depends on it alone.

    ``members[k, j]`` is the council index of the j-th member of group k (``-1`` for padding);
    ``gather`` the same with padding pointing at the extra column of the parameter table (see
    :func:`_parameters`); ``shift[k, p]`` the group's common utility shift at point ``p``;
    ``to_mood[k, g, p]`` the weight of point ``p`` in the integral at mood node ``g`` (0 for
    padding points); ``point_w[k, p]`` the weight of point ``p`` in the whole integral (main
    rule); ``kernel[k, p, g]`` that weight split by mood node.

    A bloc with several loadings has a layout of its own (``K = 1``) on the product grid: point
    ``p = g * J + j`` pairs mood node ``g`` with shock point ``j``; ``spread[0, p]`` is the
    shock there, which each member scales by its share (loading times the bloc's sd), and
    ``shock_w`` the ``J`` shock weights. ``to_mood`` and ``kernel`` are then None: they are
    block-diagonal, so the engine applies ``shock_w`` by reshaping instead.
    """

    members: np.ndarray
    gather: np.ndarray
    shift: np.ndarray
    to_mood: np.ndarray | None
    point_w: np.ndarray
    kernel: np.ndarray | None
    spread: np.ndarray | None = None
    shock_w: np.ndarray | None = None


@dataclass(frozen=True)
class _Structure:
    """What the exact engine precomputes for laws sharing the structure of their shocks."""

    layouts: tuple[_Layout, ...]
    weights: np.ndarray  # (3, mood nodes): the main rule and the two error checks


def _real_matmul(weights: np.ndarray, values: np.ndarray, axis: int) -> np.ndarray:
    """Return ``weights @ values`` contracting ``values``' axis ``axis`` (its last axes are kept).

    The weights are real and the values complex: the values are viewed as real pairs, which
    halves the work of a complex product.
    """
    flat = np.ascontiguousarray(values).reshape(values.shape[: axis + 1] + (-1,))
    out = np.matmul(weights, flat.view(np.float64))
    return out.view(complex).reshape(out.shape[:-1] + values.shape[axis + 1 :])


def _structure(law: VoteLaw, nodes: int) -> _Structure:
    """The cached :class:`_Structure` of ``law``'s shocks.

    Sweeps, comparisons and negotiations evaluate many drafts of one scenario: their laws differ
    in means and cut-offs, not in how the shocks are laid out.
    """
    return _cached_structure(
        nodes, law.mood_sd, law.sd.tobytes(), law.bloc.astype(np.intp).tobytes(),
        law.bloc_sd.tobytes(), law.loading.tobytes(),
    )


@lru_cache(maxsize=64)
def _cached_structure(
    nodes: int, mood_sd: float, sd_bytes: bytes, bloc_bytes: bytes, bloc_sd_bytes: bytes,
    loading_bytes: bytes,
) -> _Structure:
    member_sd = np.frombuffer(sd_bytes)
    bloc_of = np.frombuffer(bloc_bytes, dtype=np.intp)
    bloc_sd = np.frombuffer(bloc_sd_bytes)
    loading = np.frombuffer(loading_bytes)
    # Each member's share of its bloc's shock; bloc -1 (none) picks the appended 0.
    shared = np.append(bloc_sd, 0.0)[bloc_of] * loading
    # A bloc shock smooths the integrand along the mood only when it moves the bloc's members
    # alike; with several loadings, each member counts at its own sd.
    shocked = [np.flatnonzero((bloc_of == b) & (shared != 0.0)) for b in range(bloc_sd.size)]
    loaded = [np.unique(loading[members]).size > 1 for members in shocked]
    smoothing = np.where(np.append(loaded, False)[bloc_of], 0.0, shared)
    sharpness = float(np.sum(mood_sd**2 / (member_sd**2 + smoothing**2)))
    mood_x, weights = _mood_rules(mood_sd, sharpness, nodes)
    main_w = weights[0]
    mood_shift = mood_sd * mood_x
    groups = []  # (members, shift points, spread points or None, (mood nodes, points) weights)
    for members, several_loadings in zip(shocked, loaded, strict=True):
        if not members.size:
            continue
        if several_loadings:
            groups.append(_loaded_group(members, member_sd, shared, mood_shift))
            continue
        # One loading l for all: the plain case, with the shock's sd scaled by |l|.
        shock_sd = abs(shared[members[0]])
        # A product of members' vote probabilities varies on the scale
        # 1 / sqrt(sum_i 1 / sd_i^2), finer than any factor's (as for the mood's sharpness).
        step = _SPACING * min(shock_sd, 1.0 / np.sqrt(np.sum(member_sd[members] ** -2.0)))
        low = mood_shift.min() - _GRID_HALF_WIDTH * shock_sd
        span = mood_shift.max() + _GRID_HALF_WIDTH * shock_sd - low
        count = _grid_size(int(np.ceil(span / step)) + 1, "bloc-shock")
        grid = low + step * np.arange(count)
        kernel = np.exp(-0.5 * ((grid - mood_shift[:, None]) / shock_sd) ** 2)
        groups.append(
            (members, grid, None, kernel * (step / (shock_sd * np.sqrt(2.0 * np.pi))))
        )
    free = np.flatnonzero(shared == 0.0)
    if free.size:
        groups.append((free, mood_shift, None, np.eye(mood_shift.size)))
    plain = [group for group in groups if group[2] is None]
    layouts = tuple(_padded(batch, main_w, member_sd.size) for batch in _batches(plain)) + tuple(
        _product_layout(group, main_w, member_sd.size) for group in groups if group[2] is not None
    )
    weights.flags.writeable = False  # shared through the cache
    return _Structure(layouts, weights)


def _loaded_group(
    members: np.ndarray, member_sd: np.ndarray, shared: np.ndarray, mood_shift: np.ndarray
) -> tuple:
    """A bloc with several loadings, on the product grid (mood node, shock point).

    ``shared`` holds each member's ``loading * sd``; the spread is the standard shock ``E`` and
    member ``i`` moves by ``shift + shared_i * E``.
    """
    # As for plain blocs and the mood: the product varies on the scale
    # 1 / sqrt(sum_i (share_i / sd_i)^2) along E.
    scale = 1.0 / np.sqrt(np.sum((shared[members] / member_sd[members]) ** 2))
    step = _SPACING * min(1.0, scale)
    half = int(np.ceil(_GRID_HALF_WIDTH / step))
    e = step * np.arange(-half, _grid_size(2 * half + 1, "bloc-shock") - half)
    e_w = np.exp(-0.5 * e**2)
    e_w /= e_w.sum()
    return members, np.repeat(mood_shift, e.size), np.tile(e, mood_shift.size), e_w


def _product_layout(group: tuple, main_w: np.ndarray, seats: int) -> _Layout:
    members, shift, spread, shock_w = group
    layout = _Layout(
        members=members[None, :],
        gather=members[None, :],
        shift=shift[None, :],
        to_mood=None,
        point_w=np.outer(main_w, shock_w).reshape(1, -1),
        kernel=None,
        spread=spread[None, :],
        shock_w=shock_w,
    )
    for array in vars(layout).values():
        if array is not None:
            array.flags.writeable = False  # shared through the cache
    return layout


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
    return len(groups) * max(g[0].size for g in groups) * max(g[1].size for g in groups)


def _padded(groups: list, main_w: np.ndarray, seats: int) -> _Layout:
    size = max(g[0].size for g in groups)
    points = max(g[1].size for g in groups)
    member_table = np.full((len(groups), size), -1, dtype=np.intp)
    shift_table = np.zeros((len(groups), points))
    to_mood = np.zeros((len(groups), main_w.size, points))
    for k, (members, shift, _, weights) in enumerate(groups):
        member_table[k, : members.size] = members
        shift_table[k, : shift.size] = shift
        to_mood[k, :, : shift.size] = weights
    by_mood = to_mood * main_w[:, None]
    layout = _Layout(
        members=member_table,
        gather=np.where(member_table < 0, seats, member_table),
        shift=shift_table,
        to_mood=to_mood,
        point_w=by_mood.sum(axis=1),
        kernel=by_mood.transpose(0, 2, 1).copy(),
    )
    for array in vars(layout).values():
        if array is not None:
            array.flags.writeable = False  # shared through the cache
    return layout


def quadrature_groups(
    law: VoteLaw, nodes: int = DEFAULT_NODES
) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray]], np.ndarray]:
    """The exact engine's quadrature, for analyses that need more than the count law.

    Returns ``(groups, weights)``: for each group of conditionally independent members,
    ``(members, shift, to_mood)`` — council indices, each member's utility shift at each
    point ``(points, members)``, and the ``(mood nodes, points)`` weights integrating the
    group's own shock out — and the mood nodes' weights. Given a mood node, groups are
    independent; given a point, members are.
    """
    structure = _structure(law, nodes)
    groups = []
    for layout in structure.layouts:
        to_mood = layout.to_mood
        if to_mood is None:  # the product grid: node g weighs its own shock points only
            to_mood = np.kron(np.eye(structure.weights.shape[1]), layout.shock_w)[None]
        for k, members in enumerate(layout.members):
            members = members[members >= 0]
            points = np.flatnonzero(to_mood[k].any(axis=0))
            shift = np.repeat(layout.shift[k, points, None], members.size, axis=1)
            if layout.spread is not None:
                shift += _member_shares(law, members) * layout.spread[k, points, None]
            groups.append((members, shift, to_mood[k][:, points]))
    return groups, structure.weights[0]


def _member_shares(law: VoteLaw, members: np.ndarray) -> np.ndarray:
    """Each member's ``loading * bloc sd``: what a unit of its bloc's spread moves it by."""
    return np.append(law.bloc_sd, 0.0)[law.bloc[members]] * law.loading[members]


# Rows of the parameter table built by _parameters.
_MEAN, _YES_ABOVE, _NO_BELOW, _SD, _VOTING, _VETO, _ABSENT, _SHARE = range(8)


def _parameters(laws: Sequence[VoteLaw]) -> np.ndarray:
    """Members' parameters, ``(8, laws, seats + 1)``; the last column serves padding.

    ``_VOTING`` is the chance that a member casts a vote (present and not obliged to abstain);
    the padding column never votes, so it never changes a count. ``_SHARE`` is what a unit of
    its group's spread moves a member by (its loading times its bloc's sd).
    """
    seats = laws[0].seats
    table = np.zeros((8, len(laws), seats + 1))
    table[_SD, :, seats] = 1.0
    for d, law in enumerate(laws):
        table[:, d, :seats] = (
            law.mean, law.yes_above, law.no_below, law.sd,
            (1.0 - law.p_absent) * ~law.obliged_abstain, law.veto, law.p_absent,
            _member_shares(law, np.arange(seats)),
        )
    return table


_WORKSPACE = threading.local()
#: Largest work array kept for reuse (a single law's product grid needs a few megabytes).
_REUSED_BYTES = 8 * 2**20


def _buffer(layout: _Layout, name: str, shape: tuple, dtype=np.float64) -> np.ndarray:
    """An uninitialised array, reused across calls for product-grid layouts.

    A product grid's arrays run to megabytes; allocated afresh on every call, the allocator
    can hand the memory back to the system each time, and touching it again costs page faults
    that, on a busy machine, made one evaluation several times slower. Plain layouts' arrays are
    small and are allocated as usual, and so are arrays above :data:`_REUSED_BYTES` (batches of
    many laws), which the store would keep alive. One store per thread, so concurrent calls
    never share.
    """
    if layout.shock_w is None or np.prod(shape) * np.dtype(dtype).itemsize > _REUSED_BYTES:
        return np.empty(shape, dtype)
    store = getattr(_WORKSPACE, "arrays", None)
    if store is None:
        store = _WORKSPACE.arrays = {}
    key = (id(layout), name, shape, np.dtype(dtype).char)
    array = store.get(key)
    if array is None:
        if len(store) >= 64:
            store.clear()
        array = store[key] = np.empty(shape, dtype)
    return array


def _probabilities(members: np.ndarray, layout: _Layout) -> np.ndarray:
    """P(yes) and P(no) of every member of a batch at every point: ``(2, laws, K, M, P)``.

    ``members`` is the parameter table gathered for the batch, ``(8, laws, K, M)``.
    Abstention and absence need no array: absence does not depend on the shocks, and
    abstention is what is left.
    """
    shape = members.shape[1:] + layout.shift.shape[-1:]
    utility = _buffer(layout, "utility", shape)  # (laws, K, M, P)
    np.add(members[_MEAN][..., None], layout.shift[:, None], out=utility)
    if layout.spread is not None:
        spread = _buffer(layout, "spread", shape)
        np.multiply(members[_SHARE][..., None], layout.spread[:, None], out=spread)
        utility += spread
    scores = _buffer(layout, "scores", (2,) + shape)
    np.subtract(utility, members[_YES_ABOVE][..., None], out=scores[0])
    np.subtract(members[_NO_BELOW][..., None], utility, out=scores[1])
    scores /= members[_SD][..., None]
    ndtr(scores, out=scores)
    scores *= members[_VOTING][..., None]
    return scores


def _factors(probs: np.ndarray, veto: np.ndarray, z: np.ndarray, layout: _Layout) -> np.ndarray:
    """Each member's generating-function factor at each root: ``(2, laws, K, M, P, H)``.

    Channel 0 counts outcomes without a veto: ``(1 - p_yes - p_veto) + p_yes z``; channel 1
    every outcome, so adds ``p_veto`` back. Channels first, so that each is contiguous.
    """
    p_yes, p_no = probs[..., None]
    p_veto = _buffer(layout, "p_veto", p_no.shape)
    np.multiply(p_no, veto[..., None, None], out=p_veto)
    factors = _buffer(layout, "factors", (2,) + p_yes.shape[:-1] + z.shape, complex)
    np.multiply(p_yes, z, out=factors[0])
    neither = _buffer(layout, "neither", p_yes.shape)
    np.subtract(1.0, p_yes, out=neither)
    neither -= p_veto
    factors[0] += neither
    np.add(factors[0], p_veto, out=factors[1])
    return factors


def _exclusive_products(factors: np.ndarray, axis: int, layout: _Layout | None = None
                        ) -> np.ndarray:
    """For each entry along ``axis``, the product of all the others (no division).

    Prefix products forward, then suffix products backward; explicit loops over the (short)
    axis beat ``np.cumprod``, which accumulates complex numbers element by element. With a
    ``layout``, its work arrays are reused (:func:`_buffer`).
    """
    at = (slice(None),) * axis
    size = factors.shape[axis]
    if layout is None:
        out = np.empty_like(factors)
        suffix = factors[at + (size - 1,)].copy()
    else:
        out = _buffer(layout, "mates", factors.shape, factors.dtype)
        suffix = _buffer(layout, "suffix", factors[at + (size - 1,)].shape, factors.dtype)
        suffix[...] = factors[at + (size - 1,)]
    out[at + (0,)] = 1.0
    for i in range(1, size):
        np.multiply(out[at + (i - 1,)], factors[at + (i - 1,)], out=out[at + (i,)])
    for i in range(size - 2, -1, -1):
        out[at + (i,)] *= suffix
        suffix *= factors[at + (i,)]
    return out


def _counts(transform: np.ndarray, seats: int) -> np.ndarray:
    """Count probabilities (0..seats) from a generating function at the half roots of unity.

    The inverse real DFT of a law of at most ``seats + 1`` counts, done as one small real
    matrix product (:func:`_inverse_dft`): at this size numpy's FFT costs far more in call
    overhead than the arithmetic.
    """
    return np.ascontiguousarray(transform).view(np.float64) @ _inverse_dft(seats)


@cache
def _inverse_dft(seats: int) -> np.ndarray:
    """``(2 H, n)`` real matrix taking ``G(z_h)`` (as real pairs) to the coefficients of ``G``.

    With ``n = seats + 1`` and ``G(z) = sum_k c_k z^k`` real, ``c_k = (1/n) sum_h w_h Re(G(z_h)
    z_h^-k)`` over the half roots ``z_h = exp(2 pi i h / n)``, where ``w_h`` is 1 for ``h = 0``
    (and ``h = n / 2``) and 2 for the others, which stand for their conjugates.
    """
    n = seats + 1
    h = np.arange(n // 2 + 1)[:, None]
    angle = 2.0 * np.pi * h * np.arange(n) / n
    weight = np.where((h == 0) | (2 * h == n), 1.0, 2.0) / n
    matrix = np.stack([weight * np.cos(angle), weight * np.sin(angle)], axis=1).reshape(-1, n)
    matrix.flags.writeable = False  # shared through the cache
    return matrix


@cache
def _decisive_readout(seats: int, threshold: int) -> np.ndarray:
    """``(H, 2)`` complex weights reading P(T - 1) and P(at least T - 1) off a transform.

    ``T`` is the threshold. A coefficient is ``c_k = sum_h Re(G(z_h)) A_hk + Im(G(z_h)) B_hk``
    (:func:`_inverse_dft`), that is ``Re(sum_h G(z_h) (A_hk - i B_hk))``; sums of coefficients
    sum the weights.
    """
    matrix = _inverse_dft(seats)
    weights = matrix[0::2] - 1j * matrix[1::2]  # (H, counts)
    readout = np.stack([weights[:, threshold - 1], weights[:, threshold - 1 :].sum(axis=1)], 1)
    readout.flags.writeable = False  # shared through the cache
    return readout


def _integrate_group_shocks(layout: _Layout, products: np.ndarray) -> np.ndarray:
    """Integrate each group's own shock out: ``(..., K, P, H)`` to ``(..., K, G, H)``."""
    if layout.shock_w is None:
        return _real_matmul(layout.to_mood, products, axis=products.ndim - 2)
    # Product grid: points (g, j) -> sum_j shock_w[j] * value[g, j], on real pairs.
    nodes = layout.point_w.shape[1] // layout.shock_w.size
    by_node = products.reshape(products.shape[:-2] + (nodes, layout.shock_w.size, -1))
    flat = np.ascontiguousarray(by_node).view(np.float64)
    return np.ascontiguousarray(layout.shock_w @ flat).view(complex)


def _evaluate(laws: Sequence[VoteLaw], nodes: int, decisive: bool):
    """Tallies, vote probabilities, veto probabilities and P(decisive) of laws of one structure.

    Every array has a leading axis over the laws; tallies are ``(laws, rule, yes count,
    a veto holder voted no)`` for the main rule and the error checks; veto probabilities are
    :func:`_p_veto`'s. ``decisive=False`` skips P(decisive)
    (returned as None), about 40% of the work on the flagship. Each law's numbers depend on
    that law alone: the arithmetic on its slice is the same in any batch.
    """
    seats, threshold = laws[0].seats, laws[0].threshold
    structure = _structure(laws[0], nodes)
    z = _roots_of_unity(seats)
    table = _parameters(laws)
    vote_probs = np.zeros((len(laws), seats + 1, 4))  # the last row takes padding
    council = 1.0
    batches, holders = [], []
    for layout in structure.layouts:
        members = table[:, :, layout.gather]  # (8, laws, K, M)
        probs = _probabilities(members, layout)  # (2, laws, K, M, P)
        factors = _factors(probs, members[_VETO], z, layout)  # (2, laws, K, M, P, H)
        # Members' product at each point, then each group's own shock integrated out.
        product = _buffer(layout, "product", factors.shape[:3] + factors.shape[4:], complex)
        np.prod(factors, axis=3, out=product)
        groups = _integrate_group_shocks(layout, product)  # (2, laws, K, G, H)
        council = council * groups.prod(axis=2)  # (2, laws, G, H): groups combined
        weighted = _buffer(layout, "weighted", probs.shape)
        np.multiply(probs, layout.point_w[:, None], out=weighted)
        yes_no = weighted.sum(axis=-1)  # (2, laws, K, M)
        vote_probs[:, layout.gather, :2] = yes_no.transpose(1, 2, 3, 0)
        batches.append((layout, members[_VETO], factors[0], groups[0]))
        holders.append((layout, members[_VETO], probs[1], factors[1], groups[1]))
    # Both channels' count laws under both rules: (channel, laws, rule, counts).
    joint = _counts(_real_matmul(structure.weights, council, axis=2), seats)
    tallies = np.empty(joint.shape[1:] + (2,))
    tallies[..., 0] = joint[0]
    np.subtract(joint[1], joint[0], out=tallies[..., 1])
    vote_probs = vote_probs[:, :seats]
    vote_probs[..., 3] = table[_ABSENT, :, :seats]
    np.maximum(1.0 - vote_probs.sum(axis=-1), 0.0, out=vote_probs[..., 2])  # abstention
    p_veto = _p_veto(holders, seats, threshold, structure.weights[0])
    if not decisive:
        return tallies, vote_probs, p_veto, None
    # Everyone but member i: its group-mates (at its group's points) times the other groups
    # (at each mood node). Integrating the other groups against the kernel first leaves one
    # weight per point; and as only two numbers of the others' count law are needed (P(T - 1
    # yes votes), P(at least T - 1)), both are read off by one product over points and roots.
    others = _exclusive_products(np.concatenate([g for *_, g in batches], axis=1), axis=1)
    readout = _decisive_readout(seats, threshold)  # (H, 2)
    p_decisive = np.zeros((len(laws), seats + 1))
    start = 0
    for layout, veto, factors, groups in batches:
        size = groups.shape[1]
        mates = _exclusive_products(factors, axis=2, layout=layout)  # (laws, K, M, P, H)
        if layout.shock_w is None:
            outside = _real_matmul(layout.kernel, others[:, start : start + size], axis=2)
            weighted = outside[..., None] * readout  # (laws, K, P, H, 2)
            weighted = weighted.reshape(outside.shape[:2] + (-1, 2))
            both = (mates.reshape(mates.shape[:3] + (-1,)) @ weighted).real  # (laws, K, M, 2)
        else:
            both = _read_product_grid(layout, mates, None, others[:, start : start + size],
                                      structure.weights[0], readout)
        start += size
        p_decisive[:, layout.gather] = np.where(veto > 0, both[..., 1], both[..., 0])
    return tallies, vote_probs, p_veto, p_decisive[:, :seats]


@cache
def _at_least_readout(seats: int, threshold: int) -> np.ndarray:
    """``(H,)`` complex weights reading P(at least T yes votes) off a transform.

    As :func:`_decisive_readout`.
    """
    matrix = _inverse_dft(seats)
    readout = (matrix[0::2] - 1j * matrix[1::2])[:, threshold:].sum(axis=1)
    readout.flags.writeable = False  # shared through the cache
    return readout


def _p_veto(holders: list, seats: int, threshold: int, mood_w: np.ndarray) -> np.ndarray:
    """P(the required yes votes and member i votes no) for veto holders, ``(laws, seats)``.

    That is a veto as the Council counts it (a text short of votes fails whatever the permanent
    members did). Given the shocks, member i's no and the others' votes are independent, and
    i's no adds no yes vote: the integrand is P(i no) times P(the others cast at least
    ``threshold`` yes votes), the latter read off the product of every other member's factor
    in the all-outcomes channel (the other groups' by exclusive products, as for
    P(decisive)). 0 for members without a veto. ``holders`` holds ``(layout, veto, p_no,
    factors, groups)`` per batch, the last three of the all-outcomes channel; ``mood_w`` the
    mood nodes' weights (for product-grid layouts, :func:`_read_product_grid`).
    """
    laws = holders[0][1].shape[0]
    p_veto = np.zeros((laws, seats + 1))
    if not any(veto.any() for _, veto, *_ in holders):
        return p_veto[:, :seats]  # procedural texts: no veto
    others = _exclusive_products(np.concatenate([g for *_, g in holders], axis=1), axis=1)
    readout = _at_least_readout(seats, threshold)  # (H,)
    start = 0
    for layout, veto, p_no, factors, groups in holders:
        group, slot = np.nonzero(veto.any(axis=0))  # each holder's group and place in it
        if group.size:
            # Only the holders' groups: their members' exclusive products (the others in the
            # group) times the holder's P(no) times the other groups, read at >= threshold.
            used, which = np.unique(group, return_inverse=True)
            if layout.shock_w is None:
                mates = _exclusive_products(factors[:, used], axis=2)[:, which, slot]
                outside = _real_matmul(layout.kernel[used], others[:, start + used], axis=2)
                joint = mates * outside[:, which] * p_no[:, group, slot, :, None]
                value = (joint @ readout).real.sum(axis=-1)  # (laws, V)
            else:
                mates = _exclusive_products(factors, axis=2, layout=layout)
                value = _read_product_grid(layout, mates, p_no, others[:, start : start + 1],
                                           mood_w, readout[:, None])[:, group, slot, 0]
            p_veto[:, layout.gather[group, slot]] = np.where(veto[:, group, slot] > 0, value, 0.0)
        start += groups.shape[1]
    return p_veto[:, :seats]


def _read_product_grid(layout: _Layout, mates: np.ndarray, p_no: np.ndarray | None,
                       others: np.ndarray, mood_w: np.ndarray, readout: np.ndarray
                       ) -> np.ndarray:
    """Sum ``mates * [p_no] * (other groups) * readout`` over a product grid's points and roots.

    ``mates`` is ``(laws, 1, M, P, H)`` (each member's group-mates' product), ``p_no`` None or
    ``(laws, 1, M, P)``, ``others`` ``(laws, 1, G, H)``, ``readout`` ``(H, R)``; returns the real
    ``(laws, 1, M, R)``. The weight of point (mood node g, shock point j) factors into
    ``mood_w[g] shock_w[j]`` and the other groups' transform depends on g alone; so the shock
    points are summed out first, one real matrix product on real pairs, and only then met with
    the other groups and the readout at the mood nodes: no ``(points, roots)`` array of the other
    groups is built (for P(veto) and P(decisive) it dominated the product grid's cost).
    """
    laws, groups, size, points, roots = mates.shape
    nodes = mood_w.size
    shocks = layout.shock_w.size
    if p_no is None:
        weights = np.broadcast_to(layout.shock_w, (laws, groups, size, nodes, 1, shocks))
    else:
        weights = _buffer(layout, "veto_w", p_no.shape)
        np.multiply(p_no.reshape(-1, nodes, shocks), layout.shock_w,
                    out=weights.reshape(-1, nodes, shocks))
        weights = weights.reshape(laws, groups, size, nodes, 1, shocks)
    # (laws, 1, M, G, 1, J) @ (laws, 1, M, G, J, 2H): each node's shock points summed out.
    by_node = np.matmul(
        weights, mates.reshape(laws, groups, size, nodes, shocks, roots).view(np.float64)
    ).reshape(laws, groups, size, -1)
    # The other groups at each node, weighted and read off, as (re, -im) pairs:
    # Re(a b) = a.re b.re - a.im b.im.
    outside = (others * mood_w[:, None])[..., None] * readout  # (laws, 1, G, H, R)
    pairs = np.stack([outside.real, -outside.imag], axis=-2)  # (laws, 1, G, H, 2, R)
    return by_node @ pairs.reshape(laws, groups, -1, readout.shape[-1])


#: Laws evaluated together by :func:`run_exact_many`: enough to amortise numpy's per-call cost,
#: few enough that a batch's arrays stay in cache.
BATCH_LAWS = 32


def run_exact(law: VoteLaw, *, nodes: int = DEFAULT_NODES, decisive: bool = True) -> RawOutcome:
    """Evaluate a :class:`~councilsim.votemodel.VoteLaw` exactly, up to quadrature error.

    Parameters
    ----------
    law : VoteLaw
    nodes : int
        Least number of points of the mood grid (more when the integrand is sharp).
    decisive : bool
        Also compute each member's P(decisive); False (for sweeps and searches that need only
        the tally and the vote probabilities) leaves ``p_decisive`` None and saves about 40%
        of the work.

    Returns
    -------
    RawOutcome
        With ``error``: the estimated quadrature error of the tally (its total change
        extrapolated from rules of twice and four times the mood step; see
        :func:`_error_estimates`).

    Raises
    ------
    ExactTooCostly
        When a grid would need more than :data:`MAX_GRID_POINTS` points.
    """
    return _outcomes([law], nodes, decisive)[0]


def run_exact_many(
    laws: Sequence[VoteLaw], *, nodes: int = DEFAULT_NODES, decisive: bool = True
) -> list[RawOutcome]:
    """Evaluate many laws at once: the same numbers as :func:`run_exact`, several times faster.

    Laws whose shocks share one structure (the drafts of one scenario do) are evaluated in
    batches of :data:`BATCH_LAWS`, so numpy's per-call cost is paid once per batch rather than
    once per law. Each law's numbers depend on that law alone, never on the batch it is in.

    Parameters
    ----------
    laws : sequence of VoteLaw
    nodes, decisive
        As for :func:`run_exact`.

    Returns
    -------
    list of RawOutcome
        In the order of ``laws``.

    Raises
    ------
    ExactTooCostly
        When a grid would need more than :data:`MAX_GRID_POINTS` points.
    """
    by_structure: dict[tuple, list[int]] = {}
    for i, law in enumerate(laws):
        key = (law.seats, law.threshold, law.mood_sd, law.sd.tobytes(), law.bloc.tobytes(),
               law.bloc_sd.tobytes(), law.loading.tobytes())
        by_structure.setdefault(key, []).append(i)
    outcomes: list[RawOutcome | None] = [None] * len(laws)
    for indices in by_structure.values():
        for start in range(0, len(indices), BATCH_LAWS):
            batch = indices[start : start + BATCH_LAWS]
            for i, outcome in zip(batch, _outcomes([laws[i] for i in batch], nodes, decisive),
                                  strict=True):
                outcomes[i] = outcome
    return outcomes


def _error_estimates(tallies: np.ndarray) -> np.ndarray:
    """Each law's mood-quadrature error, from the main rule and its two coarser sub-rules.

    ``tallies`` is ``(laws, rule, counts, channel)`` for steps h, 2h and 4h. With ``d1`` the
    total change of the tally from h to 2h and ``d2`` from 2h to 4h, the trapezoidal rule's
    error falling at least geometrically with 1/h (for these entire integrands it falls faster,
    like exp(-c / h^2)) gives ``error(h) <~ d1 * (d1 / d2)^2``. The estimate is that times
    :data:`_ERROR_SAFETY`, at least the round-off floor (:data:`_ERROR_FLOOR`, or ``d1`` when
    smaller), and never more than ``d1``, the plain two-rule estimate, when the rules do not
    converge (``d2 <= d1``).
    """
    d1 = np.abs(tallies[:, 0] - tallies[:, 1]).sum(axis=(1, 2))
    d2 = np.abs(tallies[:, 1] - tallies[:, 2]).sum(axis=(1, 2))
    ratio = np.minimum(1.0, d1 / np.maximum(d2, np.finfo(float).tiny))
    extrapolated = np.minimum(d1, _ERROR_SAFETY * d1 * ratio**2)
    return np.maximum(extrapolated, np.minimum(d1, _ERROR_FLOOR))


def _outcomes(laws: Sequence[VoteLaw], nodes: int, decisive: bool) -> list[RawOutcome]:
    tallies, vote_probs, p_veto, p_decisive = _evaluate(laws, nodes, decisive)
    # Round-off of the transforms can leave -1e-17 where a probability is 0.
    # (np.maximum and np.minimum: np.clip costs several times more at this size.)
    for values in (tallies, vote_probs, p_veto, p_decisive):
        if values is not None:
            np.minimum(np.maximum(values, 0.0, out=values), 1.0, out=values)
    errors = _error_estimates(tallies)
    return [
        RawOutcome(
            tally=tallies[d, 0],
            vote_probs=vote_probs[d],
            p_decisive=None if p_decisive is None else p_decisive[d],
            threshold=law.threshold,
            error=float(errors[d]),
            draws=None,
            p_veto=p_veto[d],
        )
        for d, law in enumerate(laws)
    ]
