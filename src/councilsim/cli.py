"""The ``councilsim`` command: a thin shell over the Python API.

Exit codes: 0 success, 2 bad input (a clear message, never a traceback), 1 internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path

from councilsim._export import csv_text, dumps
from councilsim._version import __version__
from councilsim.errors import CouncilsimError, InputError
from councilsim.presentation import format_comparison, format_results, provenance_line

__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERNAL", "EXIT_OK", "atomic_path", "main", "write_atomically"]

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2

def _target(path: str | os.PathLike, option: str) -> Path:
    """The file to write for ``path``, refused with a clear message if it cannot be one.

    A symbolic link is written through (its target is replaced, the link stays); a device or a
    pipe (``/dev/stdout``) is written to directly, as it cannot be replaced; a folder, or a
    missing one, is refused.
    """
    if not str(path).strip():
        raise InputError(f"{option}: empty path; give a file path")
    given = Path(path)
    if given.is_dir():
        raise InputError(f"{option} {given}: is a directory; give a file path")
    if given.exists() and not given.is_file():
        return given  # a device or a pipe (/dev/stdout is a link to one that has no path)
    target = given.resolve()
    if not target.parent.is_dir():
        what = "is not a folder" if target.parent.exists() else "does not exist"
        raise InputError(f"{option} {given}: folder {given.parent} {what}")
    return target


def _temporary_file(target: Path, path: str | os.PathLike, option: str) -> str:
    """An empty temporary file beside ``target``, or a clear error if none can be made."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise InputError(f"{option} {path}: cannot write in {Path(path).parent} "
                         f"({err.strerror or err})") from None
    os.close(fd)
    return tmp


def _checked_target(path: str | os.PathLike, option: str) -> Path:
    """:func:`_target`, and for a file its folder proven writable, before any work is done."""
    target = _target(path, option)
    if target.is_file() or not target.exists():
        os.unlink(_temporary_file(target, path, option))
    return target


