"""Tests for the exact engine (quadrature over shared shocks, dynamic programme over members).

Three kinds of evidence:

* known answers in closed form (53/64; a lone member's normal vote probabilities);
* an independent brute force: every vote profile of a small council is enumerated, and its
  probability integrated over the mood and bloc shocks with a product trapezoidal rule written
  here from docs/model.md (not from ``votemodel.py`` or ``exact.py``); outcomes come from the
  Charter rule ``councilsim.rules.adopted_array``;
* hypothesis properties that must hold for any council and stances (monotonicity, invariance
  under member order, what a permanent member's abstention or a procedural draft means).

Tolerances: exact results carry a quadrature error bound (``std_error``); comparisons allow that
bound plus a floor for floating-point rounding, never a hand-picked slack.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from known_answers import thirds, thirds_closed_form
from paths import REPO_ROOT
from scipy.special import ndtr

from councilsim import (
    Bloc,
    Council,
    Draft,
    Member,
    Provision,
    Scenario,
    adopted_array,
    simulate,
)
from councilsim.exact import MAX_NODES
from councilsim.rules import NO, YES

from strategies import POLICY_KIND, scenarios

#: Rounding floor: sums of a few dozen products of probabilities lose at most ~1e-15 each.
ROUNDING = 1e-12

# Exact computations only: hypothesis examples are fixed so every run checks the same cases.
EXACT = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _replace(model, **changes):
    """A re-validated copy of a frozen pydantic model with some fields changed."""
    return type(model).model_validate({**dict(model), **changes})


def _with_draft(scenario: Scenario, **changes) -> Scenario:
    return _replace(scenario, drafts=(_replace(scenario.drafts[0], **changes),))


# --- known answers ---------------------------------------------------------------------------


def _sure_p5_coin_elected(council: Council) -> Scenario:
    """Permanent members surely yes; each elected member yes or no with probability 1/2.

    Support 1e3 with uncertainty 1 puts the yes probability at ndtr(999.5), which is 1.0 in
    floating point. Support 0 with abstention band 0 and no shared shock makes P(yes) =
    P(e > 0) = 1/2 and P(no) = P(e < 0) = 1/2 exactly, and never an abstention.
    """
    members = [
        Member(code=code, support=1e3 if code in council.veto_holders else 0.0, abstention=0.0)
        for code in council.members
    ]
    return Scenario(council=council, members=members, mood_sd=0.0, drafts=[Draft(id="d")])


def test_known_answer_53_over_64():
    # Known answer (53/64): adopted iff at least 4 of the 10 coin-flipping elected members say yes.
    result = simulate(_sure_p5_coin_elected(Council.unsc(2017)), method="exact")
    assert abs(result.p_adopted - 53 / 64) <= ROUNDING
    assert result.p_vetoed == 0.0
    assert abs(result.p_short - 11 / 64) <= ROUNDING
    binomial = [0.0] * 5 + [math.comb(10, k) / 2**10 for k in range(11)]
    np.testing.assert_allclose(result.tally, binomial, rtol=0, atol=ROUNDING)
    # A permanent member decides whenever the others reach 8 yes (P = 53/64); an elected member
    # only when the other nine elected give exactly 3 yes: C(9, 3) / 2^9 = 21/128.
    for code in result.p_decisive:
        expected = 53 / 64 if code in result.veto_prob else 21 / 128
        assert abs(result.p_decisive[code] - expected) <= ROUNDING, code


@pytest.mark.parametrize("year", [2017, 1950])
def test_known_answer_thirds(year):
    # Every member yes, no or abstain with 1/3 each: a veto needs the required yes votes, so a
    # holder's veto is far rarer than its no (1/3), and the three outcomes add up to 1.
    council = Council.unsc(year)
    expected = thirds_closed_form(council)
    result = simulate(thirds(council), method="exact")
    assert abs(result.p_adopted - float(expected["p_adopted"])) <= ROUNDING
    assert abs(result.p_vetoed - float(expected["p_vetoed"])) <= ROUNDING
    assert abs(result.p_short - float(expected["p_short"])) <= ROUNDING
    assert expected["p_adopted"] + expected["p_vetoed"] + expected["p_short"] == 1
    assert list(result.veto_prob) == list(council.veto_holders)
    for code in council.veto_holders:
        assert abs(result.veto_prob[code] - float(expected["veto"])) <= ROUNDING, code
        assert abs(result.p_no[code] - 1 / 3) <= ROUNDING, code


def test_known_answer_before_1966():
    # Eleven seats, seven to adopt: at least 2 of the 6 elected, P = 1 - 7/64 = 57/64.
    result = simulate(_sure_p5_coin_elected(Council.unsc(1950)), method="exact")
    assert abs(result.p_adopted - 57 / 64) <= ROUNDING


@pytest.mark.parametrize(
    ("mood_sd", "bloc_sd", "veto_cost", "absence"),
    [(0.0, 0.0, 0.0, 0.0), (0.5, 0.0, 0.0, 0.1), (0.7, 0.9, 0.4, 0.0), (1.2, 0.3, 1.0, 0.25)],
)
def test_single_member_vote_probabilities_are_normal(mood_sd, bloc_sd, veto_cost, absence):
    # D = mean + mood_sd G + bloc_sd E + sd e is normal with variance the sum of the three, so
    # P(Y) = (1 - absence) Phi((mean - band) / total_sd) and
    # P(N) = (1 - absence) Phi((-(band + cost) - mean) / total_sd).
    support, sd, band = 0.3, 0.8, 0.25
    ideal, weight, status_quo = 0.2, 1.5, 0.1
    draft_severity = 1.0 - 2.0 / 4.5  # 2,000,000 barrels/year against a 4,500,000 baseline
    mean = support + weight * ((ideal - status_quo) ** 2 - (ideal - draft_severity) ** 2)
    total_sd = math.sqrt(sd**2 + mood_sd**2 + bloc_sd**2)
    council = Council(members=["AAA", "BBB", "CCC"], veto_holders=["AAA"], threshold=2)
    scenario = Scenario(
        council=council,
        members=[
            Member(
                code="AAA", support=support, uncertainty=sd, abstention=band,
                veto_cost=veto_cost, absence=absence,
                ideal={"oil_refined": ideal}, salience={"oil_refined": weight},
            )
        ],
        blocs=[Bloc(name="b", members=["AAA", "BBB"], sd=bloc_sd)],
        mood_sd=mood_sd,
        status_quo=[Provision(kind="oil_refined", severity=status_quo)],
        drafts=[Draft(id="d", provisions=[
            Provision(kind="oil_refined", value=2_000_000, unit="barrels/year")
        ])],
    )
    result = simulate(scenario, method="exact")
    p_yes = (1 - absence) * ndtr((mean - band) / total_sd)
    p_no = (1 - absence) * ndtr((-(band + veto_cost) - mean) / total_sd)
    probs = result.vote_probs["AAA"]
    # Marginals integrate one smooth normal CDF: the quadrature is good to rounding here.
    assert abs(probs["Y"] - p_yes) <= 1e-10
    assert abs(probs["N"] - p_no) <= 1e-10
    assert abs(probs["A"] - (1 - absence - p_yes - p_no)) <= 1e-10
    assert abs(probs["X"] - absence) <= 1e-10
    assert abs(result.p_no["AAA"] - p_no) <= 1e-10


# --- brute force -----------------------------------------------------------------------------

#: Target of the reference's step choice: trapezoidal error about exp(-40), far below 1e-9.
_TRAPEZOID_EXPONENT = 40.0
#: Standard normal shocks beyond this many sd carry under 1e-18 of probability.
_TAIL = 9.0


def _normal_rule(loadings_over_sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Trapezoidal rule for E f(Z), Z standard normal, with a step fitted to ``f``.

    The integrand is phi(z) times a product of normal CDFs Phi(c + r z) with ``r`` the shock's
    loading over a member's own sd. Each factor grows like exp(r^2 y^2 / 2) off the real axis
    and phi like exp(y^2 / 2), so with K = (1 + sum r^2) / 2 the trapezoidal error behaves like
    exp(-pi^2 / (K h^2)); the step below makes that exp(-40).
    """
    k = 0.5 * (1.0 + np.sum(loadings_over_sd**2))
    step = min(0.5, math.pi / math.sqrt(_TRAPEZOID_EXPONENT * k))
    half = math.ceil(_TAIL / step)
    z = step * np.arange(-half, half + 1)
    return z, step * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _brute_force(scenario: Scenario) -> dict:
    """Everything the engine reports, by enumerating all 4^n vote profiles.

    Written from docs/model.md alone: D_i = v_i + sum_k w_ik ((x_ik - q_k)^2 - (x_ik - s_k)^2)
    + g G + l_i b E + sigma_i e_i; yes if D_i > a_i, no if D_i < -(a_i + c_i), else abstain;
    absent with probability p_i, obliged members abstain. v_i gains the member's affinity for
    each key (member or camp) among the draft's sponsors, its rival term when a rival draft is
    on the table, its amendment term for an amendment. At most one bloc may have a shock.
    """
    council, draft = scenario.council, scenario.drafts[0]
    sponsors = set(draft.sponsors)
    rival_on_table = bool(draft.rivals) or any(draft.id in d.rivals for d in scenario.drafts)
    codes, n = council.members, council.seats
    status_quo = scenario.status_quo_severities()
    proposal = scenario.draft_severities(draft)
    stances = [scenario.member(code) for code in codes]
    mean = np.array([
        m.support + sum(
            w * ((m.ideal.get(k, status_quo.get(k, 0.0)) - status_quo.get(k, 0.0)) ** 2
                 - (m.ideal.get(k, status_quo.get(k, 0.0)) - proposal.get(k, 0.0)) ** 2)
            for k, w in m.salience.items()
        )
        + sum(value for key, value in m.affinity.items()
              if sponsors & set(scenario.camps.get(key, [key])))
        + m.rival * rival_on_table + m.amendment * draft.amendment
        for m in stances
    ])
    veto = np.array([c in council.veto_holders and not draft.procedural for c in codes])
    sd = np.array([m.uncertainty for m in stances])
    band = np.array([m.abstention for m in stances])
    # A veto cost is the price of casting a veto; with no veto at stake (procedural) it is 0,
    # as votemodel documents.
    cost = np.array([m.veto_cost for m in stances]) * veto
    absent = np.array([m.absence for m in stances])
    voting = (1.0 - absent) * np.array([c not in draft.obliged_abstain for c in codes])

    shocked = [bloc for bloc in scenario.blocs if bloc.sd > 0]
    assert len(shocked) <= 1, "the reference integrates one bloc shock only"
    bloc_loading = np.zeros(n)
    for bloc in shocked:
        for c in bloc.members:
            bloc_loading[codes.index(c)] = bloc.sd * bloc.loadings.get(c, 1.0)
    mood_loading = np.full(n, scenario.mood_sd)

    def rule(loading):
        if not np.any(loading != 0):
            return np.zeros(1), np.ones(1)
        return _normal_rule(loading / sd)

    mood_z, mood_w = rule(mood_loading)
    bloc_z, bloc_w = rule(bloc_loading)
    g = np.repeat(mood_z, bloc_z.size)
    e = np.tile(bloc_z, mood_z.size)
    weight = np.repeat(mood_w, bloc_z.size) * np.tile(bloc_w, mood_z.size)

    profiles = np.array(list(itertools.product(range(4), repeat=n)), dtype=np.int8)
    profile_prob = np.zeros(len(profiles))
    for start in range(0, weight.size, 1024):
        part = slice(start, start + 1024)
        utility = mean + mood_loading * g[part, None] + bloc_loading * e[part, None]
        p_yes = voting * ndtr((utility - band) / sd)
        p_no = voting * ndtr((-(band + cost) - utility) / sd)
        per_member = np.stack(
            [p_yes, p_no, (1.0 - absent) - p_yes - p_no, np.broadcast_to(absent, p_yes.shape)],
            axis=-1,
        )
        # Joint law at these shocks: members are independent, so an outer product whose flat
        # index runs over profiles in itertools.product order (last member fastest).
        joint = per_member[:, 0, :]
        for i in range(1, n):
            joint = (joint[:, :, None] * per_member[:, i, None, :]).reshape(len(joint), -1)
        profile_prob += weight[part] @ joint

    passed = adopted_array(profiles, council, procedural=draft.procedural)
    yes_count = np.count_nonzero(profiles == YES, axis=1)
    # A veto as the Council counts it: the required yes votes, and a veto holder's no.
    enough = yes_count >= council.threshold
    vetoed = enough & np.any((profiles == NO) & veto, axis=1)
    decisive = []
    for i in range(n):
        as_yes, as_no = profiles.copy(), profiles.copy()
        as_yes[:, i], as_no[:, i] = YES, NO
        flips = adopted_array(as_yes, council, procedural=draft.procedural) != adopted_array(
            as_no, council, procedural=draft.procedural
        )
        decisive.append(profile_prob[flips].sum())
    return {
        "total": profile_prob.sum(),
        "p_adopted": profile_prob[passed].sum(),
        "p_vetoed": profile_prob[vetoed].sum(),
        "p_short": profile_prob[~enough].sum(),
        "veto_prob": {
            code: profile_prob[enough & (profiles[:, i] == NO)].sum()
            for i, code in enumerate(codes) if veto[i]
        },
        "tally": np.bincount(yes_count, weights=profile_prob, minlength=n + 1),
        "vote_probs": {
            code: [profile_prob[profiles[:, i] == v].sum() for v in range(4)]
            for i, code in enumerate(codes)
        },
        "p_decisive": dict(zip(codes, decisive, strict=True)),
    }


