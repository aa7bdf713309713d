"""Hypothesis strategies shared by the test suite.

Councils are generated over the *generalised* rule that :class:`councilsim.models.Council`
accepts: any number of seats in the requested range, any subset of them holding a veto
(including none and all) and any threshold from 1 to the number of seats.  Veto holders are
scattered through the member order rather than listed first, so that code relying on
"permanent members come first" is caught.

Scenarios (:func:`scenarios`) put random stances, blocs, mood and one draft on such councils,
small enough for the exact engine to be checked against brute force.
"""

from __future__ import annotations

from hypothesis import strategies as st

from councilsim.models import Bloc, Council, Draft, Member, Provision, Scenario

__all__ = ["POLICY_KIND", "council_codes", "councils", "scenarios"]


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


# --- scenarios for the engine tests ------------------------------------------------------

#: Provision kind the generated drafts and stances use: a ``cap`` with a real-unit baseline, so
#: the severity path (catalog -> severity -> quadratic utility) is exercised too.
POLICY_KIND = "oil_refined"


@st.composite
def scenarios(
    draw: st.DrawFn,
    *,
    min_seats: int = 3,
    max_seats: int = 7,
    min_veto: int = 0,
    max_blocs: int = 2,
    max_shock_sd: float = 1.5,
    min_uncertainty: float = 0.3,
    max_uncertainty: float = 2.0,
    procedural: bool | None = False,
    obliged: bool = True,
    absence: bool = True,
    context: bool = False,
) -> Scenario:
    """Draw a small :class:`Scenario` with exactly one draft (id ``"d"``).

    Stances cover every parameter of the vote model: support, uncertainty in
    ``[min_uncertainty, max_uncertainty]``, abstention band, veto cost (veto holders only),
    absence, and a policy preference on :data:`POLICY_KIND` that the draft changes from a
    random status quo.  Up to ``max_blocs`` blocs and the council-wide mood get standard
    deviations in ``[0, max_shock_sd]`` (0 included: a bloc without a shock is legal input).

    Parameters
    ----------
    min_seats, max_seats : int
        Council size bounds (inclusive).
    min_veto : int
        Fewest veto holders.
    max_blocs : int
        Most blocs to form (members are split among them; some stay outside any bloc).
    max_shock_sd : float
        Upper bound of the mood and bloc standard deviations.
    min_uncertainty, max_uncertainty : float
        Bounds of members' own shock standard deviation.
    procedural : bool or None
        The draft's ``procedural`` flag; None draws it.
    obliged : bool
        Whether members may be obliged to abstain (Art. 27(3)).
    absence : bool
        Whether members may have a positive absence probability.
    context : bool
        Also draw what a draft's circumstances add: signed bloc loadings, members' affinities
        for sponsors (by member and by camp), rival and amendment terms, the draft's sponsors,
        a rival draft ``"r"`` listing ``"d"`` and the amendment flag. False keeps the draws
        (and so every example) of the tests written before these existed.
    """
    council = draw(councils(min_seats=min_seats, max_seats=max_seats, min_veto=min_veto))
    unit = st.floats(min_value=0.0, max_value=1.0)
    shock_sd = st.one_of(st.just(0.0), st.floats(min_value=0.05, max_value=max_shock_sd))
    members = []
    for code in council.members:
        members.append(
            Member(
                code=code,
                support=draw(st.floats(min_value=-2.0, max_value=2.0)),
                ideal={POLICY_KIND: draw(unit)},
                salience={POLICY_KIND: draw(st.floats(min_value=0.0, max_value=2.0))},
                uncertainty=draw(st.floats(min_value=min_uncertainty, max_value=max_uncertainty)),
                abstention=draw(st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=1.0))),
                veto_cost=(
                    draw(st.floats(min_value=0.0, max_value=1.0))
                    if code in council.veto_holders
                    else 0.0
                ),
                # Exactly 0 often: the engines take a separate path when nobody can be absent.
                absence=draw(st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=0.3)))
                if absence
                else 0.0,
            )
        )
    # Each member gets a bloc label, -1 meaning no bloc; empty labels are simply not formed.
    n_blocs = draw(st.integers(min_value=min(1, max_blocs) if context else 0,
                               max_value=max_blocs))
    labels = draw(
        st.lists(
            st.integers(min_value=-1, max_value=n_blocs - 1),
            min_size=council.seats,
            max_size=council.seats,
        )
    )
    if context and n_blocs:  # at least two members share bloc 0, so loadings can differ
        labels[:2] = [0, 0]
    in_bloc: dict[int, list[str]] = {}
    for code, label in zip(council.members, labels, strict=True):
        in_bloc.setdefault(label, []).append(code)
    blocs = [
        Bloc(name=f"bloc{b}", members=tuple(in_bloc[b]),
             sd=draw(st.floats(min_value=0.05, max_value=max_shock_sd) if context else shock_sd),
             loadings=draw(_signed_loadings(in_bloc[b])) if context else {})
        for b in range(n_blocs)
        if b in in_bloc
    ]
    camps: dict[str, tuple[str, ...]] = {}
    sponsors: tuple[str, ...] = ()
    drafts_extra: tuple[Draft, ...] = ()
    if context:
        camps = {"camp": tuple(draw(st.lists(st.sampled_from(council.members), min_size=1,
                                                max_size=3, unique=True)))}
        shift = st.floats(min_value=-1.5, max_value=1.5)
        members = [
            m.model_copy(update={
                "affinity": {key: draw(shift) for key in ("camp", council.members[0])
                             if draw(st.booleans())},
                "rival": draw(shift),
                "amendment": draw(shift),
            })
            for m in members
        ]
        sponsors = tuple(draw(st.lists(st.sampled_from([*council.members, "Elsewhere"]),
                                       max_size=3, unique=True)))
        if draw(st.booleans()):
            drafts_extra = (Draft(id="r", rivals=("d",)),)
    is_procedural = draw(st.booleans()) if procedural is None else procedural
    obliged_abstain = (
        tuple(c for c in council.members if draw(st.integers(0, 4)) == 0) if obliged else ()
    )
    draft = Draft(
        id="d",
        provisions=(Provision(kind=POLICY_KIND, severity=draw(unit)),),
        procedural=is_procedural,
        obliged_abstain=obliged_abstain,
        sponsors=sponsors,
        amendment=draw(st.booleans()) if context else False,
    )
    return Scenario(
        council=council,
        members=tuple(members),
        blocs=tuple(blocs),
        mood_sd=draw(shock_sd),
        status_quo=(Provision(kind=POLICY_KIND, severity=draw(unit)),),
        drafts=(draft, *drafts_extra),
        **({"camps": camps} if context else {}),
    )


@st.composite
def _signed_loadings(draw: st.DrawFn, codes: list[str]) -> dict[str, float]:
    """Loadings on a bloc's shock with both signs: the first member 1, the next one negative
    (so the draws cannot shrink to the one-loading case), the others anything, 0 included."""
    loadings = {}
    if len(codes) > 1:
        loadings[codes[1]] = draw(st.floats(min_value=-1.5, max_value=-0.2))
    for code in codes[2:]:
        loadings[code] = draw(st.one_of(st.just(0.0), st.floats(min_value=-1.5, max_value=1.5)))
    return loadings
