"""An honest backtest: calibrate on the past, predict each year's votes, score against baselines.

Rolling origin. For every year ``Y`` from ``start`` to ``end``:

1. calibrate (:func:`~councilsim.history.calibration.calibrate`) on the votes dated strictly
   before 1 January ``Y`` (the settings of :data:`DEFAULT_SETTINGS`) — a guard inside the loop
   raises if the calibration saw a vote dated on or after any text it predicts;
2. predict every text put to the vote in ``Y`` that has a complete member-level record
   (:func:`~councilsim.history.calibration.usable`: failed and vetoed drafts included, texts adopted
   without a vote and ``incomplete``/``suspect_1995``/``label_unconfirmed`` records skipped):
   P(adopted) and each member's vote probabilities come from :func:`councilsim.simulate` (exact
   method) on the :class:`~councilsim.models.Scenario` that
   :func:`~councilsim.history.adapter.text_scenario` builds: the council of the record
   (:meth:`RecordedVote.council`), a draft with the text's sponsors on the Council, its rival
   (an empty second draft when another text on the item was put to the vote that day), its
   amendment and procedural flags, and every stance, affinity, ``mood_sd`` and the East-West
   bloc from the calibration through the one adapter every forecast uses;
3. score them, and the same texts under three baselines:

   * ``base_rate``: P(adopted) is the share adopted among *all* texts put to the vote before
     ``Y`` (with or without a member-level record; with ``topic``, among that topic's texts);
     each member's vote probabilities are its past shares of Y/N/A/X (add-one smoothed);
   * ``persistence``: each member votes as it did on the last earlier-dated text sharing an
     agenda topic group with this one; failing that, as on its last earlier-dated vote on
     anything; failing that, yes. The Art. 27 rules applied to these votes give the prediction,
     as a probability of 0 or 1 (clipped to [1e-6, 1 - 1e-6] for the log loss, which is therefore
     dominated by its misses: ``log(1e-6) = -13.8`` each);
   * ``logistic``: the reduced-form baseline (:mod:`councilsim.history.logistic`), an
     L2-penalised logistic regression of adoption on the text's pre-vote facts
     (:func:`~councilsim.history.features.pre_vote_facts`: rival drafts, amendments, sponsor
     camps, topic groups, the item's recent failures), fitted on the texts put to the vote
     before 1 January ``Y`` (text level only: it forecasts no member's vote).

Information used for a text of date ``d``: member parameters from votes before 1 January of its
year; the text's pre-vote facts (:mod:`councilsim.history.features`: sponsors, rival drafts of
the same day, amendment, topic groups from its agenda wording only, never the title, and the
item's failures dated strictly before ``d``). The procedural flag is taken from the record,
which sets it only on adopted texts that a permanent member voted against (ten texts, one
after 2000: S/RES/2623(2022)), so it carries a little hindsight; it is reported in ``leaks``.

Scores: Brier score and log loss of P(adopted) (probabilities clipped to [1e-6, 1 - 1e-6]), a
10-bin reliability table, and per-member vote accuracy (the most likely vote equals the recorded
one) and log loss. :func:`score_predictions` adds the full report of any window (ROC-AUC,
UNBench's hard-label scores, the top veto risk of vetoed drafts, member-vote balanced accuracy
and macro-F1 against "everyone votes yes"), computed from the flat predictions table that
:func:`predictions_csv` writes and :func:`read_predictions` reads back. About 94% of member
votes are yes and every forecast here makes yes the most likely vote of nearly every member, so
member *accuracy* mostly measures the share of yes votes; balanced accuracy, macro-F1 and the
member log loss are the informative member-level scores. Results are identical whatever the
executor: each year's work depends only on the record.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from types import MappingProxyType
from typing import Any

import numpy as np

from councilsim._export import dumps, jsonable
from councilsim._frozen import read_only_fields
from councilsim._progress import ProgressLike, progress_reporter
from councilsim._version import __version__
from councilsim.api import simulate
from councilsim.errors import ArgumentTypeError, InputError, LeakageError
from councilsim.history._textfacts import (
    agenda_groups,
    context_from_facts,
    last_votes_table,
    usable,
)
from councilsim.history._topics import TOPIC_GROUPS, topic_test
from councilsim.history.adapter import text_scenario
from councilsim.history.calibration import FORECAST_SETTINGS, calibrate, window_start
from councilsim.history.features import facts_table
from councilsim.history.logistic import (
    DEFAULT_LOGISTIC,
    fit_facts,
    one_blas_thread,
    training_set,
    training_start,
)
from councilsim.history.record import History, RecordedVote, bundled_history
from councilsim.history.scoring import (
    CLIP,
    brier_score,
    class_scores,
    hard_label_scores,
    log_loss,
    reliability_table,
    roc_auc,
    top_veto_hit,
)
from councilsim.results import chart, html_summary, short_repr
from councilsim.rules import VOTES, adopted

__all__ = [
    "CLIP",
    "DEFAULT_SETTINGS",
    "PREDICTION_COLUMNS",
    "BacktestResult",
    "TextPrediction",
    "backtest",
    "brier_score",
    "format_scores",
    "log_loss",
    "read_predictions",
    "reliability_table",
    "predictions_csv",
    "score_predictions",
]

#: Model settings of the published backtest: :data:`~councilsim.history.calibration.
#: FORECAST_SETTINGS` (chosen on 2000-2009 alone; nothing was tuned on 2010-2025).
DEFAULT_SETTINGS: Mapping[str, Any] = FORECAST_SETTINGS
#: Settings passed on to :func:`calibrate`.
_CALIBRATE_OPTIONS = ("half_life", "effects", "effect_sd", "axis", "axis_nodes", "rival_spread",
                      "nodes", "tolerance")
#: The separately reported window.
WINDOW = (2010, 2025)
#: Forecasts of P(adopted), the model first.
_FORECASTS = ("model", "base_rate", "persistence", "logistic")
#: Forecasts that also predict each member's vote.
_MEMBER_FORECASTS = ("model", "base_rate", "persistence")


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
    p_model, p_base_rate, p_persistence, p_logistic : float
        P(adopted) by the model and the three baselines.
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
    p_logistic : float
        P(adopted) by the reduced-form logistic baseline.
    sponsors_known : bool
        Whether the record names the text's sponsors.
    vetoed_by : tuple of str
        The permanent members whose "no" vetoed the text (what happened).
    veto_risk : dict of str to dict of str to float
        Per forecast (model, base rate, persistence), each permanent member's veto risk: as
        the Council counts a veto, P(the required yes votes and its no) (model, the
        ``veto_prob`` of its result); its past share of "no" (base rate); 1 if its repeated
        vote is "no" else 0 (persistence). The baselines forecast each vote alone, so their
        risk is the member's P(no).
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
    p_logistic: float = float("nan")
    sponsors_known: bool = False
    vetoed_by: tuple[str, ...] = ()
    veto_risk: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        read_only_fields(self)

    def to_dict(self, *, members: bool = True) -> dict[str, Any]:
        """Plain, JSON-ready form (``members=False`` leaves out the member-level fields)."""
        out: dict[str, Any] = {
            "vote_id": self.vote_id,
            "date": self.date.isoformat(),
            "adopted": self.adopted,
            "p_model": self.p_model,
            "p_base_rate": self.p_base_rate,
            "p_persistence": self.p_persistence,
            "p_logistic": self.p_logistic,
            "sponsors_known": self.sponsors_known,
            "vetoed_by": list(self.vetoed_by),
            "groups": list(self.groups),
        }
        if members:
            out["votes"] = dict(self.votes)
            out["member_probs"] = {c: dict(p) for c, p in self.member_probs.items()}
            out["base_rate_votes"] = dict(self.base_rate_votes)
            out["persistence_votes"] = dict(self.persistence_votes)
            out["veto_risk"] = {name: dict(risk) for name, risk in self.veto_risk.items()}
        return out

    def row(self) -> dict[str, str]:
        """The text's line of the predictions table (:data:`PREDICTION_COLUMNS`), as strings.

        Probabilities are written with ``repr``, so scores computed from a saved table are those
        of the backtest itself, to the last bit. A member's predicted vote is its most likely
        one among Y, N and A (the base rate's: its most frequent past one; persistence's: the
        vote it repeats).
        """
        predicted = {
            "model": {c: _most_likely_cast(p) for c, p in self.member_probs.items()},
            "base_rate": {c: _most_likely_cast(p) for c, p in self.base_rate_probs.items()},
            "persistence": dict(self.persistence_votes),
        }
        out = {
            "vote_id": self.vote_id,
            "date": self.date.isoformat(),
            "adopted": str(int(self.adopted)),
            "vetoed_by": ";".join(self.vetoed_by),
            "sponsors_known": str(int(self.sponsors_known)),
            **{f"p_{name}": repr(float(getattr(self, f"p_{name}"))) for name in _FORECASTS},
            "votes": _join(self.votes),
        }
        for name in _MEMBER_FORECASTS:
            out[f"{name}_votes"] = _join(predicted[name])
            out[f"{name}_veto_risk"] = _join(
                {c: repr(float(v)) for c, v in self.veto_risk.get(name, {}).items()}
            )
        return out


def _most_likely(probs: Mapping[str, float]) -> str:
    """The vote with the highest probability; ties go to the earlier letter of ``VOTES``."""
    return max(VOTES, key=lambda k: (probs[k], -VOTES.index(k)))


def _most_likely_cast(probs: Mapping[str, float]) -> str:
    """The most likely of Y, N and A (the member votes scored); ties to the earlier letter."""
    return max(_CAST, key=lambda k: (probs[k], -_CAST.index(k)))


_CAST = ("Y", "N", "A")


def _join(mapping: Mapping[str, str]) -> str:
    return ";".join(f"{code}:{value}" for code, value in mapping.items())


def _split(text: str, *, where: str) -> dict[str, str]:
    if not text:
        return {}
    out = {}
    for part in text.split(";"):
        code, sep, value = part.partition(":")
        if not sep or not code:
            raise InputError(f"{where}: {part!r} is not CODE:VALUE (e.g. 'USA:Y' or 'RUS:0.4')")
        out[code] = value
    return out


def _member_scores(
    predictions: Sequence[TextPrediction],
) -> dict[str, dict[str, float]]:
    """Member-level accuracy and log loss of each forecast."""
    hits = {name: 0 for name in _MEMBER_FORECASTS}
    loss = {name: 0.0 for name in _MEMBER_FORECASTS}
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
        for name in _MEMBER_FORECASTS
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
            **member.get(name, _NO_MEMBER_FORECAST),
        }
    return out


_NO_MEMBER_FORECAST = MappingProxyType(
    {"member_accuracy": float("nan"), "member_log_loss": float("nan"), "member_votes": 0}
)


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
        ``{"base_rate": {...}, "persistence": {...}, "logistic": {...}}``, each with the same
        scores (the logistic forecasts no member vote: its member scores are NaN).
    window : dict
        The scores over 2010-2025 (the years of it inside ``start..end``):
        ``{"start", "end", "model": {...}, "base_rate": {...}, ...}``.
    per_year : dict of int to dict
        The same four score sets for each year.
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
    version : str
        councilsim version that produced the result.
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
    version: str = __version__

    def __post_init__(self) -> None:
        read_only_fields(self)

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
            raise InputError(f"no predictions in {first}-{last}")
        return _scores(chosen)

    def to_dict(self, *, predictions: bool = False, timing: bool = False) -> dict[str, Any]:
        """Plain, JSON-ready form; ``predictions=True`` adds every text's forecasts.

        ``timing=True`` adds ``seconds``, the wall-clock time of the run; without it the form
        is the same from run to run.
        """
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
            "version": self.version,
        }
        if timing:
            out["seconds"] = self.seconds
        if predictions:
            out["predictions"] = [p.to_dict() for p in self.predictions]
        return jsonable(out)

    def to_json(self, *, predictions: bool = False, timing: bool = False, **kwargs: Any) -> str:
        """The :meth:`to_dict` form as JSON; keyword arguments go to :func:`json.dumps`."""
        return dumps(self.to_dict(predictions=predictions, timing=timing), **kwargs)

    def to_frame(self) -> Any:
        """One row per predicted text (needs pandas)."""
        import pandas as pd

        return pd.DataFrame([p.to_dict(members=False) for p in self.predictions])

    def __repr__(self) -> str:
        return short_repr(self)

    def _repr_html_(self) -> str:
        return html_summary(self)

    def plot(self, ax=None, **kwargs: Any):
        """Reliability diagram of the forecasts (needs matplotlib); returns the Axes.

        ``kwargs`` go to :func:`councilsim.plot.reliability`.
        """
        return chart("reliability")(self, ax=ax, **kwargs)

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
                member = (
                    f"{s['member_accuracy']:>12.4f}{s['member_log_loss']:>11.4f}"
                    if math.isfinite(s["member_accuracy"]) else f"{'-':>12}{'-':>11}"
                )
                rows.append(f"  {name:<13}{s['brier']:>8.4f}{s['log_loss']:>10.4f}{member}")
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
        lines += ["", format_scores(self.report())]
        if math.isfinite(self.seconds):
            lines += ["", f"{self.seconds:.1f} s"]
        return "\n".join(lines)

    def rows(self) -> list[dict[str, str]]:
        """The predictions table: one :meth:`TextPrediction.row` per text, in date order."""
        return [p.row() for p in self.predictions]

    def report(
        self, first: int | None = None, last: int | None = None, *,
        sponsors_known: bool | None = None,
    ) -> dict[str, Any]:
        """The full scores of the texts of years ``first..last`` (:func:`score_predictions`)."""
        return score_predictions(self.rows(), first=first, last=last,
                                 sponsors_known=sponsors_known)

    def _observed(self) -> float:
        return float(np.mean([p.adopted for p in self.predictions])) if self.predictions else 0.0

    def __str__(self) -> str:
        return self.summary()


# ----------------------------------------------------------------------------------------------
# The predictions table and the full report
# ----------------------------------------------------------------------------------------------

#: Columns of the predictions table (:meth:`TextPrediction.row`): the text, what happened, each
#: forecast's P(adopted); the recorded member votes (``CODE:LETTER;...``); per member-level
#: forecast the predicted votes and each permanent member's veto risk (``CODE:VALUE;...``).
PREDICTION_COLUMNS: tuple[str, ...] = (
    "vote_id",
    "date",
    "adopted",
    "vetoed_by",
    "sponsors_known",
    *(f"p_{name}" for name in _FORECASTS),
    "votes",
    *(f"{name}_{what}" for name in _MEMBER_FORECASTS for what in ("votes", "veto_risk")),
)


def predictions_csv(rows: Sequence[Mapping[str, str]]) -> str:
    """The predictions table as CSV text (write it with ``councilsim.cli.write_atomically``)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=PREDICTION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def read_predictions(path: str | os.PathLike) -> list[dict[str, str]]:
    """Read a predictions table written by :func:`predictions_csv`.

    Raises
    ------
    ValueError
        Naming the file and line, for a missing column or a value that cannot be read.
    """
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in PREDICTION_COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise InputError(
                    f"{name}, line 1: missing column(s) {', '.join(missing)}; a predictions "
                    f"table has the columns {', '.join(PREDICTION_COLUMNS)}"
                )
            rows = [dict(row) for row in reader]
    except OSError as err:
        raise InputError(f"{name}: cannot read the predictions table ({err.strerror})") from None
    for line, row in enumerate(rows, start=2):
        _parse_row(row, where=f"{name}, line {line}")
    return rows