def _assert_matches_brute_force(scenario: Scenario, tolerance: float, **options) -> None:
    reference = _brute_force(scenario)
    # The reference's own accuracy: its weights must integrate 1 to rounding.
    assert abs(reference["total"] - 1.0) <= ROUNDING
    result = simulate(scenario, "d", method="exact", **options)
    bound = result.std_error + tolerance
    assert abs(result.p_adopted - reference["p_adopted"]) <= bound
    assert abs(result.p_vetoed - reference["p_vetoed"]) <= bound
    assert abs(result.p_short - reference["p_short"]) <= bound
    assert result.veto_prob.keys() == reference["veto_prob"].keys()
    for code, p in reference["veto_prob"].items():
        assert abs(result.veto_prob[code] - p) <= bound, code
    assert np.abs(np.array(result.tally) - reference["tally"]).sum() <= bound
    for code, probs in result.vote_probs.items():
        expected = reference["vote_probs"][code]
        assert np.abs(np.array([probs[v] for v in "YNAX"]) - expected).max() <= bound, code
        assert abs(result.p_decisive[code] - reference["p_decisive"][code]) <= bound, code


def _six_member_bloc_scenario() -> Scenario:
    # Everyone in one bloc, no mood: the only quadrature is the engine's bloc-shock grid.
    codes = ["AA", "BB", "CC", "DD", "EE", "FF"]
    return Scenario(
        council=Council(members=codes, veto_holders=["AA"], threshold=4),
        members=[
            Member(code=c, support=0.2 * i - 0.4, uncertainty=1.29, abstention=0.1)
            for i, c in enumerate(codes)
        ],
        blocs=[Bloc(name="all", members=codes, sd=1.435)],
        mood_sd=0.0,
        drafts=[Draft(id="d")],
    )


