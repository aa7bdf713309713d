"""Exact a-priori voting power of Council members.

The Security Council's decision rule is a simple game on ``n`` members: a coalition
``S`` *wins* iff it has at least ``q`` members (the threshold) and contains every
veto holder.  On procedural matters the veto does not apply and ``S`` wins iff
``|S| >= q``.  This module computes the Shapley–Shubik index and the Banzhaf index
(normalised and absolute) of every member, exactly, with :class:`fractions.Fraction`.

Method
------
Nothing is enumerated.  Members come in at most two *types* — veto holders (``v`` of
them) and the others (``m = n - v``) — and the game is symmetric within a type, so it
suffices to count, for one member of each type, the coalitions ``S`` of the *other*
members in which that member is pivotal (``S`` loses, ``S + {i}`` wins):

* **veto holder** ``i``: ``S`` always loses because ``i`` is missing, so ``i`` is
  pivotal iff ``S`` holds the other ``v - 1`` veto holders and ``k`` of the ``m``
  others with ``v + k >= q``.  That is ``C(m, k)`` coalitions of size ``v - 1 + k``
  for each ``k`` from ``max(0, q - v)`` to ``m``.
* **other member** ``j``: ``S + {j}`` must hold all veto holders, so ``S`` does too
  and can only lose on size; ``j`` is pivotal iff ``|S| = q - 1`` exactly.  That is
  ``C(m - 1, q - 1 - v)`` coalitions, all of size ``q - 1`` (none if ``q <= v``:
  the others are then dummies).

The number of such coalitions is the member's Banzhaf swing count; weighting each
coalition of size ``s`` by ``s! (n - s - 1)! / n!`` (the share of orderings in which
exactly that ``S`` precedes the member) gives its Shapley–Shubik index.  The cost is
``O(n)`` big-integer operations, so a 30-seat council takes well under a millisecond.

Examples
--------
>>> from types import SimpleNamespace
>>> p5 = ("CHN", "FRA", "GBR", "RUS", "USA")
>>> unsc = SimpleNamespace(
...     members=p5 + tuple(f"E{i}" for i in range(1, 11)),
...     veto_holders=p5,
...     threshold=9,
...     name="UNSC",
... )
>>> result = power_indices(unsc)
>>> result.shapley_shubik["USA"], result.shapley_shubik["E1"]
(Fraction(421, 2145), Fraction(4, 2145))
>>> result.swings["USA"], result.swings["E1"]
(848, 84)
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import comb, factorial
from typing import Any, Protocol

from councilsim._frozen import read_only_fields
from councilsim.analysis._common import dumps, text_table
from councilsim.errors import ArgumentTypeError, InputError
from councilsim.models import Council
from councilsim.results import chart, html_summary, short_repr

__all__ = ["CouncilLike", "PowerIndices", "power_indices"]


class CouncilLike(Protocol):
    """What :func:`power_indices` needs from a council (``councilsim.models.Council`` fits).

    Declared as read-only properties so that frozen dataclasses and frozen pydantic
    models satisfy the protocol too.  An optional ``name`` attribute is read if present.
    """

    @property
    def members(self) -> Sequence[str]:
        """Member codes, in display order."""
        ...

    @property
    def veto_holders(self) -> Sequence[str]:
        """Codes of the members holding a veto (a subset of ``members``)."""
        ...

    @property
    def threshold(self) -> int:
        """Number of yes votes a draft needs."""
        ...


@dataclass(frozen=True)
class PowerIndices:
    """Exact voting-power indices of every member of one council under one voting rule.

    All mappings are keyed by member code, in the council's member order, and read-only.

    Parameters
    ----------
    council_name : str or None
        ``council.name`` if the council has one, else ``None``.
    members : tuple of str
        Member codes in the council's order.
    shapley_shubik : dict of str to Fraction
        Shapley–Shubik index: the share of the ``n!`` orderings of the members in which
        the member is pivotal (its arrival turns a losing coalition into a winning one).
        Sums to exactly 1.
    banzhaf : dict of str to Fraction
        Normalised Banzhaf index: the member's swings divided by the total number of
        swings of all members.  Sums to exactly 1.
    banzhaf_absolute : dict of str to Fraction
        Absolute (Penrose–Banzhaf) index: swings / ``2**(n-1)``, the probability that
        the member's vote decides the outcome when every other member votes yes or no
        independently with probability 1/2.  Does not sum to 1 in general.
    swings : dict of str to int
        Number of winning coalitions in which the member is critical (the coalition
        wins with it and loses without it).
    veto_holders : tuple of str
        The council's veto holders, as given (also when ``procedural`` is true, where
        the veto does not apply); recorded so that reports can mark them.
    threshold : int
        Yes votes needed, as given.
    procedural : bool
        Whether the indices are for a procedural vote (no veto).
    """

    council_name: str | None
    members: tuple[str, ...]
    shapley_shubik: dict[str, Fraction]
    banzhaf: dict[str, Fraction]
    banzhaf_absolute: dict[str, Fraction]
    swings: dict[str, int]
    veto_holders: tuple[str, ...]
    threshold: int
    procedural: bool

    def __post_init__(self) -> None:
        read_only_fields(self)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dictionary of the results.

        Each index appears twice: as floats (``"shapley_shubik"``, ``"banzhaf"``,
        ``"banzhaf_absolute"``) and as exact fraction strings such as ``"421/2145"``
        (the same keys with an ``"_exact"`` suffix), so that no precision is lost.

        Returns
        -------
        dict
            Keys ``council_name``, ``members``, ``veto_holders``, ``threshold``,
            ``procedural``, ``swings`` and the six index mappings described above.
        """
        out: dict[str, Any] = {
            "council_name": self.council_name,
            "members": list(self.members),
            "veto_holders": list(self.veto_holders),
            "threshold": self.threshold,
            "procedural": self.procedural,
        }
        for key in ("shapley_shubik", "banzhaf", "banzhaf_absolute"):
            values: dict[str, Fraction] = getattr(self, key)
            out[key] = {code: float(value) for code, value in values.items()}
            out[f"{key}_exact"] = {code: str(value) for code, value in values.items()}
        out["swings"] = dict(self.swings)
        return out

    def to_json(self, **kwargs: Any) -> str:
        """Return :meth:`to_dict` as JSON; keyword arguments go to :func:`json.dumps`."""
        return dumps(self.to_dict(), **kwargs)

    def to_table(self) -> tuple[list[str], list[list[Any]]]:
        """Named columns and one row per member (the indices as floats; exact in to_dict)."""
        header = ["member", "veto", "shapley_shubik", "banzhaf", "banzhaf_absolute", "swings"]
        veto = set(self.veto_holders)
        return header, [[code, code in veto, float(self.shapley_shubik[code]),
                         float(self.banzhaf[code]), float(self.banzhaf_absolute[code]),
                         self.swings[code]] for code in self.members]

    def to_frame(self) -> Any:
        """Return the indices as a :class:`pandas.DataFrame`, one row per member.

        Returns
        -------
        pandas.DataFrame
            Indexed by member code (index name ``"member"``), with columns ``veto``
            (bool), ``shapley_shubik``, ``banzhaf``, ``banzhaf_absolute`` (float) and
            ``swings`` (int).  ``attrs["council_name"]`` and ``attrs["procedural"]``
            carry the context.  Use :meth:`to_dict` for the exact fractions.

        Raises
        ------
        ImportError
            If pandas is not installed (it is an optional dependency).
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                "PowerIndices.to_frame() needs pandas, an optional dependency; "
                "install it with: pip install councilsim[frame]"
            ) from exc

        veto = set(self.veto_holders)
        frame = pd.DataFrame(
            {
                "veto": [code in veto for code in self.members],
                "shapley_shubik": [float(self.shapley_shubik[c]) for c in self.members],
                "banzhaf": [float(self.banzhaf[c]) for c in self.members],
                "banzhaf_absolute": [float(self.banzhaf_absolute[c]) for c in self.members],
                "swings": [self.swings[c] for c in self.members],
            },
            index=pd.Index(list(self.members), name="member"),
        )
        frame.attrs["council_name"] = self.council_name
        frame.attrs["procedural"] = self.procedural
        return frame

    def __repr__(self) -> str:
        return short_repr(self)

    def _repr_html_(self) -> str:
        return html_summary(self)

    def plot(self, ax=None, **kwargs: Any):
        """Power of a veto seat and of another seat (needs matplotlib); returns the Axes.

        ``kwargs`` go to :func:`councilsim.plot.power_bars`.
        """
        return chart("power_bars")(self, ax=ax, **kwargs)

    def summary(self) -> str:
        """Return a plain-text table of the indices, one line per member plus a total.

        Returns
        -------
        str
            A header line describing the council and the voting rule, then aligned
            columns: member, veto, Shapley–Shubik (decimal and exact), normalised
            Banzhaf (decimal and exact), absolute Banzhaf and swing count.
        """
        n = len(self.members)
        name = self.council_name or "unnamed council"
        if self.procedural:
            rule = f"procedural vote: {self.threshold} of {n}, no veto"
        elif self.veto_holders:
            rule = f"{self.threshold} of {n}, veto: {', '.join(self.veto_holders)}"
        else:
            rule = f"{self.threshold} of {n}, no veto holders"

        header = [
            "member",
            "veto",
            "Shapley-Shubik",
            "exact",
            "Banzhaf",
            "exact",
            "abs. Banzhaf",
            "swings",
        ]
        # Text columns are left-aligned, numbers right-aligned, as a reader expects.
        left_aligned = {0, 1, 3, 5}
        veto = set(self.veto_holders)
        rows = [
            [
                code,
                "yes" if code in veto and not self.procedural else "",
                f"{float(self.shapley_shubik[code]):.6f}",
                str(self.shapley_shubik[code]),
                f"{float(self.banzhaf[code]):.6f}",
                str(self.banzhaf[code]),
                f"{float(self.banzhaf_absolute[code]):.6f}",
                str(self.swings[code]),
            ]
            for code in self.members
        ]
        total_ss = sum(self.shapley_shubik.values(), Fraction(0))
        total_bz = sum(self.banzhaf.values(), Fraction(0))
        rows.append(
            [
                "total",
                "",
                f"{float(total_ss):.6f}",
                str(total_ss),
                f"{float(total_bz):.6f}",
                str(total_bz),
                "",
                str(sum(self.swings.values())),
            ]
        )

        # Header, rule, members, total; the total gets a rule of its own above it.
        header_line, rule_line, *body = text_table(header, rows, left=left_aligned).split("\n")
        lines = [
            f"Voting power: {name} ({rule})", header_line, rule_line, *body[:-1], rule_line,
            body[-1],
        ]
        return "\n".join(lines)


def _comb(n: int, k: int) -> int:
    """Binomial coefficient that is 0 outside ``0 <= k <= n`` (math.comb raises for k < 0)."""
    return comb(n, k) if 0 <= k <= n else 0


def _validate(council: CouncilLike) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    """Check a council's rule and return ``(members, veto_holders, threshold)``."""
    if not all(hasattr(council, name) for name in ("members", "veto_holders", "threshold")):
        raise ArgumentTypeError(
            "council must be a Council, a council's name (e.g. 'unsc-2017') or an object with "
            f"members, veto_holders and threshold; got {council!r}")
    members = tuple(council.members)
    veto_holders = tuple(council.veto_holders)
    if not members:
        raise InputError("council has no members")
    if len(set(members)) != len(members):
        duplicates = sorted({code for code in members if members.count(code) > 1})
        raise InputError(f"council members must be distinct; repeated: {duplicates}")
    if len(set(veto_holders)) != len(veto_holders):
        duplicates = sorted({code for code in veto_holders if veto_holders.count(code) > 1})
        raise InputError(f"veto holders must be distinct; repeated: {duplicates}")
    outsiders = [code for code in veto_holders if code not in set(members)]
    if outsiders:
        raise InputError(f"veto holders must be council members; not members: {outsiders}")

    raw_threshold = council.threshold
    # bool is an int subclass, but threshold=True is surely a mistake, not "1".
    if isinstance(raw_threshold, bool):
        raise ArgumentTypeError(f"threshold must be an integer, got {raw_threshold!r}")
    try:
        # operator.index accepts int-like values (e.g. numpy integers) but not floats.
        threshold = operator.index(raw_threshold)
    except TypeError:
        raise ArgumentTypeError(f"threshold must be an integer, got {raw_threshold!r}") from None
    if not 1 <= threshold <= len(members):
        raise InputError(
            f"threshold must be between 1 and the number of members ({len(members)}), "
            f"got {threshold}"
        )
    return members, veto_holders, threshold