@contextmanager
def atomic_path(path: str | os.PathLike, *, option: str = "--out") -> Iterator[str]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``.

    A reader never sees a half-written file, and an interrupted or failed run leaves nothing
    behind (no partial output, no temporary file). A device or a pipe is written directly.
    """
    target = _target(path, option)
    if target.exists() and not target.is_file():
        try:
            yield str(target)
        except OSError as err:
            raise InputError(f"{option} {path}: cannot write ({err.strerror or err})") from None
        return
    tmp = _temporary_file(target, path, option)
    try:
        yield tmp
        # mkstemp makes the file private; give it the permissions any new file would get.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomically(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8", newline="")


# -- output -------------------------------------------------------------------------------


def _emit(text: str, out: str | None) -> None:
    if out:
        write_atomically(out, text)
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# -- progress -----------------------------------------------------------------------------


class _Progress:
    """A progress bar on stderr that appears only once a run has lasted about a second."""

    def __init__(self, label: str) -> None:
        self.label, self.start, self.bar, self.task = label, time.monotonic(), None, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if time.monotonic() - self.start < 1.0 or done >= total:
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(transient=True, console=Console(stderr=True))
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


# -- notes: one line on stderr, before or after the work, never instead of it ----------------

#: Runs estimated to last longer than this say so before they start.
_ANNOUNCE_SECONDS = 60.0
# Draws of the quick measurement behind the estimate (two of the engine's 8,192-draw blocks).
_PROBE_DRAWS = 16_384


def _note(text: str) -> None:
    print(f"councilsim: note: {text}", file=sys.stderr)


def _note_unused_sampling(args, methods: Sequence[str | None]) -> None:
    """Say so when --draws/--seed were given but the exact engine computed everything."""
    given = [option for option, value in (("--draws", getattr(args, "draws", None)),
                                          ("--seed", getattr(args, "seed", None)))
             if value is not None]
    if given and methods and all(method == "exact" for method in methods):
        _note(f"{' and '.join(given)} unused: the exact engine computed these results without "
              "sampling (give --method monte_carlo to sample)")


def _announce_duration(scenario, draft_id: str | None, *, method: str | None,
                       draws: int | None, texts: int, at_least: bool = False) -> None:
    """Before a Monte Carlo run estimated to exceed a minute, say how long it should take.

    The estimate is draws x seats x texts at the rate of council-draws per second measured on a
    quick run of the same scenario, so it reflects this machine and this model.
    """
    if (method or scenario.simulation.method) != "monte_carlo":
        return  # exact (auto) runs take milliseconds
    from councilsim.api import simulate

    total_draws = int(draws or scenario.simulation.draws) * texts
    if total_draws <= _PROBE_DRAWS:
        return
    try:
        started = time.perf_counter()
        simulate(scenario, draft_id if draft_id else None, method="monte_carlo",
                 draws=_PROBE_DRAWS, seed=0, decisive=False)
        rate = _PROBE_DRAWS * scenario.council.seats / (time.perf_counter() - started)
    except (CouncilsimError, ValueError):
        return  # the run itself reports the problem
    seconds = total_draws * scenario.council.seats / rate
    if seconds > _ANNOUNCE_SECONDS:
        _note(f"this run should take {'at least ' if at_least else ''}about "
              f"{_duration(seconds)} ({total_draws:,} draws x {scenario.council.seats} seats at "
              f"{rate / 1e6:.1f} M council-draws/s measured here); Ctrl-C stops it, writing "
              "nothing")


def _duration(seconds: float) -> str:
    for unit, length in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600),
                         ("minutes", 60)):
        if seconds >= 2 * length or unit == "minutes":
            return f"{seconds / length:,.0f} {unit}" if seconds >= 10 * length \
                else f"{seconds / length:.1f} {unit}"
    raise AssertionError("unreachable")


@contextmanager
def _warnings_as_notes() -> Iterator[None]:
    """Show councilsim's warnings (e.g. an implausible value) as one-line notes, once each.

    Notes that differ only in their numbers (a sweep warns at each of its points) are shown
    once, with a count of the others.
    """
    import re
    import warnings

    shown: set[str] = set()
    similar = 0

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        nonlocal similar
        # A swept or negotiated text is not in the file: its value speaks for itself.
        text = re.sub(r"^draft\.provisions\[\d+\]\.value: ", "", str(message))
        shape = re.sub(r"\d[\d.,e+-]*", "#", text)
        if shape in shown:
            similar += 1
        else:
            shown.add(shape)
            _note(text)

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        yield
    if similar:
        _note(f"{similar} more note(s) like the above, for other values, not shown")


# -- commands -----------------------------------------------------------------------------


def _load(path: str):
    from councilsim.loading import load_scenario

    return load_scenario(path)


def _simulate_all(args, drafts: Sequence[str] | None):
    from councilsim.api import compare

    scenario = _load(args.file)
    if not scenario.drafts:  # said here to name the file, in the file's terms
        raise InputError(f"{args.file}: the scenario has no [[draft]] to simulate")
    _announce_duration(scenario, drafts[0] if drafts else scenario.drafts[0].id,
                       method=args.method, draws=args.draws,
                       texts=len(drafts or scenario.drafts))
    progress = _Progress("simulating")
    try:
        # compare() shares one seed across the drafts and batches the exact ones.
        results = list(compare(scenario, drafts, draws=args.draws, seed=args.seed,
                               method=args.method, progress=progress))
    finally:
        progress.close()
    _note_unused_sampling(args, [result.method for result in results])
    return results


#: The options that name a file the command writes, and those that name a file it reads.
_OUTPUTS = ("out", "plot", "predictions")
_INPUTS = ("file", "record", "from_predictions")


def _check_outputs(args: argparse.Namespace) -> None:
    """Each output a file that can be written, none named twice, none an input of the run."""
    outputs = {name: getattr(args, name) for name in _OUTPUTS
               if getattr(args, name, None) is not None}
    seen: dict[Path, str] = {}
    for name, path in outputs.items():
        option = "--" + name
        target = _check_plot_target(path) if name == "plot" else _checked_target(path, option)
        if target in seen:
            raise InputError(f"{seen[target]} and {option} both name {path}; give two files")
        seen[target] = option
    for name in _INPUTS:
        given = getattr(args, name, None)
        for path in ([given] if isinstance(given, str) else given or ()):
            if path and Path(path).resolve() in seen:
                option = seen[Path(path).resolve()]
                raise InputError(f"{option} {path} would overwrite the input file it reads; "
                                 "give another file")


def _check_plot_target(path: str) -> Path:
    """Refuse a --plot path or a missing matplotlib before any work is done."""
    target = _checked_target(path, "--plot")
    try:
        # Imported only when --plot is given: plain runs never load matplotlib.
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'councilsim[plot]'") from None
    fmt = target.suffix[1:].lower() or "png"
    supported = FigureCanvasBase.get_supported_filetypes()
    if fmt not in supported:
        raise InputError(f"--plot {path}: cannot write .{fmt} files; use one of "
                        + ", ".join(f".{name}" for name in sorted(supported)))
    return target


def _write_plot(results, path: str) -> None:
    """The tally chart of every draft, one panel each, written atomically (temp file + rename)."""
    from councilsim import plot

    target = Path(path)
    figure = plot.tallies(results)
    with atomic_path(target, option="--plot") as tmp:
        figure.savefig(tmp, format=target.suffix[1:].lower() or "png", dpi=150)
    print(f"wrote {path}", file=sys.stderr)


def _cmd_run(args) -> None:
    results = _simulate_all(args, [args.draft] if args.draft is not None else None)
    if args.plot:
        _write_plot(results, args.plot)
    _emit(format_results(results, args.format), args.out)


def _cmd_compare(args) -> None:
    results = _simulate_all(args, None)
    if args.plot:
        _write_plot(results, args.plot)
    _emit(format_comparison(results, args.format), args.out)


def _cmd_validate(args) -> None:
    scenario = _load(args.file)
    print(f"{args.file}: valid — {scenario.title}; council {scenario.council.name or 'custom'} "
          f"({scenario.council.seats} seats, {scenario.council.threshold} votes to adopt); "
          f"{_plural(len(scenario.members), 'member stance')}, "
          f"{_plural(len(scenario.blocs), 'bloc')}, "
          f"{_plural(len(scenario.drafts), 'draft')}: "
          f"{', '.join(_draft_label(scenario, d) for d in scenario.drafts)}")


def _draft_label(scenario, draft) -> str:
    """A draft's id, with its rivals on the table (the relation is mutual)."""
    rivals = [d.id for d in scenario.drafts
              if d.id != draft.id and (d.id in draft.rivals or draft.id in d.rivals)]
    return f"{draft.id} (rival of {', '.join(rivals)})" if rivals else draft.id


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _cmd_schema(args) -> None:
    from councilsim.loading import scenario_file_schema

    _emit(dumps(scenario_file_schema()), args.out)


