"""What the tests share: the repository's paths and catalog, builders for versions, accounts and
readings, fixture rulesets for effective dates and policies, and the command-line runner."""

from __future__ import annotations

import functools
import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

import tariffcore
from tariffcore.commands import main
from tariffcore.engine import load_version_file

#: Lines a test asks to show at the end of the run (counts a test measures, such as how much of
#: the OWRS corpus's published bills are reproduced), whether it passed or not.
REPORT: list[str] = []

#: The checkout's root, its bundled rulesets, and the fixture rulesets of the tests.
ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
FIXTURES = ROOT / "tests" / "fixtures" / "rulesets"


@functools.cache
def repository_catalog() -> tariffcore.Catalog:
    """The repository's rulesets, loaded once per test run straight from rulesets/ (no installed
    plug-in needed). Tests take it as the ``catalog`` fixture; module-level parametrisation
    calls this function, so the catalog is still loaded once."""
    return tariffcore.load_catalog([RULESETS], entry_points=False)


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


# --------------------------------------------------------------------------- effective dates

_POLICY = re.compile(r"^(\s*)policy: split_by_days\n\1apportion: .*\n", re.MULTILINE)


def fixture_catalog(*names: str) -> tariffcore.Catalog:
    """The fixture rulesets ``names`` (directories under tests/fixtures/rulesets)."""
    catalog = tariffcore.load_catalog([FIXTURES / name for name in names], entry_points=False)
    assert not catalog.problems, catalog.problems
    return catalog


def switch_variant(name: str, target: Path) -> tariffcore.Catalog:
    """The fixture ``name`` with every ``policy: split_by_days`` turned into ``switch``."""
    shutil.copytree(FIXTURES / name, target / name)
    for path in (target / name).glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(_POLICY.sub(r"\1policy: switch\n", text), encoding="utf-8")
    catalog = tariffcore.load_catalog([target / name], entry_points=False)
    assert not catalog.problems, catalog.problems
    return catalog


def period_reading(
    usage: int | str, start: date | None = None, end: date | None = None, **dates: date
) -> tariffcore.Reading:
    return tariffcore.Reading(Decimal(usage), period_start=start, period_end=end, **dates)


def versions(bill: tariffcore.Bill) -> dict[str, str]:
    return {line.charge: line.version for line in bill.lines}
