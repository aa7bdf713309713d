"""Charts of councilsim results, and a live what-if explorer for notebooks.

Every chart function takes the result it draws and an optional matplotlib ``ax`` to draw on (a new
figure is made when none is given) and returns the Axes, so the chart can be restyled, combined
into a larger figure or saved: ``tally(result).figure.savefig("tally.png")``.

* :func:`tally` — the distribution of yes votes, split into adopted, vetoed and short of votes;
* :func:`vote_heatmap` — each member's probability of voting yes, no, abstaining, being absent;
* :func:`sweep_curves` — P(adopted) and the veto holders' veto risks along one provision;
* :func:`coalition_bars` — the most likely blocking coalitions;
* :func:`council_outcomes` — a draft's fate before several councils;
* :func:`tornado` — the stance parameters that move P(adopted) most;
* :func:`power_bars` — a-priori voting power of a veto seat and another seat, council by council;
* :func:`reliability` — forecast against outcome in a backtest, with the baselines;
* :func:`provision_explorer` — sliders for a draft's provisions that update P(adopted) live
  (ipywidgets), with its logic in the plain functions :func:`what_if` and :func:`explorer_html`.

matplotlib (and ipywidgets) are imported inside the functions only: ``import councilsim`` never
loads them, and councilsim works without them (``pip install 'councilsim[plot]'`` adds them).
Colours are the Okabe–Ito palette, distinguishable with the common colour-vision deficiencies.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from councilsim.analysis import (
    BlockingCoalitions,
    CouncilComparison,
    PowerIndices,
    Sensitivity,
    SweepResult,
    power_indices,
)
from councilsim.api import as_scenario, simulate
from councilsim.catalog import in_kind_unit, value_for_severity
from councilsim.errors import ArgumentTypeError, InputError
from councilsim.models import Council, Draft, Provision, Scenario
from councilsim.presentation import VOTE_LABELS
from councilsim.results import SimulationResult, wilson_interval

if TYPE_CHECKING:  # only for annotations: importing it at run time would load matplotlib
    from matplotlib.axes import Axes

__all__ = [
    "coalition_bars",
    "council_outcomes",
    "explorer_html",
    "power_bars",
    "provision_explorer",
    "reliability",
    "sweep_curves",
    "tallies",
    "tally",
    "tornado",
    "vote_heatmap",
    "what_if",
]

# Okabe & Ito (2008), "Color Universal Design": safe for deuteranopia, protanopia, tritanopia.
BLUE, ORANGE, SKY, GREEN, YELLOW, NAVY, VERMILLION, PURPLE = (
    "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#004C7A", "#D55E00", "#CC79A7",
)
GREY = "#7F7F7F"
LIGHT_GREY = "#BBBBBB"
#: One colour per veto holder in sweep charts, in council order.
VETO_COLOURS = (VERMILLION, ORANGE, PURPLE, SKY, GREEN, YELLOW, GREY)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "councilsim.plot needs matplotlib: pip install 'councilsim[plot]'"
        ) from None
    return plt


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    """The Axes to draw on: the caller's, or a new figure's (pyplot, so notebooks show it)."""
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=size, layout="constrained")
    return ax


def _percent_axis(axis) -> None:
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))


def _member_label(code: str, names: Mapping[str, str] | None) -> str:
    name = (names or {}).get(code)
    return f"{name} ({code})" if name and name != code else code


def _wrap(text: str, width: int = 62) -> str:
    return "\n".join(textwrap.wrap(text, width)) if text else text


def _draft_heading(draft_id: str, title: str | None) -> str:
    return _wrap(f"{draft_id}: {title}" if title and title != draft_id else draft_id)


def _interval_text(result: SimulationResult) -> str:
    how = "exact" if result.method == "exact" else f"Monte Carlo, {result.draws:,} draws"
    return f"P(adopted) = {result.p_adopted:.3f}, {result.interval_text()} ({how})"


def _compact(value: float, _pos: Any = None) -> str:
    """Tick label for a quantity in real units: 2,000,000 -> 2M, 50,000 -> 50k."""
    magnitude = abs(value)
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def _real_value_text(value: float, unit: str | None) -> str:
    """A value read off a chart, to three significant figures: 1,812,293 -> "1,810,000"."""
    if value == 0:
        text = "0"
    else:
        rounded = float(f"{value:.3g}")
        text = f"{rounded:,.0f}" if abs(rounded) >= 100 else f"{rounded:g}"
    return f"{text} {unit}" if unit else text


def _percent(p: float) -> str:
    """A probability as a percentage a reader can take in: 10.6%, 0.19%, 0.0055%."""
    if p >= 0.01:
        return f"{100 * p:.1f}%"
    if p >= 1e-4:
        return f"{100 * p:.2f}%"
    return f"{100 * p:.2g}%" if p > 0 else "0%"


# ---------------------------------------------------------------------------------------------
# One result
# ---------------------------------------------------------------------------------------------


def tally(result: SimulationResult, ax: Axes | None = None, **bar_kwargs: Any) -> Axes:
    """Bar chart of the number of yes votes, split into adopted, vetoed and short of votes.

    Bars ``k = 0 .. seats`` give P(exactly k yes votes). Below the threshold the text fails for
    lack of votes (grey); at or above it, each bar is split into the part adopted (blue) and the
    part a veto holder's no blocks (vermillion). A vertical line (``gid="threshold"``) sits
    between ``threshold - 1`` and ``threshold`` votes; the box in the corner gives the totals.
    The title gives P(adopted) with its quadrature error bound (exact) or 95% confidence
    interval (Monte Carlo).

    Parameters
    ----------
    result : SimulationResult
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    **bar_kwargs
        Passed to :meth:`~matplotlib.axes.Axes.bar` (e.g. ``width=0.6``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (7.5, 4.6))
    p = np.asarray(result.tally, dtype=float)
    seats, threshold = len(p) - 1, result.threshold
    k = np.arange(seats + 1)
    enough = k >= threshold
    bar_kwargs.setdefault("width", 0.8)
    bar_kwargs.setdefault("edgecolor", "white")
    vetoed_k = np.asarray(result.tally_vetoed or np.zeros_like(p), dtype=float)
    vetoed_k = np.where(enough, np.minimum(vetoed_k, p), 0.0)
    ax.bar(k[~enough], p[~enough], color=LIGHT_GREY,
           label=f"short: < {threshold} yes votes", **bar_kwargs)
    ax.bar(k[enough], (p - vetoed_k)[enough], color=BLUE, label="adopted", **bar_kwargs)
    if not result.procedural:
        ax.bar(k[enough], vetoed_k[enough], bottom=(p - vetoed_k)[enough], color=VERMILLION,
               label="vetoed (enough votes, a veto holder's no)", **bar_kwargs)
    ax.axvline(threshold - 0.5, color="black", linestyle="--", linewidth=1.5, gid="threshold",
               label=f"threshold: {threshold} votes")
    vetoed = "no veto (procedural)" if result.procedural else f"vetoed: {_percent(result.p_vetoed)}"
    # The top third of the axes is kept free of bars (see set_ylim) for the box and the legend.
    ax.text(
        0.02, 0.97,
        f"adopted: {_percent(result.p_adopted)}\n{vetoed}\n"
        f"short of votes: {_percent(result.p_short)}",
        transform=ax.transAxes, ha="left", va="top", fontsize=9.5,
        bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": LIGHT_GREY},
    )
    ax.set_xticks(k)
    ax.set_xlim(-0.6, seats + 0.6)
    ax.set_ylim(0, max(float(p.max()) * 1.65, 0.05))
    _percent_axis(ax.yaxis)
    ax.set_xlabel(f"Yes votes (of {seats} seats)")
    ax.set_ylabel("Probability")
    ax.set_title(f"{_draft_heading(result.draft_id, result.draft_title)}\n{_interval_text(result)}",
                 fontsize=10)
    # An opaque legend: the threshold line may run behind it.
    ax.legend(loc="upper right", fontsize=8.5, facecolor="white", edgecolor="none", framealpha=1)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    return ax


