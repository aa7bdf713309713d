"""Hypothesis strategies shared by the test suite.

Councils are generated over the *generalised* rule that :class:`councilsim.models.Council`
accepts: any number of seats in the requested range, any subset of them holding a veto
(including none and all) and any threshold from 1 to the number of seats.  Veto holders are
scattered through the member order rather than listed first, so that code relying on
"permanent members come first" is caught.
"""

from __future__ import annotations

from hypothesis import strategies as st

from councilsim.models import Council

__all__ = ["council_codes", "councils"]


def council_codes(n: int) -> tuple[str, ...]:
    """Return ``n`` distinct member codes valid for :class:`Council` (``M01``, ``M02``, ...)."""
    return tuple(f"M{i:02d}" for i in range(1, n + 1))


@st.composite
def councils(
    draw: st.DrawFn,
    *,
    min_seats: int = 1,
    max_seats: int = 12,
    min_veto: int = 0,
    max_veto: int | None = None,
) -> Council:
    """Draw a :class:`Council` with a random size, veto set and threshold.

    Parameters
    ----------
    min_seats, max_seats : int
        Bounds on the number of seats (inclusive).
    min_veto, max_veto : int
        Bounds on the number of veto holders (inclusive); ``max_veto`` defaults to
        the number of seats and both are clipped to it.
    """
    n = draw(st.integers(min_value=min_seats, max_value=max_seats))
    members = draw(st.permutations(council_codes(n)))
    upper = n if max_veto is None else min(max_veto, n)
    v = draw(st.integers(min_value=min(min_veto, upper), max_value=upper))
    chosen = set(draw(st.permutations(members))[:v])
    # List the veto holders in the council's member order, as Council.unsc does.
    veto_holders = tuple(code for code in members if code in chosen)
    threshold = draw(st.integers(min_value=1, max_value=n))
    return Council(members=tuple(members), veto_holders=veto_holders, threshold=threshold)