def test_brute_force_reproduces_known_answer():
    # The reference itself must pass the 53/64-type check on a council small enough for it:
    # 2 sure permanent members, 4 coin-flip elected members, 4 of 6 needed: P(>= 2 of 4) = 11/16.
    council = Council(
        members=["PA", "PB", "EA", "EB", "EC", "ED"], veto_holders=["PA", "PB"], threshold=4
    )
    reference = _brute_force(_sure_p5_coin_elected(council))
    assert abs(reference["p_adopted"] - 11 / 16) <= ROUNDING


def test_exact_matches_brute_force_with_mood_and_bloc():
    # Moderate shocks: well inside what 40 Gauss-Hermite nodes resolve.
    codes = ["AA", "BB", "CC", "DD", "EE"]
    scenario = Scenario(
        council=Council(members=codes, veto_holders=["AA", "DD"], threshold=3),
        members=[
            Member(code="AA", support=0.4, uncertainty=1.0, abstention=0.3, veto_cost=0.5),
            Member(code="BB", support=-0.2, uncertainty=0.8, abstention=0.1, absence=0.1),
            Member(code="CC", support=0.9, uncertainty=1.5, abstention=0.0),
            Member(code="DD", support=-0.5, uncertainty=1.2, abstention=0.6, veto_cost=0.2),
            Member(code="EE", support=0.0, uncertainty=0.9, abstention=0.2),
        ],
        blocs=[Bloc(name="b", members=["AA", "CC"], sd=0.6)],
        mood_sd=0.5,
        drafts=[Draft(id="d", obliged_abstain=["EE"])],
    )
    _assert_matches_brute_force(scenario, 1e-9)


