"""The vote model's mean utility: what sponsors, rival drafts and amendments add to support."""

from __future__ import annotations

import numpy as np
import pytest

from councilsim import Bloc, Council, Draft, Member, Scenario
from councilsim.votemodel import RandomUtilityModel

COUNCIL = Council(members=["AA", "BB", "CC", "DD"], veto_holders=["AA", "BB"], threshold=3)
SCENARIO = Scenario(
    council=COUNCIL,
    camps={"north": ("AA", "DD"), "south": ("BB",)},
    members=[
        Member(code="AA", support=0.5, affinity={"north": 1.0, "south": -2.0}),
        Member(code="BB", support=0.1, affinity={"AA": -0.5, "north": -0.25}, rival=0.75),
        Member(code="CC", support=-0.2, amendment=0.4, rival=-0.1),
    ],
    blocs=[Bloc(name="axis", members=["AA", "BB", "DD"], sd=0.7, loadings={"BB": -1.5})],
    drafts=[
        Draft(id="north-text", sponsors=["AA", "Elsewhere"], rivals=["south-text"]),
        Draft(id="south-text", sponsors=["BB"]),
        Draft(id="joint-amendment", sponsors=["DD", "BB"], amendment=True),
        Draft(id="plain"),
    ],
)


def _means(draft_id: str) -> list[float]:
    return list(RandomUtilityModel().prepare(SCENARIO, SCENARIO.draft(draft_id)).mean)


def test_affinities_rivals_and_amendments_shift_the_mean():
    # AA: north sponsors (+1); BB: AA sponsors (-0.5) and north (-0.25) add up, plus its rival
    # term (the text lists a rival); CC: its rival term.
    assert _means("north-text") == pytest.approx([1.5, 0.1 - 0.75 + 0.75, -0.2 - 0.1, 0.0])
    # Listed as a rival by the other text: the rival terms apply too.
    assert _means("south-text") == pytest.approx([0.5 - 2.0, 0.1 + 0.75, -0.2 - 0.1, 0.0])
    # DD is in camp north, BB in south: one match per camp; CC's amendment term.
    assert _means("joint-amendment") == pytest.approx([0.5 + 1.0 - 2.0, 0.1 - 0.25, -0.2 + 0.4,
                                                       0.0])
    assert _means("plain") == [0.5, 0.1, -0.2, 0.0]


def test_loadings_reach_the_law_and_default_to_one():
    law = RandomUtilityModel().prepare(SCENARIO, SCENARIO.draft("plain"))
    np.testing.assert_array_equal(law.loading, [1.0, -1.5, 1.0, 1.0])
    assert not law.unit_loadings
    plain = Scenario(council=COUNCIL, blocs=[Bloc(name="b", members=["AA", "BB"])],
                     drafts=[Draft(id="d")])
    assert RandomUtilityModel().prepare(plain, plain.drafts[0]).unit_loadings
