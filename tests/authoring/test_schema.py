"""The JSON Schema shipped for editors: current, and true to the validator."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tariffcore.authoring import ruleset_schema, schema_text
from tariffcore.commands import main
from tariffcore.format import load_yaml
from tariffcore.plugins import load_plugins
from tests.helpers import ROOT, RULESETS

SHIPPED = ROOT / "docs" / "schema" / "ruleset.schema.json"
VERSION_FILES = sorted(p for p in RULESETS.rglob("*.yaml") if "tests" not in p.parts)


def test_the_shipped_schema_is_current() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == schema_text(load_plugins().charge_types), (
        "docs/schema/ruleset.schema.json is out of date: run "
        "`tariffcore schema -o docs/schema/ruleset.schema.json`"
    )


def test_the_command_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == ruleset_schema(load_plugins().charge_types)


def test_charges_are_a_union_discriminated_by_type() -> None:
    schema = ruleset_schema(load_plugins(entry_points=False).charge_types)
    charge = schema["$defs"]["RulesetVersion"]["properties"]["charges"]["additionalProperties"]
    assert charge["discriminator"]["propertyName"] == "type"
    assert set(charge["discriminator"]["mapping"]) == {"base_by_meter", "graduated", "per_unit", "volume"}


def test_the_modelines_point_at_the_shipped_schema() -> None:
    for path in VERSION_FILES:
        text = path.read_text(encoding="utf-8")
        if "charges:" not in text and "arrears:" in text:
            continue  # late-payment rule files may leave the modeline out
        first = text.splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target == SHIPPED, path


def _as_json(value: Any) -> Any:
    # YAML as an editor sees it: keys are text, dates are text (Decimal is a JSON number).
    if isinstance(value, dict):
        return {str(key): _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    return value.isoformat() if isinstance(value, date) else value


def _schema_errors(path: Path) -> list[str]:
    data = load_yaml(path.read_text(encoding="utf-8"), str(path), keep_going=True).data
    validator = jsonschema.Draft202012Validator(json.loads(SHIPPED.read_text(encoding="utf-8")))
    # A file is one of two kinds (oneOf: tariff, late-payment rules); keep the errors of the
    # kind it says it is.
    branch = 1 if "arrears" in data else 0
    found = []
    for error in validator.iter_errors(_as_json(data)):
        details = [d for d in error.context if d.schema_path[0] == branch] if error.context else [error]
        found += [detail.message for detail in details]
    return found


@pytest.mark.parametrize("path", VERSION_FILES, ids=[str(p.relative_to(RULESETS)) for p in VERSION_FILES])
def test_every_shipped_ruleset_satisfies_the_schema(path: Path) -> None:
    assert _schema_errors(path) == []


def test_an_editor_flags_the_broken_fixture() -> None:
    errors = _schema_errors(ROOT / "tests" / "fixtures" / "broken" / "water-2026.yaml")
    assert "'confidence' is a required property" in errors
    assert any("'househod_units_default' was unexpected" in error for error in errors)


def _file_errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "2026-07.yaml"
    path.write_text(text, encoding="utf-8")
    return _schema_errors(path)


EXTENDS = """\
ruleset: kr/example
version: "2026-07"
extends: "2025-07"
effective: {from: 2026-07, basis: billing_month}
"""


def test_a_file_that_extends_another_states_only_what_changed(tmp_path: Path) -> None:
    # No title, sources or use classes (inherited); a charge without its type (merged into the
    # inherited one); null deletes an inherited key, at any depth.
    text = EXTENDS + (
        "charges:\n"
        "  water:\n"
        "    classes:\n"
        "      household: 860\n"
        "      general: {rate: null, tiers: [{upto: 50, rate: 1250}, {rate: unknown}]}\n"
        "      bathhouse: null\n"
        "  sewer: null\n"
        "not_included: {levy: null}\n"
        "notes: null\n"
    )
    assert _file_errors(tmp_path, text) == []


def test_a_file_that_extends_another_is_still_checked(tmp_path: Path) -> None:
    # Its own fields stay required, values keep their types, and a list replaces the inherited
    # one whole, so each tier in it is complete.
    assert "'effective' is a required property" in _file_errors(
        tmp_path, EXTENDS.replace("effective: {from: 2026-07, basis: billing_month}\n", "")
    )
    # a charge that states its type is checked as that type (one that does not may be of any
    # installed type, since it merges into the charge it inherits)
    typed = "charges: {water: {type: graduated, classes: {household: %s}}}\n"
    wrong = _file_errors(tmp_path, EXTENDS + typed % "cheap")
    assert wrong and all("cheap" in error for error in wrong)
    assert _file_errors(tmp_path, EXTENDS + typed % "[{upto: 20, rate: 650}]") == []
    assert _file_errors(tmp_path, EXTENDS + typed % "[{upto: 20}]") != []
    assert any("'colour' was unexpected" in e for e in _file_errors(tmp_path, EXTENDS + "colour: blue\n"))
    nameless = _file_errors(tmp_path, EXTENDS.replace('version: "2026-07"', "version: null"))
    assert any("None is not of type 'string'" in error for error in nameless)


def test_a_file_without_extends_must_be_whole(tmp_path: Path) -> None:
    errors = _file_errors(tmp_path, EXTENDS.replace('extends: "2025-07"\n', ""))
    assert {"'title' is a required property", "'use_classes' is a required property"} <= set(errors)
    whole = (RULESETS / "kr" / "jinju" / "2016-10.yaml").read_text(encoding="utf-8")
    assert "extends:" not in whole and _file_errors(tmp_path, whole) == []
    untitled = re.sub(r"(?m)^title: .*$", "title: null", whole)
    assert any("None is not of type 'string'" in error for error in _file_errors(tmp_path, untitled))


ARREARS_EXTENDS = """\
ruleset: xx/rivertown
version: arrears-2024
extends: arrears-2020
effective: {from: 2024-01-01, basis: due_date}
"""


def test_late_payment_rules_that_extend_others(tmp_path: Path) -> None:
    # docs/versions.md: the rule keeps its kind and label from the version it extends
    changed = "arrears:\n  rules:\n    late_fee: {percent: %s, source: late-fee-2024}\n"
    assert _file_errors(tmp_path, ARREARS_EXTENDS + changed % "5") == []
    assert _file_errors(tmp_path, ARREARS_EXTENDS + "notes: null\n") == []
    assert _file_errors(tmp_path, ARREARS_EXTENDS + changed % "five") != []
    kind = "arrears:\n  rules:\n    late_fee: {kind: weekly}\n"
    assert _file_errors(tmp_path, ARREARS_EXTENDS + kind) != []