def _save_chart(draw: Callable, path: str) -> None:
    """Draw a chart with ``draw(ax)`` on a new figure and write it atomically to ``path``."""
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, nothing global

    figure = Figure(figsize=(8.5, 5.4), layout="constrained")
    draw(figure.subplots())
    target = Path(path)
    with atomic_path(target, option="--plot") as tmp:
        figure.savefig(tmp, format=target.suffix[1:].lower() or "png", dpi=150)
    print(f"wrote {path}", file=sys.stderr)


def _analysis_output(result, args, *, table: str) -> None:
    _note_unused_sampling(args, [getattr(result, "method", None)])
    if getattr(args, "plot", None):
        _save_chart(lambda ax: result.plot(ax=ax), args.plot)
    # The record's results (replay, calibration) depend on the record, not on an engine.
    simulated = hasattr(result, "table_with_provenance")
    if args.format == "json":
        _emit(result.to_json(), args.out)
    elif args.format == "csv":
        table_rows = result.table_with_provenance() if simulated else result.to_table()
        _emit(csv_text(*table_rows), args.out)  # no pandas needed
    else:
        _emit(f"{table.rstrip()}\n{provenance_line(result.provenance)}" if simulated
              else table, args.out)


def _cmd_power(args) -> None:
    from councilsim.analysis import power_indices
    from councilsim.models import Council

    results = [power_indices(Council.named(name), procedural=args.procedural)
               for name in args.council or ["unsc-2026"]]
    if args.plot:
        from councilsim import plot

        _save_chart(lambda ax: plot.power_bars(results, ax=ax), args.plot)
    if args.format == "json":
        _emit(dumps([r.to_dict() for r in results]), args.out)
    else:
        _emit("\n\n".join(r.summary() for r in results), args.out)


def _sweep_values(args) -> list:
    if args.values:
        values = []
        for item in args.values.split(","):
            item = item.strip()
            try:
                values.append(float(item.replace("_", "")))
            except ValueError:
                values.append({"true": True, "false": False}.get(item.lower(), item))
        return values
    if args.start is None or args.stop is None:
        raise InputError(
            "give the values to sweep: --from A --to B [--points N], or --values a,b,c"
        )
    import numpy as np

    for option, value in (("--from", args.start), ("--to", args.stop)):
        if not np.isfinite(value):
            raise InputError(f"{option} must be a finite number, got {value}")
    return list(np.linspace(args.start, args.stop, args.points))


def _cmd_sweep(args) -> None:
    from councilsim.analysis import sweep

    scenario, values = _load(args.file), _sweep_values(args)
    _announce_duration(scenario, args.draft, method=args.method, draws=args.draws,
                       texts=len(values))
    result = sweep(scenario, args.draft, args.provision, values, severity=args.severity,
                   method=args.method, draws=args.draws, seed=args.seed, target=args.target)
    _analysis_output(result, args, table=result.summary(max_rows=args.rows))


def _cmd_sensitivity(args) -> None:
    from councilsim.analysis import sensitivity

    scenario = _load(args.file)
    _announce_duration(scenario, args.draft, method=args.method, draws=args.draws,
                       texts=1, at_least=True)
    result = sensitivity(scenario, args.draft, step=args.step,
                         method=args.method, draws=args.draws, seed=args.seed)
    _analysis_output(result, args, table=result.summary(top=args.top))


