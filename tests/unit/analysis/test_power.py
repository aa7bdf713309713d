"""Tests for the exact voting-power indices (councilsim.analysis.power).

The closed-form type-counting in ``power_indices`` is checked against brute force that
knows nothing about member types: every ordering of the members (Shapley–Shubik, n <= 7)
and every coalition (Banzhaf, and Shapley–Shubik by coalition weights, n <= 12).
Everything is exact, so the hypothesis runs are derandomised only for reproducibility.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from fractions import Fraction
from itertools import permutations
from math import factorial
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from councilsim.analysis.power import PowerIndices, power_indices
from councilsim.models import Council

from strategies import council_codes, councils

P5 = ("CHN", "FRA", "GBR", "RUS", "USA")
ELECTED_10 = ("ALB", "BRA", "ECU", "GAB", "GHA", "IRL", "KEN", "MEX", "NOR", "ARE")
ELECTED_6 = ("AUS", "BRA", "COL", "EGY", "IND", "NLD")

# Exact work only, but hypothesis would otherwise pick new examples on every run.
EXACT = settings(derandomize=True, deadline=None)


def _today() -> Council:
    return Council(members=P5 + ELECTED_10, veto_holders=P5, threshold=9, name="today")


def _pre_1966() -> Council:
    return Council(members=P5 + ELECTED_6, veto_holders=P5, threshold=7, name="pre-1966")


# --- brute force, independent of the type-counting -------------------------------------


def _winning(council: Council, *, procedural: bool = False):
    """Return a predicate on coalition bitmasks (bit i = council.members[i])."""
    index = {code: i for i, code in enumerate(council.members)}
    veto_mask = 0 if procedural else sum(1 << index[code] for code in council.veto_holders)
    q = council.threshold
    return lambda mask: mask.bit_count() >= q and mask & veto_mask == veto_mask


def _brute_coalitions(council: Council, *, procedural: bool = False):
    """Swings and Shapley–Shubik values by enumerating all 2**n coalitions."""
    n = len(council.members)
    wins = _winning(council, procedural=procedural)
    swings = [0] * n
    ss_num = [0] * n
    for mask in range(1 << n):
        if not wins(mask):
            continue
        size = mask.bit_count()
        # Member i is critical in winning `mask` iff mask without i loses; the
        # coalition before i then has size - 1 members.
        weight = factorial(size - 1) * factorial(n - size)
        for i in range(n):
            bit = 1 << i
            if mask & bit and not wins(mask ^ bit):
                swings[i] += 1
                ss_num[i] += weight
    codes = council.members
    return (
        dict(zip(codes, swings, strict=True)),
        {c: Fraction(num, factorial(n)) for c, num in zip(codes, ss_num, strict=True)},
    )


def _brute_orderings(council: Council, *, procedural: bool = False) -> dict[str, Fraction]:
    """Shapley–Shubik values by walking every one of the n! orderings."""
    n = len(council.members)
    wins = _winning(council, procedural=procedural)
    pivots = [0] * n
    for order in permutations(range(n)):
        mask = 0
        for i in order:
            mask |= 1 << i
            if wins(mask):
                pivots[i] += 1
                break
    return {c: Fraction(p, factorial(n)) for c, p in zip(council.members, pivots, strict=True)}


# --- known answers ----------------------------------------------------------------------


def test_todays_council_known_values() -> None:
    result = power_indices(_today())
    for code in P5:
        assert result.shapley_shubik[code] == Fraction(421, 2145)
        # Critical iff the other 4 permanent members and >= 4 of the 10 elected are in:
        # sum_{k=4}^{10} C(10, k) = 1024 - 176 = 848.
        assert result.swings[code] == 848
        assert result.banzhaf[code] == Fraction(106, 635)
        assert result.banzhaf_absolute[code] == Fraction(848, 2**14)
    for code in ELECTED_10:
        assert result.shapley_shubik[code] == Fraction(4, 2145)
        # Critical iff exactly 9 yes with all P5: 3 of the other 9 elected, C(9, 3) = 84.
        assert result.swings[code] == 84
        assert result.banzhaf[code] == Fraction(21, 1270)
        assert result.banzhaf_absolute[code] == Fraction(84, 2**14)
    assert result.council_name == "today"
    assert result.members == P5 + ELECTED_10


def test_todays_council_matches_brute_force() -> None:
    council = _today()
    swings, ss = _brute_coalitions(council)
    result = power_indices(council)
    assert result.swings == swings
    assert result.shapley_shubik == ss


def test_pre_1966_council_known_values_and_brute_force() -> None:
    council = _pre_1966()
    result = power_indices(council)
    # Elected member: C(5, 1) coalitions of size 6 -> 5 * 6! 4! / 11! = 1/462; the five
    # permanent members share the rest: (1 - 6/462) / 5 = 76/385.
    assert {result.shapley_shubik[c] for c in P5} == {Fraction(76, 385)}
    assert {result.shapley_shubik[c] for c in ELECTED_6} == {Fraction(1, 462)}
    # Swings: sum_{k=2}^{6} C(6, k) = 57 and C(5, 1) = 5; total 5*57 + 6*5 = 315.
    assert {result.swings[c] for c in P5} == {57}
    assert {result.swings[c] for c in ELECTED_6} == {5}
    assert {result.banzhaf[c] for c in P5} == {Fraction(19, 105)}
    assert {result.banzhaf[c] for c in ELECTED_6} == {Fraction(1, 63)}

    swings, ss = _brute_coalitions(council)
    assert result.swings == swings
    assert result.shapley_shubik == ss


def test_bundled_unsc_councils() -> None:
    # The real compositions: member order and codes come from the bundled record.
    modern = power_indices(Council.unsc(2024))
    assert sorted(modern.shapley_shubik.values()) == sorted(
        [Fraction(421, 2145)] * 5 + [Fraction(4, 2145)] * 10
    )
    old = power_indices(Council.unsc(1950))
    assert sorted(old.shapley_shubik.values()) == sorted(
        [Fraction(76, 385)] * 5 + [Fraction(1, 462)] * 6
    )
    assert modern.council_name == "unsc-2024"


# --- properties over generated councils -------------------------------------------------


@EXACT
@given(councils(min_seats=1, max_seats=30))
def test_indices_sum_to_one_and_are_consistent(council: Council) -> None:
    for procedural in (False, True):
        result = power_indices(council, procedural=procedural)
        n = len(council.members)
        assert sum(result.shapley_shubik.values()) == 1
        assert sum(result.banzhaf.values()) == 1
        assert all(value >= 0 for value in result.shapley_shubik.values())
        total = sum(result.swings.values())
        for code in council.members:
            assert result.banzhaf[code] == Fraction(result.swings[code], total)
            assert result.banzhaf_absolute[code] == Fraction(result.swings[code], 2 ** (n - 1))
        assert list(result.shapley_shubik) == list(council.members)


@EXACT
@given(councils(min_seats=1, max_seats=30))
def test_symmetric_members_get_equal_power(council: Council) -> None:
    result = power_indices(council)
    vetoes = set(council.veto_holders)
    for group in (vetoes, set(council.members) - vetoes):
        for field in ("shapley_shubik", "banzhaf", "banzhaf_absolute", "swings"):
            values = getattr(result, field)
            assert len({values[code] for code in group}) <= 1, field
    # A veto holder is never weaker than an ordinary member.
    if vetoes and len(vetoes) < len(council.members):
        veto_code = council.veto_holders[0]
        other = next(c for c in council.members if c not in vetoes)
        assert result.shapley_shubik[veto_code] >= result.shapley_shubik[other]


@settings(EXACT, max_examples=100)
@given(councils(min_seats=1, max_seats=7), st.booleans())
def test_shapley_shubik_matches_all_orderings(council: Council, procedural: bool) -> None:
    result = power_indices(council, procedural=procedural)
    assert result.shapley_shubik == _brute_orderings(council, procedural=procedural)


@settings(EXACT, max_examples=150)
@given(councils(min_seats=1, max_seats=12), st.booleans())
def test_banzhaf_matches_all_coalitions(council: Council, procedural: bool) -> None:
    result = power_indices(council, procedural=procedural)
    swings, ss = _brute_coalitions(council, procedural=procedural)
    assert result.swings == swings
    n = len(council.members)
    total = sum(swings.values())
    assert result.banzhaf == {c: Fraction(s, total) for c, s in swings.items()}
    assert result.banzhaf_absolute == {c: Fraction(s, 2 ** (n - 1)) for c, s in swings.items()}
    # Same enumeration, weighted by coalition size: a second Shapley–Shubik check.
    assert result.shapley_shubik == ss


@EXACT
@given(councils(min_seats=1, max_seats=30))
def test_procedural_vote_gives_everyone_one_nth(council: Council) -> None:
    n = len(council.members)
    result = power_indices(council, procedural=True)
    assert set(result.shapley_shubik.values()) == {Fraction(1, n)}
    assert set(result.banzhaf.values()) == {Fraction(1, n)}
    assert result.procedural is True
    # The veto holders are still recorded, for reports.
    assert result.veto_holders == council.veto_holders


@pytest.mark.parametrize("n", [1, 2, 3, 11, 15, 30])
def test_no_veto_unanimity_gives_equal_power(n: int) -> None:
    council = Council(members=council_codes(n), veto_holders=(), threshold=n)
    result = power_indices(council)
    assert set(result.shapley_shubik.values()) == {Fraction(1, n)}
    assert set(result.banzhaf.values()) == {Fraction(1, n)}
    # Unanimity: each member is critical only in the grand coalition.
    assert set(result.swings.values()) == {1}


def test_everyone_holds_a_veto_is_unanimity() -> None:
    codes = council_codes(6)
    for q in range(1, 7):
        result = power_indices(Council(members=codes, veto_holders=codes, threshold=q))
        assert set(result.swings.values()) == {1}
        assert set(result.shapley_shubik.values()) == {Fraction(1, 6)}


def test_threshold_at_most_veto_count_makes_others_dummies() -> None:
    codes = council_codes(7)
    council = Council(members=codes, veto_holders=codes[:3], threshold=3)
    result = power_indices(council)
    for code in codes[3:]:
        assert result.swings[code] == 0
        assert result.shapley_shubik[code] == 0
    assert {result.shapley_shubik[c] for c in codes[:3]} == {Fraction(1, 3)}


def test_single_member_council() -> None:
    result = power_indices(Council(members=("AA",), veto_holders=(), threshold=1))
    assert result.shapley_shubik == {"AA": 1}
    assert result.banzhaf == {"AA": 1}
    assert result.banzhaf_absolute == {"AA": 1}
    assert result.swings == {"AA": 1}


@pytest.mark.parametrize("n", [25, 30])
def test_large_council_is_exact_and_fast(n: int) -> None:
    codes = council_codes(n)
    council = Council(members=codes, veto_holders=codes[:5], threshold=14)
    start = time.perf_counter()
    result = power_indices(council)
    elapsed = time.perf_counter() - start
    assert sum(result.shapley_shubik.values()) == 1
    assert sum(result.banzhaf.values()) == 1
    # Generous bound (the computation takes well under a millisecond): it only guards
    # against an accidental return to enumerating 2**n coalitions or n! orderings.
    assert elapsed < 1.0


# --- input checks ----------------------------------------------------------------------
# Council validates its own fields, so the checks inside power_indices are exercised
# with plain stand-in objects, as any duck-typed council would reach them.


@pytest.mark.parametrize("threshold", [0, -1, 4, 100])
def test_threshold_out_of_range(threshold: int) -> None:
    council = SimpleNamespace(members=("AA", "BB", "CC"), veto_holders=(), threshold=threshold)
    with pytest.raises(ValueError, match="threshold must be between 1 and"):
        power_indices(council)


@pytest.mark.parametrize("threshold", [2.0, "2", True, None])
def test_threshold_must_be_an_integer(threshold: object) -> None:
    council = SimpleNamespace(members=("AA", "BB", "CC"), veto_holders=(), threshold=threshold)
    with pytest.raises(TypeError, match="threshold must be an integer"):
        power_indices(council)


def test_veto_holders_must_be_members() -> None:
    council = SimpleNamespace(members=("AA", "BB"), veto_holders=("AA", "ZZ"), threshold=2)
    with pytest.raises(ValueError, match=r"not members: \['ZZ'\]"):
        power_indices(council)


@pytest.mark.parametrize(
    ("members", "veto_holders", "message"),
    [
        ((), (), "no members"),
        (("AA", "BB", "AA"), (), "members must be distinct"),
        (("AA", "BB"), ("AA", "AA"), "veto holders must be distinct"),
    ],
)
def test_malformed_member_lists(members, veto_holders, message) -> None:
    council = SimpleNamespace(members=members, veto_holders=veto_holders, threshold=1)
    with pytest.raises(ValueError, match=message):
        power_indices(council)


def test_stand_in_without_name_and_with_lists() -> None:
    council = SimpleNamespace(members=["AA", "BB", "CC"], veto_holders=["AA"], threshold=2)
    result = power_indices(council)
    assert result.council_name is None
    assert result.members == ("AA", "BB", "CC")
    assert result.veto_holders == ("AA",)


def test_procedural_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        power_indices(_today(), True)  # type: ignore[misc]


# --- the result object ------------------------------------------------------------------


def test_result_is_frozen_read_only_and_hashable() -> None:
    result = power_indices(_today())
    assert isinstance(result, PowerIndices)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.members = ()  # type: ignore[misc]
    with pytest.raises(TypeError, match="read-only"):
        result.swings["USA"] = 0
    assert result == power_indices(_today())
    assert hash(result) == hash(power_indices(_today()))


def test_table_and_json_hold_every_member() -> None:
    result = power_indices("unsc-2017")
    header, rows = result.to_table()
    assert header[:3] == ["member", "veto", "shapley_shubik"]
    assert [row[0] for row in rows] == list(result.members)
    assert sum(row[2] for row in rows) == pytest.approx(1.0, abs=1e-12)
    assert [row[1] for row in rows].count(True) == 5
    assert json.loads(result.to_json())["shapley_shubik_exact"]["USA"] == "421/2145"


def test_to_dict_has_floats_and_exact_strings() -> None:
    data = power_indices(_today()).to_dict()
    json.dumps(data)  # must be serialisable as is
    assert data["shapley_shubik_exact"]["USA"] == "421/2145"
    assert data["shapley_shubik_exact"]["BRA"] == "4/2145"
    assert data["shapley_shubik"]["USA"] == pytest.approx(421 / 2145)
    assert data["banzhaf_exact"]["USA"] == "106/635"
    assert data["banzhaf_absolute_exact"]["BRA"] == "21/4096"
    assert data["swings"] == {**dict.fromkeys(P5, 848), **dict.fromkeys(ELECTED_10, 84)}
    assert data["members"] == list(P5 + ELECTED_10)
    assert data["council_name"] == "today"
    assert data["threshold"] == 9
    assert data["procedural"] is False
    # Exact strings round-trip to the Fractions.
    assert Fraction(data["banzhaf_exact"]["BRA"]) == Fraction(21, 1270)


def test_summary_is_a_readable_table() -> None:
    text = power_indices(_today()).summary()
    lines = text.splitlines()
    # Title, header, rule, 15 members, rule, total.
    assert len(lines) == 15 + 5
    assert lines[0].startswith("Voting power: today")
    assert "9 of 15" in lines[0]
    assert "Shapley-Shubik" in lines[1]
    usa = next(line for line in lines if line.startswith("USA"))
    assert "yes" in usa and "421/2145" in usa and "848" in usa
    assert lines[-1].split()[:3] == ["total", "1.000000", "1"]
    assert "no veto" in power_indices(_today(), procedural=True).summary().splitlines()[0]


def test_to_frame_without_pandas_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes `import pandas` raise ImportError.
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install councilsim\[frame\]"):
        power_indices(_today()).to_frame()


def test_to_frame_with_pandas() -> None:
    pytest.importorskip("pandas")
    frame = power_indices(_today()).to_frame()
    assert list(frame.index) == list(P5 + ELECTED_10)
    assert frame.index.name == "member"
    assert list(frame.columns) == [
        "veto",
        "shapley_shubik",
        "banzhaf",
        "banzhaf_absolute",
        "swings",
    ]
    assert frame.loc["USA", "shapley_shubik"] == pytest.approx(421 / 2145)
    assert frame.loc["BRA", "swings"] == 84
    assert bool(frame.loc["USA", "veto"]) and not bool(frame.loc["BRA", "veto"])
    assert frame["shapley_shubik"].sum() == pytest.approx(1.0)
