"""An honest backtest: calibrate on the past, predict each year's votes, score against baselines.

Rolling origin. For every year ``Y`` from ``start`` to ``end``:

1. calibrate (:func:`~councilsim.history.calibration.calibrate`) on the votes dated strictly
   before 1 January ``Y`` — an assertion inside the loop checks that the calibration saw no vote
   dated on or after any text it predicts;
2. predict every text put to the vote in ``Y`` that has a complete member-level record
   (:func:`~councilsim.history.calibration.usable`: failed and vetoed drafts included, texts adopted
   without a vote and ``incomplete``/``suspect_1995``/``label_unconfirmed`` records skipped):
   P(adopted) and each member's vote probabilities come from :func:`councilsim.simulate` (exact
   method) on a :class:`~councilsim.models.Scenario` built from the calibrated members, the council of the
   record (:meth:`RecordedVote.council`), ``mood_sd = tau`` and the record's procedural flag;
3. score them, and the same texts under two baselines:

   * ``base_rate``: P(adopted) is the share adopted among *all* texts put to the vote before
     ``Y`` (with or without a member-level record; with ``topic``, among that topic's texts);
     each member's vote probabilities are its past shares of Y/N/A/X (add-one smoothed);
   * ``persistence``: each member votes as it did on the last earlier-dated text sharing an
     agenda topic group with this one; failing that, as on its last earlier-dated vote on
     anything; failing that, yes. The Art. 27 rules applied to these votes give the prediction,
     as a probability of 0 or 1 (clipped to [1e-6, 1 - 1e-6] for the log loss, which is therefore
     dominated by its misses: ``log(1e-6) = -13.8`` each).

Information used for a text of date ``d``: member parameters from votes before 1 January of its
year; topic groups from its agenda wording only (:func:`agenda_groups`, never the title, which the
record has only for adopted texts); each member's last vote on the topic from votes dated strictly
before ``d``. The procedural flag is taken from the record, which sets it
only on adopted texts that a permanent member voted against (ten texts, one after 2000:
S/RES/2623(2022)), so it carries a little hindsight; it is reported in ``leaks``.

Scores: Brier score and log loss of P(adopted) (probabilities clipped to [1e-6, 1 - 1e-6]), a
10-bin reliability table, and per-member vote accuracy (the most likely vote equals the recorded
one) and log loss. About 94% of member votes are yes and every forecast here makes yes the most
likely vote of nearly every member, so member *accuracy* mostly measures the share of yes votes;
the member log loss is the informative member-level score. Results are identical whatever the
executor: each year's work depends only on the record.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from types import MappingProxyType
from typing import Any

import numpy as np

from councilsim.history._textfacts import _last_votes_table, agenda_groups, text_facts, usable
from councilsim.history.adapter import text_scenario
from councilsim.history.calibration import AXIS_NODES, NODES, calibrate
from councilsim.history.record import (
    TOPIC_GROUPS,
    History,
    RecordedVote,
    _topic_test,
    load_history,
)
from councilsim.rules import VOTES, adopted

__all__ = [
    "CLIP",
    "DEFAULT_SETTINGS",
    "BacktestResult",
    "TextPrediction",
    "backtest",
    "brier_score",
    "log_loss",
    "reliability_table",
]

#: Probabilities are clipped to [CLIP, 1 - CLIP] for log losses.
CLIP = 1e-6
#: Model settings of the published backtest. They were chosen on 2000-2009 alone (lowest text
#: log loss among the settings listed in ``benchmarks/backtest_report.py``, which prints them all
#: on both periods); nothing was tuned on 2010-2025.
DEFAULT_SETTINGS: Mapping[str, Any] = MappingProxyType(
    {
        "half_life": 4.0,
        "window": 40,
        "effects": ("topic", "sponsor"),
        "nodes": 32,
    }
)
#: The separately reported window.
WINDOW = (2010, 2025)
_FORECASTS = ("model", "base_rate", "persistence")


# ----------------------------------------------------------------------------------------------
# Scores
# ----------------------------------------------------------------------------------------------


def brier_score(p: Sequence[float] | np.ndarray, outcome: Sequence[bool] | np.ndarray) -> float:
    """Mean squared difference between forecast probabilities and 0/1 outcomes (0 is perfect)."""
    p = np.asarray(p, dtype=float)
    o = np.asarray(outcome, dtype=float)
    return float(np.mean((p - o) ** 2)) if p.size else float("nan")


def log_loss(p: Sequence[float] | np.ndarray, outcome: Sequence[bool] | np.ndarray) -> float:
    """Mean negative log-likelihood of 0/1 outcomes, probabilities clipped to [1e-6, 1 - 1e-6]."""
    p = np.clip(np.asarray(p, dtype=float), CLIP, 1.0 - CLIP)
    o = np.asarray(outcome, dtype=bool)
    if not p.size:
        return float("nan")
    return float(-np.mean(np.where(o, np.log(p), np.log1p(-p))))


def reliability_table(
    p: Sequence[float] | np.ndarray, outcome: Sequence[bool] | np.ndarray, bins: int = 10
) -> list[dict[str, Any]]:
    """Mean forecast against observed frequency in ``bins`` equal-width bins of the forecast.

    Returns one dict per bin: ``low``, ``high``, ``count``, ``mean_predicted`` and ``observed``
    (None for empty bins). The last bin includes 1.
    """
    p = np.asarray(p, dtype=float)
    o = np.asarray(outcome, dtype=float)
    which = np.minimum((p * bins).astype(int), bins - 1)
    table = []
    for b in range(bins):
        sel = which == b
        n = int(sel.sum())
        table.append(
            {
                "low": b / bins,
                "high": (b + 1) / bins,
                "count": n,
                "mean_predicted": float(p[sel].mean()) if n else None,
                "observed": float(o[sel].mean()) if n else None,
            }
        )
    return table


# ----------------------------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextPrediction:
    """Forecasts for one text, by the model and by the baselines.

    Attributes
    ----------
    vote_id : str
    date : datetime.date
    adopted : bool
        What happened.
    p_model, p_base_rate, p_persistence : float
        P(adopted) by the model and the two baselines.
    votes : dict of str to str
        The recorded member votes.
    member_probs : dict of str to dict of str to float
        Model probabilities of each member's Y/N/A/X.
    base_rate_votes, persistence_votes : dict of str to str
        Each member's predicted vote under the baselines.
    base_rate_probs : dict of str to dict of str to float
        Base-rate member vote probabilities (past shares).
    groups : tuple of str
        Agenda topic groups of the text.
    """

    vote_id: str
    date: dt.date
    adopted: bool
    p_model: float
    p_base_rate: float
    p_persistence: float
    votes: Mapping[str, str]
    member_probs: Mapping[str, Mapping[str, float]]
    base_rate_votes: Mapping[str, str]
    persistence_votes: Mapping[str, str]
    base_rate_probs: Mapping[str, Mapping[str, float]]
    groups: tuple[str, ...] = ()

    def to_dict(self, *, members: bool = True) -> dict[str, Any]:
        """Plain, JSON-ready form (``members=False`` leaves out the member-level fields)."""
        out: dict[str, Any] = {
            "vote_id": self.vote_id,
            "date": self.date.isoformat(),
            "adopted": self.adopted,
            "p_model": self.p_model,
            "p_base_rate": self.p_base_rate,
            "p_persistence": self.p_persistence,
            "groups": list(self.groups),
        }
        if members:
            out["votes"] = dict(self.votes)
            out["member_probs"] = {c: dict(p) for c, p in self.member_probs.items()}
            out["base_rate_votes"] = dict(self.base_rate_votes)
            out["persistence_votes"] = dict(self.persistence_votes)
        return out


def _most_likely(probs: Mapping[str, float]) -> str:
    """The vote with the highest probability; ties go to the earlier letter of ``VOTES``."""
    return max(VOTES, key=lambda k: (probs[k], -VOTES.index(k)))


def _member_scores(
    predictions: Sequence[TextPrediction],
) -> dict[str, dict[str, float]]:
    """Member-level accuracy and log loss of each forecast."""
    hits = {name: 0 for name in _FORECASTS}
    loss = {name: 0.0 for name in _FORECASTS}
    n = 0
    for pred in predictions:
        for code, letter in pred.votes.items():
            n += 1
            probs = pred.member_probs[code]
            hits["model"] += _most_likely(probs) == letter
            loss["model"] -= math.log(min(max(probs[letter], CLIP), 1 - CLIP))
            base = pred.base_rate_probs[code]
            hits["base_rate"] += pred.base_rate_votes[code] == letter
            loss["base_rate"] -= math.log(min(max(base[letter], CLIP), 1 - CLIP))
            hit = pred.persistence_votes[code] == letter
            hits["persistence"] += hit
            loss["persistence"] -= math.log(1 - CLIP if hit else CLIP)
    return {
        name: {
            "member_accuracy": hits[name] / n if n else float("nan"),
            "member_log_loss": loss[name] / n if n else float("nan"),
            "member_votes": n,
        }
        for name in _FORECASTS
    }


def _scores(predictions: Sequence[TextPrediction]) -> dict[str, dict[str, Any]]:
    outcome = [p.adopted for p in predictions]
    member = _member_scores(predictions)
    out = {}
    for name in _FORECASTS:
        p = [getattr(pred, f"p_{name}") for pred in predictions]
        out[name] = {
            "n": len(p),
            "brier": brier_score(p, outcome),
            "log_loss": log_loss(p, outcome),
            "mean_predicted": float(np.mean(p)) if p else float("nan"),
            "observed": float(np.mean(outcome)) if p else float("nan"),
            **member[name],
        }
    return out


def _clean(value: Any) -> Any:
    """NaN to None, recursively, so the JSON is standard."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


