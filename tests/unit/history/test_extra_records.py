"""Votes the bundled record lacks: users' drafts/votes files (issue 11 item 10)."""

import csv
import datetime as dt
import json

import pytest
from paths import REPO_ROOT

from councilsim._bundled import read_record
from councilsim.cli import main
from councilsim.history import BUNDLED, backtest, calibrate, load_history, replay
from councilsim.history.extra import ExtraRecordError

EXAMPLES = REPO_ROOT / "docs" / "examples"
DRAFTS, VOTES = EXAMPLES / "extra-drafts.csv", EXAMPLES / "extra-votes.csv"


def _rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write(path, rows, columns=None):
    columns = columns or list(rows[0])
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows([{c: row.get(c, "") for c in columns} for row in rows])
    return path


def _pair(tmp_path, *, drafts=None, votes=None, draft_columns=None, vote_columns=None):
    d = _write(tmp_path / "d.csv", drafts if drafts is not None else _rows(DRAFTS), draft_columns)
    v = _write(tmp_path / "v.csv", votes if votes is not None else _rows(VOTES), vote_columns)
    return d, v


def test_example_pair_adds_two_texts_with_provenance():
    bundled = load_history()
    merged = load_history(records=[DRAFTS, VOTES])
    assert len(merged) == len(bundled) + 2
    vetoed = merged["S/2026/901"]
    assert vetoed.vetoed_by == ("RUS",) and vetoed.outcome == "vetoed"
    assert vetoed.tally == (12, 1, 2, 0)
    assert vetoed.votes["PAK"] == "A" and len(vetoed.votes) == 15
    assert vetoed.source.startswith(f"{DRAFTS}:3") and str(VOTES) in vetoed.source
    assert merged["S/RES/9001(2026)"].adopted
    assert {vote.source for vote in merged if vote.vote_id in bundled} == {BUNDLED}
    # The merged record is a record like the bundled one: the rules reproduce its outcomes.
    assert not replay(merged).unexplained
    assert load_history() is bundled  # the cached bundled record is untouched


def test_identical_rows_of_the_bundled_record_are_merged_silently(tmp_path):
    wanted = "S/RES/2375(2017)"
    shipped_drafts = [row for row in read_record("drafts") if row["vote_id"] == wanted]
    shipped_votes = [row for row in read_record("votes") if row["vote_id"] == wanted]
    d, v = _pair(tmp_path, drafts=shipped_drafts + _rows(DRAFTS),
                 votes=shipped_votes + _rows(VOTES),
                 draft_columns=list(shipped_drafts[0]), vote_columns=list(shipped_votes[0]))
    merged = load_history(records=[d, v])
    assert len(merged) == len(load_history()) + 2
    assert merged[wanted].source == BUNDLED
    # Repeating the extra files is harmless too.
    assert len(load_history(records=[DRAFTS, VOTES, DRAFTS, VOTES])) == len(merged)


def _error(tmp_path, **kwargs):
    d, v = _pair(tmp_path, **kwargs)
    with pytest.raises(ExtraRecordError) as info:
        load_history(records=[d, v])
    return str(info.value)


def test_missing_column(tmp_path):
    columns = [c for c in _rows(DRAFTS)[0] if c != "adopted"]
    message = _error(tmp_path, draft_columns=columns)
    assert message.startswith(f"{tmp_path / 'd.csv'}:1: missing column adopted; a drafts file "
                              "needs vote_id, date, symbol")


def test_unknown_column_gets_a_did_you_mean(tmp_path):
    rows = [{**row, "sponsor": row["sponsors"]} for row in _rows(DRAFTS)]
    columns = [c if c != "sponsors" else "sponsor" for c in _rows(DRAFTS)[0]]
    message = _error(tmp_path, drafts=rows, draft_columns=columns)
    assert "unknown column 'sponsor' (did you mean 'sponsors'?)" in message


def test_unknown_member_code(tmp_path):
    votes = _rows(VOTES)
    votes[3]["member_code"] = "JPN"  # Japan is not on the 2026 Council
    message = _error(tmp_path, votes=votes)
    assert message.startswith(f"{tmp_path / 'v.csv'}:5: column member_code: 'JPN' did not sit "
                              "on the Council in 2026")
    assert "members that year: CHN, FRA, RUS, GBR, USA, BHR" in message


def test_counts_that_disagree_with_member_votes(tmp_path):
    drafts = _rows(DRAFTS)
    drafts[1]["yes"] = "11"
    message = _error(tmp_path, drafts=drafts)
    assert message.startswith(f"{tmp_path / 'd.csv'}:3: column yes: 11 disagrees with the member "
                              "votes, which give 12 Y")


