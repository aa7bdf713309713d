"""The one route from a calibration to a scenario, and its merge policy."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from paths import REPO_ROOT

import councilsim
from councilsim.history import calibrate, load_history
from councilsim.history._textfacts import TextContext, context_from_facts
from councilsim.history.adapter import AXIS_BLOC, calibrated_scenario, text_scenario
from councilsim.history.calibration import EFFECT_KINDS, text_facts
from councilsim.history.features import pre_vote_facts
from councilsim.loading import parse_scenario
from councilsim.models import Bloc, Council, Draft, Member, Scenario


@pytest.fixture(scope="module")
def fitted():
    return calibrate(load_history(), since=2012, before=2016,
                     effects=("topic", "sponsor", "rival", "amendment", "history"),
                     rival_spread=True, nodes=8, axis_nodes=4, standard_errors=False,
                     tolerance=1e-4)


def _council():
    return Council.named("unsc-2015")


def test_calibration_fills_what_the_scenario_leaves_unset(fitted):
    council = _council()
    scenario = Scenario(
        council=council,
        members=(Member(code="RUS", support=0.3, ideal={"oil_crude": 0.1},
                        salience={"oil_crude": 2.0}),),
        drafts=(Draft(id="d", sponsors=("USA",)),),
    )
    out = calibrated_scenario(scenario, fitted)
    rus = out.member("RUS")
    assert rus.support == 0.3  # explicit wins
    assert rus.ideal == {"oil_crude": 0.1} and rus.salience == {"oil_crude": 2.0}
    assert rus.abstention == pytest.approx(fitted.members["RUS"].abstention)
    assert rus.veto_cost == pytest.approx(fitted.members["RUS"].veto_cost)
    assert rus.affinity.get("west", 0.0) == pytest.approx(fitted.effects["sponsor:RUS:west"])
    usa = out.member("USA")  # not in the file: the calibrated stance whole
    assert usa.support == pytest.approx(fitted.members["USA"].support)
    assert usa.affinity["USA"] == pytest.approx(fitted.effects["sponsor:USA:self"])
    assert out.mood_sd == pytest.approx(fitted.tau)
    (axis,) = [bloc for bloc in out.blocs if bloc.name == AXIS_BLOC]
    assert axis.loadings["RUS"] == pytest.approx(fitted.members["RUS"].loading)
    assert set(axis.members) == set(council.veto_holders)  # elected members load 0


def test_a_camps_response_on_the_drafts_topic_joins_its_affinity():
    fit = calibrate(load_history(), since=2012, before=2016, effects=("sponsor", "camp-topic"),
                    nodes=8, axis_nodes=4, standard_errors=False, tolerance=1e-4)
    council = _council()

    def russia(topic):
        draft = Draft(id="d", sponsors=("USA",), topic=topic)
        return calibrated_scenario(Scenario(council=council, drafts=(draft,)), fit).member("RUS")

    on_syria = fit.effects["camp-topic:RUS:west:middle-east"] + fit.effects.get(
        "camp-topic:RUS:west:syria", 0.0)
    assert on_syria != 0.0
    assert russia("The situation in the Middle East (Syria)").affinity["west"] == pytest.approx(
        fit.effects["sponsor:RUS:west"] + on_syria)
    # A topic outside every group: the camp's response alone.
    assert russia("Small arms").affinity["west"] == pytest.approx(
        fit.effects["sponsor:RUS:west"])


def test_explicit_mood_and_blocs_win(fitted):
    council = _council()
    scenario = Scenario(council=council, mood_sd=0.4,
                        blocs=(Bloc(name="russia-china", members=("RUS", "CHN"), sd=0.6),))
    out = calibrated_scenario(scenario, fitted)
    assert out.mood_sd == 0.4
    (axis,) = [bloc for bloc in out.blocs if bloc.name == AXIS_BLOC]
    assert set(axis.members) == {"USA", "GBR", "FRA"}
    assert out.blocs[0] == scenario.blocs[0]


def test_rival_terms_only_when_every_draft_has_a_rival(fitted):
    council = _council()
    both = Scenario(council=council, drafts=(
        Draft(id="a", sponsors=("FRA",), rivals=("b",)), Draft(id="b", sponsors=("RUS",))))
    one = Scenario(council=council, drafts=(
        Draft(id="a", sponsors=("FRA",), rivals=("b",)), Draft(id="b"), Draft(id="c")))
    assert "left out" not in calibrated_scenario(Scenario(council=council), fitted).member(
        "USA").why
    with_rivals = calibrated_scenario(both, fitted).member("USA")
    without = calibrated_scenario(one, fitted).member("USA")
    expected = fitted.effects["sponsor:USA:east"] + fitted.effects.get("rival:USA:east", 0.0)
    assert with_rivals.affinity["east"] == pytest.approx(expected)
    assert without.affinity["east"] == pytest.approx(fitted.effects["sponsor:USA:east"])
    assert calibrated_scenario(both, fitted).mood_sd == pytest.approx(fitted.taus["rival"])
    (axis,) = [b for b in calibrated_scenario(both, fitted).blocs if b.name == AXIS_BLOC]
    assert axis.sd == pytest.approx(fitted.axis_sds["rival"])
    assert "left out" in without.why


def test_camps_must_match_the_calibration(fitted):
    scenario = Scenario(council=_council(), camps={"west": ("USA", "GBR")})
    with pytest.raises(ValueError, match="camps.west"):
        calibrated_scenario(scenario, fitted)


def test_the_loader_and_the_api_give_the_same_scenario(fitted, monkeypatch):
    import councilsim.loading as loading

    monkeypatch.setattr(loading, "_calibration", lambda *args: fitted)
    text = """
