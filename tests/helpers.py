"""Small builders for tests: a ruleset version from a dict, an account and a reading."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import yaml

import tariffcore
from tariffcore.commands import main
from tariffcore.engine import load_version_file

BASE: dict[str, Any] = {
    "ruleset": "test/city",
    "version": "1",
    "title": "test city",
    "jurisdiction": "nowhere",
    "currency": "KRW",
    "effective": {"from": "2025-01", "basis": "billing_month"},
    "confidence": "test fixture",
    "sources": [{"id": "s", "title": "test source", "tag": "INF"}],
    "use_classes": {"household": {"label": "household"}, "general": {"label": "general"}},
}


def version(charges: dict[str, Any], **fields: Any) -> tariffcore.CompiledVersion:
    """Compile a version holding ``charges`` (YAML round trip, so numbers are read as rule files are)."""
    data = {**BASE, **fields, "charges": charges}
    return load_version_file(dump(data), "<test>")


class _Dumper(yaml.SafeDumper):
    """Writes Decimals as plain YAML numbers, as a rule author would."""


_Dumper.add_representer(
    Decimal,
    lambda dumper, value: dumper.represent_scalar(
        "tag:yaml.org,2002:int"
        if value == value.to_integral_value() and "E" not in str(value) and "." not in str(value)
        else "tag:yaml.org,2002:float",
        str(value),
    ),
)


def dump(data: Any) -> str:
    """YAML text for ``data``, numbers unquoted."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False)


def account(use_class: str = "household", **fields: Any) -> tariffcore.Account:
    return tariffcore.Account(id=fields.pop("id", "T-1"), use_class=use_class, **fields)


def reading(usage: Any, month: date = date(2025, 3, 1), **fields: Any) -> tariffcore.Reading:
    return tariffcore.Reading(usage_m3=Decimal(str(usage)), billing_month=month, **fields)


def amounts(bill: tariffcore.Bill) -> dict[str, Decimal]:
    """Charge id → amount of each line of ``bill``."""
    return {line.charge: line.amount for line in bill.lines}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line with ``argv``: its exit status, standard output and standard error."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err