def _cmd_negotiate(args) -> None:
    from councilsim.analysis import negotiate

    scenario = _load(args.file)
    _announce_duration(scenario, args.draft, method=args.method, draws=args.draws,
                       texts=1, at_least=True)
    result = negotiate(scenario, args.draft, target=args.target, sponsor=args.sponsor,
                       steps=args.steps, forms=args.forms, method=args.method,
                       draws=args.draws, seed=args.seed)
    _note_unused_sampling(args, [result.method])
    text = result.summary()
    if args.versus:
        text += "\n\n" + result.versus(args.versus)
    if args.format == "json":
        text = result.to_json()
    if args.out:
        # The amended scenario, runnable as it is: councilsim run OUT.
        from councilsim.loading import scenario_toml

        write_atomically(args.out, scenario_toml(result.scenario()))
        print(f"wrote the scenario with the negotiated draft to {args.out}", file=sys.stderr)
    _emit(text, None)  # the report goes to stdout even with --out


def _cmd_coalitions(args) -> None:
    from councilsim.analysis import blocking_coalitions

    scenario = _load(args.file)
    _announce_duration(scenario, args.draft, method=args.method, draws=args.draws, texts=1,
                       at_least=True)
    result = blocking_coalitions(scenario, args.draft, top=args.top,
                                 method=args.method, draws=args.draws, seed=args.seed)
    _analysis_output(result, args, table=result.summary())


def _cmd_reform(args) -> None:
    from councilsim.analysis import DEFAULT_COUNCILS, compare_councils

    scenario = _load(args.file)
    _announce_duration(scenario, args.draft, method=args.method, draws=args.draws,
                       texts=1, at_least=True)
    result = compare_councils(scenario, args.draft, args.council or DEFAULT_COUNCILS,
                              method=args.method, draws=args.draws, seed=args.seed)
    _analysis_output(result, args, table=result.summary())


def _history(args):
    """The bundled record with the files of ``--record`` added (checked row by row)."""
    from councilsim.history import load_history

    return load_history(records=args.record or ())


def _cmd_calibrate(args) -> None:
    from councilsim.history import calibrate

    effects = [e for e in (args.effects or "").split(",") if e]
    result = calibrate(_history(args), topic=args.topic, since=args.since, before=args.before,
                       half_life=args.half_life, effects=effects)
    _analysis_output(result, args, table=result.summary())


def _cmd_backtest(args) -> None:
    from concurrent.futures import ProcessPoolExecutor

    from councilsim.history import backtest
    from councilsim.history.backtest import (
        format_scores,
        predictions_csv,
        read_predictions,
        score_predictions,
    )

    if args.from_predictions:
        # Score a saved predictions table: the report without rerunning the backtest.
        rows = read_predictions(args.from_predictions)
        first, last = args.start, args.end
        reports = [score_predictions(rows, first=first, last=last)]
        if any(row["sponsors_known"] == "0" for row in rows):
            reports.append(score_predictions(rows, first=first, last=last, sponsors_known=True))
        if args.format == "json":
            _emit(dumps(reports, default=str), args.out)
        else:
            _emit("\n\n".join(format_scores(report) for report in reports), args.out)
        return
    # Without --record the workers load the bundled record themselves (cached).
    history = _history(args) if args.record else None
    end = args.end if args.end is not None else (history[-1].date.year if history else 2025)
    progress = _Progress("backtest (years)")
    pool = ProcessPoolExecutor(max_workers=args.workers) if args.workers > 1 else None
    try:
        with pool or nullcontext():
            result = backtest(history, start=2000 if args.start is None else args.start,
                              end=end, topic=args.topic,
                              executor=pool, progress=progress)
    finally:
        progress.close()
    if args.predictions:
        with atomic_path(args.predictions, option="--predictions") as tmp:
            Path(tmp).write_text(predictions_csv(result.rows()), encoding="utf-8", newline="")
        print(f"wrote {args.predictions}", file=sys.stderr)
    if args.plot:
        _save_chart(lambda ax: result.plot(ax=ax), args.plot)
    text = (result.to_json(timing=args.timing)
            if args.format == "json" else result.summary())
    _emit(text, args.out)


def _cmd_replay(args) -> None:
    from councilsim.history import replay

    report = replay(_history(args))
    _analysis_output(report, args, table=report.summary())
    if report.unexplained:
        raise InputError(f"{len(report.unexplained)} recorded outcomes the rules do not reproduce")


_OUTCOMES = {
    "adopted": {"adopted": True},
    "failed": {"adopted": False},
    "vetoed": {"vetoed": True},
    "short": {"adopted": False, "vetoed": False},
}


