"""Scores of forecasts of recorded votes: small pure functions of arrays.

Text level: :func:`brier_score`, :func:`log_loss`, :func:`reliability_table`, :func:`roc_auc` of
P(adopted), and the hard-label scores of UNBench's protocol (:func:`hard_label_scores`: the
positive class is "not adopted", a text is called not adopted when P(adopted) < 0.5).
Vetoed texts: :func:`top_veto_hit`. Member votes: :func:`class_scores` (accuracy, balanced
accuracy, macro-F1 over the classes Y, N, A).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
from scipy.stats import rankdata

from councilsim.errors import InputError

__all__ = [
    "CLIP",
    "brier_score",
    "class_scores",
    "hard_label_scores",
    "log_loss",
    "reliability_table",
    "roc_auc",
    "top_veto_hit",
]

#: Probabilities are clipped to [CLIP, 1 - CLIP] for log losses.
CLIP = 1e-6


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


def roc_auc(score: Sequence[float] | np.ndarray, positive: Sequence[bool] | np.ndarray) -> float:
    """Area under the ROC curve: P(a random positive scores above a random negative).

    Ties count one half (the Mann-Whitney form); NaN when either class is empty.

    Examples
    --------
    >>> roc_auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True])
    0.75
    """
    s = np.asarray(score, dtype=float)
    y = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def hard_label_scores(
    predicted: Sequence[bool] | np.ndarray, positive: Sequence[bool] | np.ndarray
) -> dict[str, float]:
    """Accuracy, balanced accuracy, F1 and Matthews correlation of hard binary labels.

    Parameters
    ----------
    predicted, positive : sequence of bool
        Predicted and true membership of the positive class.

    Returns
    -------
    dict
        ``accuracy``, ``balanced_accuracy`` (mean of the two recalls), ``f1`` (of the positive
        class), ``mcc``; ``tp``, ``fp``, ``fn``, ``tn``. A ratio with a zero denominator is 0
        (the convention of scikit-learn for F1 and MCC), balanced accuracy of a missing class NaN.

    Examples
    --------
    >>> s = hard_label_scores([True, False, False, True], [True, True, False, False])
    >>> s["accuracy"], s["f1"], s["mcc"]
    (0.5, 0.5, 0.0)
    """
    pred = np.asarray(predicted, dtype=bool)
    true = np.asarray(positive, dtype=bool)
    tp = int((pred & true).sum())
    fp = int((pred & ~true).sum())
    fn = int((~pred & true).sum())
    tn = int((~pred & ~true).sum())
    n = tp + fp + fn + tn
    recall_pos = tp / (tp + fn) if tp + fn else float("nan")
    recall_neg = tn / (tn + fp) if tn + fp else float("nan")
    denominator = np.sqrt(float(tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return {
        "accuracy": (tp + tn) / n if n else float("nan"),
        "balanced_accuracy": (recall_pos + recall_neg) / 2,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
        "mcc": float((tp * tn - fp * fn) / denominator) if denominator else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def top_veto_hit(risk: Mapping[str, float], vetoers: Collection[str]) -> float:
    """Whether an actual vetoer is the member of highest veto risk (ties share the credit).

    Parameters
    ----------
    risk : mapping of str to float
        Each permanent member's forecast risk (e.g. P(the required yes votes and its no)).
    vetoers : collection of str
        The members whose "no" vetoed the text.

    Returns
    -------
    float
        The share of actual vetoers among the members tied at the highest risk: 1 or 0 without
        ties. 0 when every risk is 0 (no member is flagged).

    Examples
    --------
    >>> top_veto_hit({"RUS": 0.6, "CHN": 0.5, "USA": 0.01}, ["RUS", "CHN"])
    1.0
    >>> top_veto_hit({"RUS": 1.0, "USA": 1.0, "CHN": 0.0}, ["RUS"])
    0.5
    """
    if not risk:
        return 0.0
    highest = max(risk.values())
    if highest <= 0:
        return 0.0
    top = [code for code, value in risk.items() if value == highest]
    return sum(code in vetoers for code in top) / len(top)


def class_scores(
    predicted: Sequence[str], actual: Sequence[str], classes: Sequence[str] = ("Y", "N", "A")
) -> dict[str, Any]:
    """Accuracy, balanced accuracy and macro-F1 of categorical predictions.

    Parameters
    ----------
    predicted, actual : sequence of str
        Predicted and recorded classes; a predicted class outside ``classes`` is simply wrong.
    classes : sequence of str
        The classes scored (recorded values outside them must be removed by the caller).

    Returns
    -------
    dict
        ``n``, ``accuracy``, ``balanced_accuracy`` (mean recall over the classes present in
        ``actual``), ``macro_f1`` (mean F1 over the same classes; F1 is 0 for a class never
        predicted), and ``recall`` and ``f1`` per class.

    Examples
    --------
    >>> s = class_scores(["Y", "Y", "Y", "Y"], ["Y", "Y", "N", "A"])
    >>> s["accuracy"], round(s["balanced_accuracy"], 4), round(s["macro_f1"], 4)
    (0.5, 0.3333, 0.2222)
    """
    pred = np.asarray(predicted, dtype=object)
    true = np.asarray(actual, dtype=object)
    if pred.shape != true.shape:
        raise InputError(f"{pred.size} predictions for {true.size} recorded values")
    outside = set(true.tolist()) - set(classes)
    if outside:
        raise InputError(f"recorded classes {sorted(outside)} are not among {list(classes)}")
    recall, f1 = {}, {}
    for k in classes:
        support = int((true == k).sum())
        if not support:
            continue
        tp = int(((pred == k) & (true == k)).sum())
        called = int((pred == k).sum())
        recall[k] = tp / support
        f1[k] = 2 * tp / (support + called)
    return {
        "n": int(true.size),
        "accuracy": float((pred == true).mean()) if true.size else float("nan"),
        "balanced_accuracy": float(np.mean(list(recall.values()))) if recall else float("nan"),
        "macro_f1": float(np.mean(list(f1.values()))) if f1 else float("nan"),
        "recall": recall,
        "f1": f1,
    }
