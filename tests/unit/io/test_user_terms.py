"""Errors in the user's terms: one councilsim error naming the field (by code), its line in a
file, what was wrong and what is allowed; command-line messages naming options, not parameters."""

from __future__ import annotations

import subprocess
import sys

import pydantic
import pytest
from paths import REPO_ROOT

import councilsim as cs
from councilsim import ScenarioError
from councilsim.loading import parse_scenario

ROOT = REPO_ROOT
FLAGSHIP = ROOT / "scenarios" / "dprk-2017-09.toml"
HEAD = '[scenario]\ncouncil = "unsc-2017"\n'


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "councilsim", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def assert_one_clean_error(proc, *fragments):
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("councilsim: error: "), proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, proc.stderr


@pytest.fixture(scope="module")
def flagship():
    return cs.load_scenario(FLAGSHIP)


# -- did-you-mean at every level of a file, with its line -----------------------------------

@pytest.mark.parametrize(("snippet", "line", "field", "typo", "meant"), [
    ('[[member]]\ncode = "RUS"\nsalince = { oil_refined = 1.0 }\n', 5,
     "member[0] (RUS).salince", "salince", "salience"),
    ('[[bloc]]\nname = "b"\nmembers = ["RUS"]\nsdd = 0.5\n', 6, "bloc[0] (b).sdd", "sdd", "sd"),
    ('[[draft]]\nid = "d"\ntittle = "x"\n', 5, "draft[0] (d).tittle", "tittle", "title"),
    ('[[draft]]\nid = "d"\nprovisions = [\n  { kind = "textile_ban", value = true },\n'
     '  { kind = "coal_ban", valeu = true },\n]\n', 7, "draft[0] (d).provisions[1].valeu",
     "valeu", "value"),
    ('[simulation]\ndraw = 10\n', 4, "simulation.draw", "draw", "draws"),
    ('[status_quo]\ncoal_ban = { value = true, noet = "x" }\n', 4, "status_quo.coal_ban.noet",
     "noet", "note"),
    ('[catalog.port_calls]\nlabel = "x"\nscale = "ban"\nwhy_ = "y"\n', 6,
     "catalog.port_calls.why_", "why_", "why"),
    ('[[member]]\ncode = "RUS"\nideal = { oil_refined = { value = 3e6, unti = "bbl/yr" } }\n', 5,
     "member[0] (RUS).ideal.oil_refined", None, None),
])
def test_did_you_mean_and_line_at_every_level(snippet, line, field, typo, meant):
    with pytest.raises(ScenarioError) as info:
        parse_scenario(HEAD + snippet, path="s.toml")
    err = info.value
    assert (err.path, err.line, err.field) == ("s.toml", line, field)
    if typo:
        assert f"unknown key {typo!r} (did you mean {meant!r}?); allowed: " in err.problem


def test_second_of_two_drafts_is_found_by_its_header():
    text = HEAD + '[[draft]]\nid = "a"\n\n[[draft]]\nid = "b"\nprocedurall = true\n'
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, path="s.toml")
    assert (info.value.line, info.value.field) == (8, "draft[1] (b).procedurall")


def test_keys_inside_multiline_strings_are_not_taken_for_keys():
    text = (HEAD + 'description = """\nsupport = 3\n"""\n[[member]]\ncode = "USA"\n'
            'support = "high"\n')
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, path="s.toml")
    assert (info.value.line, info.value.field) == (8, "member[0] (USA).support")


# -- the Python API: councilsim errors, not pydantic dumps -----------------------------------

def test_scenario_constructor_raises_a_readable_scenario_error():
    with pytest.raises(ScenarioError) as info:
        cs.Scenario(council=cs.Council.unsc(2017),
                    members=[{"code": "RUS", "salince": {"oil_refined": 1.0}}])
    message = str(info.value)
    assert message == ("<scenario>: members[0] (RUS).salince: unknown key 'salince' (did you mean "
                       "'salience'?); allowed: code, support, ideal, salience, uncertainty, "
                       "abstention, veto_cost, absence, affinity, rival, amendment, why")
    assert "input_value" not in message and not isinstance(info.value, pydantic.ValidationError)
    assert isinstance(info.value, ValueError)


def test_model_copy_with_a_bad_update_raises_a_readable_scenario_error(flagship):
    with pytest.raises(ScenarioError) as info:
        flagship.model_copy(update={"mood_sd": -1})
    assert str(info.value) == "<scenario>: mood_sd: must be >= 0, got -1"
    extra = [*flagship.members, cs.Member(code="DEU")]
    with pytest.raises(ScenarioError, match=r"members\[15\] \(DEU\)\.code: 'DEU' is not on the "):
        flagship.model_copy(update={"members": extra})


def test_model_copy_keeps_defaults_unset_so_a_calibration_still_fills_them():
    scenario = cs.Scenario(council=cs.Council.unsc(2017), drafts=[cs.Draft(id="a")])
    copy = scenario.model_copy(update={"title": "t"})
    assert copy.model_fields_set == {"council", "drafts", "title"}
    assert copy.mood_sd == scenario.mood_sd  # the default, still there, still not "stated"
    member = cs.Member(code="RUS", support=1.0).model_copy(update={"veto_cost": 2.0})
    assert member.model_fields_set == {"code", "support", "veto_cost"}


