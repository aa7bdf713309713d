"""Tests for the validated input models: bad input must fail early, naming the field at fault
and what is allowed; good input in real units must become the right severities."""

from __future__ import annotations

import re

import pydantic
import pytest

from councilsim import Bloc, Council, Draft, Member, Provision, Scenario, ScenarioError
from councilsim.errors import InputError
from councilsim.models import DEFAULT_CAMPS

COUNCIL = Council(members=["AA", "BB", "CC"], veto_holders=["AA"], threshold=2)
ALLOWED_MEMBERS = "the council's members are AA, BB, CC"


def _fails(build, *fragments: str) -> None:
    """``build()`` raises one ScenarioError (a ValueError) whose message has every fragment."""
    with pytest.raises(ScenarioError) as info:
        build()
    # Entries are named by code (members[1] (ZZ).code); the fragments give the bare path.
    message = re.sub(r"\] \([^)]*\)", "]", str(info.value))
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"


# --- cross-references ---------------------------------------------------------------------------


def test_unknown_member_in_bloc():
    _fails(lambda: Scenario(council=COUNCIL, blocs=[Bloc(name="b", members=["AA", "ZZ"])]),
           "blocs[0].members", "'ZZ' is not on the council", ALLOWED_MEMBERS)


def test_unknown_member_obliged_to_abstain():
    _fails(lambda: Scenario(council=COUNCIL, drafts=[Draft(id="d", obliged_abstain=["ZZ"])]),
           "drafts[0].obliged_abstain", "'ZZ' is not on the council", ALLOWED_MEMBERS)


def test_unknown_member_stance():
    _fails(lambda: Scenario(council=COUNCIL, members=[Member(code="AA"), Member(code="ZZ")]),
           "members[1].code", "'ZZ' is not on the council", ALLOWED_MEMBERS)


def test_unknown_veto_holder():
    _fails(lambda: Council(members=["AA"], veto_holders=["BB"], threshold=1),
           "veto_holders: BB not among the members (AA)")


def test_member_in_two_blocs():
    blocs = [Bloc(name="west", members=["AA", "BB"]), Bloc(name="east", members=["BB", "CC"])]
    _fails(lambda: Scenario(council=COUNCIL, blocs=blocs),
           "blocs[1].members", "BB is already in bloc 'west'", "at most one bloc")


def test_duplicate_bloc_names():
    blocs = [Bloc(name="b", members=["AA"]), Bloc(name="b", members=["BB"])]
    _fails(lambda: Scenario(council=COUNCIL, blocs=blocs), "blocs[1].name: duplicate bloc name")


# --- numeric ranges -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1.5, -0.1, float("nan")])
def test_ideal_outside_unit_interval(value):
    _fails(lambda: Member(code="AA", ideal={"oil_refined": value}),
           "ideal", "ideal severity for 'oil_refined' must be in [0, 1]")


@pytest.mark.parametrize(("value", "problem"), [
    (1.2, "must be <= 1"), (-0.5, "must be >= 0"),
    (float("nan"), "input should be a finite number")])
def test_provision_severity_outside_unit_interval(value, problem):
    _fails(lambda: Provision(kind="oil_refined", severity=value), f"severity: {problem}",
           f"got {value}")


def test_provision_severity_bounds_are_named():
    _fails(lambda: Provision(kind="oil_refined", severity=1.2),
           "severity", "<= 1")
    _fails(lambda: Provision(kind="oil_refined", severity=-0.5),
           "severity", ">= 0")


@pytest.mark.parametrize(("build", "field", "allowed"), [
    # Beyond these the engines' arithmetic overflows (an internal error before they were set).
    (lambda: Member(code="AA", uncertainty=1e-300), "uncertainty", ">= 1e-06"),
    (lambda: Member(code="AA", uncertainty=1e7), "uncertainty", "<= 1000000"),
    (lambda: Bloc(name="b", members=["AA", "BB"], sd=1e300), "sd", "<= 1000000"),
    (lambda: Bloc(name="b", members=["AA", "BB"], loadings={"AA": 1e300}), "loadings",
     "from -1e+06 to 1e+06"),
    (lambda: Scenario(council=Council(members=["AA", "BB"], threshold=1), mood_sd=1e300),
     "mood_sd", "<= 1000000"),
])
def test_spreads_beyond_what_the_engines_can_compute_are_refused(build, field, allowed):
    _fails(build, field, allowed)


