"""Reading the record from the command line: history list / search / show (issue 12 item 9)."""

import csv
import io
import json

import pytest
from paths import REPO_ROOT

from councilsim.cli import main
from councilsim.history import load_history

EXAMPLES = REPO_ROOT / "docs" / "examples"
RECORD = ["--record", str(EXAMPLES / "extra-drafts.csv"),
          "--record", str(EXAMPLES / "extra-votes.csv")]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_a_year_as_json_matches_the_record(capsys):
    code, out, _ = run(capsys, "history", "list", "--year", "2017", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    expected = load_history().filter(since=2017, before=2018)
    assert [row["vote_id"] for row in rows] == list(expected.vote_ids)
    assert [row["outcome"] for row in rows] == [
        "adopted" if v.adopted else "vetoed" if v.vetoed_by else "failed" for v in expected]
    assert "vetoed" in {row["outcome"] for row in rows}


def test_search_by_words_sponsor_vetoer_and_outcome(capsys):
    code, out, _ = run(capsys, "history", "search", "venezuela", "--year", "2019",
                       "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["vote_id"], r["outcome"], r["vetoed_by"]) for r in rows] == [
        ("S/2019/186", "vetoed", "CHN;RUS"), ("S/2019/190", "failed", "")]
    code, out, _ = run(capsys, "history", "list", "--sponsor", "RUS", "--outcome", "short",
                       "--since", "2019-01-01", "--before", "2020-01-01", "--format", "json")
    # Independently of History.filter: Russian-sponsored 2019 texts that failed without a veto.
    expected = [v.vote_id for v in load_history() if v.date.year == 2019 and not v.adopted
                and not v.vetoed_by and "Russian Federation" in v.sponsors]
    assert [row["vote_id"] for row in json.loads(out)] == expected
    assert {"S/2019/190", "S/2019/962"} <= set(expected)
    code, out, _ = run(capsys, "history", "list", "--vetoer", "SUN", "--before", "1947",
                       "--format", "json")
    assert all("RUS" in row["vetoed_by"] for row in json.loads(out)) and json.loads(out)


def test_list_table_and_the_added_texts(capsys):
    code, out, _ = run(capsys, "history", "list", "--topic", "dprk", "--year", "2026", *RECORD)
    assert code == 0
    lines = out.splitlines()
    assert lines[1].startswith("S/RES/9001(2026)") and "13-0-2" in lines[1]
    assert lines[2].startswith("S/2026/901") and "vetoed" in lines[2] and "RUS" in lines[2]
    assert lines[-1] == "2 texts: 1 adopted, 1 failed (1 vetoed)"


def test_show_gives_each_member_vote_with_the_names_of_that_year(capsys):
    code, out, _ = run(capsys, "history", "show", "S/2019/962")
    assert code == 0
    assert out.splitlines()[0].startswith("S/2019/962  2019-12-20  draft, failed (5-6-4)")
    assert "CIV  Côte d'Ivoire" in out and "yes" in out.split("CIV")[1].splitlines()[0]
    code, out, _ = run(capsys, "history", "show", "S/RES/84 (1950)", "--format", "json")
    data = json.loads(out)
    members = {m["code"]: m for m in data["members"]}
    assert members["RUS"] == {"code": "RUS", "name": "Union of Soviet Socialist Republics",
                              "permanent": True, "vote": "X"}
    assert (data["yes"], data["no"], data["abstain"]) == (7, 0, 3)


def test_show_csv_to_a_file(tmp_path, capsys):
    out = tmp_path / "votes.csv"
    code, stdout, err = run(capsys, "history", "show", "S/2026/901", *RECORD,
                            "--format", "csv", "--out", str(out))
    assert code == 0 and stdout == "" and f"wrote {out}" in err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 15 and {r["vote"] for r in rows if r["code"] == "RUS"} == {"N"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "S/RES/2375"], "no recorded vote with id 'S/RES/2375'; did you mean "
                                 "S/RES/2375(2017)"),
        (["list", "--since", "2017-13-01"], "--since '2017-13-01' is not a date"),
        (["list", "--vetoer", "JPN"], "--vetoer 'JPN': only permanent members veto; allowed: "
                                      "CHN, FRA, GBR, RUS, USA"),
        (["list", "--year", "2017", "--since", "2016"], "give --year, or --since/--before, "
                                                        "not both"),
        (["list", "--member-of", "x"], "unrecognized arguments"),
        (["list", "--outcome", "won"], "invalid choice: 'won'"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, argv, message):
    out = tmp_path / "out.json"
    with pytest.raises(SystemExit) if argv[1] in ("--member-of", "--outcome") else _no_raise():
        code, _, err = run(capsys, "history", *argv, "--out", str(out))
        assert code == 2
        assert message in err and "Traceback" not in err
    if argv[1] in ("--member-of", "--outcome"):
        assert message in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == []


class _no_raise:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_calibrate_help_names_every_effect_kind(capsys):
    from councilsim.history.calibration import EFFECT_KINDS

    with pytest.raises(SystemExit):
        main(["calibrate", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    listed = out.split("comma-separated:")[1].split("--")[0]
    assert [kind.strip() for kind in listed.split(",")] == list(EFFECT_KINDS)
