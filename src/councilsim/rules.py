"""The Council's voting rule (UN Charter, Art. 27), for one vote or for arrays of simulated votes.

A substantive decision is adopted iff it has at least ``threshold`` yes votes and no veto holder
votes no; a veto holder's abstention or absence is not a veto. A procedural decision needs only
the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from councilsim.errors import ArgumentTypeError, InputError
from councilsim.models import Council

__all__ = ["VOTES", "YES", "NO", "ABSTAIN", "ABSENT", "adopted", "adopted_array", "encode_votes"]

#: Vote letters, in the order of their integer codes in simulated vote arrays.
VOTES = ("Y", "N", "A", "X")
YES, NO, ABSTAIN, ABSENT = range(4)


def encode_votes(votes: Mapping[str, str], council: Council) -> np.ndarray:
    """Turn ``{code: "Y"|"N"|"A"|"X"}`` into an int8 array in council order.

    Raises
    ------
    ValueError
        When a code is not on the council, a member is missing, or a vote is not Y, N, A or X.
    """
    unknown = sorted(set(votes) - set(council.members))
    if unknown:
        raise InputError(
            f"votes given for non-members {unknown}; the council's members are "
            f"{', '.join(council.members)}"
        )
    missing = [code for code in council.members if code not in votes]
    if missing:
        raise InputError(f"no vote given for {missing}; use 'X' for a member that did not vote")
    codes = []
    for code in council.members:
        letter = votes[code]
        if letter not in VOTES:
            raise InputError(
                f"vote of {code} is {letter!r}; allowed: 'Y' (yes), 'N' (no), 'A' (abstain), "
                "'X' (absent or did not vote)"
            )
        codes.append(VOTES.index(letter))
    return np.asarray(codes, dtype=np.int8)


def adopted(votes: Mapping[str, str], council: Council, *, procedural: bool = False) -> bool:
    """Whether a text is adopted under Art. 27.

    Parameters
    ----------
    votes : mapping of str to str
        Each member's vote: ``"Y"``, ``"N"``, ``"A"`` (abstain) or ``"X"`` (absent, did not vote).
    council : Council or str
        The council that voted, or its name (``"unsc-1950"``).
    procedural : bool, default False
        Procedural decision: no veto applies (Art. 27(2)).

    Returns
    -------
    bool

    Examples
    --------
    >>> council = Council.unsc(1950)
    >>> votes = dict.fromkeys(council.members, "Y") | {"RUS": "X", "EGY": "A", "IND": "A"}
    >>> adopted(votes, council)  # the USSR was absent: absence is not a veto
    True
    """
    if isinstance(council, str):
        council = Council.named(council)
    if not isinstance(council, Council):
        raise ArgumentTypeError(f"council must be a Council or its name, got {council!r}")
    return bool(adopted_array(encode_votes(votes, council), council, procedural=procedural))


def adopted_array(votes: np.ndarray, council: Council, *, procedural: bool = False) -> np.ndarray:
    """Vectorised :func:`adopted` over simulated votes.

    Parameters
    ----------
    votes : ndarray of int, shape (..., seats)
        Vote codes ``YES=0, NO=1, ABSTAIN=2, ABSENT=3`` in council member order.
    council : Council
    procedural : bool, default False

    Returns
    -------
    ndarray of bool, shape (...)

    Raises
    ------
    InputError
        For votes that are not integer codes 0-3, or not one per seat on the last axis.
    """
    votes = np.asarray(votes)
    if not np.issubdtype(votes.dtype, np.integer):
        raise InputError(f"votes must be integer vote codes, got an array of {votes.dtype} "
                         "(for letters Y, N, A, X use adopted())")
    if votes.size and (votes.min() < YES or votes.max() > ABSENT):
        raise InputError("votes must be codes YES=0, NO=1, ABSTAIN=2, ABSENT=3, got values "
                         f"from {votes.min()} to {votes.max()}")
    if votes.shape[-1:] != (council.seats,):
        raise InputError(
            f"votes must have the council's {council.seats} seats on the last axis, "
            f"got shape {votes.shape}"
        )
    enough = np.count_nonzero(votes == YES, axis=-1) >= council.threshold
    if procedural or not council.veto_holders:
        return enough
    veto_columns = [council.members.index(code) for code in council.veto_holders]
    vetoed = np.any(votes[..., veto_columns] == NO, axis=-1)
    return enough & ~vetoed
