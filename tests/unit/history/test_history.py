"""The bundled record: loading, integrity, typed votes, filters, frames."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import importlib.util
import pickle
import tomllib
from importlib import resources

import pytest
from paths import REPO_ROOT

import councilsim.history
from councilsim._bundled import read_record
from councilsim.history import (
    TOPIC_GROUPS,
    History,
    RecordedVote,
    RecordIntegrityError,
    load_history,
    verify_record,
)
from councilsim.history import _storage as storage_module
from councilsim.history import record as record_module
from councilsim.history.calibration import sponsor_codes
from councilsim.models import Council

# Row counts stated in SOURCE.md.
ROWS = {
    "drafts": 3144,
    "votes": 42477,
    "vetoes": 206,
    "members_by_year": 1135,
    "rule_check_exceptions": 11,
    "sponsors_researched": 283,
}

# Every Council vote on the DPRK from the first missile resolution (2006) to the last vetoed
# renewal of the panel of experts (2024).
DPRK_2006_2024 = {
    "S/RES/1695(2006)",
    "S/RES/1718(2006)",
    "S/RES/1874(2009)",
    "S/RES/1928(2010)",
    "S/RES/1985(2011)",
    "S/RES/2050(2012)",
    "S/RES/2087(2013)",
    "S/RES/2094(2013)",
    "S/RES/2141(2014)",
    "S/RES/2207(2015)",
    "S/RES/2270(2016)",
    "S/RES/2276(2016)",
    "S/RES/2321(2016)",
    "S/RES/2345(2017)",
    "S/RES/2356(2017)",
    "S/RES/2371(2017)",
    "S/RES/2375(2017)",
    "S/RES/2397(2017)",
    "S/RES/2407(2018)",
    "S/RES/2464(2019)",
    "S/RES/2515(2020)",
    "S/RES/2569(2021)",
    "S/RES/2627(2022)",
    "S/2022/431",
    "S/RES/2680(2023)",
    "S/2024/255",
}


@pytest.fixture
def fresh_cache():
    """Drop the parsed record before and after a test that swaps the data files."""
    record_module._clear_cache()
    yield
    record_module._clear_cache()


def _data_bytes(filename: str) -> bytes:
    return resources.files("councilsim").joinpath(f"data/unsc/{filename}").read_bytes()


def _with_replaced(monkeypatch, filename: str, content: bytes) -> None:
    original = storage_module._read_bytes

    def reader(name: str) -> bytes:
        return content if name == filename else original(name)

    monkeypatch.setattr(storage_module, "_read_bytes", reader)


# --- loading and integrity -------------------------------------------------------------------


def test_public_api_is_exported():
    namespace: dict = {}
    exec("from councilsim.history import *", namespace)
    assert set(councilsim.history.__all__) <= set(namespace)
    assert {"History", "RecordedVote", "load_history", "replay", "RecordIntegrityError"} <= set(
        councilsim.history.__all__
    )


def test_row_counts_match_source_md():
    assert verify_record() == ROWS


def test_manifest_records_the_shipped_files():
    manifest = tomllib.loads(_data_bytes("MANIFEST.toml").decode())["files"]
    assert set(manifest) == set(ROWS)
    for name, entry in manifest.items():
        assert entry["file"] == f"{name}.csv.gz"
        assert entry["rows"] == ROWS[name]
        assert entry["sha256"] == hashlib.sha256(_data_bytes(entry["file"])).hexdigest()
    # The regeneration recipe in its header reproduces it exactly.
    assert storage_module.manifest_text() == _data_bytes("MANIFEST.toml").decode()


def test_load_is_cached_and_complete(history):
    assert load_history() is load_history()
    assert len(history) == ROWS["drafts"]
    assert sum(len(vote.votes) for vote in history) == ROWS["votes"]
    keys = [(vote.date, vote.vote_id) for vote in history]
    assert keys == sorted(keys)
    assert len(set(history.vote_ids)) == len(history)


def test_counts(history):
    counts = history.counts()
    assert counts == {
        "texts": 3144,
        "adopted": 2781,
        "failed": 363,
        "vetoed": 231,
        "with_member_votes": 2891,
        "procedural": 10,
        "first": dt.date(1946, 1, 25),
        "last": dt.date(2025, 6, 4),
    }
    text = history.summary()
    for number in ("3144", "2781", "363", "231", "2891", "1946-01-25", "2025-06-04"):
        assert number in text


def _drop_last_row(raw: bytes) -> bytes:
    lines = gzip.decompress(raw).splitlines(keepends=True)
    return gzip.compress(b"".join(lines[:-1]), mtime=0)


def test_corrupted_file_is_refused_with_a_clear_message(monkeypatch, fresh_cache):
    _with_replaced(monkeypatch, "votes.csv.gz", _drop_last_row(_data_bytes("votes.csv.gz")))
    with pytest.raises(RecordIntegrityError) as info:
        verify_record()
    error = info.value
    assert isinstance(error, ValueError)
    assert error.file == "votes.csv.gz"
    assert error.problem == "sha256 and row count"
    message = str(error)
    assert "votes.csv.gz" in message
    assert "42477 rows" in message and "42476 rows" in message
    assert hashlib.sha256(_data_bytes("votes.csv.gz")).hexdigest() in message
    # load_history goes through the same check.
    with pytest.raises(RecordIntegrityError, match="votes.csv.gz"):
        load_history()


def test_changed_content_with_the_same_row_count_is_refused(monkeypatch, fresh_cache):
    text = gzip.decompress(_data_bytes("drafts.csv.gz")).replace(b",True,", b",False,", 1)
    _with_replaced(monkeypatch, "drafts.csv.gz", gzip.compress(text, mtime=0))
    with pytest.raises(RecordIntegrityError) as info:
        load_history()
    assert info.value.file == "drafts.csv.gz"
    assert info.value.problem == "sha256"
    assert "3144 rows" in str(info.value)


def test_unreadable_file_is_refused(monkeypatch, fresh_cache):
    _with_replaced(monkeypatch, "vetoes.csv.gz", b"not gzip at all")
    with pytest.raises(RecordIntegrityError, match="vetoes.csv.gz.*unreadable"):
        verify_record()


def test_missing_manifest_is_reported(monkeypatch, fresh_cache):
    original = storage_module._read_bytes

    def reader(name: str) -> bytes:
        if name == "MANIFEST.toml":
            raise FileNotFoundError(name)
        return original(name)

    monkeypatch.setattr(storage_module, "_read_bytes", reader)
    with pytest.raises(RecordIntegrityError, match="MANIFEST.toml"):
        load_history()


def test_integrity_error_pickles():
    error = RecordIntegrityError("votes.csv.gz", "sha256", "a", "b")
    again = pickle.loads(pickle.dumps(error))
    assert (again.file, str(again)) == (error.file, str(error))


def test_good_data_loads_again_after_a_failure(monkeypatch, fresh_cache):
    _with_replaced(monkeypatch, "votes.csv.gz", b"junk")
    with pytest.raises(RecordIntegrityError):
        load_history()
    monkeypatch.undo()
    assert len(load_history()) == ROWS["drafts"]


# --- recorded votes --------------------------------------------------------------------------


def test_resolution_84_1950(history):
    vote = history["S/RES/84(1950)"]
    assert isinstance(vote, RecordedVote)
    assert vote.date == dt.date(1950, 7, 7)
    assert vote.adopted and vote.item_type == "resolution" and not vote.procedural
    assert vote.votes["RUS"] == "X"  # the USSR boycotted the Council
    assert list(vote.votes.values()).count("Y") == 7
    assert vote.permanent == ("CHN", "FRA", "GBR", "RUS", "USA")
    assert vote.tally == (7, 0, 3, 1)
    assert "Korea" in vote.topic


def test_council_of_1950_has_11_seats_and_threshold_7(history):
    council = history["S/RES/84(1950)"].council()
    assert isinstance(council, Council)
    assert (council.seats, council.threshold) == (11, 7)
    assert council.veto_holders == ("CHN", "FRA", "GBR", "RUS", "USA")
    assert council.members[:5] == council.veto_holders  # permanent first


def test_council_of_2017_has_15_seats_and_threshold_9(history):
    council = history["S/RES/2375(2017)"].council()
    assert (council.seats, council.threshold) == (15, 9)
    assert set(council.veto_holders) == {"CHN", "FRA", "GBR", "RUS", "USA"}
    # No mid-year change in 2017: the member-level record agrees with the membership table.
    assert set(council.members) == set(Council.unsc(2017).members)


def test_council_needs_a_member_level_record(history):
    no_record = next(vote for vote in history if not vote.votes)
    with pytest.raises(ValueError, match="no member-level record"):
        no_record.council()
    with pytest.raises(ValueError, match="lists only 6 seats"):
        history["S/RES/2781(2025)"].council()


def test_vetoed_by_uses_seat_codes(history):
    assert history["S/2022/431"].vetoed_by == ("CHN", "RUS")
    assert history["S/2022/155"].vetoed_by == ("RUS",)
    ussr_vetoes = history.filter(before=1992).filter(adopted=False)
    assert any(vote.vetoed_by == ("RUS",) for vote in ussr_vetoes)
    assert all("SUN" not in vote.vetoed_by for vote in history)


def test_sponsors_are_split_into_names(history):
    assert history["S/RES/2623(2022)"].sponsors == ("Albania", "United States")
    sponsors = history["S/RES/1718(2006)"].sponsors
    assert "Russian Federation" in sponsors and len(sponsors) == 14
    names = {name for vote in history for name in vote.sponsors}
    assert "Bosnia and Herzegovina" in names  # a name with "and" in it stays whole
    assert not [name for name in names if "_x000D_" in name or name.startswith("the ")]
    assert record_module.split_sponsors(
        "Mexico and the United Kingdom of Great Britain and Northern Ireland"
    ) == ("Mexico", "United Kingdom of Great Britain and Northern Ireland")


def test_recorded_votes_are_immutable_and_picklable(history):
    vote = history["S/RES/2375(2017)"]
    with pytest.raises(AttributeError):
        vote.adopted = False  # type: ignore[misc]
    with pytest.raises(TypeError, match="read-only"):
        vote.votes["USA"] = "N"  # type: ignore[index]
    assert isinstance(vote.votes, dict)
    assert dict(vote.votes) | {"USA": "N"} != vote.votes  # copies are free to change
    assert pickle.loads(pickle.dumps(vote)) == vote
    assert hash(vote) == hash(pickle.loads(pickle.dumps(vote)))
    with pytest.raises(AttributeError):
        history._votes = ()  # type: ignore[misc]


def test_without_vote_and_status_fields(history):
    without = [vote for vote in history if vote.modality == "without_vote"]
    assert len(without) == 62 and all(vote.adopted for vote in without)
    statuses = {vote.status for vote in history}
    assert {"agrees_with_dhl", "single_source", "none", "incomplete", "suspect_1995"} <= statuses
    assert all((vote.status == "none") == (not vote.votes) for vote in history)


# --- indexing --------------------------------------------------------------------------------


def test_indexing(history):
    assert history[0].vote_id == "S/RES/1(1946)"
    assert history[-1].date == dt.date(2025, 6, 4)
    assert history["S/RES/2375 (2017)"] is history["S/RES/2375(2017)"]  # spaces tolerated
    part = history[10:20]
    assert isinstance(part, History) and len(part) == 10 and part[0] is history[10]
    assert "S/2022/155" in history and history["S/2022/155"] in history
    assert "S/2099/1" not in history
    with pytest.raises(KeyError, match="did you mean"):
        history["S/RES/2375(2071)"]


def test_history_from_votes_sorts_and_rejects_duplicates(history):
    votes = [history["S/RES/2375(2017)"], history["S/RES/84(1950)"]]
    assert History(votes).vote_ids == ("S/RES/84(1950)", "S/RES/2375(2017)")
    with pytest.raises(ValueError, match="twice"):
        History(votes + votes[:1])
    assert pickle.loads(pickle.dumps(History(votes))) == History(votes)


# --- filters ---------------------------------------------------------------------------------


def test_filter_by_dates(history):
    year = history.filter(since=2017, before=2018)
    assert len(year) == 68
    assert all(vote.date.year == 2017 for vote in year)
    assert history.filter(since="2017-01-01", before=dt.date(2018, 1, 1)) == year
    assert history.filter(since="2017", before="2018") == year
    day = history.filter(since="2022-02-25", before="2022-02-26")
    assert day.vote_ids == ("S/2022/155", "S/RES/2622(2022)")
    assert len(history.filter(since=2017)) + len(history.filter(before=2017)) == len(history)
    with pytest.raises(ValueError, match="not a date"):
        history.filter(since="11 September 2017")


def test_topic_group_dprk(history):
    dprk = history.filter(topic="dprk", since=2006, before=2025)
    assert set(dprk.vote_ids) == DPRK_2006_2024
    assert {"S/2022/431", "S/2024/255"} <= set(dprk.vote_ids)
    assert [vote.vote_id for vote in dprk if vote.vetoed] == ["S/2022/431", "S/2024/255"]
    # Before 2006 the group finds the Korean war, the 1991 admission and the 1993 NPT crisis.
    assert "S/RES/825(1993)" in history.filter(topic="dprk", before=2006)


def test_topic_groups_are_documented_and_all_match(history):
    assert {"dprk", "middle-east", "syria", "ukraine", "sanctions", "africa"} <= set(TOPIC_GROUPS)
    for group in TOPIC_GROUPS:
        assert len(history.filter(topic=group)) > 0, group
    ukraine = history.filter(topic="ukraine")
    assert "S/2022/155" in ukraine and "S/RES/2623(2022)" in ukraine
    assert all(vote.date.year >= 2014 for vote in ukraine)  # not the 1946 "Ukrainian SSR" letter
    syria = history.filter(topic="syria")
    assert "S/RES/2118(2013)" in syria  # found by its title
    assert "S/RES/375(1975)" not in history.filter(topic="africa")  # Papua New Guinea
    assert "S/RES/131(1958)" in history.filter(topic="africa")  # Guinea


def test_topic_free_text_is_a_case_insensitive_substring(history):
    palestine = history.filter(topic="PALESTINE QUESTION")
    assert len(palestine) == 43
    assert all("palestine question" in vote.topic.lower() for vote in palestine)
    # Apostrophes are normalised: the record mixes ' and ’.
    assert len(history.filter(topic="People's Republic of Korea")) == len(
        history.filter(topic="People’s Republic of Korea")
    )


def test_filter_by_member(history):
    japan_2017 = history.filter(member="JPN", since=2017, before=2018)
    assert len(japan_2017) == 68
    assert all(vote.votes["JPN"] in "YNAX" for vote in japan_2017)
    assert history.filter(member="jpn", since=2017, before=2018) == japan_2017
    assert len(history.filter(member="JPN", since=2019, before=2023)) == 0  # not on the Council
    assert "S/RES/84(1950)" in history.filter(member="RUS")
    with pytest.raises(ValueError, match="seat coded 'RUS'"):
        history.filter(member="SUN")
    with pytest.raises(ValueError, match="never sat"):
        history.filter(member="XYZ")


def test_filter_by_record_and_type(history):
    with_votes = history.filter(with_member_votes=True)
    without = history.filter(with_member_votes=False)
    assert (len(with_votes), len(without)) == (2891, 253)
    assert len(history.filter(item_type="amendment")) == 11
    assert len(history.filter(item_type=["draft", "amendment"])) == 363
    assert len(history.filter(adopted=True)) == 2781
    with pytest.raises(ValueError, match="unknown item_type 'veto'"):
        history.filter(item_type="veto")


def test_filters_compose(history):
    both = history.filter(topic="dprk", adopted=False, with_member_votes=True)
    assert both.vote_ids == ("S/2022/431", "S/2024/255")
    assert both == history.filter(topic="dprk").filter(adopted=False).filter(with_member_votes=True)


# --- frames ----------------------------------------------------------------------------------


def test_to_frame(history):
    pd = pytest.importorskip("pandas")
    frame = history.filter(since=2017, before=2018).to_frame()
    assert len(frame) == 68
    assert frame["date"].dtype.kind == "M"
    row = frame.set_index("vote_id").loc["S/RES/2375(2017)"]
    assert row["yes"] == 15 and row["adopted"]
    long = history.filter(since=2017, before=2018).to_frame(member_votes=True)
    assert len(long) == 68 * 15
    assert set(long["vote"]) <= {"Y", "N", "A", "X"}
    assert isinstance(history.filter(topic="no such topic").to_frame(), pd.DataFrame)


def test_to_frame_without_pandas_says_what_to_install(history, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(ImportError, match="pip install pandas"):
        history.to_frame()


def test_revision_2_corrects_the_swapped_votes_of_s_2019_962(history):
    # SOURCE.md, "Revisions": the member-level source had every Y and N swapped; 5-6-4 as the DHL
    # and press coverage print it.
    vote = history["S/2019/962"]
    assert vote.status == "corrected_swap"
    assert {code for code, letter in vote.votes.items() if letter == "Y"} == {
        "RUS", "CHN", "ZAF", "GNQ", "CIV"}
    assert {code for code, letter in vote.votes.items() if letter == "N"} == {
        "USA", "GBR", "FRA", "POL", "DOM", "PER"}


def test_revision_5_corrects_the_members_of_s_1999_328(history):
    # SOURCE.md, "Revision 5": the source listed three members of 2000-2001 and lacked five of
    # 1999; 3-12-0 as the DHL and the UN press release SC/6659 print it.
    vote = history["S/1999/328"]
    assert vote.status == "corrected_members"
    assert set(vote.votes) == set(Council.unsc(1999).members)
    assert {code for code, letter in vote.votes.items() if letter == "Y"} == {"CHN", "NAM", "RUS"}
    assert sum(letter == "N" for letter in vote.votes.values()) == 12
    assert (vote.tally.yes, vote.tally.no, vote.tally.abstain) == (3, 12, 0)
    assert vote.sponsors == ("Belarus", "India", "Russian Federation")
    assert sponsor_codes(vote) == {"RUS"}


def test_every_member_vote_is_cast_by_a_member_of_that_year(history):
    # S/1999/328 credited votes to three states that sat only in 2000-2001 (revision 5); the
    # seat codes of a year's Council are the only ones its texts may list.
    # One seat changed its code within a year: Democratic Yemen (YMD) voted until the
    # unification of 22 May 1990, Yemen (YEM, the table's code for 1990) after it.
    renamed = {"YMD": "YEM"}
    wrong = []
    for vote in history:
        sitting = set(Council.unsc(vote.date.year).members)
        listed = {renamed.get(code, code) for code in vote.votes}
        if listed - sitting:
            wrong.append((vote.vote_id, sorted(listed - sitting)))
    assert wrong == []


@pytest.mark.parametrize(
    ("vote_id", "sponsors"),
    [
        # the 2022 one-row shift: each row had the sponsors of the row before it
        ("S/RES/2639(2022)", {"RUS", "USA"}),
        ("S/2022/538", {"IRL", "NOR"}),  # the vetoed Irish-Norwegian text of 8 July 2022
        ("S/2022/541", {"RUS"}),  # its Russian rival
        ("S/2022/720", {"ALB", "USA"}),
        ("S/2022/821", {"RUS"}),
        ("S/RES/2664(2022)", {"IRL", "USA"}),
        ("S/RES/2644(2022)", {"GBR"}),  # its source spelt "United Kindgom"
        ("S/RES/2671(2022)", {"RUS", "USA"}),
    ],
)
def test_revision_4_undoes_the_2022_sponsor_shift(history, vote_id, sponsors):
    assert sponsor_codes(history[vote_id]) == sponsors


def test_revision_4_adds_the_main_sponsors_a_co_sponsor_list_lacked(history):
    assert {"FRA", "GBR", "USA"} <= sponsor_codes(history["S/2017/172"])
    assert "RUS" in sponsor_codes(history["S/2023/795"])


def test_revision_4_script_finds_nothing_left_to_correct():
    # The script corrects only rows that still hold an erroneous value: on the shipped record
    # it must find none (and every correction it made is listed in sponsors_researched).
    path = REPO_ROOT / "scripts" / "sponsor_corrections.py"
    spec = importlib.util.spec_from_file_location("sponsor_corrections", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    drafts = read_record("drafts")
    assert module.corrections(drafts) == {}
    researched = {row["vote_id"] for row in read_record("sponsors_researched")}
    assert {*module.SHIFTED, "S/2017/172", "S/2023/795"} <= researched


def test_unconfirmed_labels_are_neither_fitted_nor_scored(history):
    from councilsim.history.calibration import usable

    unconfirmed = [vote for vote in history if vote.status == "label_unconfirmed"]
    assert sorted(vote.vote_id for vote in unconfirmed) == ["S/2020/684", "VA1711:S/2020/667"]
    assert not any(usable(vote) for vote in unconfirmed)
