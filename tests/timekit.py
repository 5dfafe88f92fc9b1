"""Helpers shared by the tests of effective dates, policies and version chains."""

from __future__ import annotations

import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import tariffcore

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rulesets"

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


def reading(
    usage: int | str, start: date | None = None, end: date | None = None, **dates: date
) -> tariffcore.Reading:
    return tariffcore.Reading(Decimal(usage), period_start=start, period_end=end, **dates)


def versions(bill: tariffcore.Bill) -> dict[str, str]:
    return {line.charge: line.version for line in bill.lines}
