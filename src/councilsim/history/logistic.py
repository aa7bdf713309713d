"""A reduced-form baseline: L2-penalised logistic regression of adoption on pre-vote facts.

The strong baseline of the backtest (:mod:`councilsim.history.backtest`): P(adopted) is a
logistic function of :meth:`PreVoteFacts.vector <councilsim.history.features.PreVoteFacts.vector>`
(rival drafts, amendments, sponsor camps, topic groups, the item's recent failures), fitted with
the backtest's rolling origin on the texts put to the vote before 1 January of each year.

Unknown sponsors are made uninformative (:func:`fit_facts`): such a text is forecast as an
average-sponsored one, with averages over the training texts.

Training texts: every text put to the vote (adopted without a vote excluded, as the backtest
never predicts those) whose label is confirmed (``label_unconfirmed`` excluded), including the
failed drafts that have no member-level record; within :data:`DEFAULT_LOGISTIC` ``window``
years before the origin. The intercept is not penalised. The settings were chosen on 2000-2009
alone (:func:`choose_settings`; ``benchmarks/backtest_report.py --variants`` prints the grid).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from threadpoolctl import threadpool_limits

from councilsim.errors import InputError
from councilsim.history.calibration import usable
from councilsim.history.features import FEATURE_NAMES, PreVoteFacts, facts_table
from councilsim.history.record import History, RecordedVote
from councilsim.history.scoring import brier_score, log_loss

__all__ = [
    "DEFAULT_LOGISTIC",
    "PENALTIES",
    "SPONSOR_COLUMNS",
    "WINDOWS",
    "LogisticFit",
    "choose_settings",
    "fit_facts",
    "fit_logistic",
    "rolling_forecasts",
    "trainable",
    "training_set",
    "training_start",
]

#: Grid searched on 2000-2009 (:func:`choose_settings`).
PENALTIES = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
WINDOWS = (None, 30, 15)
#: Settings of the published baseline: the lowest 2000-2009 log loss on the grid.
DEFAULT_LOGISTIC: Mapping[str, Any] = MappingProxyType({"penalty": 0.3, "window": 15})


def one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """Keep BLAS to one thread for many small matrix products (the fits, the simulations).

    Waking BLAS threads for each small product made them ten to fifteen times slower on a busy
    two-core machine; parallelism belongs one level up (the backtest's years). The limit is
    process-wide, so, as in calibration, it is set only from the main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def trainable(vote: RecordedVote) -> bool:
    """Whether a text trains the logistic: put to a vote, with a confirmed label."""
    return vote.modality != "without_vote" and vote.status != "label_unconfirmed"


@dataclass(frozen=True)
class LogisticFit:
    """A fitted logistic regression.

    Attributes
    ----------
    intercept : float
    coef : tuple of float
        One per column of :data:`~councilsim.history.features.FEATURE_NAMES`.
    penalty : float
        The L2 penalty (on the coefficients, not the intercept).
    n_texts, n_failed : int
        Training texts, and failed ones among them.
    converged : bool
    sponsor_fill : tuple of float or None
        For a fit on pre-vote facts (:func:`fit_facts`): the values the sponsor columns of a text
        with unknown sponsors take (their mean over the training texts whose sponsors are
        known); None for a plain fit.
    """

    intercept: float
    coef: tuple[float, ...]
    penalty: float
    n_texts: int
    n_failed: int
    converged: bool
    sponsor_fill: tuple[float, ...] | None = None

    def predict(self, X: np.ndarray) -> np.ndarray:
        """P(adopted) for each row of ``X`` (columns as in :data:`FEATURE_NAMES`)."""
        X = np.asarray(X, dtype=float)
        if self.sponsor_fill is not None:
            X = _neutral_sponsors(X, self.sponsor_fill)
        return expit(self.intercept + X @ np.asarray(self.coef))

    def predict_facts(self, facts: PreVoteFacts) -> float:
        """P(adopted) of one text."""
        return float(self.predict(facts.vector()[None, :])[0])

    def coefficients(self) -> dict[str, float]:
        """The coefficients by feature name, the intercept first."""
        return {"intercept": self.intercept, **dict(zip(FEATURE_NAMES, self.coef, strict=True))}


def fit_logistic(X: np.ndarray, adopted: Sequence[bool] | np.ndarray, *, penalty: float) -> (
    LogisticFit
):
    """Fit P(adopted) = expit(b0 + X b) by penalised maximum likelihood.

    Minimises ``sum_i logloss_i + penalty / 2 * |b|^2`` (b0 unpenalised) by a trust-region
    Newton method with the exact gradient and Hessian; the problem is convex, so the optimum is
    unique for ``penalty > 0``.

    Parameters
    ----------
    X : array of shape (n, k)
    adopted : array of n bool
    penalty : float
        L2 penalty, > 0.

    Returns
    -------
    LogisticFit
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(adopted, dtype=float)
    if not penalty > 0:
        raise InputError(f"penalty must be > 0, got {penalty}")
    if X.ndim != 2 or X.shape[0] != y.size or not y.size:
        raise InputError(f"X of shape {X.shape} does not match {y.size} outcomes")
    design = np.hstack([np.ones((X.shape[0], 1)), X])

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = design @ theta
        # -log p(y | eta) = log(1 + e^eta) - y * eta, computed stably.
        loss = float(np.sum(np.logaddexp(0.0, eta) - y * eta))
        grad = design.T @ (expit(eta) - y)
        loss += 0.5 * penalty * float(theta[1:] @ theta[1:])
        grad[1:] += penalty * theta[1:]
        return loss, grad

    ridge = np.full(design.shape[1], float(penalty))
    ridge[0] = 0.0

    def hessian(theta: np.ndarray) -> np.ndarray:
        p = expit(design @ theta)
        return design.T @ (design * (p * (1.0 - p))[:, None]) + np.diag(ridge)

    start = np.zeros(design.shape[1])
    rate = np.clip(y.mean(), 1e-3, 1 - 1e-3)
    start[0] = np.log(rate / (1 - rate))
    with one_blas_thread():
        result = minimize(objective, start, jac=True, hess=hessian, method="trust-exact",
                          options={"gtol": 1e-9, "maxiter": 200})
    return LogisticFit(
        intercept=float(result.x[0]),
        coef=tuple(float(b) for b in result.x[1:]),
        penalty=float(penalty),
        n_texts=int(y.size),
        n_failed=int((y == 0).sum()),
        converged=bool(result.success),
    )


_KNOWN = FEATURE_NAMES.index("sponsors_known")
#: The sponsor columns, which take the training means when a text's sponsors are unknown.
SPONSOR_COLUMNS = ("west_sponsor", "east_sponsor", "permanent_sponsor", "both_camps_sponsor",
                   "arab_sponsor")
_SPONSOR_COLUMNS = [FEATURE_NAMES.index(name) for name in SPONSOR_COLUMNS]


def _neutral_sponsors(X: np.ndarray, fill: Sequence[float]) -> np.ndarray:
    """Return ``X`` with unknown sponsors made uninformative.

    The sponsor columns of rows with unknown sponsors are set to ``fill``, and the
    ``sponsors_known`` column to 0 for every row.
    """
    X = np.array(X, dtype=float)
    unknown = np.flatnonzero(X[:, _KNOWN] == 0)
    X[np.ix_(unknown, _SPONSOR_COLUMNS)] = np.asarray(fill, dtype=float)
    X[:, _KNOWN] = 0.0
    return X


def fit_facts(X: np.ndarray, adopted: Sequence[bool] | np.ndarray, *, penalty: float) -> (
    LogisticFit
):
    """Fit the baseline on pre-vote facts (rows of :meth:`PreVoteFacts.vector`).

    Unknown sponsors are never a signal (SOURCE.md, "Revisions": the record's researchers filled
    failed drafts first, so in the record itself "unknown" goes with adoption). A text with
    unknown sponsors gets, in each sponsor column, the mean of that column over the *training*
    texts whose sponsors are known (texts before the origin only), and the ``sponsors_known``
    column is not used (its coefficient is 0): its forecast is that of an average-sponsored text.

    Parameters
    ----------
    X : array of shape (n, len(FEATURE_NAMES))
    adopted : array of n bool
    penalty : float
        L2 penalty, > 0.

    Returns
    -------
    LogisticFit
        With ``sponsor_fill`` set; its :meth:`~LogisticFit.predict` applies the same rule.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != len(FEATURE_NAMES):
        raise InputError(f"X of shape {X.shape}: expected {len(FEATURE_NAMES)} columns "
                         "(FEATURE_NAMES)")
    known = X[:, _KNOWN] == 1
    fill = (X[known][:, _SPONSOR_COLUMNS].mean(axis=0) if known.any()
            else np.zeros(len(_SPONSOR_COLUMNS)))
    fit = fit_logistic(_neutral_sponsors(X, fill), adopted, penalty=penalty)
    return dataclasses.replace(fit, sponsor_fill=tuple(float(v) for v in fill))


def training_start(origin: dt.date, window: int | None) -> dt.date:
    """First date of the texts that train the fit for ``origin``.

    1 January ``origin.year - window``; without a ``window``, every earlier text.
    """
    return dt.date(origin.year - window, 1, 1) if window else dt.date.min


def training_set(
    votes: Sequence[RecordedVote],
    facts: Mapping[str, PreVoteFacts],
    *,
    origin: dt.date,
    window: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Design matrix and outcomes of the texts that train the fit for ``origin``.

    Those :func:`trainable` texts dated before ``origin`` and, with a ``window``, on or after
    1 January ``origin.year - window``.
    """
    first = training_start(origin, window)
    chosen = [v for v in votes if first <= v.date < origin and trainable(v)]
    if not chosen:
        raise InputError(f"no text to train the logistic baseline on before {origin}")
    X = np.array([facts[v.vote_id].vector() for v in chosen])
    return X, np.array([v.adopted for v in chosen])


def rolling_forecasts(
    history: History,
    years: Sequence[int],
    *,
    penalty: float = DEFAULT_LOGISTIC["penalty"],
    window: int | None = DEFAULT_LOGISTIC["window"],
    facts: Mapping[str, PreVoteFacts] | None = None,
) -> dict[str, float]:
    """P(adopted) of every backtest text of ``years``, each year fitted on the years before.

    Parameters
    ----------
    history : History
        The record.
    years : sequence of int
        Years predicted; the texts are those the backtest predicts
        (:func:`~councilsim.history.calibration.usable`).
    penalty, window
        Settings (see :data:`DEFAULT_LOGISTIC`).
    facts : mapping of str to PreVoteFacts, optional
        :func:`~councilsim.history.features.facts_table` of ``history``, if already computed.

    Returns
    -------
    dict of str to float
        P(adopted) by ``vote_id``.
    """
    facts = facts_table(history) if facts is None else facts
    votes = tuple(history)
    X = np.array([facts[v.vote_id].vector() for v in votes]).reshape(len(votes), -1)
    year_of = np.array([v.date.year for v in votes])
    adopted = np.array([v.adopted for v in votes])
    trains = np.array([trainable(v) for v in votes], dtype=bool)
    targets = np.array([usable(v) for v in votes], dtype=bool)
    out: dict[str, float] = {}
    for year in years:
        chosen = np.flatnonzero(targets & (year_of == year))
        if not chosen.size:
            continue
        # Dated before 1 January of the year: earlier years (the same rows training_set picks).
        train = trains & (year_of < year) & (year_of >= (year - window if window else -1))
        fit = fit_facts(X[train], adopted[train], penalty=penalty)
        p = fit.predict(X[chosen])
        out.update(zip((votes[i].vote_id for i in chosen), p.tolist(), strict=True))
    return out


def choose_settings(
    history: History, years: Sequence[int] = tuple(range(2000, 2010))
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Pick the penalty and window of lowest rolling-origin log loss over ``years``.

    Returns
    -------
    best : dict
        ``{"penalty": ..., "window": ...}``.
    grid : list of dict
        Every setting of :data:`PENALTIES` x :data:`WINDOWS` with its ``log_loss`` and
        ``brier`` over the texts of ``years``.
    """
    facts = facts_table(history)
    grid = []
    for window in WINDOWS:
        for penalty in PENALTIES:
            p = rolling_forecasts(history, years, penalty=penalty, window=window, facts=facts)
            outcome = [history[v].adopted for v in p]
            forecast = list(p.values())
            grid.append({"penalty": penalty, "window": window,
                         "log_loss": log_loss(forecast, outcome),
                         "brier": brier_score(forecast, outcome)})
    best = min(grid, key=lambda row: row["log_loss"])
    return {"penalty": best["penalty"], "window": best["window"]}, grid