def test_every_model_raises_scenario_errors():
    with pytest.raises(ScenarioError, match=r"^<scenario>: sd: must be >= 0, got -1$"):
        cs.Bloc(name="b", members=["RUS"], sd=-1)
    with pytest.raises(ScenarioError, match="did you mean 'severity'"):
        cs.Provision(kind="oil_refined", severty=0.5)
    with pytest.raises(ScenarioError, match="did you mean 'veto_holders'"):
        cs.Council(members=["AA"], threshold=1, veto_holder=["AA"])


def test_negative_seed_is_a_value_error_saying_what_is_allowed(flagship):
    with pytest.raises(ValueError, match=r"^seed must be a whole number >= 0, got -1$"):
        cs.simulate(flagship, "res-2375", method="monte_carlo", draws=1000, seed=-1)


def test_draft_severities_accepts_an_id(flagship):
    by_id = flagship.draft_severities("res-2375")
    assert by_id == flagship.draft_severities(flagship.draft("res-2375"))
    assert by_id["oil_refined"] == pytest.approx(1 - 2.0 / 4.5)
    with pytest.raises(ValueError, match="unknown draft id 'nope'"):
        flagship.draft_severities("nope")


@pytest.mark.parametrize("call", [
    lambda s, d: cs.simulate(s, d).p_adopted,
    lambda s, d: cs.sweep(s, d, "oil_refined", [1e6, 2e6]).p_adopted.tolist(),
    lambda s, d: cs.sensitivity(s, d).to_dict(),
    lambda s, d: cs.negotiate(s, d, target=0.8, forms="named").p_adopted,
    lambda s, d: cs.blocking_coalitions(s, d).to_dict(),
    lambda s, d: cs.compare_councils(s, d, ["charter-1965"]).to_dict(),
    lambda s, d: s.draft_severities(d),
])
def test_an_id_is_accepted_wherever_a_draft_is(flagship, call):
    assert call(flagship, "res-2375") == call(flagship, flagship.draft("res-2375"))


# -- the command line: options, not parameters ---------------------------------------------

@pytest.mark.parametrize(("args", "fragments"), [
    (("sweep", FLAGSHIP, "--draft", "res-2375", "--provision", "textile_ban", "--values", "0.5"),
     ["(to give severities, add --severity)"]),
    (("sweep", FLAGSHIP, "--draft", "res-2375", "--provision", "oil_refined", "--values", "2",
      "--severity", "--target", "0.5"), ["with --severity, values of 'oil_refined' must be"]),
    (("sweep", FLAGSHIP, "--provision", "oil_refined", "--values", "1"),
     ["choose one with --draft ID: us-first-draft"]),
    (("negotiate", FLAGSHIP, "--draft", "res-2375", "--target", "1.5"),
     ["--target must be a probability strictly between 0 and 1, got 1.5"]),
    (("negotiate", FLAGSHIP, "--draft", "res-2375", "--sponsor", "XXX"),
     ["--sponsor 'XXX' is not on the council"]),
    (("sensitivity", FLAGSHIP, "--draft", "res-2375", "--step", "-1"), ["--step for "]),
    (("reform", FLAGSHIP, "--draft", "res-2375", "--council", "g7"),
     ["--council: unknown council 'g7'"]),
    (("calibrate", "--since", "2017-13-01"),
     ["--since '2017-13-01' is not a date; give a date such as '2017-09-11'"]),
    (("calibrate", "--half-life", "-1"), ["--half-life must be a positive number"]),
    (("calibrate", "--effects", "foo"), ["--effects: unknown ['foo']; allowed: topic"]),
    (("backtest", "--from", "1990", "--to", "1980"), ["--from and --to must be years"]),
    (("backtest", "--from", "1900", "--to", "1901"),
     ["--from and --to 1900-1901 are outside the record: give years from 1947", "to 2025"]),
    (("calibrate", "--before", "2031-01-01"),
     ["before 2031-01-01 is outside the record: give a date from 1946-01-31 to 2026-12-31"]),
    (("calibrate", "--topic", "xyz", "--since", "2015-01-01"),
     ["topic groups: dprk, non-proliferation", "syria", "ukraine"]),
])
def test_command_line_errors_name_options(args, fragments):
    proc = cli(*args)
    assert_one_clean_error(proc, *fragments)
    for api_word in ("severity=True", "datetime.date", "half_life must", "target must"):
        assert api_word not in proc.stderr.replace("--target must", "")


def test_file_errors_on_the_command_line_carry_the_line(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(HEAD + '[[member]]\ncode = "RUS"\nsalince = { oil_refined = 1.0 }\n')
    proc = cli("run", path)
    assert_one_clean_error(proc, f"{path}:5: member[0] (RUS).salince: unknown key 'salince' "
                                 "(did you mean 'salience'?)")


def test_the_format_docs_quote_the_loaders_messages():
    from test_loading import BAD_FILES

    doc = (ROOT / "docs" / "scenario-format.md").read_text("utf-8")
    block = doc[doc.index("More examples"):doc.index("On the command line the message")]
    examples = [line.strip() for line in block.splitlines() if line.startswith("    ")]
    assert len(examples) == 4
    messages = [after.strip() for _, _, _, after in BAD_FILES.values()]
    for example in examples:
        assert example in messages, example