def _parse_row(row: Mapping[str, str], *, where: str) -> dict[str, Any]:
    """The typed content of one line of the predictions table."""

    def number(column: str, text: str) -> float:
        try:
            value = float(text)
        except (TypeError, ValueError):
            raise InputError(f"{where}, column {column}: {text!r} is not a number") from None
        if not 0.0 <= value <= 1.0:
            raise InputError(f"{where}, column {column}: {value} is not a probability in [0, 1]")
        return value

    def flag(column: str) -> bool:
        if row.get(column) not in ("0", "1"):
            raise InputError(f"{where}, column {column}: {row.get(column)!r}; allowed: 0, 1")
        return row[column] == "1"

    try:
        date = dt.date.fromisoformat(row["date"])
    except (TypeError, ValueError):
        raise InputError(f"{where}, column date: {row['date']!r} is not YYYY-MM-DD") from None
    votes = _split(row["votes"], where=f"{where}, column votes")
    bad = sorted(set(votes.values()) - set(VOTES))
    if bad:
        raise InputError(f"{where}, column votes: votes {bad}; allowed: {', '.join(VOTES)}")
    return {
        "vote_id": row["vote_id"],
        "date": date,
        "adopted": flag("adopted"),
        "vetoed_by": tuple(code for code in row["vetoed_by"].split(";") if code),
        "sponsors_known": flag("sponsors_known"),
        "p": {name: number(f"p_{name}", row[f"p_{name}"]) for name in _FORECASTS},
        "votes": votes,
        "member_votes": {
            name: _split(row[f"{name}_votes"], where=f"{where}, column {name}_votes")
            for name in _MEMBER_FORECASTS
        },
        "veto_risk": {
            name: {
                code: number(f"{name}_veto_risk", value)
                for code, value in _split(
                    row[f"{name}_veto_risk"], where=f"{where}, column {name}_veto_risk"
                ).items()
            }
            for name in _MEMBER_FORECASTS
        },
    }


