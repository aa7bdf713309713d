"""Scenario files: the gallery of bad files and their exact messages, and fuzzing of the loader.

Every bad file in ``tests/data/bad/`` holds one mistake; ``BAD_FILES`` below pairs it with the
exact message the loader must give (after the file name, which the message starts with).
"""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import REPO_ROOT, TESTS_DIR

from councilsim.errors import ScenarioError
from councilsim.loading import (
    load_scenario,
    parse_scenario,
    scenario_file_schema,
    scenario_from_document,
)
from councilsim.models import Scenario

ROOT = REPO_ROOT
BAD = TESTS_DIR / "data" / "bad"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))

_KINDS = ("arms_embargo, coal_ban, iron_ban, leader_sanctions, maritime_interdiction, oil_crude, "
          "oil_refined, panel_of_experts, seafood_ban, textile_ban, worker_cap")
_SEATS_2017 = "CHN, FRA, RUS, GBR, USA, ETH, SEN, EGY, JPN, KAZ, URY, BOL, ITA, SWE, UKR"
_TOP_LEVEL = (
    "[scenario] (title, date, description, council, mood_sd); [council] (an inline council: "
    "members, veto_holders, threshold, name, names); [simulation] (method, draws, seed); "
    "[status_quo] (provisions in force before the vote, one key per kind); [camps] (named "
    "groups of members that affinities respond to, one key per camp); [bloc] ([[bloc]] "
    "entries: name, members, sd, loadings, why); [member] ([[member]] entries: code, support, "
    "ideal, salience, uncertainty, ...); [draft] ([[draft]] entries: id, title, provisions, "
    "sponsors, rivals, amendment, ...); [catalog] (extra provision kinds, one table per kind); "
    "[calibration] (stances estimated from the recorded votes: topic, since, before, half_life, "
    "effects)"
)