def test_bloc_grid_error_is_within_reported_bound():
    # Regression: a bloc-shock grid step blind to how many members share the shock left this
    # six-member bloc off by ~3e-6 while std_error reported 0 (the grid is not in the bound).
    _assert_matches_brute_force(_six_member_bloc_scenario(), 1e-9)


@EXACT
@given(scenarios(max_seats=6, max_blocs=1, procedural=None))
def test_exact_matches_brute_force(scenario):
    # The engine's reported quadrature bound must cover its actual error, up to 1e-9.
    _assert_matches_brute_force(scenario, 1e-9)


@EXACT
@given(scenarios(max_seats=6, max_blocs=1, procedural=None, context=True))
def test_exact_matches_brute_force_with_signed_loadings_and_draft_context(scenario):
    # Signed loadings (a bloc whose members move against each other), affinities for sponsors,
    # rival and amendment terms: still exact, within the reported bound plus 1e-9.
    _assert_matches_brute_force(scenario, 1e-9)


def test_exact_matches_brute_force_east_west():
    # The correlated-opposition bloc of the docs: two sides at +1 and -1, a rival draft, and
    # affinities by camp.
    codes = ["RUS", "CHN", "USA", "GBR", "EA"]
    scenario = Scenario(
        council=Council(members=codes, veto_holders=codes[:4], threshold=3),
        camps={"east": ("RUS", "CHN"), "west": ("USA", "GBR")},
        members=[
            Member(code="RUS", support=0.5, affinity={"east": 1.0, "west": -2.0}, veto_cost=0.3),
            Member(code="CHN", support=0.8, affinity={"west": -1.0}, veto_cost=0.6),
            Member(code="USA", support=0.5, affinity={"west": 1.0, "east": -2.0}),
            Member(code="GBR", support=0.5, affinity={"west": 1.0, "east": -2.0}),
            Member(code="EA", support=0.6, rival=-0.4, uncertainty=0.7),
        ],
        blocs=[Bloc(name="east-west", members=codes[:4], sd=0.9,
                    loadings={"USA": -1.0, "GBR": -1.0})],
        mood_sd=0.4,
        drafts=[Draft(id="d", sponsors=["RUS"]), Draft(id="w", sponsors=["USA"], rivals=["d"])],
    )
    _assert_matches_brute_force(scenario, 1e-9)