@dataclass(frozen=True)
class BacktestResult:
    """Scores of a rolling-origin backtest, for the model and the two baselines.

    Attributes
    ----------
    start, end : int
        First and last year predicted.
    topic : str or None
        Topic group (agenda wording) the backtest was restricted to.
    settings : dict
        Calibration settings (half-life, window, effects, nodes).
    n_texts : int
        Texts predicted.
    brier, log_loss, member_accuracy, member_log_loss : float
        The model's scores over all years.
    baselines : dict of str to dict
        ``{"base_rate": {...}, "persistence": {...}}``, each with the same scores.
    window : dict
        The scores over 2010-2025 (the years of it inside ``start..end``):
        ``{"start", "end", "model": {...}, "base_rate": {...}, "persistence": {...}}``.
    per_year : dict of int to dict
        The same three score sets for each year.
    reliability : list of dict
        The model's 10-bin reliability table (:func:`reliability_table`).
    reliability_baselines : dict of str to list of dict
        The same for the baselines.
    predictions : tuple of TextPrediction
        Every forecast, in date order.
    calibrations : dict of int to dict
        Per year: texts and votes calibrated on, last date seen, tau, log-likelihood, convergence.
    leaks : dict
        Known hindsight in the inputs (the procedural flags used).
    seconds : float
        Wall-clock time (not compared).
    """

    start: int
    end: int
    topic: str | None
    settings: Mapping[str, Any]
    n_texts: int
    brier: float
    log_loss: float
    member_accuracy: float
    member_log_loss: float
    baselines: Mapping[str, Mapping[str, Any]]
    window: Mapping[str, Any]
    per_year: Mapping[int, Mapping[str, Any]]
    reliability: tuple[Mapping[str, Any], ...]
    reliability_baselines: Mapping[str, tuple[Mapping[str, Any], ...]]
    predictions: tuple[TextPrediction, ...] = field(repr=False)
    calibrations: Mapping[int, Mapping[str, Any]] = field(repr=False)
    leaks: Mapping[str, Any] = field(default_factory=dict, repr=False)
    seconds: float = field(default=float("nan"), compare=False)

    @property
    def scores(self) -> dict[str, dict[str, Any]]:
        """Overall scores of the model and the baselines, keyed by forecast name."""
        return {
            "model": {
                "n": self.n_texts,
                "brier": self.brier,
                "log_loss": self.log_loss,
                "member_accuracy": self.member_accuracy,
                "member_log_loss": self.member_log_loss,
            },
            **{k: dict(v) for k, v in self.baselines.items()},
        }

    def scores_between(self, first: int, last: int) -> dict[str, dict[str, Any]]:
        """Scores of the model and the baselines over the texts of years ``first..last``."""
        chosen = [p for p in self.predictions if first <= p.date.year <= last]
        if not chosen:
            raise ValueError(f"no predictions in {first}-{last}")
        return _scores(chosen)

    def to_dict(self, *, predictions: bool = False) -> dict[str, Any]:
        """Plain, JSON-ready form; ``predictions=True`` adds every text's forecasts."""
        out = {
            "start": self.start,
            "end": self.end,
            "topic": self.topic,
            "settings": dict(self.settings),
            "n_texts": self.n_texts,
            "brier": self.brier,
            "log_loss": self.log_loss,
            "member_accuracy": self.member_accuracy,
            "member_log_loss": self.member_log_loss,
            "baselines": {k: dict(v) for k, v in self.baselines.items()},
            "window": dict(self.window),
            "per_year": {str(y): dict(v) for y, v in self.per_year.items()},
            "reliability": [dict(row) for row in self.reliability],
            "reliability_baselines": {
                k: [dict(row) for row in v] for k, v in self.reliability_baselines.items()
            },
            "calibrations": {str(y): dict(v) for y, v in self.calibrations.items()},
            "leaks": dict(self.leaks),
            "seconds": self.seconds,
        }
        if predictions:
            out["predictions"] = [p.to_dict() for p in self.predictions]
        return _clean(out)

    def to_json(self, *, predictions: bool = False, **kwargs: Any) -> str:
        """The :meth:`to_dict` form as JSON; keyword arguments go to :func:`json.dumps`."""
        kwargs.setdefault("indent", 2)
        return json.dumps(self.to_dict(predictions=predictions), **kwargs)

    def to_frame(self) -> Any:
        """One row per predicted text (needs pandas)."""
        import pandas as pd

        return pd.DataFrame([p.to_dict(members=False) for p in self.predictions])

    def summary(self) -> str:
        """A plain-text report: overall, 2010-2025, per year, reliability."""

        def block(title: str, scores: Mapping[str, Mapping[str, Any]]) -> list[str]:
            n = scores["model"]["n"]
            rows = [
                f"{title} ({n} texts, {scores['model']['observed']:.3f} adopted)",
                f"  {'forecast':<13}{'Brier':>8}{'log loss':>10}{'member acc':>12}"
                f"{'member LL':>11}",
            ]
            for name in _FORECASTS:
                s = scores[name]
                rows.append(
                    f"  {name:<13}{s['brier']:>8.4f}{s['log_loss']:>10.4f}"
                    f"{s['member_accuracy']:>12.4f}{s['member_log_loss']:>11.4f}"
                )
            return rows

        overall = {"model": {**self.scores["model"], "observed": self._observed()},
                   **self.baselines}
        lines = [
            f"Backtest {self.start}-{self.end}"
            + (f", topic {self.topic!r}" if self.topic else "")
            + f" (settings: {', '.join(f'{k}={v}' for k, v in self.settings.items())})",
            "",
            *block(f"All years {self.start}-{self.end}", overall),
        ]
        if self.window.get("model"):
            lines += [
                "",
                *block(f"Window {self.window['start']}-{self.window['end']}", self.window),
            ]
        lines += ["", f"{'year':<6}{'n':>4}{'adopted':>9}{'model':>9}{'base':>9}{'persist':>9}"
                  "   (Brier)"]
        for year, scores in self.per_year.items():
            lines.append(
                f"{year:<6}{scores['model']['n']:>4}{scores['model']['observed']:>9.3f}"
                + "".join(f"{scores[name]['brier']:>9.4f}" for name in _FORECASTS)
            )
        lines += ["", "Reliability (model): bin, count, mean predicted, observed"]
        for row in self.reliability:
            if row["count"]:
                lines.append(
                    f"  [{row['low']:.1f}, {row['high']:.1f})  {row['count']:>5}  "
                    f"{row['mean_predicted']:.3f}  {row['observed']:.3f}"
                )
        if math.isfinite(self.seconds):
            lines += ["", f"{self.seconds:.1f} s"]
        return "\n".join(lines)

    def _observed(self) -> float:
        return float(np.mean([p.adopted for p in self.predictions])) if self.predictions else 0.0

    def __str__(self) -> str:
        return self.summary()


