"""The README's worked example, number by number, at the precision the README prints.

The README states these figures in prose and tables; this file is what backs them, so a change
of model or engine that moves one fails here and the text is updated with it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from councilsim import load_scenario
from councilsim.analysis import blocking_coalitions, negotiate, sweep
from councilsim.votemodel import RandomUtilityModel

FLAGSHIP = Path(__file__).resolve().parents[1] / "scenarios" / "dprk-2017-09.toml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(FLAGSHIP)


def test_oil_cap_window_above_85_percent(scenario):
    # "P(adopted) stays above 85% between about 1.8 and 3.5 million barrels a year".
    result = sweep(scenario, "res-2375", "oil_refined", np.linspace(0, 4_500_000, 91),
                   target=0.85)
    low, high = result.crossing
    assert (round(low / 1e6, 1), round(high / 1e6, 1)) == (1.8, 3.5)


def test_negotiated_text_from_the_first_us_draft(scenario):
    result = negotiate(scenario, "us-first-draft", target=0.85, forms="named")
    assert result.reached and round(result.p_adopted, 3) == 0.851
    texts = {row.kind: row.value_text for row in result.provisions}
    assert texts == {
        "oil_refined": "2,250,000 barrels/year",
        "oil_crude": "2,800,000 barrels/year",
        "worker_cap": "44,000 workers",
        "textile_ban": "true",
        "leader_sanctions": "officials",
        "maritime_interdiction": "flag_consent",
    }
    # "US utility 2.66 against 2.36 for 2375".
    usa = scenario.council.members.index("USA")
    adopted = RandomUtilityModel().prepare(scenario, scenario.draft("res-2375")).mean[usa]
    assert (round(result.sponsor_utility, 2), round(float(adopted), 2)) == (2.66, 2.36)


def test_target_of_090_is_out_of_reach(scenario):
    # "even the status-quo text reaches only 0.71, and no text on the path exceeds 0.87".
    result = negotiate(scenario, "us-first-draft", target=0.9, forms="named")
    assert not result.reached
    assert round(result.status_quo_p_adopted, 2) == 0.71
    assert round(result.p_adopted, 2) == 0.87


def test_who_blocks_the_first_us_draft(scenario):
    # "China and Russia together veto it with probability 0.70, China alone 0.013, Russia
    # alone 0.007; it falls short of nine votes with probability 0.28".
    result = blocking_coalitions(scenario, "us-first-draft")
    found = {c.members: c.probability for c in result.coalitions if c.kind == "veto"}
    assert round(found[("CHN", "RUS")], 2) == 0.70
    assert round(found[("CHN",)], 3) == 0.013
    assert round(found[("RUS",)], 3) == 0.007
    assert round(result.p_short, 2) == 0.28