@pytest.mark.parametrize("value", [0.0, -1.0])
def test_non_positive_uncertainty(value):
    _fails(lambda: Member(code="AA", uncertainty=value), "uncertainty", ">= 1e-06")


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("abstention", -0.1, ">= 0"),
        ("abstention", float("inf"), "finite number"),
        ("veto_cost", -1.0, ">= 0"),
        ("absence", 1.0, "< 1"),
        ("absence", -0.2, ">= 0"),
        ("support", float("nan"), "must be a finite number"),
    ],
)
def test_member_numbers_out_of_range(field, value, allowed):
    _fails(lambda: Member(code="AA", **{field: value}), field, allowed)


@pytest.mark.parametrize(("build", "field"), [
    (lambda: Member(code="AA", support=True), "support"),
    (lambda: Member(code="AA", ideal={"oil_refined": True}), "ideal"),
    (lambda: Member(code="AA", salience={"oil_refined": False}), "salience"),
    (lambda: Bloc(name="b", members=["AA", "BB"], sd=True), "sd"),
    (lambda: Council(members=["AA", "BB"], threshold=True), "threshold"),
])
def test_true_or_false_is_not_a_number(build, field):
    # pydantic alone reads true as 1; in a scenario file that is a slip, not an intent.
    _fails(build, field, "true/false is not allowed here; write a number")


@pytest.mark.parametrize("field", ["obliged_abstain", "sponsors", "rivals"])
def test_a_draft_lists_each_member_or_rival_once(field):
    _fails(lambda: Draft(id="d", **{field: ["AA", "AA"]}), field, "listed twice: AA")


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Member(code="AA", ideal={"oil_refined": "high"}),
     "ideal.oil_refined: must be a severity from 0 to 1, or a value with its unit"),
    (lambda: Bloc(name="b", members=[]), "members: must list at least 1 entry, got none"),
    (lambda: Member(code="AA", absence=float("nan")), "absence: input should be a finite number"),
])
def test_messages_speak_of_the_field_not_of_pydantic(build, message):
    _fails(build, message)


def test_a_field_that_takes_true_or_false_still_does():
    assert Provision(kind="textile_ban", value=True).value is True
    assert Draft(id="d", procedural=True).procedural is True


def test_negative_salience():
    _fails(lambda: Member(code="AA", salience={"oil_refined": -1.0}),
           "salience", "salience of 'oil_refined' must be finite and >= 0")


def test_negative_shock_sds():
    _fails(lambda: Bloc(name="b", members=["AA"], sd=-0.1), "sd", ">= 0")
    _fails(lambda: Scenario(council=COUNCIL, mood_sd=-1.0), "mood_sd", ">= 0")


def test_threshold_above_seats():
    _fails(lambda: Council(members=["AA", "BB"], threshold=3),
           "threshold 3 is above the number of seats (2)", "allowed: 1 to 2")


def test_threshold_must_be_positive():
    _fails(lambda: Council(members=["AA", "BB"], threshold=0), "threshold", "> 0")


# --- duplicates, codes, unknown fields ----------------------------------------------------------


def test_duplicate_member_codes_on_the_council():
    _fails(lambda: Council(members=["AA", "BB", "AA"], threshold=1),
           "members", "duplicate member codes: AA")


def test_duplicate_member_stances():
    _fails(lambda: Scenario(council=COUNCIL, members=[Member(code="BB"), Member(code="BB")]),
           "members[1].code: duplicate member code 'BB', already used by an earlier entry")


def test_duplicate_draft_ids():
    _fails(lambda: Scenario(council=COUNCIL, drafts=[Draft(id="d"), Draft(id="d")]),
           "drafts[1].id: duplicate draft id 'd', already used by an earlier entry")


def test_bad_member_code():
    _fails(lambda: Member(code="usa"), "code", "member code 'usa' must be 2-16 upper-case")


def test_unknown_field_is_an_error():
    # A typo in a scenario file must not be silently ignored.
    _fails(lambda: Member(code="AA", suport=1.0),
           "suport: unknown key 'suport' (did you mean 'support'?); allowed: code, support")


def test_models_are_frozen():
    member = Member(code="AA")
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        member.support = 1.0


# --- veto cost ------------------------------------------------------------------------------------


def test_veto_cost_on_a_member_without_veto():
    _fails(lambda: Scenario(council=COUNCIL, members=[Member(code="BB", veto_cost=0.5)]),
           "members[0].veto_cost", "BB holds no veto, so its veto_cost must be 0")


def test_veto_cost_on_a_veto_holder_is_fine():
    Scenario(council=COUNCIL, members=[Member(code="AA", veto_cost=0.5)])


# --- provisions and the catalog -----------------------------------------------------------------


def test_unknown_provision_kind_in_a_draft():
    draft = Draft(id="d", provisions=[Provision(kind="unobtanium", severity=0.5)])
    _fails(lambda: Scenario(council=COUNCIL, drafts=[draft]),
           "drafts[0].provisions[0].kind", "unknown provision kind 'unobtanium'",
           "known kinds:", "oil_refined", "textile_ban")


