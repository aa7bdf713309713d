"""Scenarios with answers in closed form, shared by the engines' tests."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy.special import ndtri

from councilsim import Council, Draft, Member, Scenario


def thirds(council: Council) -> Scenario:
    """Every member votes yes, no or abstains with probability 1/3 each, independently.

    Support 0, uncertainty 1, no veto cost and no shared shock: P(yes) = P(e > a) and
    P(no) = P(e < -a); the band a = Phi^-1(2/3) makes both 1/3.
    """
    band = float(ndtri(2.0 / 3.0))
    members = [Member(code=code, support=0.0, abstention=band) for code in council.members]
    return Scenario(council=council, members=members, mood_sd=0.0, drafts=[Draft(id="d")])


def thirds_closed_form(council: Council) -> dict:
    """P(adopted), P(vetoed), P(short) and each holder's veto probability under :func:`thirds`.

    Enumerated as fractions over the holders' (yes, no) counts and the others' yes count, from
    the Charter's rule: adopted with ``threshold`` yes votes and no holder's no; vetoed with
    them and some holder's no; short without them, whatever the holders did.
    """
    third = Fraction(1, 3)
    holders, seats, need = len(council.veto_holders), council.seats, council.threshold

    def binomial(n, k):
        return math.comb(n, k) * third**k * (1 - third) ** (n - k)

    def at_least(n, k):
        return sum((binomial(n, j) for j in range(max(k, 0), n + 1)), Fraction(0))

    adopted = vetoed = Fraction(0)
    for yes in range(holders + 1):
        for no in range(holders - yes + 1):
            # Multinomial: which holders say yes, which no, the rest abstain.
            ways = math.comb(holders, yes) * math.comb(holders - yes, no)
            enough = at_least(seats - holders, need - yes)
            if no:
                vetoed += ways * third**holders * enough
            else:
                adopted += ways * third**holders * enough
    # A holder's no adds no yes vote: it vetoes when the other seats - 1 members reach the
    # threshold by themselves.
    veto = third * at_least(seats - 1, need)
    return {"p_adopted": adopted, "p_vetoed": vetoed, "p_short": 1 - at_least(seats, need),
            "veto": veto}


class CoinModel:
    """A vote model with no exact form: each member votes yes with probability ``p_yes``, else
    abstains, independently (so its yes count is Binomial(seats, p_yes) and nothing is vetoed).
    """

    def __init__(self, p_yes: float = 0.5) -> None:
        self.p_yes = p_yes

    def prepare(self, scenario, draft):
        return _CoinSampler(scenario.council.seats, self.p_yes)


class _CoinSampler:
    def __init__(self, seats: int, p_yes: float) -> None:
        self.seats, self.p_yes = seats, p_yes

    def sample(self, rng, size):
        from councilsim.rules import ABSTAIN, YES

        return np.where(rng.random((size, self.seats)) < self.p_yes, YES,
                        ABSTAIN).astype(np.int8)