# --- properties ------------------------------------------------------------------------------


def _exact(scenario: Scenario):
    return simulate(scenario, method="exact")


def _slack(*results) -> float:
    return sum(r.std_error for r in results) + ROUNDING


@EXACT
@given(scenarios(procedural=None), st.data())
def test_more_support_never_lowers_adoption(scenario, data):
    # Support shifts a member's utility up: mass moves from no to abstain to yes, and the
    # Charter rule never punishes a yes. So P(adopted) cannot fall.
    i = data.draw(st.integers(0, len(scenario.members) - 1), label="member")
    rise = data.draw(st.floats(min_value=0.0, max_value=3.0), label="rise")
    members = list(scenario.members)
    members[i] = _replace(members[i], support=members[i].support + rise)
    before, after = _exact(scenario), _exact(_replace(scenario, members=tuple(members)))
    assert after.p_adopted >= before.p_adopted - _slack(before, after)


@EXACT
@given(scenarios(min_veto=1), st.data())
def test_permanent_members_abstention_is_not_a_veto(scenario, data):
    # A veto holder obliged to abstain must count exactly like an ordinary member abstaining.
    council = scenario.council
    holder = data.draw(st.sampled_from(council.veto_holders), label="veto holder")
    obliged = tuple(sorted(set(scenario.drafts[0].obliged_abstain) | {holder}))
    as_permanent = _with_draft(scenario, obliged_abstain=obliged)
    stripped_council = _replace(
        council, veto_holders=tuple(c for c in council.veto_holders if c != holder)
    )
    members = tuple(
        _replace(m, veto_cost=0.0) if m.code == holder else m for m in as_permanent.members
    )
    as_elected = _replace(as_permanent, council=stripped_council, members=members)
    permanent, elected = _exact(as_permanent), _exact(as_elected)
    assert permanent.veto_prob[holder] == 0.0
    assert abs(permanent.p_adopted - elected.p_adopted) <= _slack(permanent, elected)
    assert abs(permanent.p_vetoed - elected.p_vetoed) <= _slack(permanent, elected)


@EXACT
@given(scenarios(procedural=None), st.randoms(use_true_random=False))
def test_member_order_does_not_matter(scenario, rng):
    codes = list(scenario.council.members)
    rng.shuffle(codes)
    members = list(scenario.members)
    rng.shuffle(members)
    blocs = tuple(_replace(b, members=tuple(rng.sample(b.members, len(b.members))))
                  for b in scenario.blocs)
    shuffled = _replace(
        scenario,
        council=_replace(scenario.council, members=tuple(codes)),
        members=tuple(members),
        blocs=blocs,
    )
    original, permuted = _exact(scenario), _exact(shuffled)
    assert abs(original.p_adopted - permuted.p_adopted) <= 1e-10
    np.testing.assert_allclose(original.tally, permuted.tally, rtol=0, atol=1e-10)
    for code in scenario.council.members:
        for vote in "YNAX":
            assert abs(original.vote_probs[code][vote] - permuted.vote_probs[code][vote]) <= 1e-10
        assert abs(original.p_decisive[code] - permuted.p_decisive[code]) <= 1e-10
    assert original.veto_prob.keys() == permuted.veto_prob.keys()


