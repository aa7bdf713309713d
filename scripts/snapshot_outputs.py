"""Record every shipped scenario's outputs, or compare a recording with another.

A guard for refactoring: record before moving code, record after, compare. Every output goes
through the ``councilsim`` command (in-process), so the text, CSV and JSON forms and the exit
codes are all covered:

* ``run`` and ``compare`` of each scenario: exact (the scenario's ``auto``) and seeded Monte Carlo;
* each analysis' JSON for each draft: ``sweep`` (each provision kind by severity), ``sensitivity``,
  ``coalitions``, ``negotiate``, ``reform`` (exact, and ``sweep`` also seeded Monte Carlo);
* ``power`` of the bundled councils, ``validate`` and ``schema``.

Usage::

    python scripts/snapshot_outputs.py record DIR [--only SUBSTRING]
    python scripts/snapshot_outputs.py compare BEFORE AFTER

``compare`` lists every file that differs (with the first differing line) and exits 1 if any does.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MC = ["--method", "monte_carlo", "--draws", "20000", "--seed", "7"]


def _cases() -> list[tuple[str, list[str]]]:
    """(file name, argv) of every output recorded."""
    from councilsim.loading import load_scenario

    cases: list[tuple[str, list[str]]] = [
        ("schema.json", ["schema"]),
        ("power.json", ["power", "--format", "json", "--council", "unsc-2026", "--council",
                        "unsc-1964", "--council", "g4-2005"]),
        ("power-procedural.txt", ["power", "--procedural"]),
    ]
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        name, file = path.stem, str(path.relative_to(ROOT))
        cases += [
            (f"{name}/validate.txt", ["validate", file]),
            (f"{name}/run.txt", ["run", file]),
            (f"{name}/run.json", ["run", file, "--format", "json"]),
            (f"{name}/run.csv", ["run", file, "--format", "csv"]),
            (f"{name}/run-mc.json", ["run", file, "--format", "json", *MC]),
            (f"{name}/compare.txt", ["compare", file]),
            (f"{name}/compare.json", ["compare", file, "--format", "json"]),
            (f"{name}/compare-mc.json", ["compare", file, "--format", "json", *MC]),
        ]
        for draft in load_scenario(path).drafts:
            base, opts = f"{name}/{draft.id}", [file, "--draft", draft.id]
            for kind in [p.kind for p in draft.provisions]:
                sweep = ["sweep", *opts, "--provision", kind, "--severity", "--from", "0",
                         "--to", "1", "--points", "6"]
                cases += [(f"{base}/sweep-{kind}.json", [*sweep, "--format", "json"])]
            cases += [
                (f"{base}/sweep-mc.json", [*sweep, "--format", "json", *MC[:-4], "--draws",
                                           "4000", "--seed", "7"]),
                (f"{base}/sweep.txt", sweep),
                (f"{base}/sensitivity.json", ["sensitivity", *opts, "--format", "json"]),
                (f"{base}/sensitivity.txt", ["sensitivity", *opts]),
                (f"{base}/coalitions.json", ["coalitions", *opts, "--format", "json"]),
                (f"{base}/coalitions-mc.json", ["coalitions", *opts, "--format", "json", *MC]),
                (f"{base}/negotiate.json", ["negotiate", *opts, "--format", "json",
                                            "--steps", "8"]),
                (f"{base}/negotiate.txt", ["negotiate", *opts, "--steps", "8"]),
                (f"{base}/reform.json", ["reform", *opts, "--format", "json"]),
                # --method auto: refused by some analyses before issue 13, accepted after.
                (f"{base}/sensitivity-auto.json", ["sensitivity", *opts, "--format", "json",
                                                   "--method", "auto"]),
            ]
    return cases


def _run(argv: list[str]) -> str:
    from councilsim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return f"$ councilsim {' '.join(argv)}\n# exit {code}\n# stderr: {err.getvalue()}\n" + (
        out.getvalue()
    )


def record(directory: Path, only: str | None) -> None:
    """Write each case's output (argv, exit code, stderr, stdout) under ``directory``."""
    import os

    os.chdir(ROOT)  # file arguments are relative to the repository
    for name, argv in _cases():
        if only and only not in name:
            continue
        start = time.perf_counter()
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_run(argv), encoding="utf-8")
        print(f"{time.perf_counter() - start:6.2f}s {name}", file=sys.stderr)


def compare(before: Path, after: Path) -> int:
    """Print the files that differ or exist on one side only; 1 if any, else 0."""
    names = {p.relative_to(before) for p in before.rglob("*") if p.is_file()}
    names |= {p.relative_to(after) for p in after.rglob("*") if p.is_file()}
    differing = 0
    for name in sorted(names):
        old, new = before / name, after / name
        if not old.exists() or not new.exists():
            differing += 1
            print(f"only in {'after' if new.exists() else 'before'}: {name}")
            continue
        a, b = old.read_text().splitlines(), new.read_text().splitlines()
        if a != b:
            differing += 1
            diff = [line for line in difflib.unified_diff(a, b, lineterm="", n=0)
                    if line[:1] in "+-" and line[:3] not in ("+++", "---")]
            print(f"differs: {name} ({len(diff)} lines)\n    " + "\n    ".join(diff[:6]))
    print(f"{len(names)} files, {differing} differ")
    return 1 if differing else 0


def main() -> int:
    """Command line: ``record DIR`` or ``compare BEFORE AFTER``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record")
    rec.add_argument("directory", type=Path)
    rec.add_argument("--only", help="only cases whose file name contains this")
    cmp = commands.add_parser("compare")
    cmp.add_argument("before", type=Path)
    cmp.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "record":
        record(args.directory, args.only)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
