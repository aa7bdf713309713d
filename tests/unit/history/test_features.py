"""Pre-vote facts: what they say of known texts; nothing dated after a cut-off reaches them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import councilsim.history.features as features_module
from councilsim.history import History, load_history
from councilsim.history.features import (
    FEATURE_NAMES,
    LOOKBACK_YEARS,
    PreVoteFacts,
    facts_table,
    pre_vote_facts,
)


@pytest.fixture(scope="module")
def short() -> History:
    return load_history().filter(since=2016, before=2020)


def test_docstring_examples():
    failures, tried = doctest.testmod(features_module)
    assert tried > 0 and failures == 0


def test_rival_drafts_on_venezuela(history):
    # 28 February 2019: a US draft and a Russian counter-draft, both failed.
    us, russian = (pre_vote_facts(history[v], history) for v in ("S/2019/186", "S/2019/190"))
    assert us.rival_draft and russian.rival_draft
    assert (us.west_sponsor, us.east_sponsor, us.permanent_sponsor) == (True, False, True)
    assert (russian.west_sponsor, russian.east_sponsor) == (False, True)
    assert us.rival_camps == {"east"} and russian.rival_camps == {"west"}
    assert not us.amendment and not us.amendment_same_day
    # Guinea-Bissau the same day is another agenda item: no rival.
    other = pre_vote_facts(history["S/RES/2458(2019)"], history)
    assert not other.rival_draft and other.rival_camps == frozenset()


def test_amendment_and_its_draft(history):
    # 31 Oct 2024, Western Sahara: two Algerian amendments, then the US text (adopted).
    amendment = pre_vote_facts(history["VA1979:S/2024/797(amendment)"], history)
    text = pre_vote_facts(history["S/RES/2756(2024)"], history)
    assert amendment.amendment and amendment.amendment_same_day  # the other amendment
    assert amendment.rival_draft  # the US text is on the table
    assert not text.amendment and text.amendment_same_day and not text.rival_draft
    assert text.sponsors == {"USA"} and text.west_sponsor


def test_unknown_sponsors_are_unknown_not_none(history):
    unknown = next(v for v in history.filter(since=2010) if not v.sponsors)
    facts = pre_vote_facts(unknown, history)
    assert not facts.sponsors_known
    assert facts.west_sponsor is None and facts.east_sponsor is None
    assert facts.permanent_sponsor is None and facts.sponsors == frozenset()
    vector = dict(zip(FEATURE_NAMES, facts.vector(), strict=True))
    assert vector["sponsors_known"] == 0
    assert vector["west_sponsor"] == vector["east_sponsor"] == vector["permanent_sponsor"] == 0
    # A text sponsored by elected members only is known, with no camp.
    elected = next(
        v for v in history.filter(since=2010)
        if v.sponsors and v.sponsors != ("President",)
        and pre_vote_facts(v, history).sponsors_known
        and not pre_vote_facts(v, history).permanent_sponsor
    )
    facts = pre_vote_facts(elected, history)
    assert facts.west_sponsor is False and facts.east_sponsor is False


def test_item_history_counts_by_hand(history):
    vote = history["S/2019/190"]
    facts = pre_vote_facts(vote, history)
    start = vote.date - dt.timedelta(days=round(365.25 * LOOKBACK_YEARS))
    earlier = [
        v for v in history if start <= v.date < vote.date and not v.adopted
        and v.status != "label_unconfirmed"
    ]
    same_item = [v for v in earlier if v.topic.casefold() == vote.topic.casefold()]
    assert facts.item_failures == len(same_item)
    # The Middle East draft S/2016/846 (vetoed by Russia, 8 Oct 2016) counts for a Syria text
    # of 2017 filed under the Middle East.
    later = pre_vote_facts(history["S/2017/172"], history)
    assert "middle-east" in later.topics and later.topic_vetoes >= 1
    middle_east_failures = [
        v for v in history
        if dt.date(2017, 2, 28) - dt.timedelta(days=round(365.25 * LOOKBACK_YEARS)) <= v.date
        < dt.date(2017, 2, 28) and not v.adopted and "middle-east" in
        pre_vote_facts(v, history).topics
    ]
    assert later.topic_failures == len(middle_east_failures)


def test_vector_form(history):
    facts = pre_vote_facts(history["S/2019/186"], history)
    vector = facts.vector()
    assert vector.shape == (len(FEATURE_NAMES),) and vector.dtype == float
    named = dict(zip(FEATURE_NAMES, vector, strict=True))
    assert named["rival_draft"] == 1 and named["rival_east_sponsor"] == 1
    assert named["log1p_item_failures"] == pytest.approx(np.log1p(facts.item_failures))


def test_table_equals_one_by_one(short):
    table = facts_table(short)
    assert list(table) == list(short.vote_ids)
    for vote in short[::25]:
        assert table[vote.vote_id] == pre_vote_facts(vote, short)


# ----------------------------------------------------------------------------------------------
# No look-ahead
# ----------------------------------------------------------------------------------------------


def _perturb(vote, kind: int, donor) -> object:
    if kind == 0:
        return dataclasses.replace(vote, adopted=not vote.adopted)
    if kind == 1:
        return dataclasses.replace(vote, adopted=False, vetoed_by=("CHN", "RUS"))
    if kind == 2:
        return dataclasses.replace(vote, sponsors=donor.sponsors or ("Russian Federation",))
    if kind == 3:
        return dataclasses.replace(vote, item_type="amendment", topic=donor.topic)
    return dataclasses.replace(vote, sponsors=())


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_nothing_on_or_after_the_cut_off_changes_earlier_facts(short, data):
    votes = list(short)
    cut = data.draw(st.integers(1, len(votes) - 1), label="cut-off position")
    cut_off = votes[cut].date
    after = [i for i, v in enumerate(votes) if v.date >= cut_off]
    chosen = data.draw(st.lists(st.sampled_from(after), min_size=1, max_size=8, unique=True))
    changed = list(votes)
    for i in chosen:
        donor = votes[data.draw(st.integers(0, len(votes) - 1), label="donor")]
        kind = data.draw(st.integers(0, 5), label="perturbation")
        if kind == 5:  # a planted text at the cut-off on an earlier text's agenda item
            changed.append(dataclasses.replace(
                donor, vote_id=f"PLANTED/{i}", date=cut_off, adopted=False,
                vetoed_by=("USA",), sponsors=("Russian Federation",)))
        else:
            changed[i] = _perturb(votes[i], kind, donor)
    if data.draw(st.booleans(), label="delete one"):
        changed.pop(data.draw(st.sampled_from(after)))
    earlier = [v for v in votes if v.date < cut_off]
    assert facts_table(short, earlier) == facts_table(History(changed), earlier)


def test_a_change_before_the_cut_off_is_seen(short):
    """The leakage test can fail: the same perturbation dated earlier does change later facts."""
    vote = short["S/2016/846"]  # vetoed on 8 October 2016
    flipped = History([dataclasses.replace(vote, adopted=True, vetoed_by=()) if v is vote else v
                       for v in short])
    later = [v for v in short if v.date > vote.date]
    assert facts_table(short, later) != facts_table(flipped, later)


def test_facts_are_frozen(history):
    facts = pre_vote_facts(history["S/2019/186"], history)
    assert isinstance(facts, PreVoteFacts)
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.rival_draft = False  # type: ignore[misc]
