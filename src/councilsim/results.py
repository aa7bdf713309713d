"""Results of a simulation: frozen, documented, with provenance, in several output forms."""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from councilsim.errors import InputError
from councilsim.rules import VOTES

__all__ = ["Comparison", "RawOutcome", "SimulationResult"]

_Z95 = 1.959963984540054  # two-sided 95% normal quantile


@dataclass(frozen=True, eq=False)
class RawOutcome:
    """What an engine hands back before it is dressed as a :class:`SimulationResult`.

    ``tally[k, v]`` is P(k yes votes, vetoed = v); ``vote_probs[i]`` member i's P(Y, N, A, X);
    ``error`` is the exact engine's quadrature error bound (None for Monte Carlo); ``draws`` the
    number of Monte Carlo draws (None for exact); ``votes`` the raw draws when kept; ``counts``
    the Monte Carlo draws by (yes count, vetoed), from which ``tally`` was divided.
    """

    tally: np.ndarray
    vote_probs: np.ndarray
    p_decisive: np.ndarray | None
    threshold: int
    error: float | None
    draws: int | None
    votes: np.ndarray | None = None
    counts: np.ndarray | None = None


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
        Probability that at least one veto holder votes no (0 for procedural drafts).
    p_short : float
        Probability of no veto but fewer yes votes than the threshold.
    veto_prob : dict of str to float
        For each veto holder, the probability that it votes no.
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
    votes: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_outcome(
        cls,
        raw: RawOutcome,
        *,
        codes: tuple[str, ...],
        veto_holders: tuple[str, ...],
        procedural: bool,
        method: str,
        **provenance: Any,
    ) -> SimulationResult:
        """Summarise an engine's :class:`RawOutcome` (internal)."""
        # Monte Carlo sums integer counts, so P(adopted) is exactly (adopting draws) / draws.
        tally, threshold = (raw.tally if raw.counts is None else raw.counts), raw.threshold
        scale = 1.0 if raw.counts is None else raw.draws
        p_adopted = float(tally[threshold:, 0].sum() / scale)
        p_vetoed = float(tally[:, 1].sum() / scale)
        p_short = float(tally[:threshold, 0].sum() / scale)
        if raw.draws is None:
            half_width = raw.error or 0.0
            std_error = half_width
            ci = (max(0.0, p_adopted - half_width), min(1.0, p_adopted + half_width))
        else:
            std_error = math.sqrt(p_adopted * (1.0 - p_adopted) / raw.draws)
            ci = _wilson(p_adopted, raw.draws)
        # tolist() converts to Python floats in one call (sweeps build thousands of results).
        vote_probs = dict(zip(codes, raw.vote_probs.tolist(), strict=True))
        return cls(
            p_adopted=p_adopted,
            ci=ci,
            std_error=std_error,
            p_vetoed=p_vetoed,
            p_short=p_short,
            veto_prob={code: vote_probs[code][1] for code in veto_holders},
            vote_probs={
                code: dict(zip(VOTES, row, strict=True)) for code, row in vote_probs.items()
            },
            tally=tuple((tally.sum(axis=1) / scale).tolist()),
            p_decisive=(
                {} if raw.p_decisive is None
                else dict(zip(codes, raw.p_decisive.tolist(), strict=True))
            ),
            threshold=threshold,
            procedural=procedural,
            method=method,
            draws=raw.draws,
            votes=raw.votes,
            **provenance,
        )

    # -- output forms ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """All fields but the raw draws, as plain Python types (JSON-ready)."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "votes"}
        out["ci"] = list(self.ci)
        out["tally"] = list(self.tally)
        return out

    def to_json(self, **kwargs: Any) -> str:
        """The :meth:`to_dict` form as JSON; keyword arguments go to :func:`json.dumps`."""
        kwargs.setdefault("indent", 2)
        return json.dumps(self.to_dict(), **kwargs)

    def to_frame(self):
        """One row per member: vote probabilities, veto probability, P(decisive) (needs pandas)."""
        pd = _import_pandas()
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
        low, high = self.ci
        how = (
            f"exact, {self.nodes} nodes"
            if self.method == "exact"
            else f"Monte Carlo, {self.draws:,} draws, seed {self.seed}"
        )
        return (
            f"P(adopted) = {self.p_adopted:.3f}  [{low:.3f}, {high:.3f}]   "
            f"vetoed {self.p_vetoed:.3f}, short of {self.threshold} votes "
            f"{self.p_short:.3f}   ({how})"
        )

    def summary(self) -> str:
        """A readable plain-text report."""
        title = self.draft_title or self.draft_id
        lines = [f"{self.draft_id}: {title}", self._headline(), ""]
        lines.append(f"{'member':<8}{'yes':>7}{'no':>7}{'abst':>7}{'absent':>8}{'decisive':>10}")
        for code, probs in self.vote_probs.items():
            mark = "*" if code in self.veto_prob else " "
            lines.append(
                f"{code + mark:<8}"
                + "".join(f"{probs[k]:>7.3f}" for k in "YNA")
                + f"{probs['X']:>8.3f}{self.p_decisive.get(code, float('nan')):>10.3f}"
            )
        lines.append("* veto holder (its 'no' blocks a substantive draft)")
        lines.append(f"councilsim {self.version}, scenario {self.scenario_hash[:12]}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

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
        # Imported here so that importing councilsim never loads matplotlib.
        from councilsim import plot

        charts = {"tally": plot.tally, "votes": plot.vote_heatmap}
        if kind not in charts:
            raise InputError(f"kind must be one of {', '.join(charts)}; got {kind!r}")
        return charts[kind](self, ax=ax, **kwargs)

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
        kwargs.setdefault("indent", 2)
        return json.dumps(self.to_dict(), **kwargs)

    def to_frame(self):
        """One row per draft: P(adopted), interval, P(vetoed), each veto holder's P(no)."""
        pd = _import_pandas()
        rows = []
        for draft_id, result in self.results.items():
            row = {"draft": draft_id, "p_adopted": result.p_adopted, "ci_low": result.ci[0],
                   "ci_high": result.ci[1], "p_vetoed": result.p_vetoed, "p_short": result.p_short}
            row.update({f"p_veto_{code}": p for code, p in result.veto_prob.items()})
            rows.append(row)
        return pd.DataFrame(rows).set_index("draft")

    def summary(self) -> str:
        """One line per draft."""
        return "\n".join(f"{draft_id:<24}{r._headline()}" for draft_id, r in self.results.items())

    def _repr_html_(self) -> str:
        return "".join(result._repr_html_() for result in self.results.values())


def _wilson(p: float, n: int) -> tuple[float, float]:
    denom = 1.0 + _Z95**2 / n
    centre = (p + _Z95**2 / (2 * n)) / denom
    half = _Z95 * math.sqrt(p * (1 - p) / n + _Z95**2 / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _import_pandas():
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "to_frame() needs pandas: pip install 'councilsim[frame]' (or pip install pandas)"
        ) from None
    return pd
