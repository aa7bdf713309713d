"""Text, CSV and JSON forms of simulation results shared by the command line and notebooks.

The presentation layer (docs/architecture.md): how a result is labelled and rounded is decided
here and in the result's own forms, never in the CLI. JSON and CSV go through the package's one
encoder and CSV writer (:mod:`councilsim._export`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from councilsim._export import csv_text, dumps
from councilsim._version import __version__
from councilsim.analysis._common import text_table
from councilsim.results import Comparison, SimulationResult

__all__ = [
    "VOTE_LABELS",
    "comparison_table",
    "engine_note",
    "format_comparison",
    "format_results",
    "results_csv",
    "provenance_line",
    "results_tables",
    "veto_text",
]

#: Words for the vote codes, in tables and charts.
VOTE_LABELS = {"Y": "yes", "N": "no", "A": "abstain", "X": "absent"}


def engine_note(result: SimulationResult) -> str:
    """How the result was computed, in one phrase (its uncertainty is :meth:`interval_text`)."""
    return _engine_text(result.provenance)


def _engine_text(provenance: Any) -> str:
    if provenance.method == "exact":
        return "exact"
    return f"Monte Carlo, {provenance.draws:,} draws, seed {provenance.seed}"


def provenance_line(provenance: Any) -> str:
    """How a result was computed and by what, in one line (engine, seed, version, scenario)."""
    scenario = (f"; scenario sha256 {provenance.scenario_hash[:16]}"
                if provenance.scenario_hash else "")
    return f"{_engine_text(provenance)}; councilsim {provenance.version}{scenario}"


def veto_text(result: SimulationResult) -> str:
    """Each veto holder's veto risk (enough yes votes and its no) and P(no), likeliest first."""
    ranked = sorted(result.veto_prob, key=lambda code: -result.veto_prob[code])
    return ", ".join(
        f"{code} {result.veto_prob[code]:.3f} (P(no) {result.p_no[code]:.3f})" for code in ranked
    )


def results_csv(results: Sequence[SimulationResult]) -> str:
    """One row per draft and member: the columns of :meth:`SimulationResult.to_table`."""
    tables = [r.to_table() for r in results]
    return csv_text(tables[0][0], [row for _, rows in tables for row in rows])


def results_tables(results: Sequence[SimulationResult]) -> str:
    """Each draft's headline, veto risks, most decisive members and member table (rich)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=io.StringIO(), width=110, force_terminal=False, color_system=None)
    for result in results:
        console.print(f"[bold]{result.draft_id}[/bold]: {result.draft_title or ''}")
        console.print(
            f"  P(adopted) = {result.p_adopted:.3f} ({result.interval_text()}; "
            f"{engine_note(result)})   P(vetoed) = {result.p_vetoed:.3f}   "
            f"P(short of {result.threshold} votes) = {result.p_short:.3f}"
        )
        if result.veto_prob:
            console.print(f"  veto (the required yes votes and its no): {veto_text(result)}")
        decisive = sorted(result.p_decisive.items(), key=lambda item: -item[1])[:3]
        console.print("  most often decisive: "
                      + ", ".join(f"{code} {p:.3f}" for code, p in decisive))
        table = Table(show_edge=False, pad_edge=False, box=None)
        for column in ("member", "", *VOTE_LABELS.values(), "decisive"):
            table.add_column(column, justify="left" if column in ("member", "") else "right")
        for code, probs in result.vote_probs.items():
            table.add_row(code, ("veto " if code in result.veto_prob else "")
                          + result.names.get(code, ""),
                          *(f"{probs[k]:.3f}" for k in "YNAX"),
                          f"{result.p_decisive.get(code, float('nan')):.3f}")
        console.print(table)
        console.print()
    console.print(f"councilsim {__version__}; scenario sha256 {results[0].scenario_hash[:16]}")
    return console.file.getvalue()


def format_results(results: Sequence[SimulationResult], fmt: str) -> str:
    """The results as ``"json"``, ``"csv"`` or a table (anything else): ``councilsim run``."""
    if fmt == "json":
        return dumps({r.draft_id: r.to_dict() for r in results})
    if fmt == "csv":
        return results_csv(results)
    return results_tables(results)


def comparison_table(results: Sequence[SimulationResult]) -> str:
    """One line per draft: P(adopted), its uncertainty, P(vetoed), P(short), likeliest veto."""
    rows = []
    for r in results:
        if r.veto_prob:
            veto = "{} {:.3f}".format(*max(r.veto_prob.items(), key=lambda item: item[1]))
        else:
            veto = "none (procedural)" if r.procedural else "none (no veto holders)"
        rows.append([r.draft_id, f"{r.p_adopted:.3f}", r.interval_text(), f"{r.p_vetoed:.3f}",
                     f"{r.p_short:.3f}", veto])
    table = text_table(["draft", "P(adopted)", "uncertainty", "P(vetoed)", "P(short)",
                        "most likely veto"], rows, left=(0, 2, 5))
    # One line per engine used (``auto`` can run drafts on different engines).
    return "\n".join([table, *dict.fromkeys(provenance_line(r.provenance) for r in results)])


def format_comparison(results: Sequence[SimulationResult], fmt: str) -> str:
    """``councilsim compare``: one row per draft as ``"json"``, ``"csv"`` or a table."""
    comparison = Comparison({r.draft_id: r for r in results})
    if fmt == "json":
        return dumps(comparison.to_records())
    if fmt == "csv":
        return csv_text(*comparison.to_table())
    return comparison_table(results)