def _selected(args):
    """The texts of the record that ``history list|search`` selects."""
    history = _history(args)
    since, before = args.since, args.before
    if args.year is not None:
        if since is not None or before is not None:
            raise InputError("give --year, or --since/--before, not both")
        since, before = args.year, args.year + 1
    try:
        return history.filter(since=since, before=before, topic=args.topic,
                              sponsor=args.sponsor, vetoed_by=args.vetoer, symbol=args.symbol,
                              text=" ".join(getattr(args, "words", None) or ()) or None,
                              **_OUTCOMES.get(args.outcome or "", {}))
    except ValueError as err:
        raise InputError(_in_option_terms(str(err))) from None


def _in_option_terms(message: str) -> str:
    # History.filter speaks of its arguments; the command line user knows the options.
    for argument, option in (("since=", "--since "), ("before=", "--before "),
                             ("vetoed_by=", "--vetoer "), ("give a datetime.date, an ISO date "
                              "string such as", "give a date such as")):
        message = message.replace(argument, option)
    return message


_LIST_COLUMNS = ("vote_id", "date", "item_type", "outcome", "yes", "no", "abstain", "vetoed_by",
                 "sponsors", "topic")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(map(str, value))
    return str(value)


def _csv_text(rows: Sequence[dict], columns: Sequence[str]) -> str:
    return csv_text(columns, [[row[c] for c in columns] for row in rows])


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _cmd_history_list(args) -> None:
    selected = _selected(args)
    rows = [vote.to_dict() for vote in selected]
    if args.format == "json":
        _emit(dumps(rows, ensure_ascii=False), args.out)
        return
    if args.format == "csv":
        _emit(_csv_text(rows, (*_LIST_COLUMNS, "symbol", "title", "source")), args.out)
        return
    lines = [f"{'vote_id':<22}{'date':<12}{'type':<11}{'outcome':<9}{'Y-N-A':<9}"
             f"{'veto':<9}{'sponsors':<28}topic"]
    for row in rows:
        counts = "-".join("?" if row[k] is None else str(row[k]) for k in ("yes", "no", "abstain"))
        lines.append(f"{row['vote_id']:<22}{row['date']:<12}{row['item_type']:<11}"
                     f"{row['outcome']:<9}{counts:<9}{_cell(row['vetoed_by']):<9}"
                     f"{_short(_cell(row['sponsors']), 27):<28}{_short(row['topic'], 60)}")
    c = selected.counts()
    lines.append(f"{_plural(c['texts'], 'text')}: {c['adopted']} adopted, {c['failed']} failed "
                 f"({c['vetoed']} vetoed)")
    _emit("\n".join(lines), args.out)


def _find_text(history, key: str):
    try:
        return history[key]
    except KeyError as err:
        by_symbol = [vote for vote in history if vote.symbol == "".join(key.split())]
        if len(by_symbol) == 1:
            return by_symbol[0]
        raise InputError(err.args[0]) from None


def _cmd_history_show(args) -> None:
    vote = _find_text(_history(args), args.symbol)
    data = vote.to_dict(members=True)
    if args.format == "json":
        _emit(dumps(data, ensure_ascii=False), args.out)
        return
    if args.format == "csv":
        rows = [{"vote_id": vote.vote_id, "date": data["date"], **member}
                for member in data["members"]]
        _emit(_csv_text(rows, ("vote_id", "date", "code", "name", "permanent", "vote")),
              args.out)
        return
    counts = "-".join("?" if data[k] is None else str(data[k]) for k in ("yes", "no", "abstain"))
    vetoed = f" by {', '.join(vote.vetoed_by)}" if vote.vetoed_by else ""
    lines = [f"{vote.vote_id}  {vote.date}  {vote.item_type}, {vote.outcome}{vetoed} "
             f"({counts})" + (f"  {vote.meeting}" if vote.meeting else "")]
    for label, value in (("topic", vote.topic), ("title", vote.title),
                         ("sponsors", ", ".join(vote.sponsors) or "not recorded")):
        if value:
            lines.append(f"  {label + ':':<10}{value}")
    if vote.votes:
        lines.append(f"  member votes ({vote.date.year} names):")
        words = {"Y": "yes", "N": "no", "A": "abstain", "X": "did not vote"}
        for member in data["members"]:
            mark = "permanent" if member["permanent"] else ""
            lines.append(f"    {member['code']:<5}{member['name']:<40}"
                         f"{words[member['vote']]:<14}{mark}")
    else:
        lines.append("  no member-level record (counts only)")
    lines.append(f"  status {vote.status}; source {vote.source}"
                 + (f"; notes: {vote.notes}" if vote.notes else ""))
    _emit("\n".join(lines), args.out)


