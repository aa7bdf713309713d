"""The analysis commands end to end: power, sweep, sensitivity, negotiate, coalitions, reform."""

import json
import subprocess
import sys
from pathlib import Path

from councilsim import load_scenario, negotiate

FLAGSHIP = str(Path(__file__).resolve().parents[1] / "scenarios" / "dprk-2017-09.toml")


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