def test_row_duplicating_a_bundled_one_with_other_values(tmp_path):
    shipped = [row for row in read_record("drafts") if row["vote_id"] == "S/2024/255"]
    changed = {**shipped[0], "vetoed_by": "CHN"}
    message = _error(tmp_path, drafts=[changed], votes=[], draft_columns=list(changed),
                     vote_columns=["vote_id", "member_code", "vote"])
    assert message.startswith(f"{tmp_path / 'd.csv'}:2: S/2024/255 is in the bundled record with "
                              "other values: vetoed_by 'CHN' (recorded: 'RUS')")


def test_member_vote_differing_from_the_bundled_one(tmp_path):
    wanted = "S/2024/255"
    drafts = [row for row in read_record("drafts") if row["vote_id"] == wanted]
    votes = [dict(row) for row in read_record("votes") if row["vote_id"] == wanted]
    votes[0]["vote"] = "Y" if votes[0]["vote"] != "Y" else "N"
    message = _error(tmp_path, drafts=drafts, votes=votes, draft_columns=list(drafts[0]),
                     vote_columns=list(votes[0]))
    assert f"{wanted}: {votes[0]['seat_code']} voted" in message
    assert "in the bundled record" in message


TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("date", ["1945-12-31", TOMORROW])
def test_dates_outside_the_plausible_range(tmp_path, date):
    drafts = _rows(DRAFTS)
    drafts[0]["date"] = date
    message = _error(tmp_path, drafts=drafts)
    assert message.startswith(f"{tmp_path / 'd.csv'}:2: column date: {date} is outside the "
                              "plausible range: from the Council's first meeting (1946-01-17)")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"date": "12/03/2026"}, "column date: '12/03/2026' is not a date; write it as YYYY-MM-DD"),
        ({"item_type": "statement"}, "column item_type: 'statement' is not allowed; use one of "
                                     "resolution, draft, amendment"),
        ({"adopted": "yes"}, "column adopted: 'yes' is not True or False"),
        ({"yes": "16"}, "column yes: '16' is not a number of votes from 0 to 15"),
        ({"vetoed_by": "JPN"}, "column vetoed_by: 'JPN' holds no veto"),
        ({"adopted": "False"}, "column adopted: adopted is False but under Art. 27 the member "
                               "votes give adoption: 13 yes (adoption needs 9) and no permanent "
                               "member's no"),
        ({"symbol": ""}, "column symbol: empty; give the text's document symbol"),
    ],
)
def test_malformed_drafts_rows(tmp_path, change, expected):
    drafts = _rows(DRAFTS)
    drafts[0].update(change)
    assert expected in _error(tmp_path, drafts=drafts)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"yes": "15", "no": "0", "abstain": "0"},
         "column adopted: adopted is False with 15 yes votes and no vote against: the rules "
         "give adoption"),
        ({"yes": "13", "no": "0", "abstain": "2", "vetoed_by": "RUS"},
         "column vetoed_by: vetoed_by names 1 permanent member(s) (RUS) but the text has 0 no"),
        ({"yes": "3", "no": "1", "abstain": "11", "vetoed_by": "RUS"},
         "column vetoed_by: vetoed_by names RUS, but 3 yes votes are short of the 9 needed"),
    ],
)
def test_a_failed_text_without_member_votes_has_an_outcome_its_counts_allow(tmp_path, counts,
                                                                             expected):
    # Without member votes only the counts can be checked; an outcome they cannot give would
    # enter the record's failures and vetoes and every score built on them.
    drafts = _rows(DRAFTS)
    drafts.append({**drafts[1], "vote_id": "S/2026/950", "symbol": "S/2026/950",
                   "vetoed_by": "", **counts})
    assert expected in _error(tmp_path, drafts=drafts)


@pytest.mark.parametrize("alias", ["s/2025/353", "S/2025/ 353", "S/2025/353 (copy)"])
def test_a_bundled_text_under_another_id_is_refused(tmp_path, alias):
    # Matched on the loosely written id, or on the symbol and date: it would count twice.
    wanted = "S/2025/353"
    shipped_drafts = [row for row in read_record("drafts") if row["vote_id"] == wanted]
    shipped_votes = [row for row in read_record("votes") if row["vote_id"] == wanted]
    drafts = [{**row, "vote_id": alias} for row in shipped_drafts]
    votes = [{**row, "vote_id": alias} for row in shipped_votes]
    message = _error(tmp_path, drafts=drafts, votes=votes, draft_columns=list(drafts[0]),
                     vote_columns=list(votes[0]))
    assert f"column vote_id: {alias!r} is the bundled record's {wanted!r}" in message


