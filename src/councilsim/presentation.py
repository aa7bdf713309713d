"""Text, CSV and JSON forms of simulation results shared by the command line and notebooks.

The presentation layer (docs/architecture.md): how a result is labelled and rounded is decided
here and in the result's own forms, never in the CLI.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from councilsim._version import __version__
from councilsim.results import SimulationResult

__all__ = [
    "VOTE_LABELS",
    "comparison_table",
    "engine_note",
    "format_results",
    "results_csv",
    "results_tables",
]

#: Words for the vote codes, in tables and charts.
VOTE_LABELS = {"Y": "yes", "N": "no", "A": "abstain", "X": "absent"}


def engine_note(result: SimulationResult) -> str:
    """How the result was computed and what its uncertainty is, in one phrase."""
    if result.interval_kind == "error_bound":
        return f"exact (quadrature error <= {result.std_error:.1e})"
    return f"Monte Carlo ({result.draws:,} draws, seed {result.seed}; 95% interval)"


def results_csv(results: Sequence[SimulationResult]) -> str:
    """One row per draft and member: vote probabilities, veto, P(decisive), provenance."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["draft", "member", "name", "p_yes", "p_no", "p_abstain", "p_absent",
                     "p_veto", "p_decisive", "p_adopted", "ci_low", "ci_high", "method",
                     "draws", "seed"])
    for result in results:
        for code, probs in result.vote_probs.items():
            writer.writerow([
                result.draft_id, code, result.names.get(code, code),
                *(f"{probs[k]:.6g}" for k in "YNAX"),
                f"{result.veto_prob[code]:.6g}" if code in result.veto_prob else "",
                f"{result.p_decisive.get(code, float('nan')):.6g}", f"{result.p_adopted:.6g}",
                f"{result.ci[0]:.6g}", f"{result.ci[1]:.6g}", result.method,
                result.draws if result.draws is not None else "",
                result.seed if result.seed is not None else "",
            ])
    return buffer.getvalue()


def results_tables(results: Sequence[SimulationResult]) -> str:
    """Each draft's headline, veto risks, most decisive members and member table (rich)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=io.StringIO(), width=110, force_terminal=False, color_system=None)
    for result in results:
        low, high = result.ci
        how = engine_note(result)
        console.print(f"[bold]{result.draft_id}[/bold]: {result.draft_title or ''}")
        console.print(
            f"  P(adopted) = {result.p_adopted:.3f}  [{low:.3f}, {high:.3f}]   "
            f"P(vetoed) = {result.p_vetoed:.3f}   P(short of {result.threshold} votes) = "
            f"{result.p_short:.3f}"
        )
        console.print(f"  {how}")
        if result.veto_prob:
            risks = ", ".join(f"{code} {p:.3f}" for code, p in
                              sorted(result.veto_prob.items(), key=lambda item: -item[1]))
            console.print(f"  veto risk: {risks}")
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
    """The results as ``"json"``, ``"csv"`` or a table (anything else)."""
    if fmt == "json":
        return json.dumps({r.draft_id: r.to_dict() for r in results}, indent=2)
    if fmt == "csv":
        return results_csv(results)
    return results_tables(results)


def comparison_table(results: Sequence[SimulationResult]) -> str:
    """One line per draft: P(adopted), its interval, P(vetoed), P(short), likeliest veto."""
    lines = [f"{'draft':<24}{'P(adopted)':>11}  {'interval':<17}{'P(vetoed)':>10}"
             f"{'P(short)':>10}  most likely veto"]
    for r in results:
        veto = ("none (procedural)" if not r.veto_prob else
                "{} {:.3f}".format(*max(r.veto_prob.items(), key=lambda item: item[1])))
        lines.append(f"{r.draft_id:<24}{r.p_adopted:>11.3f}  [{r.ci[0]:.3f}, {r.ci[1]:.3f}]  "
                     f"{r.p_vetoed:>10.3f}{r.p_short:>10.3f}  {veto}")
    return "\n".join(lines)
