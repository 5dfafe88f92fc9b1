"""Hints: what charge types report as valid but probably wrong while compiling, for lint."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import tariffcore
from tariffcore import Charged, ChargeSpec, ChargeType, CompileContext, hookimpl
from tariffcore.authoring import lint_catalog
from tests.helpers import BASE, account, dump, reading, version


def _hints(compiled: tariffcore.CompiledVersion) -> list[tuple[int, int, str, str]]:
    return [(h.line, h.column, h.kind, h.message) for h in compiled.hints]


def test_each_built_in_type_reports_its_hints() -> None:
    compiled = version(
        {
            "water": {
                "type": "volume",
                "label": "Water",
                "source": "s",
                "applies_to": ["household"],
                "classes": {"household": [{"upto": 10, "rate": 900}, {"rate": 800}], "general": 100},
            },
            "base": {
                "type": "base_by_meter",
                "label": "Base",
                "source": "s",
                "classes": {"household": {"15": 1000}},
            },
            "levy": {
                "type": "per_unit",
                "label": "Levy",
                "source": "s",
                "rate": 170,
                "classes": {"general": 90},
            },
        }
    )
    assert [(kind, message) for _, _, kind, message in _hints(compiled)] == [
        (
            "unreached",
            "class entry 'general' of charge 'water' is never used: the charge applies only to household",
        ),
        ("tiers", "water household tier 2 rate 800 is below tier 1's 900: graduated tiers usually rise"),
        (
            "no-rate",
            "use class 'general' has no rate in charge 'base': "
            "its bills fail (limit the charge with applies_to if that is meant)",
        ),
    ]  # the levy has a rate for every class: no hint
    # A hint never stops a bill: 5 m³ of household water in the first block, 5 × 900 = 4,500.
    bill = compiled.bill(account(meter_mm=15), reading(5))
    assert {line.charge: line.amount for line in bill.lines}["water"] == Decimal(4500)


def test_a_table_shared_through_same_as_is_hinted_once() -> None:
    compiled = version(
        {
            "water": {
                "type": "graduated",
                "label": "Water",
                "source": "s",
                "classes": {
                    "household": [{"upto": 10, "rate": 500}, {"upto": 20, "rate": "unknown"}, {"rate": 500}],
                    "general": {"same_as": "household"},
                },
            }
        }
    )
    # An unknown rate between two equal ones compares nothing: no tier hint at all.
    assert compiled.hints == ()
    compiled = version(
        {
            "water": {
                "type": "graduated",
                "label": "Water",
                "source": "s",
                "classes": {
                    "household": [{"upto": 10, "rate": 500}, {"rate": 500}],
                    "general": {"same_as": "household"},
                },
            }
        }
    )
    assert [kind for _, _, kind, _ in _hints(compiled)] == ["tiers"]


def test_a_charge_that_applies_to_no_class_has_only_that_hint() -> None:
    charges = {
        "water": {
            "type": "graduated",
            "label": "Water",
            "source": "s",
            "applies_to": [],
            "classes": {"household": [{"upto": 10, "rate": 900}, {"rate": 800}]},
        }
    }
    compiled = version(charges)
    # The falling tiers and the class entries are not mentioned: no bill reaches them anyway.
    (hint,) = compiled.hints
    assert (hint.kind, hint.message) == (
        "unreached",
        "charge 'water' applies to no use class, so no bill has it",
    )
    lines = dump({**BASE, "charges": charges}).splitlines()
    assert lines[hint.line - 1].strip().startswith("applies_to:")


def test_an_inherited_hint_points_to_the_file_that_wrote_it(tmp_path: Path) -> None:
    first = {
        **BASE,
        "version": "2025",
        "charges": {
            "water": {
                "type": "graduated",
                "label": "Water",
                "source": "s",
                "classes": {"household": [{"upto": 10, "rate": 900}, {"rate": 800}], "general": 700},
            }
        },
    }
    (tmp_path / "2025.yaml").write_text(dump(first), encoding="utf-8")
    (tmp_path / "2026.yaml").write_text(
        "ruleset: test/city\nversion: '2026'\nextends: '2025'\neffective: {from: 2026-01, basis: billing_month}\n",
        encoding="utf-8",
    )
    catalog = tariffcore.load_catalog([tmp_path], plugin_rulesets=False, entry_points=False)
    ruleset = catalog.ruleset("test/city")
    older, newer = (ruleset.version(label) for label in ("2025", "2026"))
    (hint,) = older.hints
    (inherited,) = newer.hints
    assert (inherited.path, inherited.line, inherited.column) == (hint.path, hint.line, hint.column)
    assert hint.path == str(tmp_path / "2025.yaml")
    assert inherited.message == f"{hint.message} (inherited by test/city@2026, {tmp_path / '2026.yaml'})"


class _ShopSpec(ChargeSpec):
    amount: Decimal


class _Shop(ChargeType):
    """A plug-in's type: a fixed amount, which it says shops pay nothing of."""

    name = "shop_fee"
    spec = _ShopSpec
    kind = "no-rate"

    def compile(self, spec: Any, ctx: CompileContext) -> Any:
        ctx.hint(("amount",), self.kind, f"{ctx.charge_id}: shops pay nothing")
        amount = spec.amount
        return lambda bill: Charged(amount)


class _Plugin:
    def __init__(self, root: Path, charge_type: ChargeType) -> None:
        self.root = root
        self.charge_type = charge_type

    @hookimpl
    def tariffcore_charge_types(self) -> list[ChargeType]:
        return [self.charge_type]

    @hookimpl
    def tariffcore_ruleset_paths(self) -> list[Path]:
        return [self.root]


def _plugin_ruleset(root: Path) -> None:
    data = {**BASE, "charges": {"fee": {"type": "shop_fee", "label": "Fee", "source": "s", "amount": 100}}}
    (root / "1.yaml").write_text(dump(data), encoding="utf-8")


def test_lint_shows_a_plugin_types_hints(tmp_path: Path) -> None:
    _plugin_ruleset(tmp_path)
    catalog = tariffcore.load_catalog(entry_points=False, plugins=[_Plugin(tmp_path, _Shop())])
    findings = [f for f in lint_catalog(catalog, today=date(2025, 6, 1)) if f.kind == "no-rate"]
    assert [(f.path, f.message) for f in findings] == [(str(tmp_path / "1.yaml"), "fee: shops pay nothing")]


def test_a_hint_of_an_unknown_kind_breaks_the_contract(tmp_path: Path) -> None:
    _plugin_ruleset(tmp_path)
    odd = _Shop()
    odd.kind = "odd"
    with pytest.raises(tariffcore.PluginError, match="unknown hint kind 'odd'"):
        tariffcore.load_catalog(entry_points=False, plugins=[_Plugin(tmp_path, odd)])


def test_every_hint_kind_is_a_kind_of_lint_finding() -> None:
    from tariffcore.authoring import KINDS
    from tariffcore.charges import HINT_KINDS

    assert set(HINT_KINDS) <= set(KINDS)
