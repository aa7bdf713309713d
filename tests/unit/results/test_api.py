"""Tests for the public entry points :func:`councilsim.simulate` and :func:`councilsim.compare`
and the :class:`councilsim.SimulationResult` they return."""

from __future__ import annotations

import dataclasses
import json
import math
import re

import pytest
from known_answers import CoinModel

import councilsim
from councilsim import (
    Bloc,
    Comparison,
    Council,
    Draft,
    Member,
    Provision,
    Scenario,
    SimulationResult,
    compare,
    simulate,
)
from councilsim.exact import DEFAULT_NODES, MAX_NODES


def _scenario(**changes) -> Scenario:
    council = Council(
        members=["AAA", "BBB", "CCC", "DDD"], veto_holders=["AAA", "CCC"], threshold=3,
        names={"AAA": "Arcadia", "BBB": "Borduria"},
    )
    fields = dict(
        council=council,
        title="test scenario",
        members=[
            Member(code="AAA", support=0.5, veto_cost=0.3,
                   ideal={"textile_ban": 0.0}, salience={"textile_ban": 1.0}),
            Member(code="BBB", support=1.0),
            Member(code="CCC", support=-0.2),
        ],
        blocs=[Bloc(name="pair", members=["BBB", "DDD"], sd=0.4)],
        drafts=[
            Draft(id="mild", title="A mild text"),
            Draft(id="harsh", provisions=[Provision(kind="textile_ban", value=True)]),
            Draft(id="rules", procedural=True),
        ],
    )
    fields.update(changes)
    return Scenario(**fields)


# --- choosing the draft ------------------------------------------------------------------------


def test_simulate_by_draft_id():
    scenario = _scenario()
    mild, harsh = simulate(scenario, "mild"), simulate(scenario, "harsh")
    assert (mild.draft_id, harsh.draft_id) == ("mild", "harsh")
    # AAA dislikes the textile ban, so the harsh text does worse.
    assert harsh.p_adopted < mild.p_adopted


def test_simulate_with_a_draft_object():
    scenario = _scenario()
    draft = scenario.draft("harsh")
    assert simulate(scenario, draft).to_dict() == simulate(scenario, "harsh").to_dict()


def test_draft_may_be_omitted_when_there_is_one():
    scenario = _scenario(drafts=[Draft(id="only")])
    assert simulate(scenario).draft_id == "only"


def test_omitted_draft_with_several_names_them():
    with pytest.raises(ValueError, match="3 drafts; name one of: mild, harsh, rules"):
        simulate(_scenario())


def test_no_drafts_is_a_clear_error():
    with pytest.raises(ValueError, match="no drafts"):
        simulate(_scenario(drafts=[]))


def test_unknown_draft_id_names_the_allowed_ids():
    with pytest.raises(ValueError, match="unknown draft id 'strong'") as info:
        simulate(_scenario(), "strong")
    assert "mild, harsh, rules" in str(info.value)


def test_scenario_of_the_wrong_type():
    with pytest.raises(TypeError, match="Scenario or a path"):
        simulate(42)


