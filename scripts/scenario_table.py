#!/usr/bin/env python
"""Print the README's "simulated against recorded" table from the shipped scenarios.

Every number comes from running the scenario files with the exact engine, so the README's
table is generated, never typed by hand::

    python scripts/scenario_table.py            # every draft of every scenario
    python scripts/scenario_table.py --recorded # only drafts that were put to a vote

``RECORDED`` is the one list of what really happened; ``tests/integration/test_scenarios.py``
asserts the
same claims (:func:`mismatches`). The exit code is 1 when a scenario no longer matches its record.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@dataclass(frozen=True)
class Recorded:
    """What happened to a draft in the real Council.

    ``adopted`` and ``vetoed_by`` are what the simulation is held to: an adopted text must get
    P(adopted) > 0.5; a failed one P(adopted) < 0.5, with its real vetoers the most likely
    vetoers among the veto holders, or, when it failed without a veto, fewer than the
    required yes votes more likely than not.
    """

    file: str
    draft: str
    adopted: bool
    vetoed_by: tuple[str, ...]
    outcome: str
    fact: str


RECORDED: tuple[Recorded, ...] = (
    Recorded("dprk-2017-09.toml", "res-2375", True, (),
             "adopted 15-0-0 (11 Sep 2017)", "seeds/dprk-2017.toml#res-2375-adopted"),
    Recorded("dprk-2017-09-calibrated.toml", "res-2375", True, (),
             "adopted 15-0-0 (11 Sep 2017)", "seeds/dprk-2017.toml#res-2375-adopted"),
    Recorded("dprk-2017-12.toml", "res-2397", True, (),
             "adopted 15-0-0 (22 Dec 2017)", "seeds/dprk-2017.toml#res-2397-adopted"),
    Recorded("dprk-2022-05.toml", "s-2022-431", False, ("CHN", "RUS"),
             "vetoed by CHN, RUS, 13-2-0 (26 May 2022)",
             "seeds/dprk-2022-2024.toml#s-2022-431-vetoed"),
    Recorded("dprk-2024-03.toml", "s-2024-255", False, ("RUS",),
             "vetoed by RUS, 13-1-1 (28 Mar 2024)", "seeds/dprk-2022-2024.toml#s-2024-255-vetoed"),
    Recorded("syria-2016-10.toml", "s-2016-846", False, ("RUS",),
             "vetoed by RUS, 11-2-2 (8 Oct 2016)", "seeds/syria-2016-10.toml#s-2016-846-vetoed"),
    Recorded("syria-2016-10.toml", "s-2016-847", False, (),
             "not adopted, 4-9-2: short of votes (8 Oct 2016)",
             "seeds/syria-2016-10.toml#s-2016-847-failed"),
    Recorded("venezuela-2019-02.toml", "s-2019-186", False, ("CHN", "RUS"),
             "vetoed by CHN, RUS, 9-3-3 (28 Feb 2019)",
             "seeds/venezuela-2019-02.toml#s-2019-186-vetoed"),
    Recorded("venezuela-2019-02.toml", "s-2019-190", False, (),
             "not adopted, 4-7-4: short of votes (28 Feb 2019)",
             "seeds/venezuela-2019-02.toml#s-2019-190-failed"),
    Recorded("ukraine-2022-02.toml", "s-2022-155", False, ("RUS",),
             "vetoed by RUS, 11-1-3 (25 Feb 2022)", "seeds/ukraine-2022-02.toml#s-2022-155-vetoed"),
    Recorded("ukraine-2022-02.toml", "res-2623", True, (),
             "adopted 11-1-3, procedural (27 Feb 2022)",
             "seeds/ukraine-2022-02.toml#res-2623-procedural"),
)


def recorded(file: str, draft: str) -> Recorded | None:
    """Return the record of ``draft`` in scenario ``file`` (a file name), if it was voted on."""
    for record in RECORDED:
        if (record.file, record.draft) == (file, draft):
            return record
    return None


def p_enough_votes(result) -> float:
    """Return the probability of at least the required yes votes, vetoes aside."""
    return float(sum(result.tally[result.threshold:]))


def top_vetoers(result, count: int) -> set[str]:
    """Return the ``count`` veto holders most likely to veto."""
    ranked = sorted(result.veto_prob, key=lambda code: -result.veto_prob[code])
    return set(ranked[:count])


def mismatches(record: Recorded, result) -> list[str]:
    """List how the simulation departs from the record; empty when it matches."""
    problems = []
    if record.adopted:
        if not result.p_adopted > 0.5:
            problems.append(f"adopted in reality, but P(adopted) = {result.p_adopted:.3f}")
        return problems
    if not result.p_adopted < 0.5:
        problems.append(f"failed in reality, but P(adopted) = {result.p_adopted:.3f}")
    if record.vetoed_by:
        top = top_vetoers(result, len(record.vetoed_by))
        if top != set(record.vetoed_by):
            problems.append(f"vetoed by {', '.join(record.vetoed_by)}, but the most likely "
                            f"vetoers are {', '.join(sorted(top))}")
    elif not p_enough_votes(result) < 0.5:
        problems.append(f"short of votes in reality, but P(enough yes votes) = "
                        f"{p_enough_votes(result):.3f}")
    return problems


def simulate_all(only_recorded: bool = False):
    """Yield ``(file name, draft id, result, record or None)`` for every shipped draft."""
    from councilsim import load_scenario, simulate

    for path in sorted(SCENARIOS.glob("*.toml")):
        scenario = load_scenario(path)
        for draft in scenario.drafts:
            record = recorded(path.name, draft.id)
            if only_recorded and record is None:
                continue
            yield path.name, draft.id, simulate(scenario, draft.id, method="exact"), record


def markdown(only_recorded: bool = False) -> tuple[str, bool]:
    """Return the table as Markdown, and whether every recorded draft matches its record."""
    lines = [
        "| scenario | draft | P(adopted) | top veto risk | recorded outcome | matches |",
        "| --- | --- | ---: | --- | --- | :---: |",
    ]
    all_match = True
    for file, draft, result, record in simulate_all(only_recorded):
        if result.veto_prob:
            code, p = max(result.veto_prob.items(), key=lambda item: item[1])
            risk = f"{code} {p:.2f}"
        else:
            risk = "none (procedural)"
        if record is None:
            outcome, match = "not put to a vote (hypothetical)", ""
        else:
            problems = mismatches(record, result)
            all_match &= not problems
            outcome, match = record.outcome, "yes" if not problems else "**no**"
        lines.append(f"| `{file}` | `{draft}` | {result.p_adopted:.2f} | {risk} | {outcome} "
                     f"| {match} |")
    lines += [
        "",
        "P(adopted) from the exact engine, with each scenario as shipped. Top veto risk: the veto "
        "holder most likely to veto, that is to vote no on a text that has the required yes "
        "votes, as the Council and the record count a veto (a no on a text short of votes, "
        "like France's on S/2016/847, is not one).",
    ]
    return "\n".join(lines), all_match


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 if a recorded draft no longer matches."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recorded", action="store_true",
                        help="only drafts that were put to a vote")
    args = parser.parse_args(argv)
    table, all_match = markdown(args.recorded)
    print(table)
    return 0 if all_match else 1


if __name__ == "__main__":
    sys.exit(main())
