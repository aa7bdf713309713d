"""The reduced-form logistic baseline: the fit, its rolling origin, its published settings."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from scipy.special import expit

from councilsim.history import History, load_history
from councilsim.history.features import FEATURE_NAMES, facts_table
from councilsim.history.logistic import (
    DEFAULT_LOGISTIC,
    SPONSOR_COLUMNS,
    choose_settings,
    fit_facts,
    fit_logistic,
    rolling_forecasts,
    trainable,
    training_set,
)


def test_fit_recovers_known_coefficients():
    rng = np.random.default_rng(20261202)
    n = 20_000
    X = rng.normal(size=(n, 2))
    truth = np.array([1.0, 0.5, -1.0])
    y = rng.random(n) < expit(truth[0] + X @ truth[1:])
    fit = fit_logistic(X, y, penalty=1e-6)
    assert fit.converged
    estimate = np.array([fit.intercept, *fit.coef])
    # Standard errors from the Fisher information at the truth.
    design = np.hstack([np.ones((n, 1)), X])
    p = expit(design @ truth)
    se = np.sqrt(np.diag(np.linalg.inv(design.T @ (design * (p * (1 - p))[:, None]))))
    assert np.all(np.abs(estimate - truth) < 4 * se)


def test_penalised_optimum_and_shrinkage():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3))
    y = rng.random(300) < expit(0.5 + X @ np.array([1.0, -2.0, 0.0]))
    fits = [fit_logistic(X, y, penalty=lam) for lam in (0.1, 10.0, 1000.0)]
    norms = [np.linalg.norm(fit.coef) for fit in fits]
    assert norms[0] > norms[1] > norms[2]
    # The gradient of the penalised objective vanishes at the optimum (intercept unpenalised).
    for fit in fits:
        b = np.array(fit.coef)
        residual = expit(fit.intercept + X @ b) - y
        assert abs(residual.sum()) < 1e-4
        assert np.allclose(X.T @ residual + fit.penalty * b, 0.0, atol=1e-4)


def test_intercept_alone_is_the_log_odds_whatever_the_penalty():
    y = np.array([True] * 9 + [False])
    for penalty in (0.01, 100.0):
        fit = fit_logistic(np.zeros((10, 2)), y, penalty=penalty)
        assert fit.predict(np.zeros((1, 2)))[0] == pytest.approx(0.9, abs=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="penalty"):
        fit_logistic(np.zeros((2, 1)), [True, False], penalty=0.0)
    with pytest.raises(ValueError, match="does not match"):
        fit_logistic(np.zeros((3, 1)), [True, False], penalty=1.0)


def test_training_set_is_before_the_origin_and_confirmed():
    history = load_history()
    facts = facts_table(history)
    origin = dt.date(2021, 1, 1)
    X, y = training_set(history, facts, origin=origin, window=15)
    chosen = [v for v in history if dt.date(2006, 1, 1) <= v.date < origin and trainable(v)]
    assert X.shape == (len(chosen), len(FEATURE_NAMES))
    assert y.sum() == sum(v.adopted for v in chosen)
    assert not trainable(history["S/2020/684"])  # label_unconfirmed
    assert not any(v.modality == "without_vote" for v in chosen)


@pytest.mark.slow
def test_published_settings_are_those_chosen_on_2000_2009():
    best, grid = choose_settings(load_history())
    assert best == dict(DEFAULT_LOGISTIC)
    assert len(grid) > 1


def test_rolling_forecasts_use_only_earlier_years():
    history = load_history()
    first = rolling_forecasts(history.filter(before=2012), [2011])
    again = rolling_forecasts(history, [2011])  # later texts present: same forecasts
    assert first == again and len(first) > 0
    # The same fit as training_set's rows for that origin.
    facts = facts_table(history)
    fit = fit_facts(*training_set(history, facts, origin=dt.date(2011, 1, 1),
                                  window=DEFAULT_LOGISTIC["window"]),
                    penalty=DEFAULT_LOGISTIC["penalty"])
    for vote_id, p in list(first.items())[:5]:
        assert fit.predict_facts(facts[vote_id]) == pytest.approx(p, rel=1e-12)


def test_unknown_sponsors_are_learned_from_texts_before_the_origin_only():
    """What "sponsors unknown" means to the fit comes from earlier texts, never later ones."""
    history = load_history().filter(since=1990)
    origin = dt.date(2016, 1, 1)
    hidden = History([
        dataclasses.replace(v, sponsors=(), adopted=not v.adopted) if v.date >= origin else v
        for v in history
    ])
    fits = [
        fit_facts(*training_set(h, facts_table(h), origin=origin, window=15), penalty=1.0)
        for h in (history, hidden)
    ]
    assert fits[0] == fits[1]
    # ... and the same change before the origin moves the fit: the test can fail.
    early = History([
        dataclasses.replace(v, sponsors=()) if v.date.year == 2014 else v for v in history
    ])
    moved = fit_facts(*training_set(early, facts_table(early), origin=origin, window=15),
                      penalty=1.0)
    assert moved.sponsor_fill != fits[0].sponsor_fill


def test_unknown_sponsors_are_not_a_signal():
    """Whatever the past says about texts without sponsors, "unknown" is an average text."""
    history = load_history()
    facts = facts_table(history)
    X, y = training_set(history, facts, origin=dt.date(2020, 1, 1), window=15)
    known = X[:, FEATURE_NAMES.index("sponsors_known")] == 1
    assert not y[~known].all() or y[~known].mean() > y[known].mean()  # the trap is there
    fit = fit_facts(X, y, penalty=1.0)
    assert fit.coefficients()["sponsors_known"] == 0.0
    columns = [FEATURE_NAMES.index(n) for n in SPONSOR_COLUMNS]
    assert {n for n in FEATURE_NAMES if n.endswith("_sponsor") and not n.startswith("rival")} == (
        set(SPONSOR_COLUMNS))
    assert fit.sponsor_fill == pytest.approx(tuple(X[known][:, columns].mean(axis=0)))
    # An unknown text forecasts as the same text with the average sponsor columns.
    unknown_row = X[~known][:1].copy()
    average_row = unknown_row.copy()
    average_row[0, columns] = fit.sponsor_fill
    average_row[0, FEATURE_NAMES.index("sponsors_known")] = 1.0
    assert fit.predict(unknown_row)[0] == pytest.approx(fit.predict(average_row)[0], rel=1e-12)