@EXACT
@given(scenarios(procedural=None), st.data())
def test_higher_threshold_never_raises_adoption(scenario, data):
    council = scenario.council
    higher = data.draw(st.integers(council.threshold, council.seats), label="threshold")
    raised = _replace(scenario, council=_replace(council, threshold=higher))
    low, high = _exact(scenario), _exact(raised)
    assert high.p_adopted <= low.p_adopted + _slack(low, high)


@EXACT
@given(scenarios(procedural=None))
def test_probabilities_add_up(scenario):
    result = _exact(scenario)
    assert abs(sum(result.tally) - 1.0) <= ROUNDING
    assert abs(result.p_adopted + result.p_vetoed + result.p_short - 1.0) <= ROUNDING
    assert len(result.tally) == scenario.council.seats + 1
    # No yes count above what the members who can vote yes could give.
    obliged = set(scenario.drafts[0].obliged_abstain)
    can_say_yes = scenario.council.seats - len(obliged)
    assert max(result.tally[can_say_yes + 1:], default=0.0) <= ROUNDING
    for code, probs in result.vote_probs.items():
        assert abs(sum(probs.values()) - 1.0) <= ROUNDING, code
        assert all(-ROUNDING <= p <= 1.0 + ROUNDING for p in probs.values()), code
        assert -ROUNDING <= result.p_decisive[code] <= 1.0 + ROUNDING, code
        if code in obliged:
            assert probs["Y"] == probs["N"] == 0.0, code


@EXACT
@given(scenarios(min_veto=1))
def test_procedural_drafts_ignore_vetoes(scenario):
    # Art. 27(2): a procedural draft is the same vote in a council where nobody holds a veto.
    procedural = _with_draft(scenario, procedural=True)
    no_veto = _replace(
        scenario,
        council=_replace(scenario.council, veto_holders=()),
        members=tuple(_replace(m, veto_cost=0.0) for m in scenario.members),
    )
    a, b = _exact(procedural), _exact(no_veto)
    # p_vetoed is the difference of two equal count laws, so it is 0 up to rounding.
    assert a.procedural and abs(a.p_vetoed) <= ROUNDING and a.veto_prob == {}
    assert abs(a.p_adopted - sum(a.tally[scenario.council.threshold:])) <= ROUNDING
    assert abs(a.p_adopted - b.p_adopted) <= _slack(a, b)
    for code in scenario.council.members:
        assert abs(a.p_decisive[code] - b.p_decisive[code]) <= _slack(a, b), code


def test_error_bound_never_grows_with_more_nodes():
    # A strong mood against small idiosyncratic noise: a step-like integrand in the mood.
    scenario = Scenario(
        council=Council(members=["AA", "BB", "CC"], threshold=2),
        members=[Member(code=c, uncertainty=0.3, support=s) for c, s in
                 zip(["AA", "BB", "CC"], [0.2, -0.1, 0.4], strict=True)],
        mood_sd=1.5,
        drafts=[Draft(id="d")],
    )
    errors = [simulate(scenario, method="exact", nodes=n).std_error for n in (20, 40, 120)]
    assert errors[0] >= errors[1] >= errors[2]
    assert errors[0] < 1e-6


def _random_law(rng):
    """A 15-seat law with random means, bands, member sds, mood and blocs (some signed)."""
    from councilsim.votemodel import VoteLaw

    n = 15
    band = rng.uniform(0.0, 1.5, n)
    veto = np.arange(n) < 5
    bloc, loading = -np.ones(n, dtype=int), np.ones(n)
    blocs = int(rng.integers(0, 3))
    order = rng.permutation(n)
    for b in range(blocs):
        members = order[4 * b : 4 * b + 4 + int(rng.integers(0, 2))]
        bloc[members] = b
        if rng.random() < 0.5:
            loading[members] = rng.choice([-1.2, -0.8, 0.5, 1.0, 1.5], size=members.size)
    return VoteLaw(
        codes=tuple(f"M{i:02d}" for i in range(n)),
        mean=rng.normal(rng.normal(1.0, 1.5), rng.choice([0.3, 1.0, 2.0]), n),
        sd=rng.choice([0.3, 0.5, 1.0], size=n) if rng.random() < 0.5 else np.ones(n),
        yes_above=band, no_below=-band - veto * rng.uniform(0.0, 1.0, n),
        p_absent=np.zeros(n), obliged_abstain=np.zeros(n, dtype=bool), bloc=bloc,
        bloc_sd=rng.uniform(0.3, 2.0, blocs), mood_sd=float(rng.choice([0.5, 1.0, 2.0, 4.0])),
        veto=veto, threshold=9, loading=loading,
    )