def score_predictions(
    rows: Sequence[Mapping[str, str]],
    *,
    first: int | None = None,
    last: int | None = None,
    sponsors_known: bool | None = None,
) -> dict[str, Any]:
    """Every score of the backtest report, from a predictions table.

    Parameters
    ----------
    rows : sequence of dict
        Lines of the predictions table (:meth:`BacktestResult.rows` or :func:`read_predictions`).
    first, last : int, optional
        Keep the texts voted in these years (inclusive).
    sponsors_known : bool, optional
        Keep only the texts whose sponsors are (True) or are not (False) known.

    Returns
    -------
    dict
        ``first``, ``last``, ``n``, ``failed``, ``vetoed``, ``observed`` (share adopted);
        ``forecasts``: per forecast, ``mean_predicted``, ``brier``, ``brier_skill`` (1 - Brier
        over the base rate's), ``log_loss``, ``roc_auc`` (of P(not adopted) for "not adopted"),
        UNBench's hard-label scores (``accuracy``, ``balanced_accuracy``, ``f1``, ``mcc``, with
        ``tp``/``fp``/``fn``/``tn``; positive class "not adopted", called when P(adopted) < 0.5),
        ``top_veto`` (share of vetoed texts whose top veto risk is an actual vetoer, None for
        the logistic) and ``reliability`` (:func:`reliability_table`);
        ``members``: per member-level forecast and ``all_yes`` ("everyone votes yes"), the
        :func:`~councilsim.history.scoring.class_scores` of the recorded Y/N/A votes (a member
        recorded as not voting, X, is left out).
    """
    parsed = [_parse_row(row, where=f"row {i}") for i, row in enumerate(rows, start=1)]
    chosen = [
        row for row in parsed
        if (first is None or row["date"].year >= first)
        and (last is None or row["date"].year <= last)
        and (sponsors_known is None or row["sponsors_known"] is sponsors_known)
    ]
    if not chosen:
        years = (f" from {first if first is not None else 'the first year'} to "
                 f"{last if last is not None else 'the last'}" if (first, last) != (None, None)
                 else "")
        which = {None: "", True: " whose sponsors are known",
                 False: " whose sponsors are unknown"}[sponsors_known]
        raise InputError(f"the predictions table has no text{which}{years}"
                         + ("" if parsed else " (it has no rows)"))
    adopted_ = np.array([row["adopted"] for row in chosen])
    vetoed = [row for row in chosen if row["vetoed_by"]]
    forecasts: dict[str, dict[str, Any]] = {}
    for name in _FORECASTS:
        p = np.array([row["p"][name] for row in chosen])
        forecasts[name] = {
            "mean_predicted": float(p.mean()),
            "brier": brier_score(p, adopted_),
            "log_loss": log_loss(p, adopted_),
            "roc_auc": roc_auc(1.0 - p, ~adopted_),
            **hard_label_scores(p < 0.5, ~adopted_),
            "top_veto": (
                float(np.mean([top_veto_hit(r["veto_risk"][name], r["vetoed_by"])
                               for r in vetoed]))
                if vetoed and name in _MEMBER_FORECASTS else None
            ),
            "reliability": reliability_table(p, adopted_),
        }
    for scores in forecasts.values():
        scores["brier_skill"] = 1.0 - scores["brier"] / forecasts["base_rate"]["brier"]
    recorded = [(row, code, letter) for row in chosen for code, letter in row["votes"].items()
                if letter in _CAST]
    actual = [letter for _, _, letter in recorded]
    members = {
        name: class_scores(
            [row["member_votes"][name].get(code, "") for row, code, _ in recorded], actual
        )
        for name in _MEMBER_FORECASTS
    }
    members["all_yes"] = class_scores(["Y"] * len(actual), actual)
    return {
        "first": min(row["date"] for row in chosen).year if first is None else first,
        "last": max(row["date"] for row in chosen).year if last is None else last,
        "sponsors_known": sponsors_known,
        "n": len(chosen),
        "failed": int((~adopted_).sum()),
        "vetoed": len(vetoed),
        "observed": float(adopted_.mean()),
        "forecasts": forecasts,
        "members": members,
    }