# ----------------------------------------------------------------------------------------------
# One year
# ----------------------------------------------------------------------------------------------


def _topic_of(topic: str | None) -> Callable[[RecordedVote], bool]:
    """Whether a text to predict is in ``topic``, judged by its agenda wording only.

    A topic group is matched by :func:`agenda_groups` (never the title, which the record has only
    for adopted texts); any other text is matched as :meth:`History.filter` matches it.
    """
    if topic is None:
        return lambda vote: True
    if topic in TOPIC_GROUPS:
        return lambda vote: topic in agenda_groups(vote)
    return _topic_test(topic)


def _base_rates(
    past: History, in_topic: Callable[[RecordedVote], bool]
) -> tuple[float, dict[str, dict[str, float]]]:
    texts = [vote for vote in past if in_topic(vote)]
    rate = float(np.mean([vote.adopted for vote in texts])) if texts else 0.5
    counts: dict[str, dict[str, float]] = {}
    for vote in texts:
        if not usable(vote):
            continue
        for code, letter in vote.votes.items():
            counts.setdefault(code, dict.fromkeys(VOTES, 1.0))[letter] += 1.0
    shares = {
        code: {k: v / sum(c.values()) for k, v in c.items()} for code, c in counts.items()
    }
    return rate, shares


def _year_task(
    year: int,
    *,
    history: History | None,
    topic: str | None,
    settings: Mapping[str, Any],
) -> tuple[list[TextPrediction], dict[str, Any], list[str]]:
    from councilsim.api import simulate

    history = load_history() if history is None else history
    origin = dt.date(year, 1, 1)
    past = history.filter(before=origin)
    window = settings.get("window")
    since = dt.date(year - int(window), 1, 1) if window else None
    fit = calibrate(
        past,
        before=origin,
        since=since,
        topic=topic,
        half_life=settings.get("half_life"),
        effects=settings.get("effects", ()),
        effect_sd=settings.get("effect_sd"),
        axis=bool(settings.get("axis", True)),
        rival_spread=bool(settings.get("rival_spread", False)),
        nodes=int(settings.get("nodes", NODES)),
        axis_nodes=int(settings.get("axis_nodes", AXIS_NODES)),
        tolerance=float(settings.get("tolerance", 1e-6)),
        standard_errors=False,
    )
    in_topic = _topic_of(topic)
    base_rate, base_shares = _base_rates(past, in_topic)
    # Every vote up to the end of the year, for facts built from earlier dates only (and the
    # same day's rival texts, tabled before the vote).
    upto = history.filter(before=dt.date(year + 1, 1, 1))
    facts = dict(zip(upto.vote_ids, text_facts(upto), strict=True))
    known = [vote for vote in upto if usable(vote)]
    # Persistence: the last vote on the topic, absences included, else the last vote at all.
    persistence = _last_votes_table(known, letters=VOTES, fallback="Y")
    pooled = dict.fromkeys(VOTES, 1.0 / len(VOTES))
    predictions: list[TextPrediction] = []
    procedural_used = []
    for vote, persist in zip(known, persistence, strict=True):
        if vote.date < origin or not in_topic(vote):
            continue
        # Leakage guard: the calibration saw nothing dated on or after this text.
        if fit.last_date is not None and not fit.last_date < origin <= vote.date:
            raise RuntimeError(
                f"leakage: the calibration for {year} saw a vote of {fit.last_date}, "
                f"predicting {vote.date}"
            )
        context = facts[vote.vote_id]
        scenario = text_scenario(vote, context, fit)
        council = scenario.council
        result = simulate(scenario, "text", method="exact")
        if vote.procedural:
            procedural_used.append(vote.vote_id)
        base_probs = {code: base_shares.get(code, pooled) for code in council.members}
        base_votes = {code: _most_likely(probs) for code, probs in base_probs.items()}
        persist_votes = {code: persist[code] for code in council.members}
        predictions.append(
            TextPrediction(
                vote_id=vote.vote_id,
                date=vote.date,
                adopted=vote.adopted,
                p_model=float(min(max(result.p_adopted, 0.0), 1.0)),
                p_base_rate=base_rate,
                p_persistence=float(adopted(persist_votes, council, procedural=vote.procedural)),
                votes=dict(vote.votes),
                member_probs=result.vote_probs,
                base_rate_votes=base_votes,
                persistence_votes=persist_votes,
                base_rate_probs=base_probs,
                groups=context.topics,
            )
        )
    info = {
        "before": origin.isoformat(),
        "since": None if since is None else since.isoformat(),
        "last_date_seen": None if fit.last_date is None else fit.last_date.isoformat(),
        "n_texts": fit.n_texts,
        "n_votes": fit.n_votes,
        "tau": fit.tau,
        "log_likelihood": fit.log_likelihood,
        "converged": fit.converged,
        "iterations": fit.iterations,
        "base_rate": base_rate,
    }
    return predictions, info, procedural_used