#: file -> (line, column, field, the message after "<file>:") -- one mistake per file.
BAD_FILES = {
    "syntax-error.toml": (
        3, 24, None, "3:24: TOML syntax error: Illegal character '\\n'"),
    "wrong-type.toml": (
        8, None, "member[0] (USA).support",
        "8: member[0] (USA).support: input should be a valid number, unable to parse string as "
        "a number, got 'high'"),
    "negative-uncertainty.toml": (
        17, None, "member[3] (RUS).uncertainty",
        "17: member[3] (RUS).uncertainty: must be >= 1e-06, got -1"),
    "bloc-unknown-member.toml": (
        8, None, "bloc[0] (western).members",
        f"8: bloc[0] (western).members: 'DEU' is not on the council; the council's members are "
        f"{_SEATS_2017}"),
    "member-in-two-blocs.toml": (
        12, None, "bloc[1] (asia).members",
        "12: bloc[1] (asia).members: JPN is already in bloc 'western'; a member belongs to at "
        "most one bloc"),
    "unknown-kind.toml": (
        8, None, "draft[0] (d).provisions[0].kind",
        "8: draft[0] (d).provisions[0].kind: unknown provision kind 'oil_refind'; "
        f"known kinds: {_KINDS}"),
    "ideal-unknown-kind.toml": (
        8, None, "member[0] (RUS).ideal.oil_refind",
        "8: member[0] (RUS).ideal.oil_refind: unknown provision kind 'oil_refind' (did you mean "
        f"'oil_refined'?); known kinds: {_KINDS}"),
    "bad-level.toml": (
        8, None, "draft[0] (d).provisions[0].value",
        "8: draft[0] (d).provisions[0].value: unknown level 'halve' for 'worker_cap'; allowed: a "
        "number in workers (baseline 100,000); one of 'none', 'freeze', 'no_new', "
        "'repatriate_24m', 'ban'; or 'severity' in [0, 1]"),
    "status-quo-bad-level.toml": (
        7, None, "status_quo.maritime_interdiction.value",
        "7: status_quo.maritime_interdiction.value: unknown level 'blockade' for "
        "'maritime_interdiction'; allowed: one of 'none', 'flag_consent', 'port_seizure', "
        "'force'; or 'severity' in [0, 1]"),
    "unknown-top-level-key.toml": (
        6, None, "drafts",
        f"{6}: drafts: unknown top-level key (did you mean 'draft'?); allowed: "
        f"{_TOP_LEVEL}"),
    "unknown-member-key.toml": (
        8, None, 'member[0] (USA).suport',
        "8: member[0] (USA).suport: unknown key 'suport' (did you mean 'support'?); allowed: "
        'code, support, ideal, salience, uncertainty, abstention, veto_cost, absence, affinity, '
        'rival, amendment, why'),
    "missing-council.toml": (
        2, None, "scenario.council",
        '2: scenario.council: no council given; set council = "unsc-2017" (any year 1946-2026) '
        "in [scenario], or add a [council] table"),
    "unknown-council.toml": (
        4, None, "scenario.council",
        "4: scenario.council: unknown council 'g5-2030'; allowed: 'unsc-YYYY' for any year "
        "1946-2026, or one of charter-1945, charter-1965, no-veto, g4-2005, ufc-2005, "
        "ezulwini-2005"),
    "duplicate-draft-ids.toml": (
        10, None, "draft[1] (res-2375).id",
        f"{10}: draft[1] (res-2375).id: duplicate draft id 'res-2375', "
        "already used by an earlier entry"),
    "veto-cost-elected.toml": (
        8, None, "member[0] (SWE).veto_cost",
        "8: member[0] (SWE).veto_cost: SWE holds no veto, so its veto_cost must be 0"),
    "threshold-above-seats.toml": (
        5, None, "council",
        "5: council: threshold 6 is above the number of seats (5); allowed: 1 to 5"),
    "bad-date.toml": (
        4, None, "scenario.date",
        "4: scenario.date: must be a date such as 2017-09-11, got 'September 2017'"),
    "unit-mismatch.toml": (
        8, None, "draft[0] (d).provisions[0].value",
        "8: draft[0] (d).provisions[0].value: unit 'tons/year' does not fit 'oil_refined', "
        "which is in 'barrels/year' (or 'bbl/year'), optionally scaled: 'thousand ...', "
        "'million ...', 'billion ...'"),
    "ideal-out-of-range.toml": (
        8, None, "member[0] (CHN).ideal",
        "8: member[0] (CHN).ideal: ideal severity for 'oil_crude' must be in [0, 1], got 1.5"),
    "not-utf8.toml": (
        1, 31, None, "1:31: not UTF-8 text: byte 0xe9 cannot be decoded; save the file as UTF-8"),
    "unknown-sponsor.toml": (
        7, None, 'draft[0] (uk-japan-proposal).sponsors',
        "7: draft[0] (uk-japan-proposal).sponsors: 'JPM' is not on the council (did you mean "
        "'JPN'?); give a member code (CHN, FRA, RUS, GBR, USA, ETH, SEN, EGY, JPN, KAZ, URY, BOL,"
        ' ITA, SWE, UKR) or, for a state outside the Council, its name ("Ukraine")'),
    "unknown-rival.toml": (
        7, None, 'draft[0] (s-2016-846).rivals',
        "7: draft[0] (s-2016-846).rivals: no draft 's-2016-874' in the scenario (did you mean "
        "'s-2016-847'?); its other drafts are s-2016-847"),
    "affinity-unknown-camp.toml": (
        7, None, 'member[0] (RUS).affinity',
        "7: member[0] (RUS).affinity: unknown key 'wset' (did you mean 'west'?); allowed: a "
        'member code (CHN, FRA, RUS, GBR, USA, ETH, SEN, EGY, JPN, KAZ, URY, BOL, ITA, SWE, UKR) '
        'or a camp (west, east, arab)'),
    "loading-non-member.toml": (
        9, None, 'bloc[0] (east-west).loadings',
        "9: bloc[0] (east-west).loadings: 'JPN' is not a member of bloc 'east-west'; its members "
        'are RUS, CHN, USA, GBR, FRA'),
    "camp-unknown-member.toml": (
        8, None, 'camps.a3',
        "8: camps.a3: 'EGI' is not on the council (did you mean 'EGY'?); the council's members "
        'are CHN, FRA, RUS, GBR, USA, ETH, SEN, EGY, JPN, KAZ, URY, BOL, ITA, SWE, UKR'),
    "empty.toml": (
        None, None, None,
        ' the file is empty (or holds only comments); a scenario needs at least a [scenario] '
        'table with council = "unsc-YYYY"'),
}


def test_every_bad_file_has_an_expected_message():
    assert sorted(path.name for path in BAD.glob("*.toml")) == sorted(BAD_FILES)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_gives_exact_message(name):
    line, column, field, after = BAD_FILES[name]
    path = BAD / name
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert str(err) == f"{path}:{after}"
    assert (err.path, err.line, err.column, err.field) == (str(path), line, column, field)
    assert isinstance(err, ValueError)  # callers catching ValueError see it too


# -- other loader behaviour ---------------------------------------------------------------

MINIMAL = '[scenario]\ncouncil = "unsc-2017"\n[[draft]]\nid = "d"\n'


