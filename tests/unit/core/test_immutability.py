"""Models cannot go stale: no mapping changes in place, and every copy is validated.

A plain dict inside a "frozen" model could be changed after a first simulation, leaving cached
results (the content hash, the stance tables keyed by it) describing a scenario that no longer
exists. These tests walk every field of every model, so a field added later is covered too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle

import numpy as np
import pydantic
import pytest

from councilsim import (
    Bloc,
    Council,
    Draft,
    Member,
    Provision,
    Scenario,
    ScenarioError,
    SimulationSettings,
    blocking_coalitions,
    compare,
    load_scenario,
    power_indices,
    sensitivity,
    simulate,
    sweep,
    sweep_grid,
)
from councilsim._frozen import FrozenDict
from councilsim.catalog import ProvisionKind, builtin_catalog

COUNCIL = Council(members=["AA", "BB", "CC"], veto_holders=["AA"], threshold=2,
                  names={"AA": "Alpha"})
KIND = ProvisionKind(label="Local", scale="levels", levels={"light": 0.3, "full": 1.0})
SCENARIO = Scenario(
    council=COUNCIL,
    date=dt.date(2020, 1, 1),
    members=[Member(code="AA", ideal={"local": 0.2}, salience={"local": 2.0}, veto_cost=0.5)],
    blocs=[Bloc(name="b", members=["BB", "CC"])],
    status_quo=[Provision(kind="local", value="light")],
    drafts=[Draft(id="d", provisions=[Provision(kind="local", severity=0.8)],
                  obliged_abstain=["CC"])],
    catalog={"local": KIND},
    simulation=SimulationSettings(method="exact", seed=1),
)


def _walk(value, path: str):
    """Yield (path, value) of every value reachable from a model's fields."""
    yield path, value
    if isinstance(value, pydantic.BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}[{key!r}]")
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def test_every_value_in_a_scenario_is_immutable(scenario_paths):
    # Also covers defaults (a default_factory=dict would be a plain, changeable dict).
    scenarios = [SCENARIO, *map(load_scenario, scenario_paths),
                 Scenario(council=COUNCIL, members=[Member(code="BB")])]
    mappings = 0
    for scenario in scenarios:
        for path, value in _walk(scenario, "scenario"):
            assert not isinstance(value, list | set | bytearray), path
            if isinstance(value, dict):
                assert isinstance(value, FrozenDict), f"{path} is a changeable {type(value)}"
                mappings += 1
    assert mappings >= 8  # names, ideal, salience, catalog, levels... were all reached


@pytest.mark.parametrize("change", [
    lambda m: m.__setitem__("x", 1.0),
    lambda m: m.__delitem__(next(iter(m))),
    lambda m: m.update(x=1.0),
    lambda m: m.setdefault("x", 1.0),
    lambda m: m.pop(next(iter(m))),
    lambda m: m.popitem(),
    lambda m: m.clear(),
    lambda m: m.__ior__({"x": 1.0}),
])
@pytest.mark.parametrize("mapping", [
    lambda: SCENARIO.member("AA").ideal,
    lambda: SCENARIO.member("AA").salience,
    lambda: SCENARIO.council.names,
    lambda: SCENARIO.catalog,
    lambda: SCENARIO.catalog["local"].levels,
    lambda: SCENARIO.provision_kinds,
    lambda: builtin_catalog(),
], ids=["ideal", "salience", "names", "catalog", "levels", "provision_kinds", "builtin_catalog"])
def test_in_place_change_of_a_mapping_is_refused(mapping, change):
    target = mapping()
    before = dict(target)
    with pytest.raises(TypeError, match="read-only"):
        change(target)
    assert dict(mapping()) == before


def test_fields_cannot_be_assigned():
    for model in (SCENARIO, SCENARIO.council, SCENARIO.members[0], SCENARIO.blocs[0],
                  SCENARIO.drafts[0], SCENARIO.status_quo[0], SCENARIO.simulation, KIND):
        name = next(iter(type(model).model_fields))
        with pytest.raises(pydantic.ValidationError, match="frozen"):
            setattr(model, name, getattr(model, name))


def test_a_result_cannot_outlive_its_scenario(flagship):
    # The case: once the salience cannot change in place, a later simulation of the
    # "same" scenario cannot reuse a stance table computed for different numbers.
    scenario = flagship
    first = simulate(scenario, "us-first-draft").p_adopted
    with pytest.raises(TypeError):
        scenario.member("RUS").salience["oil_refined"] = 50
    stance = scenario.member("RUS")
    changed = stance.model_copy(update={"salience": {**stance.salience, "oil_refined": 50.0}})
    members = tuple(changed if m.code == "RUS" else m for m in scenario.members)
    other = scenario.model_copy(update={"members": members})
    assert other.content_hash() != scenario.content_hash()
    assert simulate(other, "us-first-draft").p_adopted < first / 1000
    assert simulate(scenario, "us-first-draft").p_adopted == first


