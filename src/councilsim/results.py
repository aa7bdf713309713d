"""Results of a simulation: frozen, documented, with provenance, in several output forms."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from councilsim._export import dumps, frame, import_pandas
from councilsim._frozen import FrozenDict, read_only_fields
from councilsim.errors import InputError
from councilsim.options import Provenance
from councilsim.outcome import RawOutcome
from councilsim.rules import VOTES

__all__ = ["INTERVAL_LABELS", "Comparison", "RawOutcome", "SimulationResult", "chart"]

#: Words for each kind of uncertainty a result carries (:attr:`SimulationResult.interval_kind`).
INTERVAL_LABELS = {
    "error_bound": "quadrature error bound",
    "confidence_95": "95% confidence interval",
}

_Z95 = 1.959963984540054  # two-sided 95% normal quantile


def _probability(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


@dataclass(frozen=True)
class SimulationResult:
    """How a draft is likely to fare: adoption, vetoes, each member's vote, decisive members.

    Attributes
    ----------
    draft_id : str
        The draft simulated.
    p_adopted : float
        Probability that the draft is adopted.
    ci : tuple of float
        Interval for ``p_adopted``: the 95% Wilson score interval for Monte Carlo; for the exact
        method, ``p_adopted`` plus or minus its quadrature error bound (not a confidence
        interval: the exact answer lies within it).
    std_error : float
        Standard error of ``p_adopted`` (Monte Carlo) or the quadrature error bound (exact).
    p_vetoed : float
        Probability that the draft is vetoed as the Council counts it: it gets the required
        yes votes and at least one veto holder votes no (0 for procedural drafts).
    p_short : float
        Probability of fewer yes votes than the threshold, whatever the veto holders did.
        ``p_adopted + p_vetoed + p_short = 1``.
    veto_prob : dict of str to float
        For each veto holder, the probability that it vetoes the draft: the required yes votes
        are cast and it votes no. Several holders can veto at once, so these can add up to more
        than ``p_vetoed``. The plain chance that a holder votes no is :attr:`p_no`.
    vote_probs : dict of str to dict of str to float
        For each member, the probability of each vote ``"Y"``, ``"N"``, ``"A"``, ``"X"``.
    tally : tuple of float
        ``tally[k]`` is the probability of exactly ``k`` yes votes, ``k = 0 .. seats``.
    p_decisive : dict of str to float
        For each member, the probability that the outcome flips if that member alone switches
        between yes and no (others' votes as simulated); empty when ``decisive=False``.
    threshold : int
        Yes votes needed.
    procedural : bool
        Whether the draft was treated as procedural (no veto).
    method : str
        ``"exact"`` or ``"monte_carlo"``.
    draws : int or None
        Monte Carlo draws (None for exact).
    nodes : int or None
        Least number of points of the exact engine's mood grid (None for Monte Carlo).
    seed : int or None
        Entropy of the root ``SeedSequence`` used (also when none was given); None for exact.
    scenario_hash : str
        SHA-256 of the scenario's canonical JSON.
    version : str
        councilsim version that produced the result.
    scenario_title, draft_title : str or None
        For display.
    names : dict of str to str
        Display names of members.
    tally_vetoed : tuple of float
        ``tally_vetoed[k]`` is the probability of exactly ``k`` yes votes with at least one veto
        holder voting no: for ``k >= threshold`` the vetoed part of ``tally[k]`` (the rest is
        adopted); below the threshold the text fails for lack of votes either way.
    votes : ndarray or None
        Raw simulated votes, shape ``(draws, seats)``, codes Y=0, N=1, A=2, X=3, when
        ``keep_draws=True`` was asked of the Monte Carlo engine.
    """

    draft_id: str
    p_adopted: float
    ci: tuple[float, float]
    std_error: float
    p_vetoed: float
    p_short: float
    veto_prob: dict[str, float]
    vote_probs: dict[str, dict[str, float]]
    tally: tuple[float, ...]
    p_decisive: dict[str, float]
    threshold: int
    procedural: bool
    method: str
    draws: int | None
    nodes: int | None
    seed: int | None
    scenario_hash: str
    version: str
    scenario_title: str | None = None
    draft_title: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    tally_vetoed: tuple[float, ...] = ()
    votes: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        read_only_fields(self)

    @classmethod
    def _from_outcome(
        cls,
        raw: RawOutcome,
        *,
        codes: tuple[str, ...],
        veto_holders: tuple[str, ...],
        procedural: bool,
        method: str,
        **provenance: Any,
    ) -> SimulationResult:
        """Summarise an engine's :class:`RawOutcome` (see :func:`simulation_result`)."""
        # Monte Carlo sums integer counts, so P(adopted) is exactly (adopting draws) / draws.
        tally, threshold = (raw.tally if raw.counts is None else raw.counts), raw.threshold
        scale = 1.0 if raw.counts is None else raw.draws
        # The engines give each probability in [0, 1]; their sums can stray past 1 by rounding
        # (1.0000000000000007).
        p_adopted = _probability(tally[threshold:, 0].sum() / scale)
        # As the Council counts: a veto needs the required yes votes; below them a text fails
        # for lack of votes, whatever the permanent members did.
        p_vetoed = _probability(tally[threshold:, 1].sum() / scale)
        p_short = _probability(tally[:threshold].sum() / scale)
        if raw.draws is None:
            half_width = raw.error or 0.0
            std_error = half_width
            ci = (max(0.0, p_adopted - half_width), min(1.0, p_adopted + half_width))
        else:
            std_error = math.sqrt(p_adopted * (1.0 - p_adopted) / raw.draws)
            ci = wilson_interval(p_adopted, raw.draws)
        # tolist() converts to Python floats in one call (sweeps build thousands of results).
        vote_probs = dict(zip(codes, raw.vote_probs.tolist(), strict=True))
        return cls(
            p_adopted=p_adopted,
            ci=ci,
            std_error=std_error,
            p_vetoed=p_vetoed,
            p_short=p_short,
            # Built read-only: read_only_fields then has nothing to copy (sweeps build thousands).
            veto_prob=FrozenDict({
                code: float(raw.p_veto[codes.index(code)] / scale) for code in veto_holders
            }),
            vote_probs=FrozenDict({
                code: FrozenDict(zip(VOTES, row, strict=True)) for code, row in vote_probs.items()
            }),
            tally=tuple(np.clip(tally.sum(axis=1) / scale, 0.0, 1.0).tolist()),
            tally_vetoed=tuple((tally[:, 1] / scale).tolist()),
            p_decisive=FrozenDict(
                {} if raw.p_decisive is None else zip(codes, raw.p_decisive.tolist(), strict=True)
            ),
            threshold=threshold,
            procedural=procedural,
            method=method,
            draws=raw.draws,
            votes=raw.votes,
            **provenance,
        )

    @property
    def p_no(self) -> dict[str, float]:
        """For each veto holder, the probability that it votes no, enough yes votes or not.

        ``vote_probs[code]["N"]`` for the holders; at least ``veto_prob[code]``.
        """
        return {code: self.vote_probs[code]["N"] for code in self.veto_prob}

    @property
    def provenance(self) -> Provenance:
        """What produced this result: engine and settings, scenario hash, version."""
        return Provenance.of(self)

    @property
    def interval_kind(self) -> str:
        """What ``ci`` and ``std_error`` are, so that no reader has to infer it from ``method``.

        ``"error_bound"`` (exact): ``std_error`` is the quadrature error bound and ``ci`` the
        range it allows; the exact answer lies within it (not a confidence interval).
        ``"confidence_95"`` (Monte Carlo): ``std_error`` is the standard error and ``ci`` the
        95% Wilson score interval.
        """
        return "error_bound" if self.draws is None else "confidence_95"

    @property
    def interval_label(self) -> str:
        """The words for :attr:`interval_kind` (``"quadrature error bound"`` or the other)."""
        return INTERVAL_LABELS[self.interval_kind]

    # -- output forms ---------------------------------------------------------------------

    def interval_text(self) -> str:
        """P(adopted)'s uncertainty in words, of the kind :attr:`interval_kind` names.

        E.g. ``quadrature error ≤ 3.1e-09`` (exact) or ``95% CI [0.852, 0.856]`` (Monte Carlo).
        """
        if self.interval_kind == "error_bound":
            return f"quadrature error ≤ {self.std_error:.1e}"
        low, high = self.ci
        # Three decimals, more when they would hide the width ([0.000, 0.000] at p = 0).
        digits = next((d for d in range(3, 8) if f"{low:.{d}f}" != f"{high:.{d}f}"), 8)
        return f"95% CI [{low:.{digits}f}, {high:.{digits}f}]"

    def to_dict(self) -> dict[str, Any]:
        """All fields but the raw draws, as plain Python types (JSON-ready).

        With ``p_no`` and ``interval_kind`` as well.
        """
        out = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "votes"}
        out["ci"] = list(self.ci)
        out["tally"] = list(self.tally)
        out["tally_vetoed"] = list(self.tally_vetoed)
        out["interval_kind"] = self.interval_kind
        out["p_no"] = self.p_no
        return out

    def to_json(self, **kwargs: Any) -> str:
        """The :meth:`to_dict` form as JSON; keyword arguments go to :func:`json.dumps`."""
        return dumps(self.to_dict(), **kwargs)

    def to_table(self) -> tuple[list[str], list[list[Any]]]:
        """``(columns, rows)``: one row per member, as ``councilsim run --format csv`` writes.

        ``p_veto`` is :attr:`veto_prob` (empty for members without a veto); the draft's
        P(adopted) and its interval (``p_adopted_low``, ``p_adopted_high``, of the kind named
        in ``interval``) repeat on every row.
        """
        columns = ["draft", "member", "name", "p_yes", "p_no", "p_abstain", "p_absent",
                   "p_veto", "p_decisive", "p_adopted", "p_adopted_low", "p_adopted_high",
                   "interval", "method", "draws", "seed", "version"]
        rows = [
            [self.draft_id, code, self.names.get(code, code), *(probs[k] for k in VOTES),
             self.veto_prob.get(code), self.p_decisive.get(code), self.p_adopted, *self.ci,
             self.interval_kind, self.method, self.draws, self.seed, self.version]
            for code, probs in self.vote_probs.items()
        ]
        return columns, rows

    def to_frame(self):
        """One row per member: vote probabilities, veto probability, P(decisive) (needs pandas)."""
        pd = import_pandas()
        rows = [
            {
                "member": code,
                "name": self.names.get(code, code),
                **{f"p_{letter}": probs[letter] for letter in VOTES},
                "p_veto": self.veto_prob.get(code, float("nan")),
                "p_decisive": self.p_decisive.get(code, float("nan")),
            }
            for code, probs in self.vote_probs.items()
        ]
        frame = pd.DataFrame(rows).set_index("member")
        frame.attrs.update(draft_id=self.draft_id, p_adopted=self.p_adopted, ci=self.ci)
        return frame

    def _headline(self) -> str:
        how = (
            f"exact, {self.nodes} nodes"
            if self.method == "exact"
            else f"Monte Carlo, {self.draws:,} draws, seed {self.seed}"
        )
        return (
            f"P(adopted) = {self.p_adopted:.3f} ({self.interval_text()})   "
            f"vetoed {self.p_vetoed:.3f}, short of {self.threshold} votes "
            f"{self.p_short:.3f}   ({how})"
        )

    def _veto_text(self) -> str:
        ranked = sorted(self.veto_prob, key=lambda code: -self.veto_prob[code])
        return ", ".join(
            f"{code} {self.veto_prob[code]:.3f} (P(no) {self.p_no[code]:.3f})" for code in ranked
        )

    def summary(self) -> str:
        """A readable plain-text report."""
        title = self.draft_title or self.draft_id
        lines = [f"{self.draft_id}: {title}", self._headline()]
        if self.veto_prob:
            lines.append(f"veto (the required yes votes and its no): {self._veto_text()}")
        lines.append("")
        lines.append(f"{'member':<8}{'yes':>7}{'no':>7}{'abst':>7}{'absent':>8}{'decisive':>10}")
        for code, probs in self.vote_probs.items():
            mark = "*" if code in self.veto_prob else " "
            lines.append(
                f"{code + mark:<8}"
                + "".join(f"{probs[k]:>7.3f}" for k in "YNA")
                + f"{probs['X']:>8.3f}{self.p_decisive.get(code, float('nan')):>10.3f}"
            )
        lines.append("* veto holder (its 'no' blocks a substantive draft that has the votes)")
        lines.append(f"councilsim {self.version}, scenario {self.scenario_hash[:12]}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return short_repr(self)

    def plot(self, kind: str = "tally", ax=None, **kwargs: Any):
        """Chart the result (needs matplotlib); returns the matplotlib Axes.

        Parameters
        ----------
        kind : {"tally", "votes"}
            ``"tally"``: distribution of yes votes with the threshold and the veto risk
            (:func:`councilsim.plot.tally`); ``"votes"``: each member's vote probabilities
            (:func:`councilsim.plot.vote_heatmap`).
        ax : matplotlib Axes, optional
            Where to draw; a new figure when None.
        **kwargs
            Passed to the chart function.
        """
        charts = {"tally": "tally", "votes": "vote_heatmap"}
        if kind not in charts:
            raise InputError(f"kind must be one of {', '.join(charts)}; got {kind!r}")
        return chart(charts[kind])(self, ax=ax, **kwargs)

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(
            f"<tr><td>{esc(code)}{'<sup>veto</sup>' if code in self.veto_prob else ''}</td>"
            f"<td>{esc(self.names.get(code, code))}</td>"
            + "".join(f"<td>{probs[k]:.3f}</td>" for k in VOTES)
            + f"<td>{self.p_decisive.get(code, float('nan')):.3f}</td></tr>"
            for code, probs in self.vote_probs.items()
        )
        return (
            f"<div><strong>{esc(self.draft_id)}</strong>: {esc(self.draft_title or '')}<br>"
            f"{esc(self._headline())}<table><thead><tr><th>code</th><th>member</th><th>yes</th>"
            f"<th>no</th><th>abstain</th><th>absent</th><th>decisive</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )


@dataclass(frozen=True)
class Comparison:
    """Results for several drafts of one scenario, keyed by draft id (in scenario order)."""

    results: dict[str, SimulationResult]

    def __post_init__(self) -> None:
        read_only_fields(self)

    def __getitem__(self, draft_id: str) -> SimulationResult:
        return self.results[draft_id]

    def __iter__(self):
        return iter(self.results.values())

    def __len__(self) -> int:
        return len(self.results)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Each draft's :meth:`SimulationResult.to_dict`, keyed by draft id."""
        return {draft_id: result.to_dict() for draft_id, result in self.results.items()}

    def to_json(self, **kwargs: Any) -> str:
        """The :meth:`to_dict` form as JSON."""
        return dumps(self.to_dict(), **kwargs)

    def plot(self, **kwargs: Any):
        """The yes-vote chart of each draft, one panel each (needs matplotlib); a Figure.

        ``kwargs`` go to :func:`councilsim.plot.tallies`.
        """
        return chart("tallies")(self, **kwargs)

    def to_records(self) -> list[dict[str, Any]]:
        """One record per draft, what ``councilsim compare --format json`` writes.

        ``draft``, ``title``, ``p_adopted`` with ``p_adopted_low``/``p_adopted_high`` and
        their ``interval`` kind, ``p_vetoed``, ``p_short``, ``most_likely_veto`` (the holder
        most likely to veto, None for procedural drafts) and its ``veto``, ``veto_prob`` and
        ``p_no`` by holder, ``method``, ``draws``, ``seed``, ``version``.
        """
        records = []
        for draft_id, r in self.results.items():
            top = max(r.veto_prob, key=r.veto_prob.get) if r.veto_prob else None
            records.append({
                "draft": draft_id, "title": r.draft_title, "p_adopted": r.p_adopted,
                "p_adopted_low": r.ci[0], "p_adopted_high": r.ci[1],
                "interval": r.interval_kind, "p_vetoed": r.p_vetoed, "p_short": r.p_short,
                "most_likely_veto": top, "veto": None if top is None else r.veto_prob[top],
                "veto_prob": r.veto_prob, "p_no": r.p_no, "method": r.method,
                "draws": r.draws, "seed": r.seed, "version": r.version,
            })
        return records

    def to_table(self) -> tuple[list[str], list[list[Any]]]:
        """``(columns, rows)``: one row per draft (``councilsim compare --format csv``).

        :meth:`to_records` with one ``veto_CODE`` and one ``p_no_CODE`` column per veto holder.
        """
        records = self.to_records()
        holders = list(dict.fromkeys(c for r in records for c in r["veto_prob"]))
        plain = [k for k in records[0] if k not in ("veto_prob", "p_no")] if records else []
        columns = [*plain, *(f"veto_{c}" for c in holders), *(f"p_no_{c}" for c in holders)]
        rows = [
            [*(r[k] for k in plain), *(r["veto_prob"].get(c) for c in holders),
             *(r["p_no"].get(c) for c in holders)]
            for r in records
        ]
        return columns, rows

    def to_frame(self):
        """One row per draft, the columns of :meth:`to_table` (needs pandas)."""
        return frame(*self.to_table())

    def summary(self) -> str:
        """One line per draft."""
        return "\n".join(f"{draft_id:<24}{r._headline()}" for draft_id, r in self.results.items())

    def __repr__(self) -> str:
        return short_repr(self)

    def _repr_html_(self) -> str:
        # One row per draft, as the command line's compare prints it; each result shows its own
        # member table when displayed alone.
        esc = html.escape
        rows = "".join(
            f"<tr><td>{esc(draft_id)}</td><td>{r.p_adopted:.3f}</td>"
            f"<td>[{r.ci[0]:.3f}, {r.ci[1]:.3f}]</td><td>{r.p_vetoed:.3f}</td>"
            f"<td>{r.p_short:.3f}</td><td>{esc(_likeliest_veto(r))}</td></tr>"
            for draft_id, r in self.results.items()
        )
        return ("<table><thead><tr><th>draft</th><th>P(adopted)</th><th>interval</th>"
                "<th>P(vetoed)</th><th>P(short)</th><th>most likely veto</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>")


def _likeliest_veto(result: SimulationResult) -> str:
    if not result.veto_prob:
        return "none (procedural)"
    code, p = max(result.veto_prob.items(), key=lambda item: item[1])
    return f"{code} {p:.3f}"


#: ``repr()`` of a result shows at most this many lines of its summary: a screenful.
REPR_LINES = 20


def short_repr(result: Any) -> str:
    """The ``repr()`` of a result: its class and the first lines of its summary, a screenful.

    The full dump of a result's fields (arrays, per-member tables, scenarios) runs to tens of
    thousands of characters in a notebook; ``summary()``, ``to_dict()`` and ``to_frame()`` give
    everything.
    """
    lines = result.summary().splitlines()
    shown = [line if len(line) <= 120 else line[:117] + "..." for line in lines[:REPR_LINES]]
    if len(lines) > REPR_LINES:
        shown.append(f"... {len(lines) - REPR_LINES} more lines: .summary() shows them all")
    return f"<{type(result).__name__}>\n" + "\n".join(shown)


def html_summary(result: Any) -> str:
    """A result's summary as HTML, for notebooks."""
    return f"<pre>{html.escape(result.summary())}</pre>"


def simulation_result(raw: RawOutcome, **fields: Any) -> SimulationResult:
    """The :class:`SimulationResult` of an engine's raw outcome (internal: for the API layer).

    ``fields``: ``codes``, ``veto_holders``, ``procedural``, ``method`` and the provenance and
    display fields of the result.
    """
    return SimulationResult._from_outcome(raw, **fields)


#: Charts come from the presentation layer (councilsim.plot), which sits above this module: the
#: package root installs a function returning them, so that importing councilsim loads no
#: matplotlib until a chart is drawn.
_chart_renderers: list[Callable[[], Mapping[str, Callable[..., Any]]]] = []


def set_chart_renderers(renderers: Callable[[], Mapping[str, Callable[..., Any]]]) -> None:
    """Install the function giving the charts of :meth:`SimulationResult.plot` (internal)."""
    _chart_renderers[:] = [renderers]


def chart(name: str) -> Callable[..., Any]:
    """The chart function ``name`` of :mod:`councilsim.plot`, through the installed hook.

    Results below the presentation layer draw with it (``.plot()`` on every result), so that
    they never import :mod:`councilsim.plot` and importing councilsim loads no matplotlib.
    """
    if not _chart_renderers:
        raise RuntimeError("no chart renderers installed: import councilsim (the package root)")
    return _chart_renderers[0]()[name]


def wilson_interval(p: float, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion ``p`` observed in ``n`` draws."""
    denom = 1.0 + _Z95**2 / n
    centre = (p + _Z95**2 / (2 * n)) / denom
    half = _Z95 * math.sqrt(p * (1 - p) / n + _Z95**2 / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))