def test_reported_error_covers_the_difference_to_a_much_finer_mood_grid(monkeypatch):
    # The mood step is set for speed and the error estimated from rules of twice and four times
    # the step (exact._error_estimates). Against a grid five times finer, the estimate must cover
    # the true change on random sharp and smooth laws alike.
    from councilsim import exact

    rng = np.random.default_rng(20261208)
    laws = [_random_law(rng) for _ in range(40)]
    outcomes = [exact.run_exact(law, decisive=False) for law in laws]
    monkeypatch.setattr(exact, "_MOOD_SPACING", exact._MOOD_SPACING / 5)
    exact._cached_structure.cache_clear()
    try:
        references = [exact.run_exact(law, decisive=False) for law in laws]
    finally:
        exact._cached_structure.cache_clear()
    for outcome, reference in zip(outcomes, references, strict=True):
        change = np.abs(outcome.tally - reference.tally).sum()
        assert change <= outcome.error + reference.error + ROUNDING
        assert outcome.error < 1e-9


def test_a_strong_mood_against_sharp_members_matches_monte_carlo():
    # Regression: a fixed Gauss-Hermite rule over the mood was off by 37 standard errors here;
    # the mood grid's step now follows the integrand's scale.
    rng = np.random.default_rng(0)
    council = Council.unsc(2017)
    members = [Member(code=code, support=float(rng.normal(0.5, 1)),
                      uncertainty=float(rng.uniform(0.3, 1.5))) for code in council.members]
    scenario = Scenario(council=council, members=members, drafts=[Draft(id="d")], mood_sd=3.0)
    exact = simulate(scenario, method="exact")
    mc = simulate(scenario, method="monte_carlo", draws=200_000, seed=1)
    assert abs(exact.p_adopted - mc.p_adopted) <= 4 * mc.std_error + exact.std_error
    assert exact.std_error < 1e-6


def test_too_sharp_for_the_exact_engine_falls_back_to_monte_carlo_under_auto():
    from councilsim import compare
    from councilsim.exact import ExactTooCostly

    scenario = Scenario(
        council=Council.unsc(2017),
        members=[Member(code="RUS", uncertainty=1e-5)],
        blocs=[Bloc(name="b", members=["RUS", "CHN"], sd=1e-5)],
        drafts=[Draft(id="d")],
        simulation={"draws": 10_000, "seed": 1},
    )
    assert simulate(scenario).method == "monte_carlo"
    with pytest.raises(ExactTooCostly, match="use method='monte_carlo'"):
        simulate(scenario, method="exact")
    # The same through the batched path (compare), with two texts so that it batches.
    two = scenario.model_copy(update={"drafts": [Draft(id="d"), Draft(id="e", title="another")]})
    assert {result.method for result in compare(two)} == {"monte_carlo"}
    with pytest.raises(ExactTooCostly, match="use method='monte_carlo'"):
        compare(two, method="exact")


@pytest.mark.parametrize("nodes", [2, 3, 20, MAX_NODES - 1, MAX_NODES])
def test_every_accepted_node_count_works(nodes):
    # simulate() accepts nodes from 2 to MAX_NODES. Each must give a proper law whose error bound
    # covers the truth; from 20 nodes on, the mood rule has converged to rounding on this
    # smooth problem (mood sd 0.5 against member sd 1), so the answer must be the truth.
    scenario = Scenario(
        council=Council(members=["AA", "BB", "CC"], threshold=2), drafts=[Draft(id="d")]
    )
    truth = simulate(scenario, method="exact", nodes=64)
    assert truth.std_error < 1e-12
    result = simulate(scenario, method="exact", nodes=nodes)
    assert abs(sum(result.tally) - 1.0) <= ROUNDING
    for code, probs in result.vote_probs.items():
        assert abs(sum(probs.values()) - 1.0) <= ROUNDING, code
    assert abs(result.p_adopted - truth.p_adopted) <= result.std_error + truth.std_error + ROUNDING
    if nodes >= 20:
        assert abs(result.p_adopted - truth.p_adopted) <= 1e-9


def test_policy_kind_used_by_strategies_is_a_cap():
    # The strategies' drafts rely on a real-unit cap kind existing in the built-in catalog.
    scenario = Scenario(council=Council(members=["AA"], threshold=1))
    assert scenario.provision_kinds[POLICY_KIND].scale == "cap"