@pytest.mark.parametrize(("model", "update", "fragment"), [
    (SCENARIO.council, {"threshold": 9}, "above the number of seats"),
    (SCENARIO.council, {"names": {"ZZ": "Zed"}}, "non-members"),
    (SCENARIO.members[0], {"uncertainty": -5}, "uncertainty: must be >= 1e-06, got -5"),
    (SCENARIO.members[0], {"ideal": {"local": 2.0}}, "must be in [0, 1]"),
    (SCENARIO.members[0], {"code": "a"}, "upper-case"),
    (SCENARIO.blocs[0], {"sd": -1.0}, "sd: must be >= 0, got -1.0"),
    (SCENARIO.blocs[0], {"members": ()}, "members: must list at least 1 entry, got none"),
    (SCENARIO.drafts[0], {"provisions": (Provision(kind="x", severity=1),) * 2}, "twice"),
    (SCENARIO.status_quo[0], {"severity": 0.5}, "exactly one of"),
    (SCENARIO.simulation, {"method": "fast"}, "auto"),
    (SCENARIO.simulation, {"draws": 0}, "draws: must be > 0, got 0"),
    (KIND, {"levels": {"all": 2.0}}, "must be in [0, 1]"),
    (SCENARIO, {"mood_sd": -1.0}, "mood_sd: must be >= 0, got -1.0"),
    (SCENARIO, {"members": (Member(code="ZZ"),)}, "'ZZ' is not on the council"),
    (SCENARIO, {"blocs": (Bloc(name="c", members=["CC", "ZZ"]),)}, "'ZZ' is not on the council"),
    (SCENARIO.members[0], {"no_such_field": 1}, "unknown key 'no_such_field'; allowed: code"),
], ids=lambda value: type(value).__name__ if isinstance(value, pydantic.BaseModel) else None)
def test_a_copy_with_a_bad_value_is_refused(model, update, fragment):
    # One readable councilsim error (a ValueError), not pydantic's report.
    with pytest.raises(ScenarioError) as info:
        model.model_copy(update=update)
    assert fragment in str(info.value)


def test_a_valid_copy_is_an_ordinary_model():
    copy = SCENARIO.model_copy(update={"mood_sd": 0.25})
    assert copy.mood_sd == 0.25 and copy == Scenario.model_validate(
        {**SCENARIO.model_dump(), "mood_sd": 0.25})
    assert copy.content_hash() != SCENARIO.content_hash()
    assert SCENARIO.model_copy() == SCENARIO
    assert SCENARIO.model_copy(deep=True).content_hash() == SCENARIO.content_hash()


def test_read_only_mappings_serialise_pickle_and_hash():
    data = SCENARIO.model_dump()
    assert type(data["members"][0]["ideal"]) is dict  # model_dump gives ordinary dicts
    assert Scenario.model_validate(data) == SCENARIO
    assert Scenario.model_validate_json(SCENARIO.model_dump_json()) == SCENARIO
    schema = Member.model_json_schema()["properties"]["salience"]
    assert schema["type"] == "object" and schema["additionalProperties"] == {"type": "number"}
    assert pickle.loads(pickle.dumps(SCENARIO)) == SCENARIO
    assert hash(SCENARIO) == hash(Scenario.model_validate(data))


def _mutable_parts(value, path):
    """Paths of the plain dicts and writeable arrays reachable from a result's fields."""
    if isinstance(value, dict) and not isinstance(value, FrozenDict):
        yield path
    if isinstance(value, np.ndarray) and value.flags.writeable:
        yield path
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _mutable_parts(getattr(value, field.name), f"{path}.{field.name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _mutable_parts(item, f"{path}[{key!r}]")
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            yield from _mutable_parts(item, f"{path}[{i}]")


def test_results_cannot_be_changed_in_place(flagship):
    # A result must stay what its provenance says produced it: no edited veto_prob, no
    # overwritten sweep curve. The caller's own arrays stay theirs to change.
    values = np.array([0.2, 0.8])
    results = {
        "exact": simulate(flagship, "res-2375"),
        "monte_carlo": simulate(flagship, "res-2375", method="monte_carlo", draws=200, seed=1,
                                keep_draws=True),
        "compare": compare(flagship),
        "sweep": sweep(flagship, "res-2375", "oil_refined", values, severity=True),
        "grid": sweep_grid(flagship, "res-2375", ("oil_refined", [0.2, 0.8]),
                           ("oil_crude", [0.5, 1.0]), severity=True),
        "sensitivity": sensitivity(flagship, "res-2375"),
        "coalitions": blocking_coalitions(flagship, "res-2375"),
        "power": power_indices(flagship.council),
    }
    for name, result in results.items():
        assert list(_mutable_parts(result, name)) == [], name
    with pytest.raises(TypeError, match="read-only"):
        results["exact"].veto_prob["RUS"] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        results["sweep"].p_adopted[0] = 1.0
    values[0] = 0.5  # still the caller's
    assert hash(results["exact"]) == hash(simulate(flagship, "res-2375"))