def test_minimal_file_and_defaults():
    scenario = parse_scenario(MINIMAL)
    assert scenario.title == "untitled scenario"
    assert scenario.council.name == "unsc-2017"
    assert scenario.mood_sd == 0.5
    assert scenario.members == () and scenario.blocs == ()
    assert scenario.simulation.method == "auto" and scenario.simulation.draws == 100_000
    assert scenario.member("USA").support == 0.0  # default stance for members without an entry


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read the file"):
        load_scenario(tmp_path / "absent.toml")
    with pytest.raises(ScenarioError, match="is a folder; give a scenario .toml file"):
        load_scenario(tmp_path)
    with pytest.raises(ScenarioError, match="no scenario file given"):
        load_scenario("")


def test_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_scenario(path).council.name == "unsc-2017"


def test_comments_only_counts_as_empty():
    with pytest.raises(ScenarioError, match="the file is empty"):
        parse_scenario("# nothing here\n\n")


def test_sponsors_rivals_camps_and_loadings_load():
    scenario = parse_scenario(
        '[scenario]\ncouncil = "unsc-2019"\n[camps]\nbolivarian = ["RUS", "CHN"]\n'
        '[[bloc]]\nname = "east-west"\nmembers = ["RUS", "CHN", "USA"]\nsd = 0.8\n'
        'loadings = { USA = -1.0 }\n'
        '[[member]]\ncode = "USA"\naffinity = { bolivarian = -1.5, DEU = 0.5 }\nrival = -0.2\n'
        'amendment = 0.3\n'
        '[[draft]]\nid = "a"\nsponsors = ["USA", "Venezuela"]\nrivals = ["b"]\n'
        'topic = "Venezuela"\n[[draft]]\nid = "b"\namendment = true\n')
    assert scenario.camps == {"bolivarian": ("RUS", "CHN")}  # a file's camps replace the default
    assert scenario.blocs[0].loading("USA") == -1.0 and scenario.blocs[0].loading("RUS") == 1.0
    usa = scenario.member("USA")
    assert (dict(usa.affinity), usa.rival, usa.amendment) == ({"bolivarian": -1.5, "DEU": 0.5},
                                                              -0.2, 0.3)
    a, b = scenario.drafts
    assert a.sponsors == ("USA", "Venezuela") and a.topic == "Venezuela" and b.amendment
    assert scenario.has_rival(a) and scenario.has_rival(b)  # b is a's rival: the relation is mutual


def test_status_quo_shorthand_and_table_agree():
    short = parse_scenario(MINIMAL + '[status_quo]\nworker_cap = "freeze"\n')
    full = parse_scenario(MINIMAL + '[status_quo]\nworker_cap = { value = "freeze" }\n')
    assert short.status_quo_severities() == full.status_quo_severities() == {"worker_cap": 0.2}


def test_status_quo_entry_may_not_name_another_kind():
    with pytest.raises(ScenarioError) as info:
        parse_scenario(MINIMAL + '[status_quo]\nworker_cap = { kind = "oil_refined", value = 1 }\n')
    assert info.value.field == "status_quo.worker_cap.kind"


def test_unmentioned_kinds_stay_at_status_quo():
    scenario = parse_scenario(
        '[scenario]\ncouncil = "unsc-2017"\n[status_quo]\ncoal_ban = true\n'
        '[[draft]]\nid = "d"\nprovisions = [{ kind = "textile_ban", value = true }]\n')
    assert scenario.draft_severities(scenario.draft("d")) == {"coal_ban": 1.0, "textile_ban": 1.0}


@pytest.mark.parametrize(
    ("snippet", "field", "problem"),
    [
        ('[[draft]]\nid = "e"\nprovisions = [{ kind = "oil_refined", value = [1] }]\n',
         "draft[1] (e).provisions[0].value",
         "must be true or false, a number or a level name, got [1]"),
        ('[council]\nmembers = "AB"\nthreshold = 1\n', "council.members",
         "input should be a valid tuple, got 'AB'"),
        ('[simulation]\nmethod = "fast"\n', "simulation.method",
         "input should be 'auto', 'exact' or 'monte_carlo', got 'fast'"),
        ("[simulation]\ndraws = 0\n", "simulation.draws", "must be > 0, got 0"),
        ('[[member]]\ncode = "USA"\nabsence = 1\n', "member[0] (USA).absence",
         "must be < 1, got 1"),
        ('[catalog.port_calls]\nlabel = "x"\nscale = "cap"\n', "catalog.port_calls",
         "a 'cap' kind needs both 'unit' and 'baseline' (> 0)"),
    ],
)
def test_field_paths_use_the_files_names(snippet, field, problem):
    text = MINIMAL + snippet
    if snippet.startswith("[council]"):  # an inline council: the name in [scenario] must go
        text = text.replace('council = "unsc-2017"\n', "")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, path="s.toml")
    assert (info.value.field, info.value.problem) == (field, problem)


