"""The Art. 27 rules against the historical record: every recorded vote must come out right."""

from __future__ import annotations

import json

import numpy as np
import pytest

from councilsim._bundled import read_record
from councilsim.history import (
    SKIP_NO_MEMBER_VOTES,
    SKIP_WITHOUT_VOTE,
    ReplayReport,
    replay,
)
from councilsim.models import Council
from councilsim.rules import VOTES, adopted, adopted_array

# SOURCE.md, "Known exceptions": adopted over a permanent member's "no" (procedural decisions).
PROCEDURAL = {
    "S/RES/34(1947)",
    "S/RES/87(1950)",
    "S/RES/88(1950)",
    "S/RES/110(1955)",
    "S/RES/119(1956)",
    "S/RES/120(1956)",
    "S/RES/132(1959)",
    "S/RES/157(1960)",
    "S/RES/462(1980)",
    "S/RES/2623(2022)",
}


@pytest.fixture(scope="module")
def report() -> ReplayReport:
    return replay()


def test_replay_has_no_unexplained_mismatch(report):
    assert not report.unexplained, "\n" + report.summary()


def test_replay_numbers(report, history):
    assert report.checked == 2830
    assert report.matches == 2829
    assert report.procedural == 10
    assert dict(report.skipped) == {SKIP_WITHOUT_VOTE: 62, SKIP_NO_MEMBER_VOTES: 252}
    assert report.total == len(history)
    # The one mismatch: S/RES/2781(2025), whose member list has only 6 members (SOURCE.md).
    (mismatch,) = report.explained
    assert mismatch.vote_id == "S/RES/2781(2025)"
    assert mismatch.recorded and not mismatch.predicted
    assert mismatch.status == "incomplete"
    assert "rule_check_exceptions" in mismatch.explanation


def test_votes_adopted_without_a_vote_are_never_counted(report, history):
    skipped = set(report.skipped_vote_ids[SKIP_WITHOUT_VOTE])
    assert skipped == {vote.vote_id for vote in history if vote.modality == "without_vote"}


def test_rule_check_exceptions_are_exactly_the_procedural_and_incomplete_cases(history):
    exceptions = {row["vote_id"]: row["status"] for row in read_record("rule_check_exceptions")}
    procedural = {vote_id for vote_id, status in exceptions.items() if status == "agrees_with_dhl"}
    assert procedural == PROCEDURAL
    assert {vote.vote_id for vote in history if vote.procedural} == PROCEDURAL
    assert exceptions["S/RES/2781(2025)"] == "incomplete"


def test_procedural_flag_does_the_work(history):
    for vote_id in sorted(PROCEDURAL):
        vote = history[vote_id]
        council = vote.council()
        assert vote.adopted and vote.procedural
        assert any(vote.votes[code] == "N" for code in council.veto_holders), vote_id
        assert adopted(vote.votes, council, procedural=True), vote_id
        assert not adopted(vote.votes, council, procedural=False), vote_id
    # Treating every decision as substantive, exactly these ten come out wrong.
    substantive = replay(honour_procedural=False)
    assert {m.vote_id for m in substantive.unexplained} == PROCEDURAL
    assert substantive.procedural == 0


def test_resolution_84_adopted_with_the_ussr_absent(history):
    vote = history["S/RES/84(1950)"]
    assert vote.votes["RUS"] == "X"
    assert adopted(vote.votes, vote.council())
    # Had the USSR been there to vote no, it would have been a veto.
    assert not adopted(dict(vote.votes) | {"RUS": "N"}, vote.council())


def test_ukraine_draft_2022_vetoed_by_russia(history):
    vote = history["S/2022/155"]
    assert vote.vetoed_by == ("RUS",) and not vote.adopted
    assert vote.votes["RUS"] == "N"
    assert sum(letter == "Y" for letter in vote.votes.values()) == 11
    council = vote.council()
    assert not adopted(vote.votes, council)
    assert adopted(dict(vote.votes) | {"RUS": "A"}, council)  # the veto alone sank it


def test_resolution_2623_procedural_over_a_russian_no(history):
    vote = history["S/RES/2623(2022)"]
    assert vote.procedural and vote.votes["RUS"] == "N" and vote.adopted
    assert adopted(vote.votes, vote.council(), procedural=True)


def test_every_recorded_veto_is_a_no_on_a_text_with_enough_votes(history):
    for vote in history.filter(with_member_votes=True):
        if vote.vetoed:
            council = vote.council()
            assert all(vote.votes[code] == "N" for code in vote.vetoed_by), vote.vote_id
            yes = sum(letter == "Y" for letter in vote.votes.values())
            assert yes >= council.threshold, vote.vote_id


def test_vectorised_rule_agrees_with_the_record(history, report):
    # Since 1966, with each vote's seats laid out permanent first, one generic council serves all.
    votes = [
        vote
        for vote in history.filter(since=1966, with_member_votes=True)
        if vote.modality != "without_vote" and len(vote.votes) == 15
    ]
    council = Council(
        members=("P1", "P2", "P3", "P4", "P5", *(f"E{i}" for i in range(1, 11))),
        veto_holders=("P1", "P2", "P3", "P4", "P5"),
        threshold=9,
    )
    codes = np.array([[VOTES.index(letter) for letter in vote.votes.values()] for vote in votes])
    procedural = np.array([vote.procedural for vote in votes])
    predicted = np.where(
        procedural,
        adopted_array(codes, council, procedural=True),
        adopted_array(codes, council),
    )
    recorded = np.array([vote.adopted for vote in votes])
    assert len(votes) > 2500
    assert np.array_equal(predicted, recorded)


def test_replay_of_a_selection(history):
    recent = replay(history.filter(since=2022))
    assert recent.total == len(history.filter(since=2022))
    assert [m.vote_id for m in recent.mismatches] == ["S/RES/2781(2025)"]
    assert replay(history.filter(before=1950)).mismatches == ()


def test_report_outputs(report):
    data = json.loads(report.to_json())
    assert data["checked"] == 2830 and data["unexplained"] == []
    assert data["explained"] == ["S/RES/2781(2025)"]
    assert data["skipped"] == {SKIP_WITHOUT_VOTE: 62, SKIP_NO_MEMBER_VOTES: 252}
    text = report.summary()
    assert "2830" in text and "unexplained 0" in text and "S/RES/2781(2025)" in text
    with pytest.raises(AttributeError):
        report.checked = 0  # type: ignore[misc]


def test_replay_classifies_failures_as_the_record_does(report, history):
    # Each failed text: vetoed (the required yes votes and a permanent member's no) or short of
    # votes whatever the permanent members did, as the record's vetoed_by says.
    assert report.failures_checked == 111
    assert report.failure_mismatches == (), "\n" + report.summary()
    # Not vacuous: failed texts short of votes on which a permanent member voted no, which
    # counting every permanent "no" as a veto would misclassify (S/2016/847 among them).
    short_with_p5_no = [
        v.vote_id for v in history
        if v.votes and not v.adopted and not v.vetoed_by and v.modality != "without_vote"
        and any(v.votes.get(code) == "N" for code in v.permanent)
    ]
    assert "S/2016/847" in short_with_p5_no and len(short_with_p5_no) == 34  # README
    assert json.loads(report.to_json())["failure_mismatches"] == []
