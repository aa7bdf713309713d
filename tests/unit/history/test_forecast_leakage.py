"""Nothing dated on or after a cut-off reaches a forecast: the guards are explicit errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib

import pytest

from councilsim.errors import LeakageError
from councilsim.history import calibration, load_history
from councilsim.history.calibration import text_facts

# The package exports a function of the same name as the module.
backtest_module = importlib.import_module("councilsim.history.backtest")
QUICK = dict(nodes=6, axis_nodes=3, tolerance=1e-3, max_iterations=200, standard_errors=False)


def test_calibrate_refuses_a_vote_on_or_after_before(monkeypatch):
    history = load_history()
    late = history.filter(since="2016-01-01", before="2016-03-01")
    honest = calibration._select

    def leaky(record, *, topic, since, before):
        return [*honest(record, topic=topic, since=since, before=before), *late]

    monkeypatch.setattr(calibration, "_select", leaky)
    with pytest.raises(LeakageError, match="leakage"):
        calibration.calibrate(history, since="2015-01-01", before="2016-01-01", **QUICK)


def test_backtest_refuses_a_calibration_that_saw_the_year(monkeypatch):
    honest = backtest_module.calibrate

    def leaky(*args, **kwargs):
        fit = honest(*args, **{**kwargs, "nodes": 6, "axis_nodes": 3, "tolerance": 1e-3})
        return dataclasses.replace(fit, last_date=kwargs["before"])

    monkeypatch.setattr(backtest_module, "calibrate", leaky)
    with pytest.raises(LeakageError, match="leakage"):
        backtest_module.backtest(start=2016, end=2016, window=2)


def test_calibration_ignores_everything_after_before():
    history = load_history()
    before = dt.date(2016, 1, 1)
    cut = history.filter(before=before)
    options = dict(since="2014-01-01", before=before,
                   effects=calibration.EFFECT_KINDS, **QUICK)
    assert (calibration.calibrate(history, **options).to_dict()
            == calibration.calibrate(cut, **options).to_dict())


def test_a_texts_facts_do_not_depend_on_later_texts():
    history = load_history().filter(since=2015, before=2018)
    early = history.filter(before="2016-10-09")
    facts_all = dict(zip(history.vote_ids, text_facts(history), strict=True))
    facts_early = dict(zip(early.vote_ids, text_facts(early), strict=True))
    assert facts_early and all(facts_all[k] == v for k, v in facts_early.items())
