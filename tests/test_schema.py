"""The published JSON Schema: generated from the model (one source of truth),
committed in step with it, accepted by editors' tooling for every seed, and
refusing the bad inputs a schema can express."""
from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import jsonschema
import pytest
import yaml
from jsonschema import Draft202012Validator

from conftest import SEED_FILES
from site_builder.content import schema as schema_module
from site_builder.content.model import Filing


def committed() -> dict[str, Any]:
    return json.loads(schema_module.SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(committed(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def as_editors_see_it(value: Any) -> Any:
    """yaml.safe_load reads YAML 1.1 (2024-03-01 becomes a date); editors'
    tooling reads YAML 1.2, where it is a string."""
    if isinstance(value, dict):
        return {k: as_editors_see_it(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editors_see_it(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def load(path) -> dict[str, Any]:
    return as_editors_see_it(yaml.safe_load(path.read_text(encoding="utf-8")))


def errors(validator: Draft202012Validator, data: Any) -> list[jsonschema.ValidationError]:
    return list(validator.iter_errors(data))


def test_committed_schema_equals_freshly_generated_output():
    text = schema_module.SCHEMA_PATH.read_text(encoding="utf-8")
    assert text == schema_module.render(), (
        "site_builder/schema/filing.schema.json is out of date: run `python -m site_builder.content.schema`")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    # sorted keys, indent 2, Chinese not escaped
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert "预算数" in text and "\\u" not in text


def test_module_writes_the_schema(tmp_path):
    target = tmp_path / "out" / "filing.schema.json"
    assert schema_module.main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == schema_module.render()


def test_schema_is_valid_draft_2020_12_with_id():
    s = committed()
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert s["$id"] == Filing.model_config["json_schema_extra"]["$id"]
    Draft202012Validator.check_schema(s)


def test_schema_comes_from_the_model():
    s = committed()
    # every model field is a property with the same name (``schema_`` under its alias)
    assert set(s["properties"]) == {f.alias or n for n, f in Filing.model_fields.items()}
    assert set(s["required"]) == {"schema", "year", "region", "agency", "source", "projects"}
    for name in ("Region", "Agency", "Source", "Overview", "UnitBudget", "Project", "Budget",
                 "SpendingPlan", "Indicator", "ReviewItem"):
        assert s["$defs"][name]["additionalProperties"] is False, name


def test_money_is_a_number_and_one_definition():
    s = committed()
    money = s["$defs"]["Money"]
    assert money["anyOf"][0] == {"type": "number", "minimum": 0}
    assert money["anyOf"][1]["type"] == "string"
    assert money["anyOf"][1]["pattern"] == r"^[0-9]+(\.[0-9]{1,6})?$"
    # pydantic's Decimal shape (a string branch taking any text, even "-1")
    # is gone everywhere
    assert {"type": "string"} not in list(_all_anyof_branches(s))
    assert s["$defs"]["Budget"]["properties"]["total"]["$ref"] == "#/$defs/Money"


def _all_anyof_branches(node: Any):
    if isinstance(node, dict):
        for b in node.get("anyOf", []):
            yield b
        for v in node.values():
            yield from _all_anyof_branches(v)
    elif isinstance(node, list):
        for v in node:
            yield from _all_anyof_branches(v)


@pytest.mark.parametrize("path", SEED_FILES, ids=[p.name for p in SEED_FILES])
def test_schema_accepts_every_seed(validator, path):
    data = load(path)
    # PyYAML hands over floats for amounts and ints for whole numbers
    budgets = [p["budget"]["total"] for p in data["projects"]]
    assert all(isinstance(b, (int, float)) for b in budgets)
    assert isinstance(data["year"], int) and isinstance(data["schema"], int)
    assert [e.message for e in errors(validator, data)] == []


@pytest.fixture(scope="module")
def seed_once() -> dict[str, Any]:
    return load(next(p for p in SEED_FILES if p.name == "130202-430001-2025.yaml"))


@pytest.fixture()
def seed(seed_once) -> dict[str, Any]:
    return copy.deepcopy(seed_once)


def _without(d: dict, key: str) -> dict:
    d = copy.deepcopy(d)
    del d[key]
    return d


BAD = {
    "missing required field": lambda d: _without(d, "source"),
    "missing required nested field": lambda d: {**d, "projects": [
        {**d["projects"][0], "budget": {"fiscal": 241.74}}]},
    "unknown field": lambda d: {**d, "projects": [
        {**{k: v for k, v in d["projects"][0].items() if k != "budget"}, "budgt": d["projects"][0]["budget"]}]},
    "list where mapping expected": lambda d: {**d, "region": [d["region"]]},
    "list where mapping expected (budget)": lambda d: {**d, "projects": [
        {**d["projects"][0], "budget": [241.74, 241.74]}]},
    "negative amount": lambda d: {**d, "projects": [{**d["projects"][0], "budget": {"total": -241.74}}]},
    "negative amount as text": lambda d: {**d, "projects": [{**d["projects"][0], "budget": {"total": "-241.74"}}]},
    "non-number amount": lambda d: {**d, "projects": [{**d["projects"][0], "budget": {"total": "二百四十一"}}]},
    "amount with a unit": lambda d: {**d, "projects": [{**d["projects"][0], "budget": {"total": "241.74万元"}}]},
    "amount text with 7 decimals": lambda d: {**d, "projects": [
        {**d["projects"][0], "budget": {"total": "241.7400001"}}]},
    "invalid division code": lambda d: {**d, "region": {**d["region"], "code": "990202"}},
    "division code of 5 digits": lambda d: {**d, "region": {**d["region"], "code": "13020"}},
    "division code as a number": lambda d: {**d, "region": {**d["region"], "code": 130202}},
    "invalid year": lambda d: {**d, "year": 1925},
    "year after 2100": lambda d: {**d, "year": 2101},
    "year as text": lambda d: {**d, "year": "二〇二五"},
    "empty projects": lambda d: {**d, "projects": []},
    "wrong format version": lambda d: {**d, "schema": 2},
    "a list at the top": lambda d: [d],
    "target as a number": lambda d: {**d, "projects": [{**d["projects"][0], "indicators": [
        {**d["projects"][0]["indicators"][0], "target": 59}]}]},
}


@pytest.mark.parametrize("case", BAD)
def test_schema_rejects_bad_input(validator, seed, case):
    assert errors(validator, seed) == []
    bad = BAD[case](seed)
    assert errors(validator, bad), case


@pytest.mark.parametrize("value", [0, 35.0, 241.74, 53.4857, 1022, "241.74", "35.00", "0"])
def test_schema_accepts_amounts_as_written(validator, seed, value):
    data = {**seed, "projects": [{**seed["projects"][0], "budget": {"total": value}}]}
    assert errors(validator, data) == []


def test_schema_error_locations_name_the_field(validator, seed):
    found = {(tuple(e.absolute_path), e.validator): e.message for e in errors(validator, BAD["unknown field"](seed))}
    assert set(found) == {(("projects", 0), "additionalProperties"), (("projects", 0), "required")}
    assert "'budgt'" in found[(("projects", 0), "additionalProperties")]
    assert "'budget'" in found[(("projects", 0), "required")]
    [err] = errors(validator, BAD["invalid division code"](seed))
    assert list(err.absolute_path) == ["region", "code"]


def test_schema_and_checker_agree_on_the_bad_fixtures():
    # the schema-level fixtures of tests/fixtures/bad are refused by both
    from conftest import BAD as BAD_DIR
    from site_builder.content.validate import validate_paths

    v = Draft202012Validator(committed())
    for name in ("list_not_mapping.yaml", "missing_field.yaml", "unknown_field.yaml", "amount_not_number.yaml",
                 "amount_negative.yaml", "bad_division_code.yaml", "bad_year.yaml"):
        path = BAD_DIR / name
        assert list(v.iter_errors(load(path))), name
        assert not validate_paths([path]).ok, name