def power_indices(council: CouncilLike, *, procedural: bool = False) -> PowerIndices:
    """Compute the exact Shapley–Shubik and Banzhaf indices of a council's members.

    A coalition wins iff it has at least ``council.threshold`` members and contains
    every veto holder.  Any number of veto holders (0 to ``n``) and any threshold from
    1 to ``n`` are supported.  The computation counts coalitions by member type with
    binomial coefficients (see the module docstring), so it is exact and takes
    ``O(n)`` arithmetic operations; members of the same type get identical values.

    Parameters
    ----------
    council : CouncilLike or str
        Object with ``members`` (member codes), ``veto_holders`` (a subset of the
        members), ``threshold`` (yes votes needed) and optionally ``name``, such as
        ``councilsim.models.Council``; or a council's name (``"unsc-2017"``).
    procedural : bool, default False
        If true, index the procedural-vote game, where the veto does not apply: a
        coalition wins iff it has at least ``threshold`` members.  Every member then
        has the same power.

    Returns
    -------
    PowerIndices
        Shapley–Shubik index, normalised and absolute Banzhaf index and swing count of
        every member, as :class:`fractions.Fraction` / ``int``.

    Raises
    ------
    ValueError
        If the council has no members or repeated members, a veto holder is not a
        member (or is listed twice), or the threshold is outside ``1..len(members)``.
    TypeError
        If the threshold is not an integer.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> pre_1966 = SimpleNamespace(
    ...     members=("A", "B", "C", "D", "E", "f", "g", "h", "i", "j", "k"),
    ...     veto_holders=("A", "B", "C", "D", "E"),
    ...     threshold=7,
    ... )
    >>> result = power_indices(pre_1966)
    >>> result.shapley_shubik["A"], result.shapley_shubik["f"]
    (Fraction(76, 385), Fraction(1, 462))
    >>> power_indices(pre_1966, procedural=True).shapley_shubik["A"]
    Fraction(1, 11)
    """
    if isinstance(council, str):
        council = Council.named(council)
    members, veto_holders, q = _validate(council)
    n = len(members)
    # Procedurally the veto holders are ordinary members, so the game has one type.
    veto = frozenset() if procedural else frozenset(veto_holders)
    v = len(veto)
    m = n - v

    # Shapley–Shubik numerators are kept over the common denominator n! so the sums
    # stay in integers; the single division happens when building the Fraction.
    def ordering_weight(size: int) -> int:
        # Orderings of all n members in which exactly a given coalition of `size`
        # members precedes the member in question: size! * (n - size - 1)!.
        return factorial(size) * factorial(n - size - 1)

    # Veto holder: every coalition lacking it loses, so it is pivotal exactly when it
    # completes a winning one: the other v - 1 veto holders plus k >= q - v others.
    veto_swings = 0
    veto_ss_num = 0
    if v > 0:
        for k in range(max(0, q - v), m + 1):
            ways = comb(m, k)
            veto_swings += ways
            veto_ss_num += ways * ordering_weight(v - 1 + k)

    # Other member: pivotal only in coalitions of exactly q - 1 that contain every veto
    # holder, i.e. q - 1 - v of the remaining m - 1 others.  Unused if m == 0.
    other_swings = _comb(m - 1, q - 1 - v) if m > 0 else 0
    other_ss_num = other_swings * ordering_weight(q - 1)

    n_factorial = factorial(n)
    veto_ss = Fraction(veto_ss_num, n_factorial)
    other_ss = Fraction(other_ss_num, n_factorial)

    swings = {code: veto_swings if code in veto else other_swings for code in members}
    # q >= 1 makes the empty coalition lose and q <= n makes the grand coalition win,
    # so some member is critical somewhere and the total is positive.
    total_swings = v * veto_swings + m * other_swings
    half_coalitions = 2 ** (n - 1)

    return PowerIndices(
        council_name=getattr(council, "name", None),
        members=members,
        shapley_shubik={code: veto_ss if code in veto else other_ss for code in members},
        banzhaf={code: Fraction(swings[code], total_swings) for code in members},
        banzhaf_absolute={code: Fraction(swings[code], half_coalitions) for code in members},
        swings=swings,
        veto_holders=veto_holders,
        threshold=q,
        procedural=procedural,
    )
