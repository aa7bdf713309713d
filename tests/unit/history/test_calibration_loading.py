"""A scenario's [calibration] table fills the member parameters the file leaves unset."""

import subprocess
import sys

import pytest

from councilsim import ScenarioError
from councilsim.loading import parse_scenario

BASE = """
[scenario]
council = "unsc-2017"
{head}

[calibration]
before = 2017-08-01
since = 2007-08-01
half_life = 4
{calibration}

[[member]]
code = "RUS"
support = -1.5
ideal = {{ oil_refined = 0.3 }}
salience = {{ oil_refined = 1.5 }}

[[draft]]
id = "cap"
provisions = [{{ kind = "oil_refined", value = 2_000_000, unit = "barrels/year" }}]
"""


@pytest.fixture(scope="module")
def calibrated():
    return parse_scenario(BASE.format(head="", calibration=""))


def test_every_seat_gets_a_stance_and_the_file_keeps_what_it_sets(calibrated):
    assert [m.code for m in calibrated.members][:1] == ["RUS"]
    assert {m.code for m in calibrated.members} == set(calibrated.council.members)
    rus = calibrated.member("RUS")
    assert rus.support == -1.5  # given in the file
    assert rus.salience == {"oil_refined": 1.5}
    assert rus.veto_cost > 0 and rus.why  # filled from the calibration
    usa = calibrated.member("USA")
    assert usa.support > 1  # the record: the US votes for almost every text


def test_mood_comes_from_the_calibration_unless_the_file_sets_it(calibrated):
    assert calibrated.mood_sd > 0.5
    own = parse_scenario(BASE.format(head="mood_sd = 0.3", calibration=""))
    assert own.mood_sd == 0.3


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("halflife = 4", "calibration.halflife: unknown key (did you mean 'half_life'?)"),
        ('topic = 3', "calibration.topic: must be a topic group name, got int 3"),
        ('effects = "topic"', "calibration.effects: must be a list of names"),
    ],
)
def test_bad_calibration_tables_are_reported(line, message):
    text = BASE.format(head="", calibration=line)
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, path="s.toml")
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("before = 1900-01-01", "s.toml:5: calibration.before: before 1900-01-01 is outside the "
         "record: give a date from 1946-01-31 to 2026-12-31; the recorded votes run from "
         "1946-01-25 to 2025-06-04"),
        ("before = 2031-01-01", "s.toml:5: calibration.before: before 2031-01-01 is outside"),
        ("since = 2026-01-01", "s.toml:5: calibration.since: since 2026-01-01 is after the last "
         "recorded vote"),
    ],
)
def test_calibration_dates_outside_the_record_are_refused(table, message):
    text = f'[scenario]\ncouncil = "unsc-2017"\n\n[calibration]\n{table}\n\n[[draft]]\nid = "a"\n'
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, path="s.toml")
    assert str(err.value).startswith(message)


def test_history_replay_and_calibrate_commands():
    replay = subprocess.run([sys.executable, "-m", "councilsim", "history", "replay"],
                            capture_output=True, text=True, timeout=120)
    assert replay.returncode == 0, replay.stderr
    assert "unexplained 0" in replay.stdout
    cal = subprocess.run([sys.executable, "-m", "councilsim", "calibrate", "--before",
                          "2012-01-01", "--since", "2008-01-01", "--format", "json"],
                         capture_output=True, text=True, timeout=300)
    assert cal.returncode == 0, cal.stderr
    assert '"mood_sd"' in cal.stdout
