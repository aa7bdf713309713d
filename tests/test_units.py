"""Numbers and units as a user writes them: aliases, scaled units, ideals in real units, warnings
for implausible values, --draws in scientific notation, notes on unused options and long runs."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import councilsim as cs
from councilsim import cli
from councilsim.catalog import (
    ImplausibleValueWarning,
    builtin_catalog,
    implausible_value,
    in_kind_unit,
)
from councilsim.loading import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "dprk-2017-09.toml"
OIL = builtin_catalog()["oil_refined"]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "councilsim", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.mark.parametrize(("value", "unit", "barrels"), [
    (2_000_000, "barrels/year", 2_000_000),
    (2, "million barrels/year", 2_000_000),
    (2, "Million Barrels per Year", 2_000_000),
    (2.5, "million bbl/yr", 2_500_000),
    (150, "thousand barrels a year", 150_000),
    (150_000, "bbl/year", 150_000),
    (150_000, "barrels/yr", 150_000),
    (0.002, "billion barrels/year", 2_000_000),
])
def test_unit_aliases_and_scale_words(value, unit, barrels):
    assert in_kind_unit("oil_refined", OIL, value, unit) == pytest.approx(barrels)


@pytest.mark.parametrize("unit", ["workers", "worker", "thousand workers", "people"])
def test_workers_and_their_aliases(unit):
    kind = builtin_catalog()["worker_cap"]
    expected = 40_000 if unit.startswith("thousand") else 40
    assert in_kind_unit("worker_cap", kind, 40, unit) == expected


@pytest.mark.parametrize("unit", ["tonnes", "million tonnes", "barrels/month", "million"])
def test_unknown_units_are_refused_naming_what_is_allowed(unit):
    with pytest.raises(ValueError, match=r"does not fit 'oil_refined', which is in "
                                         r"'barrels/year' \(or 'bbl/year'\), optionally scaled"):
        in_kind_unit("oil_refined", OIL, 1, unit)


def test_a_scaled_value_gives_the_same_scenario_severity():
    text = ('[scenario]\ncouncil = "unsc-2017"\n[[draft]]\nid = "a"\nprovisions = [{ kind = '
            '"oil_refined", value = 2, unit = "million barrels/year" }]\n[[draft]]\nid = "b"\n'
            'provisions = [{ kind = "oil_refined", value = 2_000_000, unit = "barrels/year" }]\n')
    scenario = parse_scenario(text)
    assert scenario.draft_severities("a") == scenario.draft_severities("b")
    assert cs.simulate(scenario, "a").p_adopted == cs.simulate(scenario, "b").p_adopted


def test_negotiation_reports_a_scaled_draft_in_the_kinds_unit():
    scenario = cs.load_scenario(FLAGSHIP)
    drafts = [d if d.id != "res-2375" else d.model_copy(update={"provisions": tuple(
        p if p.kind != "oil_refined" else cs.Provision(kind="oil_refined", value=2,
                                                       unit="million barrels/year")
        for p in d.provisions)}) for d in scenario.drafts]
    scaled = scenario.model_copy(update={"drafts": drafts})
    row = cs.negotiate(scaled, "res-2375", target=0.5).provision("oil_refined")
    assert row.draft_value == pytest.approx(2_000_000)


# -- implausible values ---------------------------------------------------------------------

@pytest.mark.parametrize(("value", "unit", "warned"), [
    (2.0, "barrels/year", "far below"),
    (2.0, "million barrels/year", None),
    (0, "barrels/year", None),          # an embargo written as one
    (4_500_000, None, None),
    (5e8, "barrels/year", "more than ten times"),
])
def test_implausible_values(value, unit, warned):
    problem = implausible_value("oil_refined", OIL, value, unit)
    assert (problem is None) if warned is None else (warned in problem)


def test_the_api_warns_of_an_implausible_cap():
    provision = cs.Provision(kind="oil_refined", value=2.0, unit="barrels/year")
    with pytest.warns(ImplausibleValueWarning, match=r"drafts\[0\]\.provisions\[0\]\.value: "
                                                     r"oil_refined = 2 barrels/year is far below"):
        cs.Scenario(council=cs.Council.unsc(2017), drafts=[cs.Draft(id="d",
                                                                    provisions=[provision])])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cs.load_scenario(FLAGSHIP)  # the shipped scenarios raise no warning


def test_the_command_line_shows_the_warning_as_a_note_with_file_and_line(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[scenario]\ncouncil = "unsc-2017"\n[[draft]]\nid = "d"\nprovisions = [\n'
                    '  { kind = "oil_refined", value = 2.0, unit = "barrels/year" },\n]\n')
    proc = run_cli("compare", path)
    assert proc.returncode == 0, proc.stderr
    notes = proc.stderr.strip().splitlines()
    assert notes == [f"councilsim: note: {path}:6: draft[0] (d).provisions[0].value: oil_refined "
                     "= 2 barrels/year is far below its baseline 4,500,000 barrels/year: in "
                     "effect a full embargo (severity 1.0000); if you meant 2 million, write "
                     'unit = "million barrels/year"']


# -- ideals in real units ----------------------------------------------------------------------

def test_ideal_in_real_units_equals_the_severity_it_stands_for():
    base = ('[scenario]\ncouncil = "unsc-2017"\n[[member]]\ncode = "RUS"\n{ideal}\n'
            '[[draft]]\nid = "d"\n')
    real = parse_scenario(base.format(ideal='ideal = { oil_refined = { value = 3_000_000, unit = '
                                            '"barrels/year" }, worker_cap = 0.2, '
                                            'leader_sanctions = { value = "officials" } }'))
    plain = parse_scenario(base.format(ideal="ideal = { oil_refined = 0.3333333333333333, "
                                             "worker_cap = 0.2, leader_sanctions = 0.3 }"))
    assert real.member("RUS").ideal == pytest.approx(plain.member("RUS").ideal)
    member = cs.Member(code="RUS", ideal={"oil_refined": cs.models.RealValue(
        value=3, unit="million barrels/year")})
    built = cs.Scenario(council=cs.Council.unsc(2017), members=[member])
    assert built.member("RUS").ideal["oil_refined"] == pytest.approx(1 / 3)


def test_ideal_in_a_wrong_unit_is_one_error_with_its_line():
    text = ('[scenario]\ncouncil = "unsc-2017"\n[[member]]\ncode = "RUS"\n'
            'ideal = { oil_refined = { value = 3, unit = "tonnes" } }\n')
    with pytest.raises(cs.ScenarioError) as info:
        parse_scenario(text, path="s.toml")
    assert (info.value.line, info.value.field) == (5, "member[0] (RUS).ideal.oil_refined")
    assert "unit 'tonnes' does not fit 'oil_refined'" in info.value.problem


# -- the command line: --draws 1e6, unused options, long runs ----------------------------------

def test_draws_in_scientific_notation_are_the_same_draws():
    common = ("run", FLAGSHIP, "--draft", "res-2375", "--method", "monte_carlo", "--seed", "3",
              "--format", "json")
    science, plain = run_cli(*common, "--draws", "2e4"), run_cli(*common, "--draws", "20_000")
    assert science.returncode == 0, science.stderr
    assert json.loads(science.stdout) == json.loads(plain.stdout)
    assert json.loads(science.stdout)["res-2375"]["draws"] == 20_000


@pytest.mark.parametrize(("args", "note"), [
    (("run", FLAGSHIP, "--draws", "1e6"), "--draws unused"),
    (("compare", FLAGSHIP, "--seed", "4"), "--seed unused"),
    (("compare", FLAGSHIP, "--seed", "4", "--draws", "10"), "--draws and --seed unused"),
    (("sweep", FLAGSHIP, "--draft", "res-2375", "--provision", "oil_refined", "--values",
      "1e6,2e6", "--seed", "1"), "--seed unused"),
])
def test_sampling_options_unused_by_the_exact_engine_are_noted(args, note):
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == (f"councilsim: note: {note}: the exact engine computed these results "
                           "without sampling (give --method monte_carlo to sample)\n")


def test_monte_carlo_runs_get_no_unused_note():
    proc = run_cli("run", FLAGSHIP, "--draft", "res-2375", "--method", "monte_carlo",
                   "--draws", "1e4", "--seed", "1")
    assert proc.returncode == 0 and proc.stderr == ""


def test_a_long_run_says_how_long_before_it_starts(capsys):
    scenario = cs.load_scenario(FLAGSHIP)
    cli._announce_duration(scenario, "res-2375", method="monte_carlo", draws=10**14, texts=3)
    note = capsys.readouterr().err
    assert note.startswith("councilsim: note: this run should take about ")
    assert "years (300,000,000,000,000 draws x 15 seats at " in note
    cli._announce_duration(scenario, "res-2375", method="monte_carlo", draws=10**5, texts=1)
    cli._announce_duration(scenario, "res-2375", method="exact", draws=10**14, texts=1)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("seconds", "text"), [
    (61, "1.0 minutes"), (600, "10 minutes"), (3 * 3600, "3.0 hours"), (5 * 86400, "5.0 days"),
    (40 * 365.25 * 86400, "40 years"),
])
def test_durations_read_naturally(seconds, text):
    assert cli._duration(seconds) == text
