"""The README's backtest figures, at the precision it prints them, from the backtest itself.

The README's table and its sentences on member votes, failed texts, the mean forecast and the
worst reliability bin, texts with a rival draft, Eastern texts without a Western co-sponsor and
the permanent members' no votes in sample are the strings ``benchmarks/backtest_report.py``
prints (``readme_table``, ``members_line``, ``failed_line``, ``optimism_line``, ``rival_line``,
``east_line``, ``no_votes_line``); this test reruns the 1994-2025 backtest (a few minutes on two
cores) and checks that the README carries them verbatim, so a change of model or data that moves
a published figure fails here until the README is updated from the report.
"""

from __future__ import annotations

import importlib.util
from concurrent.futures import ProcessPoolExecutor
from types import SimpleNamespace

import numpy as np
import pytest
from paths import REPO_ROOT

from councilsim.history.backtest import backtest
from councilsim.history.scoring import CLIP

ROOT = REPO_ROOT


def _report_module():
    spec = importlib.util.spec_from_file_location(
        "backtest_report", ROOT / "benchmarks" / "backtest_report.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows():
    with ProcessPoolExecutor(2) as pool:
        return backtest(start=1994, end=2025, executor=pool).rows()


@pytest.mark.slow
def test_readme_backtest_table_is_the_report(rows):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    report = _report_module()
    table = report.readme_table(rows)
    assert table.count("\n") >= 9  # two windows, four forecasts each
    assert table in readme, "README backtest table differs from the report:\n" + table
    lines = (report.members_line(rows), report.failed_line(rows), report.optimism_line(rows),
             report.rival_line(rows), report.east_line(rows), report.no_votes_line())
    for line in lines:
        # A sentence may be wrapped anywhere in the README: compare with whitespace collapsed.
        assert " ".join(line.split()) in " ".join(readme.split()), (
            "README figures differ from the report:\n" + line
        )


def test_selection_rule_scores_a_paired_t_statistic():
    """``paired_z`` (the settings' selection rule) is the paired t statistic of text log losses."""
    report = _report_module()
    adopted = np.array([1, 1, 0, 1, 0, 1, 1, 0], dtype=bool)
    reference = np.array([0.9, 0.8, 0.3, 0.95, 0.6, 0.7, 1.0, 0.2])
    candidate = np.array([0.92, 0.85, 0.1, 0.9, 0.4, 0.75, 0.99, 0.0])

    def run(p):
        return SimpleNamespace(predictions=[
            SimpleNamespace(vote_id=f"t{i}", p_model=float(q), adopted=bool(a))
            for i, (q, a) in enumerate(zip(p, adopted, strict=True))])

    def losses(p):
        q = np.clip(p, CLIP, 1 - CLIP)  # the scores' clipping
        return -np.log(np.where(adopted, q, 1 - q))

    # The paired t statistic written out: mean difference over its standard error.
    diff = losses(candidate) - losses(reference)
    expected = diff.mean() / (diff.std(ddof=1) / np.sqrt(diff.size))
    assert report.paired_z(run(candidate), run(reference)) == pytest.approx(expected, rel=1e-12)
    # Texts are paired by vote_id, whatever the order of the predictions.
    shuffled = run(candidate)
    shuffled.predictions.reverse()
    assert report.paired_z(shuffled, run(reference)) == pytest.approx(expected, rel=1e-12)
    assert report.paired_z(run(reference), run(reference)) == 0.0
