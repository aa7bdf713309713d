"""The rolling-origin backtest: proper scores, baselines, no look-ahead, executor invariance.

The fast tests use a shortened record (2011-2016) so each calibration takes about a second; the
full default configuration on the bundled record is exercised by the slow test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from councilsim.cli import main as cli_main
from councilsim.errors import LeakageError
from councilsim.history import History, load_history
from councilsim.history.backtest import (
    DEFAULT_SETTINGS,
    PREDICTION_COLUMNS,
    BacktestResult,
    backtest,
    brier_score,
    format_scores,
    log_loss,
    predictions_csv,
    read_predictions,
    reliability_table,
    score_predictions,
)
from councilsim.history.calibration import calibrate, usable

# The package re-exports the function ``backtest`` under the module's name.
backtest_module = importlib.import_module("councilsim.history.backtest")
FAST = dict(half_life=4.0, window=None, effects=("topic", "sponsor", "rival"), nodes=12,
            axis_nodes=4, tolerance=1e-4)


@pytest.fixture(scope="module")
def short_history() -> History:
    return load_history().filter(since=2011, before=2017)


@pytest.fixture(scope="module")
def small(short_history) -> BacktestResult:
    return backtest(short_history, start=2015, end=2016, **FAST)


# ----------------------------------------------------------------------------------------------
# Scores
# ----------------------------------------------------------------------------------------------


def test_perfect_forecasts_score_zero():
    outcome = [True, False, True, True]
    assert brier_score([1.0, 0.0, 1.0, 1.0], outcome) == 0.0
    assert log_loss([1.0, 0.0, 1.0, 1.0], outcome) == pytest.approx(1e-6, rel=1e-3)
    assert brier_score([0.0, 1.0, 0.0, 0.0], outcome) == 1.0
    assert log_loss([0.0], [True]) == pytest.approx(-np.log(1e-6))  # clipped, not infinite


@pytest.mark.parametrize("q", [0.05, 0.3, 0.5, 0.9])
def test_scores_are_proper(q):
    """The expected score under outcome probability q is smallest when forecasting q."""
    grid = np.linspace(0.01, 0.99, 99)

    def expected(score):
        return [q * score([p], [True]) + (1 - q) * score([p], [False]) for p in grid]

    for score in (brier_score, log_loss):
        best = grid[int(np.argmin(expected(score)))]
        assert best == pytest.approx(q, abs=0.011)


def test_reliability_table_bins():
    p = [0.05, 0.15, 0.95, 1.0, 0.99]
    o = [False, True, True, True, False]
    table = reliability_table(p, o)
    assert len(table) == 10
    assert sum(row["count"] for row in table) == 5
    assert table[9]["count"] == 3 and table[9]["observed"] == pytest.approx(2 / 3)
    assert table[4]["count"] == 0 and table[4]["observed"] is None


# ----------------------------------------------------------------------------------------------
# A small backtest
# ----------------------------------------------------------------------------------------------


def test_small_backtest_runs_and_serialises(small, short_history):
    data = json.loads(small.to_json())
    for key in ("brier", "log_loss", "member_accuracy"):
        assert isinstance(data[key], float)
    for name in ("base_rate", "persistence"):
        assert {"brier", "log_loss", "member_accuracy"} <= set(data["baselines"][name])
    assert set(data["per_year"]) == {"2015", "2016"}
    assert data["window"]["start"] == 2015 and data["window"]["end"] == 2016
    assert sum(row["count"] for row in data["reliability"]) == small.n_texts
    expected = [
        vote.vote_id for vote in short_history.filter(since=2015, before=2017) if usable(vote)
    ]
    assert [p.vote_id for p in small.predictions] == expected
    failed = [p for p in small.predictions if not p.adopted]
    assert failed, "failed and vetoed drafts are predicted too"
    assert 0 <= small.brier <= 1 and small.log_loss > 0
    assert "Backtest 2015-2016" in small.summary()
    with_predictions = json.loads(small.to_json(predictions=True))
    assert len(with_predictions["predictions"]) == small.n_texts


def test_base_rate_baseline_is_the_past_share_of_adopted_texts(small, short_history):
    past = short_history.filter(before=2016)
    share = np.mean([vote.adopted for vote in past])
    of_2016 = [p for p in small.predictions if p.date.year == 2016]
    assert of_2016
    for prediction in of_2016:
        assert prediction.p_base_rate == pytest.approx(share)


def test_persistence_baseline_repeats_the_last_vote_on_the_topic(small, short_history):
    # S/2016/847 (Russia's Aleppo draft) follows S/2016/846 on the same day: same-day votes are
    # not known to each other, so both repeat the last earlier Middle East votes.
    first, second = (p for p in small.predictions if p.vote_id in ("S/2016/846", "S/2016/847"))
    assert first.persistence_votes == second.persistence_votes
    # The next Middle East text, S/RES/2314 (31 Oct), repeats the last earlier-dated votes in the
    # group: those of 8 October, the later of the two texts in record order (S/2016/847), where
    # the P3 voted no. Art. 27 applied to them predicts failure; the text was adopted.
    later = next(p for p in small.predictions if p.vote_id == "S/RES/2314(2016)")
    assert later.persistence_votes == dict(short_history["S/2016/847"].votes)
    assert later.p_persistence == 0.0 and later.adopted
    # Without a topic group (Haiti, 13 Oct) a member repeats its last vote on anything.
    haiti = next(p for p in small.predictions if p.vote_id == "S/RES/2313(2016)")
    assert haiti.groups == ()
    assert haiti.persistence_votes == dict(short_history["S/2016/847"].votes)


@pytest.mark.parametrize("executor", [ProcessPoolExecutor, ThreadPoolExecutor])
def test_results_do_not_depend_on_the_executor(small, short_history, executor):
    with executor(2) as pool:
        parallel = backtest(short_history, start=2015, end=2016, executor=pool, **FAST)
    assert parallel == small  # the dataclass comparison skips only the wall-clock time
    first, second = small.to_dict(predictions=True), parallel.to_dict(predictions=True)
    assert "seconds" not in first  # wall-clock time only when asked (timing=True)
    assert first == second
    assert small.to_dict(timing=True)["seconds"] == small.seconds


# ----------------------------------------------------------------------------------------------
# No look-ahead
# ----------------------------------------------------------------------------------------------


def test_calibration_only_sees_the_past(monkeypatch, short_history):
    seen = []

    def spy(history, **options):
        seen.append((options["before"], max(vote.date for vote in history)))
        return calibrate(history, **options)

    monkeypatch.setattr(backtest_module, "calibrate", spy)
    result = backtest(short_history, start=2015, end=2016, **FAST)
    assert [before for before, _ in seen] == [dt.date(2015, 1, 1), dt.date(2016, 1, 1)]
    for before, latest in seen:
        assert latest < before
    assert all(
        dt.date.fromisoformat(info["last_date_seen"]) < dt.date(year, 1, 1)
        for year, info in result.calibrations.items()
    )


def test_leaky_calibration_trips_the_guard(monkeypatch, short_history):
    """A calibration that saw the predicted year must stop the backtest."""

    def leaky(history, **options):
        options["before"] = options["before"].replace(year=options["before"].year + 1)
        return calibrate(short_history, **options)

    monkeypatch.setattr(backtest_module, "calibrate", leaky)
    # A LeakageError, not an assert: python -O must not remove the guard.
    with pytest.raises(LeakageError, match="calibration for 2015 saw a vote"):
        backtest(short_history, start=2015, end=2015, **FAST)


def _planted(history: History, date: dt.date, vote_id: str) -> History:
    template = history["S/2016/846"]  # a vetoed Middle East draft
    fake = dataclasses.replace(
        template,
        vote_id=vote_id,
        symbol=vote_id,
        date=date,
        votes={code: "N" for code in template.votes},
        adopted=False,
    )
    return History([*history, fake])


def test_planted_future_votes_do_not_change_earlier_predictions(small, short_history):
    # One fake vote after the window, one inside it (16 June 2016): all-"no" on the Middle East.
    planted = _planted(short_history, dt.date(2017, 3, 1), "FAKE/AFTER")
    planted = _planted(planted, dt.date(2016, 6, 16), "FAKE/INSIDE")
    result = backtest(planted, start=2015, end=2016, **FAST)
    before = {p.vote_id: p for p in small.predictions}
    changed = []
    for prediction in result.predictions:
        if prediction.vote_id.startswith("FAKE"):
            continue
        original = before[prediction.vote_id]
        same = (
            prediction.p_model == original.p_model
            and prediction.member_probs == original.member_probs
            and prediction.p_persistence == original.p_persistence
            and prediction.p_base_rate == original.p_base_rate
            and prediction.p_logistic == original.p_logistic
        )
        if prediction.date <= dt.date(2016, 6, 16):
            assert same, f"{prediction.vote_id} changed by a vote dated after it"
        elif not same:
            changed.append(prediction.vote_id)
    # The planted vote is a legitimate past vote for later texts on the topic (last votes,
    # persistence), so some later prediction does change: the test can see a change.
    assert changed
    assert "FAKE/INSIDE" in {p.vote_id for p in result.predictions}
    assert "FAKE/AFTER" not in {p.vote_id for p in result.predictions}


# ----------------------------------------------------------------------------------------------
# The predictions table and the full report
# ----------------------------------------------------------------------------------------------


def test_logistic_baseline_and_veto_risks(small, short_history):
    assert all(0.0 < p.p_logistic < 1.0 for p in small.predictions)
    assert small.baselines["logistic"]["brier"] == pytest.approx(
        brier_score([p.p_logistic for p in small.predictions],
                    [p.adopted for p in small.predictions]))
    assert all(info["logistic_texts"] > 0 for info in small.calibrations.values())
    vetoed = [p for p in small.predictions if p.vetoed_by]
    assert vetoed
    for p in vetoed:
        assert p.vetoed_by == short_history[p.vote_id].vetoed_by
        permanent = set(short_history[p.vote_id].permanent)
        assert all(set(risk) == permanent for risk in p.veto_risk.values())
        # The model's risk is a veto as the Council counts it: the member's no on a text with
        # the required yes votes, so never above its plain P(no) (0 on a procedural text).
        assert all(0.0 <= risk <= p.member_probs[c]["N"] + 8 * np.finfo(float).eps
                   for c, risk in p.veto_risk["model"].items())
        assert p.veto_risk["base_rate"] == {c: p.base_rate_probs[c]["N"] for c in permanent}


def test_predictions_table_round_trip_scores_identically(small, tmp_path):
    path = tmp_path / "predictions.csv"
    path.write_text(predictions_csv(small.rows()), encoding="utf-8")
    rows = read_predictions(path)
    assert list(rows[0]) == list(PREDICTION_COLUMNS)
    assert [row["vote_id"] for row in rows] == [p.vote_id for p in small.predictions]
    assert score_predictions(rows) == small.report()  # exact: floats are written with repr
    report = small.report()
    model = report["forecasts"]["model"]
    assert model["brier"] == small.brier and model["log_loss"] == small.log_loss
    assert report["n"] == small.n_texts
    assert report["failed"] == sum(not p.adopted for p in small.predictions)
    assert report["vetoed"] == sum(bool(p.vetoed_by) for p in small.predictions)
    assert report["forecasts"]["base_rate"]["brier_skill"] == 0.0
    assert report["forecasts"]["logistic"]["top_veto"] is None
    known = small.report(sponsors_known=True)
    assert known["n"] == sum(p.sponsors_known for p in small.predictions)
    assert small.report(2016, 2016)["n"] == sum(p.date.year == 2016 for p in small.predictions)
    # "Everyone votes yes" scores the recorded Y/N/A votes; a member recorded absent is left out.
    cast = [v for p in small.predictions for v in p.votes.values() if v in "YNA"]
    assert report["members"]["all_yes"]["n"] == len(cast)
    assert report["members"]["all_yes"]["accuracy"] == pytest.approx(cast.count("Y") / len(cast))
    text = format_scores(report)
    assert "UNBench" in text and "everyone yes" in text


def test_unbench_scores_follow_the_definition(small):
    report = small.report()
    for name in ("model", "logistic"):
        p = np.array([getattr(x, f"p_{name}") for x in small.predictions])
        failed = np.array([not x.adopted for x in small.predictions])
        called = p < 0.5
        tp = int((called & failed).sum())
        assert report["forecasts"][name]["tp"] == tp
        assert report["forecasts"][name]["accuracy"] == pytest.approx(np.mean(called == failed))


def test_bad_predictions_tables_are_refused_with_the_line(small, tmp_path):
    rows = small.rows()
    missing = tmp_path / "missing.csv"
    missing.write_text("vote_id,date\nS/1,2016-01-01\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"missing\.csv, line 1: missing column\(s\) adopted"):
        read_predictions(missing)
    broken = [dict(row) for row in rows]
    broken[1]["p_model"] = "1.5"
    bad = tmp_path / "bad.csv"
    bad.write_text(predictions_csv(broken), encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.csv, line 3, column p_model: 1\.5 is not a "):
        read_predictions(bad)
    assert cli_main(["backtest", "--from-predictions", str(bad)]) == 2
    with pytest.raises(ValueError, match="the predictions table has no text from 1990 to 1991$"):
        score_predictions(rows, first=1990, last=1991)
    with pytest.raises(ValueError, match=r"has no text \(it has no rows\)"):
        score_predictions([])


def test_cli_scores_a_saved_table(small, tmp_path, capsys):
    path = tmp_path / "predictions.csv"
    path.write_text(predictions_csv(small.rows()), encoding="utf-8")
    assert cli_main(["backtest", "--from-predictions", str(path), "--from", "2016"]) == 0
    out = capsys.readouterr().out
    assert "Texts voted 2016-2016" in out and "sponsors known" in out
    assert f"{small.report(2016, 2016)['forecasts']['logistic']['brier']:.4f}" in out


@pytest.mark.slow
def test_cli_writes_the_predictions_table(tmp_path, capsys):
    path = tmp_path / "out.csv"
    assert cli_main(["backtest", "--from", "2016", "--to", "2016", "--predictions",
                     str(path)]) == 0
    rows = read_predictions(path)
    expected = [v.vote_id for v in load_history().filter(since=2016, before=2017) if usable(v)]
    assert [row["vote_id"] for row in rows] == expected
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically: no temporary file left
    assert "Texts voted 2016-2016" in capsys.readouterr().out


def test_input_validation(short_history):
    with pytest.raises(ValueError, match="start"):
        backtest(short_history, start=2016, end=2015)
    with pytest.raises(ValueError, match="no usable"):
        backtest(short_history, start=2015, end=2015, topic="no such agenda item", **FAST)
    with pytest.raises(TypeError, match="start must be a year as a whole number, got '2015'"):
        backtest(short_history, start="2015", end=2015)
    # The last year defaults to the history's own (2016 here; 2025 for the bundled record).
    with pytest.raises(ValueError, match="years 2017-2016 are outside the record"):
        backtest(short_history, start=2017)


# ----------------------------------------------------------------------------------------------
# The published configuration
# ----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_default_backtest_small_window():
    result = backtest(start=2015, end=2016)
    data = json.loads(result.to_json())
    assert data["settings"]["half_life"] == DEFAULT_SETTINGS["half_life"]
    assert data["n_texts"] == sum(v["model"]["n"] for v in data["per_year"].values())
    for name in ("base_rate", "persistence"):
        assert data["baselines"][name]["brier"] >= 0
    # 2015-2016: the model should not be worse than the base rate on Brier.
    assert result.brier <= result.baselines["base_rate"]["brier"]


@pytest.mark.slow
def test_topic_backtest():
    result = backtest(start=2016, end=2018, topic="dprk")
    assert result.topic == "dprk"
    assert result.n_texts >= 8
    assert all("dprk" in p.groups for p in result.predictions)
