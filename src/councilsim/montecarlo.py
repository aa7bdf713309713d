"""Monte Carlo engine: vectorised draws in fixed-size, individually seeded blocks.

Draws are generated in blocks of :data:`BLOCK_DRAWS`; block ``j`` takes its own generator from
the child ``SeedSequence(entropy, spawn_key=root.spawn_key + (j,))`` — exactly what
``SeedSequence.spawn`` would give. Chunks handed to workers are runs of whole blocks and every
statistic is an integer count, so the result is bit-identical for any chunk size, executor or
number of workers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from councilsim.errors import ArgumentTypeError, InputError
from councilsim.outcome import RawOutcome
from councilsim.rules import ABSENT, ABSTAIN, NO, YES
from councilsim.votemodel import VoteLaw, VoteSampler, votes_from_masks

__all__ = ["BLOCK_DRAWS", "check_seed", "resolve_seed", "run_monte_carlo"]

#: Draws per independently seeded block: the unit of reproducibility.
BLOCK_DRAWS = 8192
#: Default draws per task handed to an executor (a whole number of blocks).
DEFAULT_CHUNK_DRAWS = 16 * BLOCK_DRAWS


def resolve_seed(
    seed: None | int | np.random.SeedSequence | np.random.Generator,
) -> np.random.SeedSequence:
    """Turn any accepted seed into the root ``SeedSequence`` of a run.

    ``None`` draws fresh entropy from the operating system (recorded in the result, so the run
    can be repeated); an ``int`` is used as entropy; a ``Generator`` gives up 63 bits of its
    stream as entropy; a ``SeedSequence`` must be a root with integer entropy.
    """
    check_seed(seed)
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(2**63)))
    return np.random.SeedSequence(int(seed))


def check_seed(seed: object) -> None:
    """Refuse a seed :func:`resolve_seed` cannot use, without using it.

    (Resolving a Generator draws from it, so options check their seed here when built and
    resolve it once, when the engine runs.)
    """
    if isinstance(seed, bool) or not isinstance(
            seed, None | int | np.integer | np.random.SeedSequence | np.random.Generator):
        raise ArgumentTypeError(
            "seed must be None, a non-negative int, a numpy SeedSequence or Generator; "
            f"got {seed!r}")
    if isinstance(seed, int | np.integer) and seed < 0:
        raise InputError(f"seed must be a whole number >= 0, got {seed}")
    # Results record the seed as one integer, which must reproduce the run on its own.
    if isinstance(seed, np.random.SeedSequence) and (
            seed.spawn_key or not isinstance(seed.entropy, int | np.integer)):
        raise InputError(
            "a SeedSequence seed must be a root with integer entropy (no spawn key), so "
            "that the recorded seed reproduces the run; pass an int or a Generator instead")


@dataclass(frozen=True)
class _Task:
    sampler: VoteSampler
    entropy: int
    spawn_key: tuple[int, ...]
    blocks: tuple[tuple[int, int], ...]  # (block index, draws in it)
    veto: np.ndarray
    threshold: int
    keep_draws: bool


@dataclass(frozen=True)
class _Counts:
    joint: np.ndarray  # (seats + 1, 2): draws by yes count and whether a veto holder voted no
    member_votes: np.ndarray  # (seats, 4)
    decisive: np.ndarray  # (seats,)
    vetoes: np.ndarray  # (seats,): draws with the required yes votes and this holder's no
    votes: np.ndarray | None


def _column_sums(mask: np.ndarray) -> np.ndarray:
    return mask.view(np.uint8).sum(axis=0, dtype=np.uint16 if len(mask) > 255 else np.uint8)


def _row_counts(packed: np.ndarray) -> np.ndarray:
    """Set bits per row of a ``np.packbits`` array: eight draws per byte, counted by popcount."""
    return np.bitwise_count(packed).sum(axis=1, dtype=np.int64)


def _count(
    yes: np.ndarray, no: np.ndarray, absent: np.ndarray | None, veto: np.ndarray, threshold: int
) -> _Counts:
    """Tally one block of draws given as ``(seats, draws)`` masks."""
    seats, size = yes.shape
    yes_count = _column_sums(yes).astype(np.intp)
    veto_count = _column_sums(no[veto]).astype(np.intp) if veto.any() else np.zeros(size, np.intp)
    joint = np.bincount(
        2 * yes_count + (veto_count > 0), minlength=2 * (seats + 1)
    ).reshape(seats + 1, 2)
    # Per-member counts from bit-packed masks: an eighth of the memory traffic of byte masks.
    # Padding bits of the last byte are 0 in every packed array, so they never count.
    packed_yes, packed_no = np.packbits(yes, axis=1), np.packbits(no, axis=1)
    member_votes = np.zeros((seats, 4), dtype=np.int64)
    member_votes[:, YES] = _row_counts(packed_yes)
    member_votes[:, NO] = _row_counts(packed_no)
    member_votes[:, ABSENT] = 0 if absent is None else _row_counts(np.packbits(absent, axis=1))
    member_votes[:, ABSTAIN] = size - member_votes.sum(axis=1)
    # P(decisive) from a few masked row counts, not per draw and member.
    # An ordinary member is decisive iff the others have no veto and exactly T - 1 yes votes:
    # draws with no veto and T yes votes where it voted yes, or T - 1 where it did not.
    # A veto holder is decisive iff the others have no veto and at least T - 1 yes votes:
    # draws with no veto and >= T - 1 yes votes (less those where its own yes made the T - 1),
    # plus draws where its no was the only veto and the yes votes reached T - 1.
    no_veto = veto_count == 0
    exactly_t1 = no_veto & (yes_count == threshold - 1)
    yes_at_t = _row_counts(packed_yes & np.packbits(no_veto & (yes_count == threshold)))
    yes_at_t1 = _row_counts(packed_yes & np.packbits(exactly_t1))
    ordinary = yes_at_t + np.count_nonzero(exactly_t1) - yes_at_t1
    enough = yes_count >= threshold - 1
    lone_veto_no = _row_counts(packed_no & np.packbits((veto_count == 1) & enough))
    holder = np.count_nonzero(no_veto & enough) - yes_at_t1 + lone_veto_no
    decisive = np.where(veto, holder, ordinary)
    # A veto as the Council counts it: the required yes votes, and the holder's no.
    vetoes = np.where(veto, _row_counts(packed_no & np.packbits(yes_count >= threshold)), 0)
    return _Counts(joint, member_votes, decisive, vetoes, None)


def _masks(sampler: VoteSampler, rng: np.random.Generator, size: int, seats: int):
    if isinstance(sampler, VoteLaw):
        return sampler.sample_masks(rng, size)
    votes = _checked_votes(sampler.sample(rng, size), size, seats).T
    return votes == YES, votes == NO, votes == ABSENT


def _run_task(task: _Task) -> _Counts:
    seats = task.veto.size
    joint = np.zeros((seats + 1, 2), dtype=np.int64)
    member_votes = np.zeros((seats, 4), dtype=np.int64)
    decisive = np.zeros(seats, dtype=np.int64)
    vetoes = np.zeros(seats, dtype=np.int64)
    kept = []
    for index, size in task.blocks:
        child = np.random.SeedSequence(task.entropy, spawn_key=task.spawn_key + (index,))
        masks = _masks(task.sampler, np.random.Generator(np.random.PCG64(child)), size, seats)
        counts = _count(*masks, task.veto, task.threshold)
        joint += counts.joint
        member_votes += counts.member_votes
        decisive += counts.decisive
        vetoes += counts.vetoes
        if task.keep_draws:
            kept.append(votes_from_masks(*masks))
    return _Counts(joint, member_votes, decisive, vetoes, np.concatenate(kept) if kept else None)


def _checked_votes(votes: np.ndarray, size: int, seats: int) -> np.ndarray:
    votes = np.asarray(votes)
    if votes.shape != (size, seats) or votes.dtype.kind not in "iu":
        raise InputError(
            f"a vote sampler must return integer votes of shape ({size}, {seats}); "
            f"got {votes.dtype} of shape {votes.shape}"
        )
    if votes.size and (votes.min() < 0 or votes.max() > 3):
        raise InputError("a vote sampler must return vote codes 0 (Y), 1 (N), 2 (A) or 3 (X)")
    return votes.astype(np.int8, copy=False)


def _tasks(
    draws: int, chunk_draws: int, base: _Task
) -> Iterator[_Task]:
    blocks_per_chunk = max(1, -(-chunk_draws // BLOCK_DRAWS))
    n_blocks = -(-draws // BLOCK_DRAWS)
    for first in range(0, n_blocks, blocks_per_chunk):
        blocks = tuple(
            (j, min(BLOCK_DRAWS, draws - j * BLOCK_DRAWS))
            for j in range(first, min(first + blocks_per_chunk, n_blocks))
        )
        yield _Task(**{**base.__dict__, "blocks": blocks})


#: Tasks in flight at once on an executor: enough to keep any pool busy, few enough that a run
#: of 10^12 draws does not build millions of tasks before its first draw.
_IN_FLIGHT = 64


def _in_order(function, tasks: Iterator[_Task], executor: Executor | None):
    """Yield ``(task, function(task))`` in task order, with a bounded number of tasks pending."""
    if executor is None:
        for task in tasks:
            yield task, function(task)
        return
    pending: deque = deque()
    for task in tasks:
        pending.append((task, executor.submit(function, task)))
        if len(pending) >= _IN_FLIGHT:
            first, future = pending.popleft()
            yield first, future.result()
    while pending:
        first, future = pending.popleft()
        yield first, future.result()


def run_monte_carlo(
    sampler: VoteSampler,
    *,
    veto: np.ndarray,
    threshold: int,
    draws: int,
    seed: np.random.SeedSequence,
    chunk_draws: int | None = None,
    executor: Executor | None = None,
    keep_draws: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RawOutcome:
    """Simulate ``draws`` votes and count outcomes.

    Parameters
    ----------
    sampler : VoteSampler
        Draws votes (a :class:`~councilsim.votemodel.VoteLaw` or a custom model's sampler).
    veto : ndarray of bool
        Members whose no is a veto for this draft.
    threshold : int
        Yes votes needed.
    draws : int
        Number of simulated votes.
    seed : numpy.random.SeedSequence
        Root of the per-block seeds.
    chunk_draws : int, optional
        Draws per task, rounded up to whole blocks; changes speed and memory, never results.
    executor : concurrent.futures.Executor, optional
        Runs the tasks (e.g. a ``ProcessPoolExecutor``); in-process when None.
    keep_draws : bool
        Return the raw votes as well (memory: ``draws * seats`` bytes).
    progress : callable, optional
        Called as ``progress(draws_done, draws)`` after each task.
    """
    base = _Task(
        sampler=sampler,
        entropy=seed.entropy,
        spawn_key=tuple(seed.spawn_key),
        blocks=(),
        veto=np.asarray(veto, dtype=bool),
        threshold=threshold,
        keep_draws=keep_draws,
    )
    if chunk_draws is not None and (isinstance(chunk_draws, bool)
                                    or not isinstance(chunk_draws, int | np.integer)
                                    or chunk_draws < 1):
        raise InputError(f"chunk_draws must be a positive integer, got {chunk_draws!r}")
    tasks = _tasks(draws, chunk_draws or DEFAULT_CHUNK_DRAWS, base)
    outputs = _in_order(_run_task, tasks, executor)
    seats = base.veto.size
    joint = np.zeros((seats + 1, 2), dtype=np.int64)
    member_votes = np.zeros((seats, 4), dtype=np.int64)
    decisive = np.zeros(seats, dtype=np.int64)
    vetoes = np.zeros(seats, dtype=np.int64)
    kept, done = [], 0
    for task, counts in outputs:
        joint += counts.joint
        member_votes += counts.member_votes
        decisive += counts.decisive
        vetoes += counts.vetoes
        if keep_draws:
            kept.append(counts.votes)
        done += sum(size for _, size in task.blocks)
        if progress is not None:
            progress(done, draws)
    return RawOutcome(
        tally=joint / draws,
        vote_probs=member_votes / draws,
        p_decisive=decisive / draws,
        threshold=threshold,
        error=None,
        draws=draws,
        votes=np.concatenate(kept) if keep_draws else None,
        counts=joint,
        p_veto=vetoes,
    )