def test_the_ussr_votes_as_sun_in_its_last_year(tmp_path):
    # The record's own 1991 rows name the USSR SUN; a repeat of one merges, as any repeat does.
    wanted = "S/RES/700(1991)"
    shipped_drafts = [row for row in read_record("drafts") if row["vote_id"] == wanted]
    shipped_votes = [row for row in read_record("votes") if row["vote_id"] == wanted]
    assert "SUN" in {row["member_code"] for row in shipped_votes}
    d, v = _pair(tmp_path, drafts=shipped_drafts, votes=shipped_votes,
                 draft_columns=list(shipped_drafts[0]), vote_columns=list(shipped_votes[0]))
    assert len(load_history(records=[d, v])) == len(load_history())


def test_wrong_vetoer_for_the_member_votes(tmp_path):
    drafts = _rows(DRAFTS)
    drafts[1]["vetoed_by"] = "CHN"
    assert ("column vetoed_by: CHN but the member votes give RUS"
            in _error(tmp_path, drafts=drafts))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda votes: votes[0].update(vote="Q"), "v.csv:2: column vote: 'Q' is not a vote; use "
                                                   "Y (yes), N (no), A (abstain) or X"),
        (lambda votes: votes[0].update(vote="yes"), "v.csv:2: column vote: 'yes' is not a vote"),
        (lambda votes: votes.pop(20), "member votes list 14 of the 15 seats; missing"),
        (lambda votes: votes[0].update(vote_id="S/2026/999"),
         "v.csv:2: column vote_id: 'S/2026/999' is in no drafts file given"),
        (lambda votes: votes.append({**votes[0], "vote": "Y"}),
         "S/RES/9001(2026): CHN already voted A"),
        (lambda votes: votes[0].update(permanent="False"), "column permanent: 'False' is wrong"),
    ],
)
def test_malformed_votes_rows(tmp_path, change, expected):
    votes = _rows(VOTES)
    change(votes)
    assert expected in _error(tmp_path, votes=votes)


def test_duplicate_extra_row_with_other_values(tmp_path):
    drafts = _rows(DRAFTS)
    drafts.append({**drafts[0], "topic": "something else"})
    message = _error(tmp_path, drafts=drafts)
    assert "S/RES/9001(2026) appears again with other values: topic" in message


def test_votes_without_drafts_and_missing_file(tmp_path):
    with pytest.raises(ExtraRecordError, match="a votes file needs a drafts file beside it"):
        load_history(records=[VOTES])
    with pytest.raises(ExtraRecordError, match="no such file"):
        load_history(records=[tmp_path / "nothing.csv"])


def test_calibration_and_backtest_use_the_added_texts():
    merged = load_history(records=[DRAFTS, VOTES])
    with_extra = calibrate(merged, topic="dprk", standard_errors=False)
    without = calibrate(load_history(), topic="dprk", standard_errors=False)
    assert with_extra.n_texts == without.n_texts + 2
    result = backtest(merged, start=2026, end=2026, topic="dprk")
    assert [p.vote_id for p in result.predictions] == ["S/RES/9001(2026)", "S/2026/901"]


def test_cli_record_option(tmp_path, capsys):
    out = tmp_path / "cal.json"
    assert main(["calibrate", "--topic", "dprk", "--record", str(DRAFTS), "--record", str(VOTES),
                 "--format", "json", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["n_texts"] > 0


def test_cli_bad_record_exits_2_and_writes_nothing(tmp_path, capsys):
    drafts = _rows(DRAFTS)
    drafts[1]["yes"] = "11"
    d, v = _pair(tmp_path, drafts=drafts)
    for command in (["calibrate"], ["backtest", "--from", "2026"], ["history", "list"],
                    ["new", "--date", "2026-05-01", "--topic", "dprk"]):
        out = tmp_path / "out.txt"
        code = main([*command, "--record", str(d), "--record", str(v), "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2, command
        assert err.strip() == (f"councilsim: error: {d}:3: column yes: 11 disagrees with the "
                               f"member votes, which give 12 Y (files: {v})")
        assert "Traceback" not in err and not out.exists()
        assert sorted(tmp_path.iterdir()) == sorted([d, v])  # no output, no temporary file


def test_the_bundled_files_themselves_merge_into_nothing_new(tmp_path):
    # Every row repeats a bundled text: the early texts without a symbol, the USSR's SUN and
    # Democratic Yemen's YMD included.
    drafts, votes = list(read_record("drafts")), list(read_record("votes"))
    d, v = _pair(tmp_path, drafts=drafts, votes=votes, draft_columns=list(drafts[0]),
                 vote_columns=list(votes[0]))
    merged = load_history(records=[d, v])
    assert len(merged) == len(load_history())
    assert {vote.source for vote in merged} == {BUNDLED}