def format_scores(report: Mapping[str, Any], *, reliability: Sequence[str] = ("model", "logistic")
                  ) -> str:
    """A plain-text rendering of :func:`score_predictions`'s report."""
    which = {None: "", True: ", sponsors known", False: ", sponsors unknown"}
    lines = [
        f"Texts voted {report['first']}-{report['last']}{which[report['sponsors_known']]}: "
        f"{report['n']} texts, {report['observed']:.3f} adopted, {report['failed']} failed, "
        f"{report['vetoed']} vetoed",
        f"  {'forecast':<12}{'mean':>7}{'Brier':>8}{'skill':>7}{'log loss':>9}{'ROC-AUC':>8}"
        f"{'acc':>7}{'bal acc':>8}{'F1':>7}{'MCC':>7}{'top vetoer':>11}",
    ]
    for name, s in report["forecasts"].items():
        top = "-" if s["top_veto"] is None else f"{s['top_veto']:.3f}"
        lines.append(
            f"  {name:<12}{s['mean_predicted']:>7.3f}{s['brier']:>8.4f}{s['brier_skill']:>7.3f}"
            f"{s['log_loss']:>9.4f}{s['roc_auc']:>8.3f}{s['accuracy']:>7.3f}"
            f"{s['balanced_accuracy']:>8.3f}{s['f1']:>7.3f}{s['mcc']:>7.3f}{top:>11}"
        )
    lines.append("  (UNBench protocol: positive class 'not adopted', called when P(adopted) < 0.5)")
    n_members = report["members"]["all_yes"]["n"]
    lines.append(
        f"  member votes Y/N/A ({n_members}): {'accuracy':>9}{'bal acc':>9}{'macro-F1':>10}"
    )
    for name, s in report["members"].items():
        label = "everyone yes" if name == "all_yes" else name
        lines.append(f"    {label:<24}{s['accuracy']:>9.3f}{s['balanced_accuracy']:>9.3f}"
                     f"{s['macro_f1']:>10.3f}")
    shown = [name for name in reliability if name in report["forecasts"]]
    if shown:
        lines.append("  reliability: bin, texts, mean forecast, share adopted ("
                     + ", ".join(shown) + ")")
        tables = [report["forecasts"][name]["reliability"] for name in shown]
        for b in range(len(tables[0])):
            cells = []
            for table in tables:
                row = table[b]
                cells.append(f"{row['count']:>5} {row['mean_predicted']:.3f} {row['observed']:.3f}"
                             if row["count"] else f"{'':>5} {'':>5} {'':>5}")
            if any(table[b]["count"] for table in tables):
                lines.append(f"    [{tables[0][b]['low']:.1f}, {tables[0][b]['high']:.1f})"
                             + "".join(f"   {cell}" for cell in cells))
    return "\n".join(lines)


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
    return topic_test(topic)


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