def test_unknown_provision_kind_in_a_stance():
    _fails(lambda: Scenario(council=COUNCIL, members=[Member(code="AA", salience={"x_y": 1.0})]),
           "members[0]", "unknown provision kind 'x_y'", "known kinds:")


def test_unknown_provision_kind_in_the_status_quo():
    _fails(lambda: Scenario(council=COUNCIL, status_quo=[Provision(kind="x_y", severity=0.2)]),
           "status_quo[0].kind", "unknown provision kind 'x_y'")


@pytest.mark.parametrize(
    ("kind", "value", "unit", "fragments"),
    [
        ("oil_refined", "lots", None,
         ["unknown level 'lots' for 'oil_refined'", "a number in barrels/year"]),
        ("oil_refined", True, None,
         ["'oil_refined' is not a ban", "a number in barrels/year"]),
        ("oil_refined", -5, None, ["needs a finite value >= 0 barrels/year"]),
        ("oil_refined", 2_000_000, "tonnes",
         ["unit 'tonnes' does not fit 'oil_refined'", "'barrels/year'"]),
        ("textile_ban", 3.0, None, ["'textile_ban' takes no number", "true or false"]),
        ("leader_sanctions", "everyone", None,
         ["unknown level 'everyone'", "'officials'", "'leader'"]),
    ],
)
def test_value_of_the_wrong_form_for_its_kind(kind, value, unit, fragments):
    draft = Draft(id="d", provisions=[Provision(kind=kind, value=value, unit=unit)])
    _fails(lambda: Scenario(council=COUNCIL, drafts=[draft]),
           "drafts[0].provisions[0].value", *fragments)


def test_provision_needs_exactly_one_of_value_and_severity():
    message = "give exactly one of 'value' (in real units) or 'severity' (0 to 1)"
    _fails(lambda: Provision(kind="oil_refined"), message)
    _fails(lambda: Provision(kind="oil_refined", value=1.0, severity=0.5), message)


def test_provision_kind_given_twice_in_a_draft():
    provisions = [Provision(kind="textile_ban", value=True),
                  Provision(kind="textile_ban", value=False)]
    _fails(lambda: Draft(id="d", provisions=provisions),
           "provisions", "provision kinds given twice: textile_ban")


def test_severity_from_real_units():
    # docs/model.md: refined petroleum capped at 2,000,000 barrels/year against 4,500,000.
    draft = Draft(id="d", provisions=[
        Provision(kind="oil_refined", value=2_000_000, unit="barrels/year"),
        Provision(kind="textile_ban", value=True),
        Provision(kind="maritime_interdiction", value="flag_consent"),
    ])
    scenario = Scenario(council=COUNCIL, drafts=[draft],
                        status_quo=[Provision(kind="worker_cap", value="freeze")])
    severities = scenario.draft_severities(draft)
    assert severities["oil_refined"] == pytest.approx(1 - 2 / 4.5, abs=1e-15)
    assert severities["textile_ban"] == 1.0
    assert severities["maritime_interdiction"] == 0.4
    # Kinds the draft leaves alone keep the status quo.
    assert severities["worker_cap"] == 0.2
    assert scenario.status_quo_severities() == {"worker_cap": 0.2}


def test_cap_above_baseline_is_no_restriction():
    draft = Draft(id="d", provisions=[Provision(kind="oil_refined", value=9_000_000)])
    scenario = Scenario(council=COUNCIL, drafts=[draft])
    assert scenario.draft_severities(draft)["oil_refined"] == 0.0


# --- the Security Council by year ----------------------------------------------------------------


def test_council_before_1966():
    council = Council.unsc(1950)
    assert (council.seats, council.threshold) == (11, 7)
    assert set(council.veto_holders) == {"CHN", "FRA", "GBR", "RUS", "USA"}


def test_council_2017():
    council = Council.unsc(2017)
    assert (council.seats, council.threshold) == (15, 9)
    assert set(council.veto_holders) == {"CHN", "FRA", "GBR", "RUS", "USA"}
    assert {"JPN", "SWE", "UKR"} <= set(council.members)


def test_enlargement_year():
    assert (Council.unsc(1965).seats, Council.unsc(1965).threshold) == (11, 7)
    assert (Council.unsc(1966).seats, Council.unsc(1966).threshold) == (15, 9)


@pytest.mark.parametrize("year", [1900, 1945, 2100])
def test_council_outside_the_record(year):
    with pytest.raises(ValueError, match=f"no membership record for {year}; .* 1946-2026"):
        Council.unsc(year)


# --- defaults and lookups ----------------------------------------------------------------------