def _cmd_new(args) -> None:
    from councilsim.loading import load_scenario
    from councilsim.scaffold import new_scenario

    text = new_scenario(args.date, args.topic, history=_history(args), title=args.title)
    with atomic_path(args.out) as tmp:
        Path(tmp).write_text(text, encoding="utf-8", newline="")
        load_scenario(tmp)  # what is written must load: checked before it replaces anything
    print(f"wrote {args.out}: fill in the draft's sponsors and provisions, then "
          f"councilsim run {args.out}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="councilsim",
        description="Simulate votes of the UN Security Council from a scenario file.",
    )
    parser.add_argument("--version", action="version", version=f"councilsim {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    def plot_option(sub: argparse.ArgumentParser, what: str) -> None:
        sub.add_argument("--plot", metavar="PATH",
                         help=f"also save {what} here, e.g. chart.png (needs matplotlib)")

    def simulation_options(sub: argparse.ArgumentParser, *, formats: Sequence[str]) -> None:
        sub.add_argument("file", metavar="FILE", help="scenario TOML file")
        sub.add_argument("--draws", type=_positive_int, help="Monte Carlo draws")
        sub.add_argument("--seed", type=_seed, help="Monte Carlo seed (default: the scenario's)")
        sub.add_argument("--method", choices=["auto", "exact", "monte_carlo"],
                         help="engine (default: the scenario's, normally auto = exact)")
        sub.add_argument("--format", choices=formats, default="table")
        sub.add_argument("--out", metavar="PATH", help="write here (atomically) instead of stdout")

    run = add("run", _cmd_run, "simulate the drafts of a scenario")
    simulation_options(run, formats=["table", "json", "csv"])
    run.add_argument("--draft", metavar="ID", help="only this draft (default: every draft)")
    run.add_argument("--plot", metavar="PATH",
                     help="also save the chart of yes votes (one panel per draft) here, e.g. "
                          "tally.png (needs matplotlib)")
    compare = add("compare", _cmd_compare, "one line per draft: P(adopted), vetoes")
    simulation_options(compare, formats=["table", "json", "csv"])
    plot_option(compare, "the chart of yes votes, one panel per draft")
    validate = add("validate", _cmd_validate, "check a scenario file and say what it holds")
    validate.add_argument("file", metavar="FILE")
    schema = add("schema", _cmd_schema, "print the JSON Schema of scenario files")
    schema.add_argument("--out", metavar="PATH")

    def record_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--record", action="append", metavar="CSV",
                         help="a drafts or votes file with votes the bundled record lacks "
                              "(repeatable; layout: docs/record.md)")

    def analysis_options(sub: argparse.ArgumentParser, *, formats=("table", "json", "csv"),
                         out_help: str = "write here (atomically) instead of stdout") -> None:
        sub.add_argument("file", metavar="FILE", help="scenario TOML file")
        sub.add_argument("--draft", metavar="ID",
                         help="the draft (may be omitted when the scenario has one)")
        sub.add_argument("--method", choices=["auto", "exact", "monte_carlo"],
                         help="engine (default: the scenario's, normally auto = exact)")
        sub.add_argument("--draws", type=_positive_int, help="Monte Carlo draws")
        sub.add_argument("--seed", type=_seed, help="Monte Carlo seed (default: the scenario's)")
        sub.add_argument("--format", choices=list(formats), default="table")
        sub.add_argument("--out", metavar="PATH", help=out_help)

    power = add("power", _cmd_power, "exact Shapley-Shubik and Banzhaf power of council members")
    power.add_argument("--council", action="append", metavar="NAME",
                       help="unsc-YYYY or a bundled model (repeatable; default unsc-2026)")
    power.add_argument("--procedural", action="store_true", help="a procedural vote: no veto")
    power.add_argument("--format", choices=["table", "json"], default="table")
    power.add_argument("--out", metavar="PATH")
    plot_option(power, "the power of a veto seat and another seat, council by council")

    sweep = add("sweep", _cmd_sweep,
                "P(adopted) and veto risks as one provision varies, in real units")
    analysis_options(sweep)
    sweep.add_argument("--provision", required=True, metavar="KIND",
                       help="provision kind to vary, e.g. oil_refined")
    sweep.add_argument("--from", dest="start", type=float, metavar="A", help="first value")
    sweep.add_argument("--to", dest="stop", type=float, metavar="B", help="last value")
    sweep.add_argument("--points", type=_positive_int, default=21, help="values from A to B")
    sweep.add_argument("--values", metavar="LIST", help="explicit values, comma-separated")
    sweep.add_argument("--severity", action="store_true", help="values are severities (0-1)")
    sweep.add_argument("--target", type=float, default=0.5,
                       help="report where P(adopted) crosses this (default 0.5)")
    sweep.add_argument("--rows", type=_positive_int, default=25, help="rows of the table")
    plot_option(sweep, "P(adopted) and the veto risks against the value")

    sens = add("sensitivity", _cmd_sensitivity,
               "which stance parameters move P(adopted) most (a tornado's data)")
    analysis_options(sens)
    sens.add_argument("--step", type=float, default=0.1, help="finite-difference step")
    sens.add_argument("--top", type=_positive_int, default=20, help="rows to show")
    plot_option(sens, "the tornado diagram")

    neg = add("negotiate", _cmd_negotiate,
              "the sponsor's best text that still reaches a target P(adopted)")
    analysis_options(neg, formats=("table", "json"),
                     out_help="write the scenario with the negotiated draft (TOML) here")
    neg.add_argument("--target", type=float, default=0.9, help="P(adopted) to reach")
    neg.add_argument("--sponsor", metavar="CODE", help="whose preferences rank the texts")
    neg.add_argument("--steps", type=_positive_int, default=20,
                     help="steps between status quo and draft per provision")
    neg.add_argument("--forms", choices=["continuous", "named"], default="continuous",
                     help="named: only the catalog's named levels and whole bans")
    neg.add_argument("--versus", metavar="ID", help="compare the result with another draft")

    coal = add("coalitions", _cmd_coalitions, "the most likely sets of members that defeat a draft")
    analysis_options(coal)
    coal.add_argument("--top", type=_positive_int, default=10, help="coalitions to list")
    plot_option(coal, "the bars of the listed coalitions")

    calibrate = add("calibrate", _cmd_calibrate,
                    "estimate members' stances from the recorded votes (ordered probit)")
    calibrate.add_argument("--topic", help="topic group, e.g. dprk, syria, ukraine, sanctions")
    calibrate.add_argument("--since", help="first date used (YYYY-MM-DD)")
    calibrate.add_argument("--before", help="use only votes before this date (YYYY-MM-DD)")
    calibrate.add_argument("--half-life", type=float, help="years for a vote's weight to halve")
    # Spelled out rather than imported: the parser is built before numpy and scipy are loaded
    # (tests/integration/test_history_cli.py checks it against EFFECT_KINDS).
    calibrate.add_argument("--effects", help="effects of pre-vote facts, comma-separated: topic, "
                           "sponsor, camp-topic, rival, amendment, history")
    calibrate.add_argument("--format", choices=["table", "json"], default="table")
    calibrate.add_argument("--out", metavar="PATH")
    record_option(calibrate)

    back = add("backtest", _cmd_backtest,
               "rolling-origin forecasts of every recorded vote, scored against three baselines")
    back.add_argument("--from", dest="start", type=int, help="first year (default 2000)")
    back.add_argument("--to", dest="end", type=int,
                      help="last year (default: the record's last, 2025 without --record)")
    back.add_argument("--topic", help="only texts of this topic group")
    back.add_argument("--workers", type=_positive_int, default=1,
                      help="processes (results are identical for any number)")
    back.add_argument("--format", choices=["table", "json"], default="table")
    back.add_argument("--predictions", metavar="FILE",
                      help="also write every text's forecasts (model and baselines, with its "
                           "vote_id) to this CSV file")
    back.add_argument("--from-predictions", metavar="FILE",
                      help="score a predictions CSV written by --predictions instead of running "
                           "the backtest (--from/--to select the years)")
    back.add_argument("--timing", action="store_true",
                      help="with --format json: include the run's wall-clock seconds")
    back.add_argument("--out", metavar="PATH")
    plot_option(back, "the reliability diagram")
    record_option(back)

    history = add("history", lambda args: None, "the bundled record of Council votes")
    history_commands = history.add_subparsers(dest="history_command", metavar="COMMAND",
                                              required=True)
    replay = history_commands.add_parser(
        "replay", help="apply Art. 27 to every recorded vote and report mismatches",
        description="apply Art. 27 to every recorded vote and report mismatches")
    replay.set_defaults(handler=_cmd_replay)
    replay.add_argument("--format", choices=["table", "json"], default="table")
    replay.add_argument("--out", metavar="PATH")
    record_option(replay)

    def selection_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--symbol", help="part of the symbol or vote id, e.g. S/2017/")
        sub.add_argument("--year", type=int, help="texts voted in this year")
        sub.add_argument("--since", metavar="DATE", help="first date included (YYYY-MM-DD)")
        sub.add_argument("--before", metavar="DATE", help="first date excluded (YYYY-MM-DD)")
        sub.add_argument("--topic", help="topic group (dprk, syria, ...) or agenda words")
        sub.add_argument("--sponsor", help="a seat code (USA) or part of a sponsor's name")
        sub.add_argument("--vetoer", metavar="CODE", help="vetoed by this permanent member")
        sub.add_argument("--outcome", choices=list(_OUTCOMES),
                         help="short: failed without a veto")
        output_options(sub)

    def output_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--format", choices=["table", "json", "csv"], default="table")
        sub.add_argument("--out", metavar="PATH", help="write here (atomically) instead of stdout")
        record_option(sub)

    listing = history_commands.add_parser(
        "list", help="list the recorded texts (all, or those the options select)",
        description="list the recorded texts (all, or those the options select)")
    listing.set_defaults(handler=_cmd_history_list)
    selection_options(listing)
    search = history_commands.add_parser(
        "search", help="texts whose symbol, topic, title or sponsors contain WORDS",
        description="texts whose symbol, topic, title or sponsors contain every one of WORDS, "
                    "narrowed by the options")
    search.set_defaults(handler=_cmd_history_list)
    search.add_argument("words", nargs="+", metavar="WORDS")
    selection_options(search)
    show = history_commands.add_parser(
        "show", help="one text: its outcome, sponsors and every member's vote",
        description="one text: its outcome, sponsors and every member's vote, with the "
                    "members' names as the UN wrote them that year")
    show.set_defaults(handler=_cmd_history_show)
    show.add_argument("symbol", metavar="SYMBOL", help="vote id or symbol, e.g. S/RES/2375(2017)")
    output_options(show)

    new = add("new", _cmd_new,
              "write a runnable scenario for the Council sitting on a date: its members with "
              "stances calibrated on the votes before it, their recent votes on the topic, "
              "the blocs the record supports, and a draft to fill in")
    new.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="day of the vote")
    new.add_argument("--topic", required=True,
                     help="topic group: dprk, syria, ukraine, sanctions, middle-east, ...")
    new.add_argument("--out", required=True, metavar="FILE",
                     help="the scenario file to write (atomically)")
    new.add_argument("--title", help="the scenario's title")
    record_option(new)

    reform = add("reform", _cmd_reform,
                 "power and P(adopted) of the same draft in reformed councils")
    analysis_options(reform)
    reform.add_argument("--council", action="append", metavar="NAME",
                        help="council to compare (repeatable; default: the bundled models)")
    plot_option(reform, "adopted / vetoed / short of votes before each council")
    return parser