def test_deeply_nested_toml_is_an_error_not_a_crash():
    with pytest.raises(ScenarioError, match="nested too deeply"):
        parse_scenario("a = " + "[" * 5000)


def test_scenario_from_document_rejects_non_tables():
    with pytest.raises(ScenarioError, match="must be a table"):
        scenario_from_document(["not", "a", "table"])  # type: ignore[arg-type]


# -- the file schema ----------------------------------------------------------------------


def _iso(value):
    if isinstance(value, dict):
        return {key: _iso(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_iso(item) for item in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def test_file_schema_accepts_every_shipped_scenario_and_rejects_a_typo():
    jsonschema = pytest.importorskip("jsonschema")
    schema = scenario_file_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in SCENARIOS:
        document = _iso(tomllib.loads(path.read_text("utf-8")))
        assert not list(validator.iter_errors(document)), path.name
    document = _iso(tomllib.loads(SCENARIOS[0].read_text("utf-8")))
    document["member"][0]["suport"] = 1.0
    assert list(validator.iter_errors(document))
    assert list(validator.iter_errors({"scenario": {"title": "no council"}}))


# -- fuzzing: whatever comes in, the loader answers with a Scenario or a ScenarioError -----

FUZZ = settings(derandomize=True, deadline=None, max_examples=200, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: Names that occur in scenario files, so that generated documents get past the first check.
_NAMES = ("scenario", "council", "simulation", "status_quo", "bloc", "member", "draft", "catalog",
          "title", "date", "description", "mood_sd", "members", "veto_holders", "threshold",
          "name", "names", "method", "draws", "seed", "code", "support", "ideal", "salience",
          "uncertainty", "abstention", "veto_cost", "absence", "why", "sd", "id", "provisions",
          "procedural", "obliged_abstain", "sponsors", "note", "kind", "value", "severity", "unit",
          "label", "scale", "baseline", "levels", "oil_refined", "worker_cap", "textile_ban",
          "USA", "RUS", "CHN", "unsc-2017", "g4-2005", "freeze", "cap", "ban", "exact")

keys = st.one_of(st.sampled_from(_NAMES), st.text(max_size=4))
leaves = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(_NAMES),
    st.text(max_size=8),
    st.just(dt.date(2017, 9, 11)),
    st.just(dt.datetime(2017, 9, 11, 12, 30)),
    st.just(dt.time(12, 30)),
)
toml_values = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(keys, children, max_size=3),
    ),
    max_leaves=10,
)
documents = st.dictionaries(keys, toml_values, max_size=6)
#: One level of nesting: cheap to draw, and enough for the fields of a member or a draft.
shallow = st.one_of(leaves, st.lists(leaves, max_size=3),
                    st.dictionaries(st.sampled_from(_NAMES), leaves, max_size=3))


@st.composite
def plausible_documents(draw: st.DrawFn) -> dict:
    """Documents shaped like scenario files, with one or more parts scrambled."""
    document: dict = {"scenario": {"council": draw(st.sampled_from(
        ["unsc-2017", "unsc-1950", "g4-2005", "unsc-2017", "nope"]))}}
    codes = st.sampled_from(["USA", "RUS", "SWE", "BRA", "E01", "usa"])
    required = {
        "member": st.fixed_dictionaries({"code": codes}),
        "bloc": st.fixed_dictionaries({"name": st.sampled_from(["w", "e"]),
                                       "members": st.lists(codes, max_size=3)}),
        "draft": st.fixed_dictionaries({"id": st.sampled_from(["a", "b"])}),
    }
    for table in draw(st.lists(st.sampled_from(["member", "bloc", "draft"]), max_size=3)):
        entry = draw(required[table])
        entry.update(draw(st.dictionaries(st.sampled_from(_NAMES), shallow, max_size=3)))
        document.setdefault(table, []).append(entry)
    if draw(st.booleans()):
        document["status_quo"] = draw(st.dictionaries(st.sampled_from(_NAMES), shallow,
                                                      max_size=3))
    if draw(st.booleans()):
        document["catalog"] = draw(st.dictionaries(keys, shallow, max_size=2))
    return document


