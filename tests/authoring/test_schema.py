"""The JSON Schema shipped for editors: current, and true to the validator."""

from __future__ import annotations

import json
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
