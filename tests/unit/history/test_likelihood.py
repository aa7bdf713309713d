"""The calibration's likelihood: analytic gradient, and recovery of known parameters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from councilsim.history import _estimator, load_history
from councilsim.history._likelihood import EFFECT_KINDS, Problem, prepare
from councilsim.history._textfacts import TextContext, usable
from councilsim.history.calibration import text_facts

PERMANENT = ("CHN", "FRA", "GBR", "RUS", "USA")


@dataclass(frozen=True)
class _Text:
    """The three attributes of a recorded vote the likelihood reads."""

    votes: dict
    permanent: tuple = PERMANENT
    procedural: bool = False


def _record_problem(**options):
    history = load_history().filter(since=2007, before=2012)
    facts = text_facts(history)
    chosen = [(v, f) for v, f in zip(history, facts, strict=True) if usable(v)]
    votes = [v for v, _ in chosen]
    data = prepare(votes, [f for _, f in chosen], np.ones(len(votes)),
                   permanent_codes=frozenset(PERMANENT), kinds=EFFECT_KINDS,
                   rival_spread=True)
    return Problem(data, **options)


@pytest.mark.parametrize("axis_nodes", [1, 4])
def test_gradient_matches_finite_differences(axis_nodes):
    problem = _record_problem(nodes=8, axis_nodes=axis_nodes)
    rng = np.random.default_rng(11)
    theta = problem.start() + 0.2 * rng.standard_normal(problem.size)
    _, gradient = problem.evaluate(theta)
    step = 1e-6
    for i in range(problem.size):
        up, down = theta.copy(), theta.copy()
        up[i] += step
        down[i] -= step
        numeric = (problem.evaluate(up)[0] - problem.evaluate(down)[0]) / (2 * step)
        # Central differences of a smooth function: error O(step^2) plus rounding ~1e-16/step.
        assert numeric == pytest.approx(gradient[i], rel=1e-5, abs=1e-4), problem.names()[i]


def _simulate_record(rng, truth, n_texts):
    """Votes drawn from the model itself, with sponsors and rivals drawn at random."""
    elected = [f"E{k:02d}" for k in range(20)]
    texts, contexts = [], []
    for j in range(n_texts):
        seats = [*PERMANENT, *(elected[(j // 50 * 5 + k) % 20] for k in range(10))]
        context = TextContext(
            sponsors=frozenset(rng.choice(["USA", "RUS"], size=1)) if rng.random() < 0.5
            else frozenset(),
            rival=bool(rng.random() < 0.15),
        )
        appeal = truth["tau"] * rng.standard_normal()
        position = rng.standard_normal()
        votes = {}
        for code in seats:
            who = code if code in PERMANENT else "ELECTED"
            shift = sum(
                value for key, value in truth["effects"].items()
                if (key == f"rival:{who}" and context.rival)
                or (key == f"sponsor:{who}:east" and "RUS" in context.sponsors)
                or (key == f"sponsor:{who}:west" and "USA" in context.sponsors)
            )
            utility = (truth["v"].get(code, truth["mu_v"]) + shift + appeal
                       + truth["lam"].get(code, 0.0) * position + rng.standard_normal())
            band = truth["band"]
            cost = truth["cost"].get(code, 0.0)
            votes[code] = "Y" if utility > band else "N" if utility < -(band + cost) else "A"
        texts.append(_Text(votes=votes))
        contexts.append(context)
    return texts, contexts


@pytest.mark.slow
def test_recovers_known_parameters():
    truth = {
        "v": {"CHN": 1.0, "FRA": 2.0, "GBR": 2.0, "RUS": 1.0, "USA": 1.5},
        "mu_v": 1.5,
        "band": 0.6,
        "cost": {"CHN": 0.8, "FRA": 0.8, "GBR": 0.8, "RUS": 0.5, "USA": 0.5},
        "lam": {"CHN": 1.0, "RUS": 1.2, "USA": -0.8, "GBR": -0.8, "FRA": -0.8},
        "tau": 0.8,
        "effects": {"sponsor:RUS:west": -1.5, "sponsor:USA:east": -1.0,
                    "sponsor:ELECTED:east": -0.7, "rival:ELECTED": -0.8},
    }
    rng = np.random.default_rng(20170911)
    texts, contexts = _simulate_record(rng, truth, 1500)
    data = prepare(texts, contexts, np.ones(len(texts)), permanent_codes=frozenset(PERMANENT),
                   kinds=("sponsor", "rival"))
    problem = Problem(data, nodes=20, axis_nodes=10, effect_sd={"sponsor": 10, "rival": 10})
    fit = _estimator.fit(problem, max_iterations=3000)
    assert fit.success
    cov = _estimator.covariance(problem, fit.x)
    se = np.sqrt(np.diag(cov))
    names = problem.names()
    p = problem.unpack(fit.x)
    checks = {f"support:{c}": v for c, v in truth["v"].items()}
    checks.update({f"loading:{c}": v for c, v in truth["lam"].items()})
    checks.update(truth["effects"])
    checks["log_tau:0"] = np.log(truth["tau"])
    checks.update({f"log_veto_cost:{c}": np.log(v) for c, v in truth["cost"].items()})
    for name, true in checks.items():
        i = names.index(name)
        # Four standard errors: a false alarm among ~25 checks has probability below 0.2%.
        assert abs(fit.x[i] - true) < 4 * se[i], (name, fit.x[i], true, se[i])
    se_mu_b = np.sqrt(problem.pool @ cov @ problem.pool)
    assert abs(p["mu_b"] - np.log(truth["band"])) < 4 * se_mu_b


def test_history_terms_grow_with_the_count_and_camp_topic_terms_follow_the_sponsors():
    from councilsim.history._likelihood import effect_terms

    once = TextContext(item_failures=1, topic_vetoes=0)
    often = TextContext(item_failures=12, topic_vetoes=3)
    assert effect_terms("RUS", True, once, ["history"]) == [
        ("history:RUS:failed", pytest.approx(np.log(2.0)))]
    assert dict(effect_terms("KEN", False, often, ["history"])) == {
        "history:ELECTED:failed": pytest.approx(np.log(13.0)),
        "history:ELECTED:vetoed": pytest.approx(np.log(4.0)),
    }
    assert effect_terms("RUS", True, TextContext(), ["history"]) == []
    west_text = TextContext(sponsors=frozenset({"USA", "MLT"}), sponsors_known=True,
                            topics=("middle-east", "syria"))
    assert [key for key, _ in effect_terms("RUS", True, west_text, ["camp-topic"])] == [
        "camp-topic:RUS:west:middle-east", "camp-topic:RUS:west:syria"]
    # Unknown sponsors are never a signal.
    assert effect_terms("RUS", True, TextContext(topics=("syria",)), ["camp-topic"]) == []