def _loads_or_scenario_error(call, *args):
    try:
        result = call(*args)
    except ScenarioError as err:
        assert str(err)
        return
    assert isinstance(result, Scenario)


@FUZZ
@given(st.text(max_size=300))
def test_fuzz_parse_any_text(text):
    _loads_or_scenario_error(parse_scenario, text)


_LINES = (
    "[scenario]", 'council = "unsc-2017"', 'council = "g4-2005"', "[council]",
    'members = ["AA", "BB"]', "threshold = 1", "threshold = 3", "[[member]]", 'code = "USA"',
    'code = "XX"', "support = 1.5", "uncertainty = -1", "veto_cost = 0.5", "[[bloc]]",
    'members = ["USA"]', 'name = "w"', "[[draft]]", 'id = "d"',
    'provisions = [{ kind = "oil_refined", value = 1 }]',
    'provisions = [{ kind = "worker_cap", value = "freeze" }]', "[status_quo]",
    'worker_cap = "no_new"', "textile_ban = true", "oil_refined = -5", "[simulation]",
    "draws = 0", 'method = "exact"', "[catalog.x]", 'label = "x"', 'scale = "ban"',
    "mood_sd = 0.2", "date = 2017-09-11", "x = [", "= 1",
)


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(_LINES), st.text(max_size=12)), max_size=14))
def test_fuzz_parse_toml_like_lines(lines):
    _loads_or_scenario_error(parse_scenario, "\n".join(lines))


@FUZZ
@given(documents)
def test_fuzz_scenario_from_any_document(document):
    _loads_or_scenario_error(scenario_from_document, document)


@FUZZ
@given(plausible_documents())
def test_fuzz_scenario_from_plausible_document(document):
    _loads_or_scenario_error(scenario_from_document, document)


# -- docs/scenario-format.md stays in step with the code ----------------------------------

DOC = ROOT / "docs" / "scenario-format.md"


def _indented_block_after(text: str, heading: str) -> str:
    """The first 4-space-indented block after ``heading``, dedented."""
    lines = text[text.index(heading):].splitlines()
    block, started = [], False
    for line in lines[1:]:
        if line.startswith("    "):
            block.append(line[4:])
            started = True
        elif started and line.strip():
            break
        elif started:
            block.append("")
    return "\n".join(block)


def test_doc_mentions_every_key_of_every_table():
    from councilsim.catalog import ProvisionKind
    from councilsim.models import Bloc, Council, Draft, Member, Provision, SimulationSettings

    doc = DOC.read_text("utf-8")
    for model in (Council, Member, Bloc, Provision, Draft, SimulationSettings, ProvisionKind):
        for name in model.model_fields:
            assert f"| `{name}` |" in doc, f"{model.__name__}.{name} is not documented"
    for name in ("title", "date", "description", "council", "mood_sd"):
        assert f"| `{name}` |" in doc
    for table in ("[scenario]", "[council]", "[simulation]", "[status_quo]", "[camps]",
                  "[[bloc]]", "[[member]]", "[[draft]]", "[catalog.<kind>]"):
        assert f"`{table}`" in doc


def test_doc_lists_the_builtin_catalog():
    from councilsim.catalog import builtin_catalog

    doc = DOC.read_text("utf-8")
    for name, kind in builtin_catalog().items():
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, f"built-in kind {name} is not in the catalog table"
        assert f"| {kind.scale} |" in row
        for level, severity in kind.levels.items():
            assert f"`{level}` {severity:g}" in row
        if kind.baseline is not None:
            assert f"{kind.unit}; {kind.baseline:,.0f}" in row


def test_doc_examples_load():
    doc = DOC.read_text("utf-8")
    scenario = parse_scenario(_indented_block_after(doc, "## A minimal file"))
    assert scenario.member("RUS").veto_cost == 0.3 and scenario.member("USA").support == 0.0
    status_quo = _indented_block_after(doc, "## `[status_quo]`")
    provisions = _indented_block_after(doc, "## Provisions\n")
    scenario = parse_scenario(MINIMAL.replace('id = "d"\n', 'id = "d"\n' + provisions + "\n")
                              + status_quo)
    assert len(scenario.status_quo) == 5 and len(scenario.drafts[0].provisions) == 4
    camps = parse_scenario(MINIMAL + _indented_block_after(doc, "## `[camps]`"))
    assert camps.camps == Scenario(council=camps.council).camps  # the documented defaults
    rivals = parse_scenario(_indented_block_after(doc, "## Rival drafts"))
    assert rivals.has_rival(rivals.draft("russian-text"))  # listed on the other draft only