def test_fifteen_seats_with_blocs_in_any_order():
    # The property tests stop at 7 seats; the real Council has 15 and three blocs.
    council = Council.unsc(2017)
    blocs = [Bloc(name="p3", members=["USA", "GBR", "FRA"], sd=0.4),
             Bloc(name="russia-china", members=["RUS", "CHN"], sd=0.6),
             Bloc(name="a3", members=["ETH", "SEN", "EGY"], sd=0.5)]
    members = [Member(code=c, support=0.1 * (i - 7), uncertainty=0.5 + 0.1 * i)
               for i, c in enumerate(council.members)]
    scenario = Scenario(council=council, members=members, blocs=blocs, mood_sd=0.7,
                        drafts=[Draft(id="d")])
    reordered = _replace(scenario, council=_replace(council, members=council.members[::-1]))
    a, b = _exact(scenario), _exact(reordered)
    assert abs(sum(a.tally) - 1.0) <= ROUNDING
    assert abs(a.p_adopted + a.p_vetoed + a.p_short - 1.0) <= ROUNDING
    assert abs(a.p_adopted - b.p_adopted) <= 1e-10
    for code in council.members:
        assert abs(a.p_decisive[code] - b.p_decisive[code]) <= 1e-10, code
        assert abs(a.vote_probs[code]["Y"] - b.vote_probs[code]["Y"]) <= 1e-10, code


# --- batches of laws -------------------------------------------------------------------------


def _scenario_laws() -> list:
    """Every draft of every shipped scenario, plus texts rewritten along the flagship's oil cap."""

    from councilsim import load_scenario
    from councilsim.votemodel import RandomUtilityModel

    laws = []
    for path in sorted((REPO_ROOT / "scenarios").glob("*.toml")):
        scenario = load_scenario(path)
        laws += [RandomUtilityModel().prepare(scenario, draft) for draft in scenario.drafts]
    flagship = load_scenario(REPO_ROOT / "scenarios" / "dprk-2017-09.toml")
    base = flagship.draft("us-first-draft")
    for value in np.linspace(0.0, 4_500_000.0, 60):
        provisions = [p for p in base.provisions if p.kind != "oil_refined"]
        text = base.model_copy(update={"provisions": (
            *provisions, Provision(kind="oil_refined", value=float(value)))})
        laws.append(RandomUtilityModel().prepare(flagship, text))
    return laws


@pytest.mark.parametrize("decisive", [True, False])
def test_batched_laws_give_the_same_numbers_bit_for_bit(decisive):
    # run_exact_many groups laws by structure and evaluates up to BATCH_LAWS at once; each law's
    # numbers must not depend on its batch-mates, their order or how many there are.
    from councilsim.exact import BATCH_LAWS, run_exact, run_exact_many

    laws = _scenario_laws()
    assert len(laws) > 2 * BATCH_LAWS  # several batches, one of them partial
    order = np.random.default_rng(0).permutation(len(laws))
    batched = run_exact_many([laws[i] for i in order], decisive=decisive)
    for i, outcome in zip(order, batched, strict=True):
        alone = run_exact(laws[i], decisive=decisive)
        np.testing.assert_array_equal(outcome.tally, alone.tally)
        np.testing.assert_array_equal(outcome.vote_probs, alone.vote_probs)
        assert outcome.error == alone.error
        if decisive:
            np.testing.assert_array_equal(outcome.p_decisive, alone.p_decisive)
        else:
            assert outcome.p_decisive is None


def test_compare_equals_one_simulation_per_draft():

    from councilsim import compare, load_scenario

    scenario = load_scenario(REPO_ROOT / "scenarios" / "dprk-2017-09.toml")
    together = compare(scenario)
    for draft in scenario.drafts:
        alone = simulate(scenario, draft.id)
        assert together[draft.id] == alone  # every field, provenance included


def test_product_grid_work_arrays_are_reused_safely():
    # A bloc with signed loadings reuses its work arrays across calls (one set per thread):
    # repeated and concurrent evaluations of different laws give each its own numbers.
    from concurrent.futures import ThreadPoolExecutor

    from councilsim import load_scenario
    from councilsim.exact import run_exact
    from councilsim.votemodel import RandomUtilityModel

    scenario = load_scenario(REPO_ROOT / "scenarios"
                             / "venezuela-2019-02.toml")
    laws = [RandomUtilityModel().prepare(scenario, draft) for draft in scenario.drafts] * 4
    alone = [run_exact(law) for law in laws[:2]]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(run_exact, laws))
    for k, outcome in enumerate(together):
        expected = alone[k % 2]
        assert np.array_equal(outcome.tally, expected.tally)
        assert np.array_equal(outcome.p_decisive, expected.p_decisive)
        assert np.array_equal(outcome.vote_probs, expected.vote_probs)
    assert not np.array_equal(alone[0].tally, alone[1].tally)