def test_members_without_a_stance_get_the_default():
    scenario = Scenario(council=COUNCIL, members=[Member(code="AA", support=1.0)])
    assert scenario.member("BB") == Member(code="BB")
    with pytest.raises(InputError, match="'ZZ' is not on the council"):
        scenario.member("ZZ")


def test_content_hash_tracks_content():
    a = Scenario(council=COUNCIL, drafts=[Draft(id="d")])
    b = Scenario(council=COUNCIL, drafts=[Draft(id="d")])
    c = Scenario(council=COUNCIL, drafts=[Draft(id="d")], mood_sd=0.6)
    assert a.content_hash() == b.content_hash() != c.content_hash()


# --- sponsors, rivals, camps, affinities and loadings --------------------------------------------


def test_sponsor_that_looks_like_a_code_must_sit_on_the_council():
    _fails(lambda: Scenario(council=COUNCIL, drafts=[Draft(id="d", sponsors=["AA", "CCC"])]),
           "drafts[0].sponsors", "'CCC' is not on the council (did you mean 'CC'?)")
    # States outside the Council go by name.
    assert Scenario(council=COUNCIL, drafts=[Draft(id="d", sponsors=["AA", "Ukraine"])])


def test_rival_must_be_another_draft_of_the_scenario():
    _fails(lambda: Scenario(council=COUNCIL, drafts=[Draft(id="a", rivals=["c"]), Draft(id="b")]),
           "drafts[0].rivals", "no draft 'c' in the scenario; its other drafts are b")
    _fails(lambda: Scenario(council=COUNCIL, drafts=[Draft(id="a", rivals=["a-2"])]),
           "drafts[0].rivals", "no draft 'a-2' in the scenario; it has no other draft: add the "
           "rival text as a [[draft]] of its own")
    _fails(lambda: Scenario(council=COUNCIL, drafts=[Draft(id="a", rivals=["a"])]),
           "drafts[0].rivals", "a draft cannot be its own rival ('a')")


def test_rival_relation_is_mutual():
    scenario = Scenario(council=COUNCIL,
                        drafts=[Draft(id="a", rivals=["b"]), Draft(id="b"), Draft(id="c")])
    assert [scenario.has_rival(d) for d in scenario.drafts] == [True, True, False]


def test_affinity_keys_are_member_codes_or_camps():
    camps = {"north": ("AA", "BB")}
    _fails(lambda: Scenario(council=COUNCIL, camps=camps,
                            members=[Member(code="CC", affinity={"nort": 1.0})]),
           "members[0].affinity", "unknown key 'nort' (did you mean 'north'?)",
           "allowed: a member code (AA, BB, CC) or a camp (north)")
    assert Scenario(council=COUNCIL, camps=camps,
                    members=[Member(code="CC", affinity={"north": 1.0, "AA": -1.0})])


def test_own_camps_must_sit_on_the_council():
    _fails(lambda: Scenario(council=COUNCIL, camps={"north": ("AA", "DD")}),
           "camps.north", "'DD' is not on the council")
    _fails(lambda: Scenario(council=COUNCIL, camps={"AA": ("AA",)}),
           "camps.AA", "a camp may not be named after a member code")
    # The default camps (west, east, arab) serve councils without those seats.
    assert Scenario(council=COUNCIL).camps == DEFAULT_CAMPS
    assert set(DEFAULT_CAMPS) == {"west", "east", "arab"}


def test_loadings_only_for_members_of_the_bloc():
    _fails(lambda: Bloc(name="b", members=["AA", "BB"], loadings={"CC": -1.0}),
           "loadings", "'CC' is not a member of bloc 'b'; its members are AA, BB")
    _fails(lambda: Bloc(name="b", members=["AA"], loadings={"AA": float("nan")}),
           "loadings", "the loading of AA must be a number from -1e+06 to 1e+06, got nan")
    assert Bloc(name="b", members=["AA", "BB"], loadings={"BB": -1.0}).loading("AA") == 1.0


@pytest.mark.parametrize("field", ["rival", "amendment"])
def test_context_terms_must_be_finite(field):
    _fails(lambda: Member(code="AA", **{field: float("inf")}), field, "must be a finite number")


def test_new_fields_at_their_defaults_keep_the_content_hash():
    plain = Scenario(council=COUNCIL, drafts=[Draft(id="d")], members=[Member(code="AA")])
    spelled_out = Scenario(council=COUNCIL, drafts=[Draft(id="d", rivals=(), amendment=False)],
                           members=[Member(code="AA", affinity={}, rival=0.0)],
                           camps=dict(DEFAULT_CAMPS))
    used = Scenario(council=COUNCIL, drafts=[Draft(id="d", amendment=True)],
                    members=[Member(code="AA")])
    assert plain.content_hash() == spelled_out.content_hash() != used.content_hash()