# ----------------------------------------------------------------------------------------------
# backtest
# ----------------------------------------------------------------------------------------------


def backtest(
    history: History | None = None,
    *,
    start: int = 2000,
    end: int = 2025,
    topic: str | None = None,
    executor: Executor | None = None,
    half_life: float | None = DEFAULT_SETTINGS["half_life"],
    window: int | None = DEFAULT_SETTINGS["window"],
    effects: Sequence[str] = DEFAULT_SETTINGS["effects"],
    effect_sd: Mapping[str, float] | None = None,
    nodes: int = DEFAULT_SETTINGS["nodes"],
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Backtest calibrated forecasts with a rolling origin against two baselines.

    The baselines are the base rate and persistence; the module documentation says exactly what
    each forecast uses.

    Parameters
    ----------
    history : History, optional
        The record (default: the bundled one).
    start, end : int
        First and last year predicted.
    topic : str, optional
        Restrict calibration (:meth:`History.filter`) and predicted texts (by agenda wording) to a
        topic group.
    executor : concurrent.futures.Executor, optional
        Runs the years in parallel (e.g. ``ProcessPoolExecutor(2)``); results are identical.
    half_life : float or None
        Time-decay half-life of the calibration, in years.
    window : int or None
        Calibrate on at most this many years before each origin.
    effects : sequence of str
        Text covariates of the calibration (see :func:`calibrate`).
    effect_sd : mapping of str to float, optional
        Their prior sds.
    nodes : int
        Gauss-Hermite nodes of the calibration.
    progress : callable, optional
        ``progress(done, total)`` after each year.

    Returns
    -------
    BacktestResult
    """
    if not isinstance(start, int) or not isinstance(end, int) or start > end:
        raise ValueError(f"start and end must be years with start <= end, got {start}, {end}")
    clock = time.perf_counter()
    settings = {
        "half_life": half_life,
        "window": window,
        "effects": list(effects),
        "effect_sd": None if effect_sd is None else dict(effect_sd),
        "nodes": int(nodes),
    }
    years = list(range(start, end + 1))
    # Workers load the bundled record themselves (cached) rather than receive it pickled.
    task = partial(_year_task, history=history, topic=topic, settings=settings)
    mapper = map if executor is None else executor.map
    outputs = []
    for i, output in enumerate(mapper(task, years)):
        outputs.append(output)
        if progress is not None:
            progress(i + 1, len(years))
    predictions: list[TextPrediction] = []
    per_year: dict[int, dict[str, Any]] = {}
    calibrations: dict[int, dict[str, Any]] = {}
    procedural: list[str] = []
    for year, (preds, info, proc) in zip(years, outputs, strict=True):
        predictions.extend(preds)
        calibrations[year] = info
        procedural.extend(proc)
        if preds:
            per_year[year] = _scores(preds)
    if not predictions:
        raise ValueError(f"no usable recorded vote to predict in {start}-{end} (topic {topic!r})")
    overall = _scores(predictions)
    w_start, w_end = max(WINDOW[0], start), min(WINDOW[1], end)
    in_window = [p for p in predictions if w_start <= p.date.year <= w_end]
    window_scores: dict[str, Any] = {"start": w_start, "end": w_end}
    if in_window:
        window_scores.update(_scores(in_window))
    outcome = [p.adopted for p in predictions]
    return BacktestResult(
        start=start,
        end=end,
        topic=topic,
        settings=settings,
        n_texts=len(predictions),
        brier=overall["model"]["brier"],
        log_loss=overall["model"]["log_loss"],
        member_accuracy=overall["model"]["member_accuracy"],
        member_log_loss=overall["model"]["member_log_loss"],
        baselines={"base_rate": overall["base_rate"], "persistence": overall["persistence"]},
        window=window_scores,
        per_year=per_year,
        reliability=tuple(reliability_table([p.p_model for p in predictions], outcome)),
        reliability_baselines={
            name: tuple(reliability_table([getattr(p, f"p_{name}") for p in predictions], outcome))
            for name in ("base_rate", "persistence")
        },
        predictions=tuple(predictions),
        calibrations=calibrations,
        leaks={
            "procedural_flag_from_record": procedural,
            "note": "the record flags as procedural only adopted texts a permanent member "
            "voted against; these predictions used that flag",
        },
        seconds=time.perf_counter() - clock,
    )