[scenario]
council = "unsc-2015"
mood_sd = 0.7
[calibration]
before = 2016-01-01
[[member]]
code = "RUS"
support = 0.3
[[draft]]
id = "d"
sponsors = ["USA"]
"""
    loaded = parse_scenario(text)
    by_hand = calibrated_scenario(
        Scenario(council=_council(), mood_sd=0.7, members=(Member(code="RUS", support=0.3),),
                 drafts=(Draft(id="d", sponsors=("USA",)),)),
        fitted,
    )
    assert loaded.members == by_hand.members
    assert loaded.blocs == by_hand.blocs and loaded.mood_sd == 0.7


def test_text_scenario_simulates_a_recorded_text(fitted):
    history = load_history().filter(since=2016, before=dt.date(2017, 1, 1))
    facts = dict(zip(history.vote_ids, text_facts(history), strict=True))
    vote = history["S/2016/847"]  # Russia's Aleppo draft, tabled against France's
    scenario = text_scenario(vote, facts[vote.vote_id], fitted)
    assert scenario.has_rival(scenario.draft("text"))
    assert scenario.draft("text").sponsors == ("RUS",)
    result = councilsim.simulate(scenario, "text", method="exact")
    assert 0.0 <= result.p_adopted <= 1.0
    # The topic folded into support is the context's, not the scenario's.
    plain = text_scenario(vote, TextContext(sponsors=frozenset({"RUS"}), rival=True), fitted)
    shift = fitted.support_shift("RUS", TextContext(topics=facts[vote.vote_id].topics))
    assert (scenario.member("RUS").support - plain.member("RUS").support
            == pytest.approx(shift + fitted.support_shift(
                "RUS", TextContext(item_failures=facts[vote.vote_id].item_failures,
                                   topic_vetoes=facts[vote.vote_id].topic_vetoes))))


@pytest.fixture(scope="module")
def every_effect():
    return calibrate(load_history(), since=2013, before=2017, effects=EFFECT_KINDS,
                     rival_spread=True, nodes=8, axis_nodes=4, standard_errors=False,
                     tolerance=1e-4)


@pytest.mark.parametrize("vote_id", [
    "S/2016/846",  # France's Aleppo text, a rival on the table, vetoed
    "S/2016/847",  # Russia's rival text
    "VA1423:S/2016/239amendment",  # an amendment
    "S/RES/2336(2016)",  # Russia's text on an item with recent failures
    "S/2015/562",  # a Western text on Ukraine
])
def test_text_scenario_is_the_fitted_model(every_effect, vote_id):
    # The scenario spreads the likelihood's effects over support, affinity, rival and amendment;
    # the engine adds them back. Each member's vote law must then be the likelihood's for the
    # text, in closed form (Calibration.vote_probabilities), within the exact result's error
    # bound and a few units of rounding.
    history = load_history().filter(before=dt.date(2017, 1, 1))
    vote = history[vote_id]
    context = context_from_facts(pre_vote_facts(vote, history))
    scenario = text_scenario(vote, context, every_effect)
    result = councilsim.simulate(scenario, "text", method="exact", decisive=False)
    tolerance = result.std_error + 8 * np.finfo(float).eps
    for code in scenario.council.members:
        law = every_effect.vote_probabilities(
            code, context, veto=code in vote.permanent and not vote.procedural)
        present = 1.0 - result.vote_probs[code]["X"]
        for letter in "YN":
            assert result.vote_probs[code][letter] / present == pytest.approx(
                law[letter], abs=tolerance), (code, letter)


# ----------------------------------------------------------------------------------------------
# The founding case, out of sample (issue 11, item 7)
# ----------------------------------------------------------------------------------------------

FOUNDING_CASE = REPO_ROOT / "scenarios" / (
    "dprk-2017-09-calibrated.toml")


@pytest.fixture(scope="module")
def founding():
    scenario = councilsim.load_scenario(FOUNDING_CASE)
    return {d.id: councilsim.simulate(scenario, d.id, method="exact") for d in scenario.drafts}


def test_founding_case_orders_the_drafts_and_names_the_vetoers(founding):
    first, adopted = founding["us-first-draft"], founding["res-2375"]
    assert adopted.p_adopted > 0.5
    assert first.p_adopted < adopted.p_adopted
    risks = sorted(first.veto_prob, key=first.veto_prob.get, reverse=True)
    assert set(risks[:2]) == {"CHN", "RUS"}


def test_founding_case_first_draft_more_likely_vetoed_than_adopted(founding):
    first = founding["us-first-draft"]
    assert first.p_vetoed > first.p_adopted