def tallies(results: Any, *, columns: int = 3) -> Any:
    """:func:`tally` of several drafts, one panel each, in one figure.

    Parameters
    ----------
    results : Comparison or sequence of SimulationResult
    columns : int
        Panels per row at most.

    Returns
    -------
    matplotlib.figure.Figure
        Made without pyplot (nothing global; shown by Jupyter, saved with ``savefig``).
    """
    from matplotlib.figure import Figure

    results = list(results)
    if not results:
        raise InputError("tallies needs at least one result")
    columns = min(len(results), columns)
    rows = -(-len(results) // columns)
    figure = Figure(figsize=(7.5 * columns, 4.8 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for result, ax in zip(results, axes, strict=False):
        tally(result, ax=ax)
    for ax in axes[len(results):]:
        ax.set_visible(False)
    return figure


def vote_heatmap(result: SimulationResult, ax: Axes | None = None, *, cmap: str = "Blues",
                 colorbar: bool = True) -> Axes:
    """Heatmap of each member's probability of voting yes, no, abstaining and being absent.

    One row per member, in council order, labelled with its name; the labels of veto holders
    are bold and carry "veto". Every cell is annotated with its probability.

    Parameters
    ----------
    result : SimulationResult
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    cmap : str
        A sequential colormap (default ``"Blues"``, readable in grey and by colour-blind readers).
    colorbar : bool
        Draw a colorbar beside the heatmap.

    Returns
    -------
    matplotlib.axes.Axes
    """
    codes = list(result.vote_probs)
    ax = _axes(ax, (7.0, 1.6 + 0.36 * len(codes)))
    letters = ("Y", "N", "A", "X")
    data = np.array([[result.vote_probs[c][v] for v in letters] for c in codes])
    image = ax.imshow(data, cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            value = data[i, j]
            ax.text(j, i, f"{value:.2f}" if value >= 0.005 else "·", ha="center", va="center",
                    fontsize=9, color="white" if value > 0.6 else "black")
    ax.set_xticks(range(len(letters)), [VOTE_LABELS[v] for v in letters])
    ax.xaxis.tick_top()
    ax.tick_params(axis="x", length=0)
    veto = set(result.veto_prob)
    labels = [_member_label(c, result.names) + ("  · veto" if c in veto else "") for c in codes]
    ax.set_yticks(range(len(codes)), labels)
    for label, code in zip(ax.get_yticklabels(), codes, strict=True):
        if code in veto:
            label.set_fontweight("bold")
    # Thin white gridlines between cells keep rows apart without a frame.
    ax.set_xticks(np.arange(-0.5, len(letters)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(codes)), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    note = "bold: permanent member whose no is a veto" if veto else "no veto on this draft"
    ax.set_xlabel(f"Probability of each vote; {note}", fontsize=9)
    ax.set_title(f"{_draft_heading(result.draft_id, result.draft_title)}\n{_interval_text(result)}",
                 fontsize=10)
    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
        bar.set_label("Probability")
    return ax


# ---------------------------------------------------------------------------------------------
# Analyses
# ---------------------------------------------------------------------------------------------


def sweep_curves(sweep: SweepResult, ax: Axes | None = None, *,
                 names: Mapping[str, str] | None = None, min_veto: float = 0.005) -> Axes:
    """P(adopted) and each veto holder's veto risk against a swept provision's value.

    A veto risk is the probability of the required yes votes and that holder's no
    (:attr:`SweepResult.veto_prob`).

    The x axis is in the provision's real units when the sweep was given numbers (e.g.
    "Refined petroleum supplied to the DPRK (barrels/year)"), else its severity. The target line
    (``gid="target"``) is drawn, and every point where P(adopted) crosses it is marked
    (``gid="crossing"``) and labelled with its value; no marker is drawn when the curve never
    crosses the target.

    Parameters
    ----------
    sweep : SweepResult
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    names : mapping of str to str, optional
        Display names of members (e.g. ``scenario.council.names``); codes otherwise.
    min_veto : float
        Veto holders whose veto risk stays below this everywhere are not drawn (they are named
        in a note instead), so the lines that matter stand out.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (8.0, 4.8))
    x = np.asarray(sweep.x, dtype=float)
    in_units = sweep.axis == "value" and not sweep.by_severity
    p = np.asarray(sweep.p_adopted, dtype=float)
    ax.plot(x, p, color=BLUE, linewidth=2.6, label="P(adopted)", zorder=4)
    error = np.asarray(sweep.error, dtype=float)
    if float(error.max(initial=0.0)) > 1e-4:  # only Monte Carlo sweeps have a visible band
        ax.fill_between(x, np.clip(p - 1.96 * error, 0, 1), np.clip(p + 1.96 * error, 0, 1),
                        color=BLUE, alpha=0.2, linewidth=0, label="95% confidence interval")
    quiet = []
    colours = VETO_COLOURS * (len(sweep.veto_prob) // len(VETO_COLOURS) + 1)
    for colour, (code, probs) in zip(colours, sweep.veto_prob.items(), strict=False):
        probs = np.asarray(probs, dtype=float)
        if float(probs.max(initial=0.0)) < min_veto:
            quiet.append((names or {}).get(code, code))
            continue
        ax.plot(x, probs, color=colour, linewidth=1.8, linestyle="--",
                label=f"P(veto) {(names or {}).get(code, code)}")
    ax.axhline(sweep.target, color=GREY, linestyle=":", linewidth=1.4, gid="target",
               label=f"target P(adopted) = {sweep.target:.0%}")
    unit = sweep.unit if in_units else None
    for value, direction in zip(sweep.crossings, sweep.crossing_directions, strict=True):
        ax.plot([value], [sweep.target], marker="o", markersize=9, color="black",
                markerfacecolor=YELLOW, zorder=6, linestyle="none", gid="crossing")
        ax.axvline(value, color=GREY, linewidth=0.8, linestyle=":")
        text = _real_value_text(value, unit) if in_units else f"severity {value:.2f}"
        verb = "falls below" if direction == "down" else "rises above"
        ax.annotate(f"{verb} target\nat {text}", (value, sweep.target), xytext=(6, 10),
                    textcoords="offset points", fontsize=9,
                    bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": "none",
                          "alpha": 0.85})
    if in_units:
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(_compact))
        ax.set_xlabel(f"{sweep.label} ({sweep.unit})" if sweep.unit else sweep.label)
    else:
        ax.set_xlabel(f"{sweep.label} (severity: 0 = nothing, 1 = the harshest form)")
        if all(isinstance(v, str) for v in sweep.values):  # levels: name the ticks
            ax.set_xticks(x, [str(v) for v in sweep.values])
    ax.set_ylim(-0.02, 1.02)
    _percent_axis(ax.yaxis)
    ax.set_ylabel("Probability")
    if sweep.crossings:
        where = " and ".join(
            _real_value_text(c, unit) if in_units else f"severity {c:.2f}" for c in sweep.crossings
        )
        verdict = f"P(adopted) crosses {sweep.target:.0%} at {where}"
    else:
        side = "above" if p[0] > sweep.target else "below"
        verdict = f"P(adopted) stays {side} {sweep.target:.0%} over this range"
    if sweep.method == "exact":
        how = f"exact, quadrature error ≤ {float(error.max(initial=0.0)):.1e}"
    else:
        how = f"Monte Carlo, {sweep.draws:,} draws per point"
    ax.set_title(_wrap(f"Draft {sweep.draft_id}: {sweep.label} varied ({how})", 80)
                 + f"\n{verdict}", fontsize=10)
    legend = ax.legend(loc="center right", fontsize=9, framealpha=0.9)
    if quiet:
        legend.set_title(_wrap(f"P(veto) < {min_veto:.1%} throughout: {', '.join(quiet)}", 40),
                         prop={"size": 8})
    ax.grid(color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    return ax


def tornado(sensitivity: Sensitivity, ax: Axes | None = None, top: int = 15, *,
            names: Mapping[str, str] | None = None) -> Axes:
    """Tornado diagram: P(adopted) with each parameter one step down and one step up.

    The ``top`` parameters with the widest bars (largest ``|p_high - p_low|``) are shown, widest
    at the top, around a vertical line at the base P(adopted).

    Parameters
    ----------
    sensitivity : Sensitivity
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    top : int
        Number of parameters shown.
    names : mapping of str to str, optional
        Display names of members (e.g. ``scenario.council.names``); codes otherwise.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(top, int) or top < 1:
        raise InputError(f"top must be a positive integer, got {top!r}")
    rows = sorted(sensitivity.rows, key=lambda r: -abs(r.swing))[:top]
    # An empty band below the bars, as tall as a few bars, holds the legend: the narrowest bars
    # are at the bottom, but a legend beside them still covers some.
    band = 2.2
    ax = _axes(ax, (8.0, 1.4 + 0.36 * (len(rows) + band)))
    base = sensitivity.p_adopted
    y = band + np.arange(len(rows))[::-1]  # widest bar on top

    def who(row) -> str:
        if row.scope == "member":
            return (names or {}).get(row.member, row.member)
        return "Council" if row.scope == "council" else f"bloc {row.member}"

    low = np.array([r.p_low - base for r in rows])
    high = np.array([r.p_high - base for r in rows])
    ax.barh(y, low, left=base, height=0.7, color=ORANGE, label="parameter one step lower")
    ax.barh(y, high, left=base, height=0.7, color=BLUE, label="parameter one step higher")
    ax.axvline(base, color="black", linewidth=1.2, label=f"P(adopted) as given = {base:.3f}")
    ax.set_yticks(y, [f"{who(r)}: {r.parameter} = {r.value:g}" for r in rows], fontsize=9)
    span = max(float(np.abs(np.concatenate([low, high])).max(initial=0.0)), 0.005)
    ax.set_xlim(base - 1.25 * span, base + 1.25 * span)
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.1f}%"))
    steps = sorted(set(sensitivity.steps.values()))
    step_text = f"±{steps[0]:g}" if len(steps) == 1 else "± the family's step"
    ax.set_xlabel(f"P(adopted) with the parameter moved {step_text} (in its own units)")
    if sensitivity.method == "exact":
        how = f"exact, quadrature error ≤ {sensitivity.error:.1e}"
    else:
        how = (f"Monte Carlo, {sensitivity.draws:,} draws per point, one seed; standard error "
               f"{sensitivity.error:.1e}")
    ax.set_title(_wrap(f"What moves P(adopted) of {sensitivity.draft_id}: the {len(rows)} most "
                       f"influential of {len(sensitivity.rows)} stance parameters ({how})", 80),
                 fontsize=10)
    ax.set_ylim(-0.4, band + len(rows) - 0.4)
    ax.legend(loc="lower right", fontsize=9, framealpha=0.9)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    return ax


def _power_entries(data: Any) -> list[tuple[str, PowerIndices]]:
    if isinstance(data, CouncilComparison):
        return [(row.name, row.power) for row in data.rows]
    if isinstance(data, PowerIndices | Council | str):
        data = [data]
    entries = []
    for i, item in enumerate(data):
        if isinstance(item, str):
            item = Council.named(item)
        if isinstance(item, Council):
            item = power_indices(item)
        if not isinstance(item, PowerIndices):
            raise ArgumentTypeError(
                "power_bars needs a CouncilComparison, PowerIndices, Council, council name, or a "
                f"list of them; got {type(item).__name__}"
            )
        entries.append((item.council_name or f"council {i + 1}", item))
    if not entries:
        raise InputError("power_bars needs at least one council")
    return entries


def power_bars(councils_or_indices: Any, ax: Axes | None = None, *,
               index: str = "both") -> Axes:
    """Voting power of one veto seat and of one other seat, council by council.

    Bars are the exact Shapley–Shubik and/or normalised Banzhaf index of a veto holder and the
    average over the other seats, on a log scale (a veto seat holds up to 100 times the power
    of an elected one). A black tick marks the equal share, one over the number of seats.

    Parameters
    ----------
    councils_or_indices : CouncilComparison, PowerIndices, Council, str or a list of these
        E.g. ``compare_councils(...)``, ``[power_indices(c) for c in councils]`` or
        ``["unsc-2026", "g4-2005"]``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    index : {"shapley_shubik", "banzhaf", "both"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    indices = {"shapley_shubik": ["shapley_shubik"], "banzhaf": ["banzhaf"],
               "both": ["shapley_shubik", "banzhaf"]}
    if index not in indices:
        raise InputError(f"index must be one of {', '.join(indices)}; got {index!r}")
    entries = _power_entries(councils_or_indices)
    series = []  # (label, colour, hatch, values)
    names = {"shapley_shubik": "Shapley–Shubik", "banzhaf": "Banzhaf"}
    for which in indices[index]:
        for veto, colour, light in ((True, VERMILLION, ORANGE), (False, BLUE, SKY)):
            values = []
            for _, power in entries:
                holders = set() if power.procedural else set(power.veto_holders)
                chosen = [v for c, v in getattr(power, which).items() if (c in holders) == veto]
                values.append(float(sum(chosen, Fraction(0)) / len(chosen)) if chosen else math.nan)
            first = which == indices[index][0]
            series.append((f"{names[which]}: {'each veto seat' if veto else 'each other seat'}",
                           colour if first else light, "" if first else "//", values))
    ax = _axes(ax, (max(7.0, 1.5 + 1.35 * len(entries)), 5.0))
    n = len(series)
    width = 0.8 / n
    x = np.arange(len(entries))
    for s, (label, colour, hatch, values) in enumerate(series):
        offset = (s - (n - 1) / 2) * width
        bars = ax.bar(x + offset, values, width, color=colour, hatch=hatch, edgecolor="white",
                      label=label)
        if n * len(entries) <= 16:  # value labels only while they cannot collide
            ax.bar_label(bars, [_percent(v) if math.isfinite(v) and v > 0 else "" for v in values],
                         fontsize=8, rotation=0 if n * len(entries) <= 8 else 90, padding=2)
    equal = np.array([1.0 / len(power.members) for _, power in entries])
    ax.hlines(equal, x - 0.45, x + 0.45, color="black", linewidth=2,
              label="equal share of every seat (1 / seats)")
    ax.set_yscale("log")
    ax.set_ylim(top=1.0)  # a share of power: 100% at most
    ax.set_xticks(x, [
        f"{name}\n{len(p.members)} seats, {p.threshold} votes\n"
        f"{0 if p.procedural else len(p.veto_holders)} vetoes"
        for name, p in entries
    ], fontsize=8)
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}%"))
    ax.set_ylabel("Share of voting power held by one seat (log scale)")
    ax.set_title("A-priori voting power of one seat, by council\n"
                 "(the chance that seat decides the vote; exact indices)", fontsize=10)
    # Below the axes: inside, it would hide the tallest bars of some council.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=8, ncols=3 if n > 2 else 2,
              frameon=False)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    return ax


def reliability(backtest_result: Any, ax: Axes | None = None, *, baselines: bool = True) -> Axes:
    """Reliability diagram: mean forecast P(adopted) against the share adopted, bin by bin.

    Points on the dashed diagonal (``gid="diagonal"``) are perfectly calibrated. The model's
    points are sized by the number of texts in the bin, labelled with it, and carry the 95%
    (Wilson) interval of the observed share; the baselines of the backtest are drawn beside them.

    Parameters
    ----------
    backtest_result : BacktestResult or list of dict
        A :func:`councilsim.history.backtest.backtest` result (``reliability`` and
        ``reliability_baselines`` are read), or a reliability table
        (:func:`~councilsim.history.backtest.reliability_table`).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    baselines : bool
        Also draw the baselines (base rate, persistence) when the result has them.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (6.4, 6.0))
    table = getattr(backtest_result, "reliability", backtest_result)
    others = getattr(backtest_result, "reliability_baselines", {}) if baselines else {}
    scores = getattr(backtest_result, "scores", {})

    def label(name: str, text: str) -> str:
        brier = scores.get(name, {}).get("brier")
        return f"{text} (Brier {brier:.3f})" if brier is not None else text

    ax.plot([0, 1], [0, 1], linestyle="--", color=GREY, linewidth=1.2, gid="diagonal",
            label="perfectly calibrated")
    styles = {"base_rate": ("s", ORANGE, "base rate"), "persistence": ("D", GREEN, "persistence")}
    for name, rows in others.items():
        rows = [r for r in rows if r["count"]]
        if not rows:
            continue
        marker, colour, text = styles.get(name, ("^", PURPLE, name.replace("_", " ")))
        ax.plot([r["mean_predicted"] for r in rows], [r["observed"] for r in rows],
                linestyle="none", marker=marker, markersize=7, color=colour, alpha=0.85,
                label=label(name, text), zorder=3)
    rows = [r for r in table if r["count"]]
    if rows:
        px = np.array([r["mean_predicted"] for r in rows])
        py = np.array([r["observed"] for r in rows])
        counts = np.array([r["count"] for r in rows])
        bounds = np.array([wilson_interval(o, n) for o, n in zip(py, counts, strict=True)])
        # Clipped at 0: rounding can put a Wilson bound a hair inside the observed share.
        yerr = np.clip([py - bounds[:, 0], bounds[:, 1] - py], 0.0, None)
        ax.errorbar(px, py, yerr=yerr, fmt="none",
                    ecolor=BLUE, elinewidth=1.2, capsize=3, zorder=4)
        ax.scatter(px, py, s=30 + 250 * np.sqrt(counts / counts.max()), color=BLUE,
                   edgecolor="white", zorder=5,
                   label=label("model", "model (95% confidence interval)"))
        for xi, yi, n in zip(px, py, counts, strict=True):
            ax.annotate(f"n={n}", (xi, yi), xytext=(-8, 0), textcoords="offset points",
                        ha="right", va="center", fontsize=8, color=NAVY)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    _percent_axis(ax.xaxis)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("Forecast P(adopted) (mean within each 10-point bin)")
    ax.set_ylabel("Texts actually adopted (share of the bin)")
    title = "Reliability of the forecasts"
    if hasattr(backtest_result, "start"):
        topic = getattr(backtest_result, "topic", None)
        topic = f", topic {topic}" if topic else ""
        title += (f"\n{backtest_result.start}–{backtest_result.end}{topic}: "
                  f"{backtest_result.n_texts} texts, calibrated on earlier years only")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    ax.grid(color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    return ax


def coalition_bars(coalitions: BlockingCoalitions, ax: Axes | None = None, *,
                   names: Mapping[str, str] | None = None) -> Axes:
    """The most likely blocking coalitions of a draft, as horizontal bars, most likely on top.

    Vermillion bars are vetoes (the required yes votes and these holders' no), grey bars
    texts short of votes (these members withheld a yes). Monte Carlo results carry a 95%
    confidence interval on each bar; exact ones say their method in the title.

    Parameters
    ----------
    coalitions : BlockingCoalitions
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    names : mapping of str to str, optional
        Display names of members; codes otherwise.

    Returns
    -------
    matplotlib.axes.Axes
    """
    listed = coalitions.coalitions
    ax = _axes(ax, (8.5, 1.6 + 0.42 * max(len(listed), 1)))
    y = np.arange(len(listed))[::-1]
    probs = np.array([c.probability for c in listed])
    colours = [VERMILLION if c.kind == "veto" else LIGHT_GREY for c in listed]
    ax.barh(y, probs, height=0.7, color=colours)
    if coalitions.method == "monte_carlo":
        errors = np.array([1.96 * (c.std_error or 0.0) for c in listed])
        ax.errorbar(probs, y, xerr=errors, fmt="none", ecolor="black", elinewidth=1, capsize=3)

    def label(c) -> str:
        members = ", ".join((names or {}).get(m, m) for m in c.members)
        if c.kind == "veto":
            return _wrap(f"veto: {members}", 48)
        return _wrap(f"short by {c.missing_yes}: {members}", 48)

    ax.set_yticks(y, [label(c) for c in listed], fontsize=8)
    for yi, p in zip(y, probs, strict=True):
        ax.annotate(_percent(p), (p, yi), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_xlim(0, max(float(probs.max(initial=0.0)) * 1.25, 0.01))
    _percent_axis(ax.xaxis)
    ax.set_xlabel("Probability that this is the coalition that defeats the draft")
    from matplotlib.patches import Patch

    handles = [Patch(color=VERMILLION, label="vetoed (enough yes votes, a holder's no)"),
               Patch(color=LIGHT_GREY, label="short of votes (these withheld a yes)")]
    ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9)
    how = ("exact" if coalitions.method == "exact"
           else f"Monte Carlo, {coalitions.draws:,} draws; bars: 95% confidence interval")
    ax.set_title(_wrap(
        f"Who defeats {coalitions.draft_id}: P(not adopted) = {coalitions.p_not_adopted:.3f} "
        f"(vetoed {coalitions.p_vetoed:.3f}, short {coalitions.p_short:.3f}); "
        f"the {len(listed)} most likely coalitions ({how})", 80), fontsize=10)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    return ax


def council_outcomes(comparison: CouncilComparison, ax: Axes | None = None) -> Axes:
    """The draft's fate before each council: adopted, vetoed and short of votes, stacked.

    Parameters
    ----------
    comparison : CouncilComparison
        A :func:`councilsim.analysis.compare_councils` result.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = comparison.rows
    ax = _axes(ax, (max(7.0, 1.5 + 1.6 * len(rows)), 4.8))
    x = np.arange(len(rows))
    bottom = np.zeros(len(rows))
    for field, colour, text in (("p_adopted", BLUE, "adopted"),
                                ("p_vetoed", VERMILLION, "vetoed"),
                                ("p_short", LIGHT_GREY, "short of votes")):
        values = np.array([getattr(r, field) for r in rows])
        bars = ax.bar(x, values, 0.7, bottom=bottom, color=colour, edgecolor="white", label=text)
        ax.bar_label(bars, [_percent(v) if v >= 0.03 else "" for v in values],
                     label_type="center", fontsize=8)
        bottom += values
    ax.set_xticks(x, [f"{r.name}\n{r.seats} seats, {r.threshold} votes\n"
                      f"{len(r.veto_holders)} vetoes" for r in rows], fontsize=8)
    ax.set_ylim(0, 1)
    _percent_axis(ax.yaxis)
    ax.set_ylabel("Probability")
    if comparison.method == "exact":
        bound = max(r.error for r in rows)
        how = f"exact, quadrature error ≤ {bound:.1e}"
    else:
        how = f"Monte Carlo, {comparison.draws:,} draws per council"
    ax.set_title(_wrap(f"Draft {comparison.draft_id} before each council ({how})", 80),
                 fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3, fontsize=8,
              frameon=False)
    return ax


# ---------------------------------------------------------------------------------------------
# Live what-if explorer (ipywidgets)
# ---------------------------------------------------------------------------------------------


def _replace_provisions(scenario: Scenario, draft: Draft, values: Mapping[str, Any]) -> Draft:
    kinds = scenario.provision_kinds
    provisions = {p.kind: p for p in draft.provisions}
    for kind, value in values.items():
        if kind not in kinds:
            raise InputError(f"unknown provision kind {kind!r}; known: {', '.join(sorted(kinds))}")
        if isinstance(value, Provision):
            provisions[kind] = value
            continue
        if isinstance(value, np.generic):
            value = value.item()
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        provisions[kind] = Provision(kind=kind, value=float(value) if numeric else value,
                                     unit=kinds[kind].unit if numeric else None, note="what-if")
    return draft.model_copy(update={"provisions": tuple(provisions.values())})


def what_if(scenario: Scenario | str, draft: str | Draft | None = None,
            values: Mapping[str, Any] | None = None, **options: Any) -> SimulationResult:
    """Simulate a draft with some provisions set to other values (the explorer's callback).

    Parameters
    ----------
    scenario : Scenario or path
    draft : str, Draft or None
        The draft to start from (None when the scenario has exactly one).
    values : mapping of str to value
        Provision kind to its new value in real units (a number in the catalog unit, ``True`` /
        ``False`` for a ban, a level name), or a :class:`~councilsim.models.Provision`. Kinds the
        draft lacks are added; the others keep the draft's text.
    **options
        Keyword options of :func:`councilsim.simulate` (default ``decisive=False``: faster, and
        the explorer does not show P(decisive)).

    Returns
    -------
    SimulationResult
    """
    scenario = as_scenario(scenario)
    base = draft if isinstance(draft, Draft) else scenario.draft(draft)
    options.setdefault("decisive", False)
    return simulate(scenario, _replace_provisions(scenario, base, values or {}), **options)


def explorer_html(result: SimulationResult) -> str:
    """The explorer's read-out: P(adopted), P(vetoed), P(short), each holder's veto risk."""

    def bar(p: float, colour: str) -> str:
        return (f'<div style="display:inline-block;width:160px;height:10px;background:#EEE;'
                f'vertical-align:middle"><div style="width:{100 * p:.1f}%;height:10px;'
                f'background:{colour}"></div></div>')

    rows = [("P(adopted)", result.p_adopted, BLUE), ("P(vetoed)", result.p_vetoed, VERMILLION),
            (f"P(short of {result.threshold} votes)", result.p_short, GREY)]
    rows += [(f"P(veto) {result.names.get(c, c)}", p, ORANGE)
             for c, p in sorted(result.veto_prob.items(), key=lambda item: -item[1])]
    body = "".join(
        f"<tr><td style='padding-right:12px'>{html.escape(name)}</td>"
        f"<td style='text-align:right;padding-right:8px'><b>{p:.3f}</b></td>"
        f"<td>{bar(p, c)}</td></tr>"
        for name, p, c in rows
    )
    return (f"<div><b>{html.escape(result.draft_id)}</b> (what-if)"
            f"<table style='margin-top:4px'>{body}</table></div>")


def _control(scenario: Scenario, provision: Any):
    import ipywidgets as widgets

    entry = scenario.provision_kinds[provision.kind]
    severity = scenario.severity(provision)
    style = {"description_width": "300px"}
    layout = widgets.Layout(width="680px")
    description = f"{entry.label} ({entry.unit})" if entry.unit else entry.label
    if entry.scale == "ban":
        return widgets.Checkbox(value=severity >= 1.0, description=description, style=style,
                                layout=layout, indent=True)
    if entry.baseline is not None:
        value = provision.value
        if not isinstance(value, int | float) or isinstance(value, bool):
            value = value_for_severity(entry, severity)  # a level or a severity, in real units
        else:
            value = in_kind_unit(provision.kind, entry, value, provision.unit)
        return widgets.FloatSlider(
            value=float(value), min=0.0, max=float(entry.baseline),
            step=float(entry.baseline) / 100,
            description=description, readout_format=",.0f", continuous_update=False,
            style=style, layout=layout,
        )
    if entry.levels:
        names = sorted(entry.levels, key=lambda name: entry.levels[name])
        value = (provision.value if provision.value in entry.levels
                 else value_for_severity(entry, severity))
        return widgets.SelectionSlider(options=names, value=value, description=description,
                                       continuous_update=False, style=style, layout=layout)
    # A kind with neither unit nor named forms can only be set by its severity.
    slider = widgets.FloatSlider(value=severity, min=0.0, max=1.0, step=0.01,
                                 description=f"{entry.label} (severity)", continuous_update=False,
                                 style=style, layout=layout)
    slider.by_severity = True
    return slider


def provision_explorer(scenario: Scenario | str, draft: str | Draft | None = None,
                       **options: Any):
    """Sliders for each provision of a draft; P(adopted) and the veto risks update live.

    Caps move in real units (0 to the catalog baseline), levels between their names (a severity
    between two named levels starts at the level at or below it), bans are tick boxes. Each
    change calls :func:`what_if` and shows :func:`explorer_html` of the result.
    Needs ipywidgets (``pip install 'councilsim[notebooks]'``).

    Parameters
    ----------
    scenario : Scenario or path
    draft : str, Draft or None
    **options
        Keyword options of :func:`councilsim.simulate` for every update.

    Returns
    -------
    ipywidgets.VBox
        The widget; its ``controls`` attribute maps each provision kind to its control,
        ``readout`` is the HTML read-out and ``update()`` recomputes it (what a change calls).
    """
    try:
        import ipywidgets as widgets
    except ImportError:
        raise ImportError(
            "provision_explorer needs ipywidgets: pip install 'councilsim[notebooks]'"
        ) from None
    scenario = as_scenario(scenario)
    base = draft if isinstance(draft, Draft) else scenario.draft(draft)
    controls = {p.kind: _control(scenario, p) for p in base.provisions}
    readout = widgets.HTML()

    def current() -> dict[str, Any]:
        out: dict[str, Any] = {}
        for kind, control in controls.items():
            if getattr(control, "by_severity", False):
                out[kind] = Provision(kind=kind, severity=float(control.value))
            else:
                out[kind] = control.value
        return out

    def update(_change: Any = None) -> SimulationResult:
        result = what_if(scenario, base, current(), **options)
        readout.value = explorer_html(result)
        return result

    for control in controls.values():
        control.observe(update, names="value")
    heading = widgets.HTML(
        f"<b>{html.escape(base.id)}</b>: {html.escape(base.title or '')}<br>"
        "<small>Move a provision: the probabilities below are recomputed at once.</small>"
    )
    box = widgets.VBox([heading, *controls.values(), readout])
    box.controls, box.readout, box.update = controls, readout, update
    update()
    return box