def _whole_number(least: int, what: str):
    """An argparse type: a whole number (``_`` allowed between digits) of at least ``least``."""

    def parse(text: str) -> int:
        plain = text.replace("_", "").strip()
        try:
            value = int(plain)
        except ValueError:
            value = _integral_float(plain)  # 1e6, 2.5e5: scientific notation for whole numbers
        if value is None or value < least:
            raise argparse.ArgumentTypeError(
                f"expected a {what} whole number such as 100000, 100_000 or 1e5, got {text!r}")
        return value

    return parse


def _integral_float(text: str) -> int | None:
    """``"1e6"`` as 1000000; None for anything that is not a whole number written as a float."""
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(text)  # exact: 1e23 stays 10**23, unlike float
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    return int(number)


_positive_int = _whole_number(1, "positive")
_seed = _whole_number(0, "non-negative")


# The API's messages name its parameters; on the command line the same problem names the option.
_API_TO_CLI = (
    (r"\(to give severities, pass severity=True\)", "(to give severities, add --severity)"),
    (r"^severities of ", "with --severity, values of "),
    (r"; name one of: ", "; choose one with --draft ID: "),
    (r"^target must be", "--target must be"),
    (r"^step for ", "--step for "),
    (r"^sponsor (\S+) is not", r"--sponsor \1 is not"),
    (r"name one with sponsor=", "name one with --sponsor"),
    (r"^unknown council ", "--council: unknown council "),
    (r"^(since|before)=(.*?) is not a date; give a datetime\.date, an ISO date string such as",
     r"--\1 \2 is not a date; give a date such as"),
    (r"^half_life must be", "--half-life must be"),
    (r"^unknown effects ", "--effects: unknown "),
    (r"^start and end must be years with start <= end, got",
     "--from and --to must be years with --from <= --to, got"),
    (r"^years (\S+) are outside the record", r"--from and --to \1 are outside the record"),
)


def _in_cli_terms(message: str) -> str:
    import re

    for pattern, replacement in _API_TO_CLI:
        message = re.sub(pattern, replacement, message)
    return message


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``councilsim`` command; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        _check_outputs(args)  # before any work, not after hours of it
        with _warnings_as_notes():
            args.handler(args)
    except CouncilsimError as err:  # raised on purpose: bad input, or beyond an engine's reach
        print(f"councilsim: error: {_in_cli_terms(str(err))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("councilsim: interrupted; no output was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as err:  # noqa: BLE001 - anything else is a bug: one line, no traceback
        if args.debug:
            raise
        print(f"councilsim: internal error: {type(err).__name__}: {err}\n"
              "  This is a bug in councilsim; rerun with --debug for the traceback and report it.",
              file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
