"""Score functions against values computed by hand."""

from __future__ import annotations

import doctest
import itertools
import math

import numpy as np
import pytest

import councilsim.history.scoring as scoring_module
from councilsim.history.scoring import (
    brier_score,
    class_scores,
    hard_label_scores,
    log_loss,
    roc_auc,
    top_veto_hit,
)


def test_docstring_examples():
    failures, tried = doctest.testmod(scoring_module)
    assert tried > 0 and failures == 0


def test_brier_and_log_loss_by_hand():
    assert brier_score([0.8, 0.3], [True, False]) == pytest.approx((0.2**2 + 0.3**2) / 2)
    assert log_loss([0.8, 0.3], [True, False]) == pytest.approx(
        -(math.log(0.8) + math.log(0.7)) / 2
    )


def test_roc_auc_by_hand_and_by_pairs():
    # Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of 4 pairs ordered.
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == 0.75
    assert roc_auc([0.5, 0.5], [True, False]) == 0.5  # a tie counts one half
    assert math.isnan(roc_auc([0.2, 0.3], [True, True]))
    rng = np.random.default_rng(7)
    score = rng.integers(0, 5, 40).astype(float)  # many ties
    positive = rng.random(40) < 0.3
    pairs = [
        1.0 if a > b else 0.5 if a == b else 0.0
        for a, b in itertools.product(score[positive], score[~positive])
    ]
    assert roc_auc(score, positive) == pytest.approx(np.mean(pairs))


def test_hard_label_scores_by_hand():
    # tp 1, fp 1, fn 1, tn 2.
    s = hard_label_scores([True, True, False, False, False], [True, False, True, False, False])
    assert (s["tp"], s["fp"], s["fn"], s["tn"]) == (1, 1, 1, 2)
    assert s["accuracy"] == pytest.approx(3 / 5)
    assert s["balanced_accuracy"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert s["f1"] == pytest.approx(2 / (2 + 1 + 1))
    assert s["mcc"] == pytest.approx((1 * 2 - 1 * 1) / math.sqrt(2 * 2 * 3 * 3))


def test_always_negative_is_chance():
    # The "always adopted" rule under UNBench's protocol: balanced accuracy 0.5, MCC 0, F1 0.
    s = hard_label_scores([False] * 10, [True] * 2 + [False] * 8)
    assert (s["accuracy"], s["balanced_accuracy"], s["f1"], s["mcc"]) == (0.8, 0.5, 0.0, 0.0)


def test_class_scores_by_hand():
    s = class_scores(["Y", "N", "A", "Y", "Y", "N"], ["Y", "N", "N", "Y", "A", "N"])
    # Y: recall 2/2, F1 2*2/(2+3); N: recall 2/3, F1 2*2/(3+2); A: recall 0, F1 0.
    assert s["accuracy"] == pytest.approx(4 / 6)
    assert s["recall"] == pytest.approx({"Y": 1.0, "N": 2 / 3, "A": 0.0})
    assert s["balanced_accuracy"] == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert s["macro_f1"] == pytest.approx((0.8 + 0.8 + 0) / 3)
    # A predicted letter outside the classes is simply wrong; a class absent from the record is
    # not averaged.
    s = class_scores(["X", "Y"], ["Y", "Y"])
    assert s["recall"] == {"Y": 0.5} and s["balanced_accuracy"] == 0.5
    with pytest.raises(ValueError, match="not among"):
        class_scores(["Y"], ["X"])


def test_everyone_yes_baseline_formula():
    actual = ["Y"] * 90 + ["N"] * 6 + ["A"] * 4
    s = class_scores(["Y"] * 100, actual)
    assert s["balanced_accuracy"] == pytest.approx(1 / 3)
    assert s["macro_f1"] == pytest.approx((2 * 90 / (90 + 100)) / 3)


def test_top_veto_hit():
    assert top_veto_hit({"RUS": 0.6, "CHN": 0.5}, ["CHN"]) == 0.0
    assert top_veto_hit({"RUS": 0.6, "CHN": 0.5}, ["RUS"]) == 1.0
    assert top_veto_hit({"RUS": 0.0, "CHN": 0.0}, ["RUS"]) == 0.0  # nobody flagged
    assert top_veto_hit({}, ["RUS"]) == 0.0
    assert top_veto_hit({"RUS": 1.0, "USA": 1.0, "GBR": 1.0, "CHN": 0.0}, ["RUS"]) == (
        pytest.approx(1 / 3)
    )