# --- argument checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(method="fast"), "method must be one of auto, exact, monte_carlo; got 'fast'"),
        (dict(draws=0), "draws must be a positive integer, got 0"),
        (dict(draws=-5), "draws must be a positive integer"),
        (dict(draws=2.5), "draws must be a positive integer, got 2.5"),
        (dict(draws=True), "draws must be a positive integer, got True"),
        (dict(nodes=1), f"nodes must be an integer from 2 to {MAX_NODES}, got 1"),
        (dict(nodes=MAX_NODES + 1), f"nodes must be an integer from 2 to {MAX_NODES}"),
        (dict(nodes=3.0), f"nodes must be an integer from 2 to {MAX_NODES}, got 3.0"),
        (dict(method="exact", keep_draws=True), "keep_draws=True needs method='monte_carlo'"),
    ],
)
def test_bad_options_are_refused(options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        simulate(_scenario(), "mild", **options)


def test_model_without_exact_form():
    scenario = _scenario()
    with pytest.raises(ValueError, match="no exact form; use method='monte_carlo'"):
        simulate(scenario, "mild", model=CoinModel(), method="exact")
    result = simulate(scenario, "mild", model=CoinModel(), draws=4_000, seed=3)
    assert result.method == "monte_carlo"
    # Nobody ever votes no, so nothing is vetoed; yes counts are Binomial(4, 1/2).
    assert result.p_vetoed == 0.0
    assert result.vote_probs["AAA"]["N"] == 0.0


# --- result fields -----------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["exact", "monte_carlo"])
def result(request) -> SimulationResult:
    return simulate(_scenario(), "harsh", method=request.param, draws=5_000, seed=11)


def test_result_fields(result):
    scenario = _scenario()
    seats = scenario.council.seats
    assert isinstance(result, SimulationResult)
    assert result.draft_id == "harsh"
    assert isinstance(result.p_adopted, float) and 0.0 <= result.p_adopted <= 1.0
    low, high = result.ci
    assert isinstance(result.ci, tuple) and low <= result.p_adopted <= high
    assert all(isinstance(p, float) for p in (result.p_vetoed, result.p_short, result.std_error))
    assert math.isclose(result.p_adopted + result.p_vetoed + result.p_short, 1.0, abs_tol=1e-12)
    # veto_prob only for veto holders: a veto needs the required yes votes, so it is at most
    # the holder's probability of voting no (p_no), and the vetoes cover p_vetoed.
    assert list(result.veto_prob) == ["AAA", "CCC"] == list(result.p_no)
    for code, p in result.veto_prob.items():
        assert result.p_no[code] == result.vote_probs[code]["N"]
        assert 0.0 <= p <= result.p_no[code] + 1e-12
    assert max(result.veto_prob.values()) <= result.p_vetoed + 1e-12
    assert result.p_vetoed <= sum(result.veto_prob.values()) + 1e-12
    assert list(result.vote_probs) == list(scenario.council.members)
    for code, probs in result.vote_probs.items():
        assert list(probs) == ["Y", "N", "A", "X"], code
        assert math.isclose(sum(probs.values()), 1.0, abs_tol=1e-12), code
    assert len(result.tally) == seats + 1
    assert math.isclose(sum(result.tally), 1.0, abs_tol=1e-12)
    assert list(result.p_decisive) == list(scenario.council.members)
    assert result.threshold == 3 and result.procedural is False
    assert result.scenario_hash == scenario.content_hash()
    assert re.fullmatch(r"[0-9a-f]{64}", result.scenario_hash)
    assert result.version == councilsim.__version__
    assert result.scenario_title == "test scenario"
    assert result.names == {"AAA": "Arcadia", "BBB": "Borduria"}


def test_provenance_by_method():
    exact = simulate(_scenario(), "harsh", method="exact")
    assert (exact.method, exact.draws, exact.seed) == ("exact", None, None)
    assert exact.nodes == DEFAULT_NODES
    assert simulate(_scenario(), "harsh", method="exact", nodes=60).nodes == 60
    mc = simulate(_scenario(), "harsh", method="monte_carlo", draws=1_000, seed=5)
    assert (mc.method, mc.draws, mc.seed, mc.nodes) == ("monte_carlo", 1_000, 5, None)


def test_auto_method_is_exact_for_the_default_model():
    assert simulate(_scenario(), "mild").method == "exact"


@pytest.mark.parametrize("method", [None, "auto"])
def test_keeping_draws_simulates_whatever_the_method_says(method):
    # Raw votes exist only in Monte Carlo, so keep_draws=True must not take the exact path.
    result = simulate(_scenario(), "mild", method=method, keep_draws=True, draws=100, seed=1)
    assert result.method == "monte_carlo"
    assert result.votes.shape == (100, len(result.vote_probs))


def test_procedural_result_has_no_veto_holders():
    result = simulate(_scenario(), "rules")
    assert result.procedural and result.veto_prob == {}


def test_to_dict_and_to_json_round_trip(result):
    as_dict = result.to_dict()
    assert "votes" not in as_dict
    assert json.loads(result.to_json()) == as_dict
    assert json.loads(result.to_json(indent=None)) == as_dict
    expected = {f.name for f in dataclasses.fields(SimulationResult)} - {"votes"}
    # Plus two derived values a reader of the JSON needs: P(no) beside the veto risks, and what
    # the interval is.
    assert set(as_dict) == expected | {"p_no", "interval_kind"}
    assert as_dict["p_no"] == result.p_no
    assert as_dict["interval_kind"] == (
        "error_bound" if result.method == "exact" else "confidence_95")


def test_summary_and_html_name_the_draft_and_members(result):
    for text in (result.summary(), str(result), result._repr_html_()):
        assert "harsh" in text
        for code in _scenario().council.members:
            assert code in text, code


def test_html_escapes_titles():
    scenario = _scenario(drafts=[Draft(id="d<1>", title="<b>&</b>")])
    html = simulate(scenario)._repr_html_()
    assert "d&lt;1&gt;" in html and "&lt;b&gt;&amp;&lt;/b&gt;" in html
    assert "<b>&</b>" not in html


def test_result_is_frozen(result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.p_adopted = 0.5


# --- compare -----------------------------------------------------------------------------------


def test_compare_covers_every_draft_with_one_seed():
    comparison = compare(_scenario(), method="monte_carlo", draws=2_000)
    assert isinstance(comparison, Comparison)
    assert [r.draft_id for r in comparison] == ["mild", "harsh", "rules"]
    assert len(comparison) == 3
    seeds = {r.seed for r in comparison}
    assert len(seeds) == 1 and isinstance(seeds.pop(), int)
    assert comparison["harsh"].draft_id == "harsh"


def test_compare_uses_common_random_numbers():
    # Two identical texts under different ids: one shared seed makes their draws identical.
    scenario = _scenario(drafts=[Draft(id="a"), Draft(id="b")])
    comparison = compare(scenario, method="monte_carlo", draws=3_000)
    a, b = comparison["a"].to_dict(), comparison["b"].to_dict()
    for key in ("draft_id",):
        a.pop(key), b.pop(key)
    assert a == b


def test_compare_repeats_with_the_recorded_seed():
    first = compare(_scenario(), method="monte_carlo", draws=2_000)
    seed = first["mild"].seed
    again = compare(_scenario(), method="monte_carlo", draws=2_000, seed=seed)
    assert first.to_dict() == again.to_dict()


def test_compare_selected_drafts_in_order():
    comparison = compare(_scenario(), ["rules", "mild"])
    assert list(comparison.results) == ["rules", "mild"]
    assert all(r.method == "exact" for r in comparison)


def test_compare_outputs():
    comparison = compare(_scenario())
    assert json.loads(comparison.to_json()) == comparison.to_dict()
    assert set(comparison.to_dict()) == {"mild", "harsh", "rules"}
    summary = comparison.summary()
    assert all(draft_id in summary for draft_id in ("mild", "harsh", "rules"))
    assert "harsh" in comparison._repr_html_()


def test_compare_without_drafts():
    with pytest.raises(ValueError, match="no drafts to compare"):
        compare(_scenario(drafts=[]))


def test_to_frame_when_pandas_is_present():
    pd = pytest.importorskip("pandas")
    frame = simulate(_scenario(), "harsh").to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.index) == list(_scenario().council.members)
    assert frame.attrs["draft_id"] == "harsh"


def test_to_frame_without_pandas_says_how_to_install(monkeypatch):
    # A None entry in sys.modules makes "import pandas" raise ImportError.
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install"):
        simulate(_scenario(), "harsh").to_frame()


def test_probabilities_of_a_certain_outcome_stay_within_0_and_1():
    # Sums of quadrature terms can exceed 1 by rounding (1.0000000000000007 before clipping).
    council = Council.unsc(2017)
    members = [Member(code=code, support=-5.0 if code == "RUS" else 5.0, uncertainty=0.01,
                      abstention=0.0) for code in council.members]
    for rus in ("no", "abstains"):
        if rus == "abstains":
            members = [m if m.code != "RUS" else m.model_copy(update={"support": 0.0,
                                                                      "abstention": 50.0})
                       for m in members]
        result = simulate(Scenario(council=council, drafts=[Draft(id="d")], mood_sd=0,
                                   members=members))
        values = [result.p_adopted, result.p_vetoed, result.p_short, *result.veto_prob.values(),
                  *result.tally, *result.p_decisive.values(),
                  *(p for probs in result.vote_probs.values() for p in probs.values())]
        assert all(0.0 <= value <= 1.0 for value in values), rus
        assert max(result.p_adopted, result.p_vetoed) == 1.0, rus


def test_a_monte_carlo_interval_shows_enough_digits_to_have_a_width():
    # No draw adopts the text: p = 0, standard error 0, but the Wilson interval is not empty.
    scenario = _scenario(drafts=[Draft(id="d")])
    members = [Member(code=code, support=-8.0, uncertainty=0.5)
               for code in scenario.council.members]
    result = simulate(scenario.model_copy(update={"members": members}), method="monte_carlo",
                      draws=10_000, seed=1)
    assert result.p_adopted == 0.0 and result.ci[1] > 0
    assert result.interval_text() == f"95% CI [0.0000, {result.ci[1]:.4f}]"
    assert result.interval_text() != "95% CI [0.0000, 0.0000]"