def _year_task_one_blas_thread(year: int, **options: Any) -> Any:
    """:func:`_year_task` with BLAS kept to one thread (see :func:`one_blas_thread`)."""
    with one_blas_thread():
        return _year_task(year, **options)


def _year_task(
    year: int,
    *,
    history: History | None,
    topic: str | None,
    settings: Mapping[str, Any],
) -> tuple[list[TextPrediction], dict[str, Any], list[str]]:
    history = bundled_history() if history is None else history
    origin = dt.date(year, 1, 1)
    past = history.filter(before=origin)
    since = window_start(origin, settings.get("window"))
    options = {key: settings[key] for key in _CALIBRATE_OPTIONS if key in settings}
    fit = calibrate(past, before=origin, since=since, topic=topic, standard_errors=False,
                    **options)
    in_topic = _topic_of(topic)
    base_rate, base_shares = _base_rates(past, in_topic)
    upto = history.filter(before=dt.date(year + 1, 1, 1))
    # The reduced-form baseline: pre-vote facts read from earlier (and same-day) texts only,
    # fitted on every topic's texts before the origin.
    logistic_settings = settings.get("logistic", DEFAULT_LOGISTIC)
    # Facts of the texts the logistic trains on and of the year's texts (a text's facts read
    # every earlier text of the record all the same).
    logistic_window = logistic_settings["window"]
    first = training_start(origin, logistic_window)
    pre_vote = facts_table(upto, [vote for vote in upto if vote.date >= first])
    logistic = fit_facts(
        *training_set(upto, pre_vote, origin=origin, window=logistic_window),
        penalty=logistic_settings["penalty"],
    )
    # Every usable vote up to the end of the year. The model reads the same pre-vote facts as the
    # logistic: earlier texts only (and the same day's rival texts, tabled before the vote).
    known = [vote for vote in upto if usable(vote)]
    # Persistence: the last vote on the topic, absences included, else the last vote at all.
    persistence = last_votes_table(known, letters=VOTES, fallback="Y")
    pooled = dict.fromkeys(VOTES, 1.0 / len(VOTES))
    predictions: list[TextPrediction] = []
    procedural_used = []
    for vote, persist in zip(known, persistence, strict=True):
        if vote.date < origin or not in_topic(vote):
            continue
        # Leakage guard: the calibration saw nothing dated on or after this text.
        if not (fit.last_date is None or fit.last_date < origin <= vote.date):
            raise LeakageError(
                f"leakage: the calibration for {year} saw a vote of {fit.last_date}, "
                f"predicting {vote.date}"
            )
        context = context_from_facts(pre_vote[vote.vote_id])
        scenario = text_scenario(vote, context, fit)
        council = scenario.council
        # P(decisive) is not scored: skipping it saves about 40% of the engine's work.
        result = simulate(scenario, "text", method="exact", decisive=False)
        if vote.procedural:
            procedural_used.append(vote.vote_id)
        base_probs = {code: base_shares.get(code, pooled) for code in council.members}
        base_votes = {code: _most_likely(probs) for code, probs in base_probs.items()}
        persist_votes = {code: persist[code] for code in council.members}
        permanent = council.veto_holders
        predictions.append(
            TextPrediction(
                vote_id=vote.vote_id,
                date=vote.date,
                adopted=vote.adopted,
                p_model=result.p_adopted,
                p_base_rate=base_rate,
                p_persistence=float(adopted(persist_votes, council, procedural=vote.procedural)),
                votes=dict(vote.votes),
                member_probs=result.vote_probs,
                base_rate_votes=base_votes,
                persistence_votes=persist_votes,
                base_rate_probs=base_probs,
                groups=context.topics,
                p_logistic=logistic.predict_facts(pre_vote[vote.vote_id]),
                sponsors_known=bool(vote.sponsors),
                vetoed_by=vote.vetoed_by,
                veto_risk={
                    "model": {code: result.veto_prob.get(code, 0.0) for code in permanent},
                    "base_rate": {code: base_probs[code]["N"] for code in permanent},
                    "persistence": {code: float(persist_votes[code] == "N") for code in permanent},
                },
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
        "logistic_texts": logistic.n_texts,
        "logistic_converged": logistic.converged,
    }
    return predictions, info, procedural_used


# ----------------------------------------------------------------------------------------------
# backtest
# ----------------------------------------------------------------------------------------------


def backtest(
    history: History | None = None,
    *,
    start: int = 2000,
    end: int | None = None,
    topic: str | None = None,
    executor: Executor | None = None,
    half_life: float | None = DEFAULT_SETTINGS["half_life"],
    window: int | None = DEFAULT_SETTINGS["window"],
    effects: Sequence[str] = DEFAULT_SETTINGS["effects"],
    effect_sd: Mapping[str, float] | None = DEFAULT_SETTINGS["effect_sd"],
    nodes: int = DEFAULT_SETTINGS["nodes"],
    axis: bool = DEFAULT_SETTINGS["axis"],
    axis_nodes: int = DEFAULT_SETTINGS["axis_nodes"],
    rival_spread: bool = DEFAULT_SETTINGS["rival_spread"],
    tolerance: float = DEFAULT_SETTINGS["tolerance"],
    logistic: Mapping[str, Any] = DEFAULT_LOGISTIC,
    progress: ProgressLike = None,
) -> BacktestResult:
    """Backtest calibrated forecasts with a rolling origin against three baselines.

    The baselines are the base rate, persistence and the reduced-form logistic regression; the
    module documentation says exactly what each forecast uses.

    Parameters
    ----------
    history : History, optional
        The record (default: the bundled one).
    start, end : int
        First and last year predicted; ``end`` defaults to the year of the history's last vote
        (2025 for the bundled record; later with extra records).
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
    logistic : mapping
        ``penalty`` and ``window`` of the logistic baseline
        (:data:`~councilsim.history.logistic.DEFAULT_LOGISTIC`).
    progress : bool or callable, optional
        ``True`` draws a progress bar over the years (terminal or notebook); a callable is
        called as ``progress(done, total)`` after each year.

    Returns
    -------
    BacktestResult
    """
    record = bundled_history() if history is None else history
    first, last = record[0].date.year + 1, record[-1].date.year
    end = last if end is None else end
    for name, year in (("start", start), ("end", end)):
        if isinstance(year, bool) or not isinstance(year, int | np.integer):
            raise ArgumentTypeError(f"{name} must be a year as a whole number, got {year!r}")
    start, end = int(start), int(end)
    if not first <= start <= last or not first <= end <= last:
        raise InputError(f"years {start}-{end} are outside the record: give years from {first} "
                         f"(the first with earlier votes to calibrate on) to {last} (the year of "
                         f"the last recorded vote)")
    if start > end:
        raise InputError(f"start and end must be years with start <= end, got {start}, {end}")
    clock = time.perf_counter()
    settings = {
        "half_life": half_life,
        "window": window,
        "effects": list(effects),
        "effect_sd": None if effect_sd is None else dict(effect_sd),
        "nodes": int(nodes),
        "axis": bool(axis),
        "axis_nodes": int(axis_nodes),
        "rival_spread": bool(rival_spread),
        "tolerance": float(tolerance),
        "logistic": {"penalty": float(logistic["penalty"]), "window": logistic["window"]},
    }
    years = list(range(start, end + 1))
    # Workers load the bundled record themselves (cached) rather than receive it pickled.
    task = partial(_year_task_one_blas_thread, history=history, topic=topic, settings=settings)
    mapper = map if executor is None else executor.map
    outputs = []
    with progress_reporter(progress, "backtest years") as report:
        for i, output in enumerate(mapper(task, years)):
            outputs.append(output)
            if report is not None:
                report(i + 1, len(years))
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
        groups = f"; topic groups: {', '.join(TOPIC_GROUPS)}" if topic else ""
        raise InputError(f"no usable recorded vote to predict in {start}-{end} (topic {topic!r})"
                         + groups)
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
        baselines={name: overall[name] for name in _FORECASTS[1:]},
        window=window_scores,
        per_year=per_year,
        reliability=tuple(reliability_table([p.p_model for p in predictions], outcome)),
        reliability_baselines={
            name: tuple(reliability_table([getattr(p, f"p_{name}") for p in predictions], outcome))
            for name in _FORECASTS[1:]
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
