"""What an engine hands back: :class:`RawOutcome` (engine layer, below the results).

The engines (exact, Monte Carlo) produce it; :class:`councilsim.results.SimulationResult` dresses
it for users. Kept apart from the results so that the engines do not import the layer above them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RawOutcome"]


@dataclass(frozen=True, eq=False)
class RawOutcome:
    """What an engine hands back before it is dressed as a :class:`SimulationResult`.

    ``tally[k, v]`` is P(k yes votes, vetoed = v); ``vote_probs[i]`` member i's P(Y, N, A, X);
    ``error`` is the exact engine's quadrature error bound (None for Monte Carlo); ``draws`` the
    number of Monte Carlo draws (None for exact); ``votes`` the raw draws when kept; ``counts``
    the Monte Carlo draws by (yes count, vetoed), from which ``tally`` was divided;
    ``p_veto[i]`` the probability that the text gets the required yes votes and member i votes
    no (0 for members without a veto), as a Monte Carlo count when ``counts`` is given.
    """

    tally: np.ndarray
    vote_probs: np.ndarray
    p_decisive: np.ndarray | None
    threshold: int
    error: float | None
    draws: int | None
    votes: np.ndarray | None = None
    counts: np.ndarray | None = None
    p_veto: np.ndarray | None = None
