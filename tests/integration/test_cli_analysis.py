"""The analysis commands end to end: power, sweep, sensitivity, negotiate, coalitions, reform."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from paths import REPO_ROOT

from councilsim import load_scenario, negotiate

FLAGSHIP = str(REPO_ROOT / "scenarios" / "dprk-2017-09.toml")


def councilsim(*args):
    return subprocess.run([sys.executable, "-m", "councilsim", *args],
                          capture_output=True, text=True, timeout=300)


def test_power_prints_the_known_shapley_shubik_values():
    done = councilsim("power", "--council", "unsc-2017", "--council", "charter-1945")
    assert done.returncode == 0, done.stderr
    assert "421/2145" in done.stdout and "4/2145" in done.stdout
    assert "charter-1945 (7 of 11" in done.stdout


def test_sweep_json_has_one_point_per_value():
    done = councilsim("sweep", FLAGSHIP, "--draft", "res-2375", "--provision", "oil_refined",
                      "--from", "0", "--to", "4500000", "--points", "7", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert len(data["p_adopted"]) == 7 and data["values"][-1] == 4_500_000


def test_sweep_without_values_is_bad_input():
    done = councilsim("sweep", FLAGSHIP, "--draft", "res-2375", "--provision", "oil_refined")
    assert done.returncode == 2 and "--from A --to B" in done.stderr


def test_sensitivity_ranks_parameters():
    done = councilsim("sensitivity", FLAGSHIP, "--draft", "res-2375", "--top", "5")
    assert done.returncode == 0, done.stderr
    assert "support" in done.stdout


def test_negotiate_writes_a_scenario_that_run_accepts(tmp_path):
    out = tmp_path / "negotiated.toml"
    done = councilsim("negotiate", FLAGSHIP, "--draft", "us-first-draft", "--target", "0.8",
                      "--forms", "named", "--versus", "res-2375", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "target 0.8 reached" in done.stdout
    # --out round-trips: the file loads back to exactly the negotiation's scenario.
    expected = negotiate(load_scenario(FLAGSHIP), "us-first-draft", target=0.8, forms="named")
    assert load_scenario(out) == expected.scenario()
    run = councilsim("run", str(out), "--draft", "us-first-draft-negotiated", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["us-first-draft-negotiated"]["p_adopted"] >= 0.8


def test_coalitions_and_reform_run():
    for command in ("coalitions", "reform"):
        done = councilsim(command, FLAGSHIP, "--draft", "res-2375")
        assert done.returncode == 0, (command, done.stderr)
        assert "Traceback" not in done.stderr


# -- outputs on the core install ------------------------------------------------------------

SWEEP = ("sweep", FLAGSHIP, "--draft", "res-2375", "--provision", "oil_refined", "--from", "0",
         "--to", "4500000", "--points", "4")
ANALYSES = {
    "sweep": SWEEP,
    "sensitivity": ("sensitivity", FLAGSHIP, "--draft", "res-2375", "--top", "3"),
    "coalitions": ("coalitions", FLAGSHIP, "--draft", "us-first-draft", "--top", "3"),
    "reform": ("reform", FLAGSHIP, "--draft", "res-2375", "--council", "g4-2005"),
    "compare": ("compare", FLAGSHIP),
    "run": ("run", FLAGSHIP, "--draft", "res-2375"),
}


def councilsim_without_pandas(*args):
    """The command line with pandas unimportable, as on the core install."""
    code = ("import sys; sys.modules['pandas'] = None; from councilsim.cli import main; "
            f"sys.exit(main({list(args)!r}))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)


def _csv(text):
    import csv
    import io

    return list(csv.reader(io.StringIO(text)))


def test_every_csv_works_without_pandas():
    import re

    from councilsim import __version__ as councilsim_version

    for name, args in ANALYSES.items():
        done = councilsim_without_pandas(*args, "--format", "csv")
        assert done.returncode == 0, (name, done.stderr)
        header, *rows = _csv(done.stdout)
        assert rows and all(len(row) == len(header) for row in rows), name
        assert header[0] and "Unnamed" not in header[0], name  # no unnamed index column
        # The file says how to reproduce it: engine, seed and version on every row.
        assert {"method", "seed", "version"} <= set(header), name
        version = header.index("version")
        assert {row[version] for row in rows} == {councilsim_version}, name
        for cell in (cell for row in rows for i, cell in enumerate(row) if i != version):
            # Numbers with at most six significant digits: no float noise.
            if re.fullmatch(r"-?[0-9.]+(e-?[0-9]+)?", cell):
                assert float(cell) == float(f"{float(cell):.6g}"), (name, cell)


def test_every_json_and_table_records_the_version_and_the_seed():
    from councilsim import __version__

    for name, args in ANALYSES.items():
        data = json.loads(councilsim(*args, "--format", "json", "--method", "monte_carlo",
                                     "--draws", "500").stdout)
        records = {"compare": lambda d: d, "run": lambda d: list(d.values())}.get(
            name, lambda d: [d["provenance"]])(data)
        for record in records:
            assert record["version"] == __version__, name
            assert isinstance(record["seed"], int), name  # fresh entropy is recorded too
        if name != "run":  # run's tables name the version and scenario, their own way
            table = councilsim(*args, "--method", "monte_carlo", "--draws", "500").stdout
            last = table.rstrip().splitlines()[-1]
            assert last.startswith("Monte Carlo, 500 draws, seed "), (name, last)
            assert f"; councilsim {__version__}; scenario sha256 " in last, name


def test_sweep_csv_names_the_value_column_with_its_unit():
    header, *rows = _csv(councilsim(*SWEEP, "--format", "csv").stdout)
    assert header[:3] == ["oil_refined (barrels/year)", "severity", "p_adopted"]
    assert [row[0] for row in rows] == ["0", "1500000", "3000000", "4500000"]
    assert {"veto_RUS", "p_no_RUS", "quadrature_error"} <= set(header)


def test_compare_is_one_row_per_draft_in_every_format():
    drafts = ["us-first-draft", "uk-japan-proposal", "res-2375"]
    header, *rows = _csv(councilsim("compare", FLAGSHIP, "--format", "csv").stdout)
    assert [row[0] for row in rows] == drafts
    assert {"p_adopted", "p_vetoed", "p_short", "interval", "veto_CHN", "p_no_CHN"} <= set(header)
    records = json.loads(councilsim("compare", FLAGSHIP, "--format", "json").stdout)
    assert [r["draft"] for r in records] == drafts
    for r in records:
        assert abs(r["p_adopted"] + r["p_vetoed"] + r["p_short"] - 1) < 1e-9
        assert r["interval"] == "error_bound"
        assert all(r["veto_prob"][c] <= r["p_no"][c] + 1e-12 for c in r["veto_prob"])


def test_json_is_the_same_from_run_to_run():
    args = ("compare", FLAGSHIP, "--method", "monte_carlo", "--draws", "20000", "--seed", "3",
            "--format", "json")
    first, second = councilsim(*args), councilsim(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert json.loads(first.stdout)[0]["interval"] == "confidence_95"


def test_syria_short_draft_is_not_called_a_veto():
    # S/2016/847 failed 4-9-2 with no veto: a French no cannot veto a text without nine yes.
    records = json.loads(councilsim("compare", str(Path(FLAGSHIP).with_name(
        "syria-2016-10.toml")), "--format", "json").stdout)
    short = next(r for r in records if r["draft"] == "s-2016-847")
    assert short["p_short"] > 0.98 and short["p_vetoed"] < 0.01
    assert short["p_no"]["FRA"] > 0.7 and short["veto_prob"]["FRA"] < 0.01


def test_plot_for_every_analysis(tmp_path):
    commands = {**ANALYSES, "power": ("power", "--council", "unsc-2026", "--council", "g4-2005")}
    for name, args in commands.items():
        target = tmp_path / f"{name}.png"
        done = councilsim(*args, "--plot", str(target))
        assert done.returncode == 0, (name, done.stderr)
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_out_and_plot_naming_one_file_is_refused(tmp_path):
    target = tmp_path / "same.png"
    done = councilsim(*SWEEP, "--out", str(target), "--plot", str(target))
    assert done.returncode == 2 and "--out and --plot" in done.stderr
    assert "Traceback" not in done.stderr and not target.exists()


def test_a_sweep_warns_once_for_values_that_look_like_a_unit_slip():
    # 0 to 5 barrels a year at 20 points: 0 is a plain embargo; one note for the other 19,
    # and a count of the 18 like it.
    done = councilsim("sweep", FLAGSHIP, "--draft", "res-2375", "--provision", "oil_refined",
                      "--from", "0", "--to", "5", "--points", "20")
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith("councilsim: note")]
    assert len(notes) == 2 and "if you meant" in notes[0], notes
    assert "18 more note(s) like the above" in notes[1]


@pytest.mark.parametrize(("args", "message"), [
    (("sweep", FLAGSHIP, "--draft", "res-2375", "--provision", "oil_refined", "--from", "0",
      "--to", "inf"), "--to must be a finite number, got inf"),
    (("negotiate", FLAGSHIP, "--draft", "us-first-draft", "--steps", "100000"),
     "steps must be a whole number from 1 to 1000, got 100000"),
])
def test_values_no_analysis_can_use_are_refused(args, message):
    done = councilsim(*args)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert "note:" not in done.stderr and "Traceback" not in done.stderr
