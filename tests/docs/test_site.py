"""The generated parts of the documentation site: city pages, charts, references."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

import tariffcore
from tariffcore.authoring import ruleset_schema
from tariffcore.charts import nice_ticks
from tariffcore.commands import build_parser
from tariffcore.format import RulesetVersion
from tariffcore.plugins import load_plugins
from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "docs" / "hooks"))

import sitegen  # noqa: E402


@pytest.fixture(scope="module")
def pages(catalog: tariffcore.Catalog) -> dict[str, str]:
    return {page.uri: page.text for page in sitegen.city_pages(catalog)}


def test_every_ruleset_has_a_page_with_its_charts(catalog: tariffcore.Catalog, pages: dict[str, str]) -> None:
    assert "cities/index.md" in pages
    for ruleset in catalog:
        page = pages[f"cities/{ruleset.id}.md"]
        for version in ruleset.versions:
            assert f"## Version {version.version}" in page
        for uri, text in pages.items():
            if uri.startswith(f"cities/{ruleset.id}-") and uri.endswith(".svg"):
                assert f"]({uri.removeprefix(f'cities/{ruleset.id.rsplit(chr(47), 1)[0]}/')})" in page
                ET.fromstring(text)  # well-formed SVG
        assert f"[{ruleset.id}]({ruleset.id}.md)" in pages["cities/index.md"]
    # Every use class of a city with known usage rates gets a chart per usage charge.
    for cls, charge in (
        ("household", "water"),
        ("household", "sewer"),
        ("household", "levy"),
        ("general", "water"),
        ("general", "sewer"),
        ("general", "levy"),
    ):
        assert f"cities/kr/gimhae-{cls}-{charge}.svg" in pages
    assert "cities/kr/gimhae-household-base.svg" not in pages  # fixed by meter: not drawn
    assert "cities/kr/changwon-school-water.svg" in pages


def test_pages_are_the_same_on_every_build(catalog: tariffcore.Catalog, pages: dict[str, str]) -> None:
    assert {page.uri: page.text for page in sitegen.city_pages(catalog)} == pages


def test_a_city_page_shows_tiers_unknowns_and_what_is_not_included(pages: dict[str, str]) -> None:
    changwon = pages["cities/kr/changwon.md"]
    assert "| `household` | 1–20 | 650 |" in changwon
    assert "| | 21–30 | 810 |" in changwon
    assert "| | 31+ | 1,030 |" in changwon
    assert "*tier widths × households behind the meter*" in changwon
    assert "| `school` | all | as `general` tier 1, for all usage |" in changwon
    assert "- `sewer` not included:" in changwon
    assert "unknown in the ordinance data: `water general tier 3 rate`" in pages["cities/kr/gimhae.md"]


def test_the_chart_curve_is_the_bill(catalog: tariffcore.Catalog) -> None:
    ruleset = catalog.ruleset("kr/changwon")
    points, stop, kind = sitegen._charge_curve(
        ruleset, ruleset.versions[0], "household", "water", Decimal(40)
    )
    curve = dict(points)
    assert stop is None and kind == "usage"
    # 20 × 650 = 13,000; + 10 × 810 = 21,100; + 5 × 1,030 = 26,250
    assert (curve[Decimal(20)], curve[Decimal(30)], curve[Decimal(35)]) == (13000, 21100, 26250)


def test_a_curve_stops_where_the_rate_is_unknown(catalog: tariffcore.Catalog) -> None:
    ruleset = catalog.ruleset("kr/gimhae")
    points, stop, _ = sitegen._charge_curve(
        ruleset, ruleset.version("2025"), "general", "water", Decimal(125)
    )
    assert points[-1][0] == 100 and stop == "unknown above 100 m³"
    # general 100 m³, no households: water 50 × 1,520 + 50 × 2,160 = 76,000 + 108,000
    assert points[-1][1] == 184000


def test_a_fixed_charge_is_not_drawn(catalog: tariffcore.Catalog) -> None:
    ruleset = catalog.ruleset("kr/gimhae")
    _, _, kind = sitegen._charge_curve(ruleset, ruleset.version("2025"), "household", "base", Decimal(40))
    assert kind in ("fixed", "none")


def test_nice_ticks() -> None:
    assert nice_ticks(Decimal(38)) == [0, 10, 20, 30, 40]
    assert nice_ticks(Decimal(310500)) == [0, 100000, 200000, 300000, 400000]
    assert nice_ticks(Decimal(1), 4) == [0, Decimal("0.5"), 1]  # raw step 0.25: the next of 1, 2, 5 × 0.1


def test_the_format_reference_lists_every_field_and_charge_type() -> None:
    text = sitegen.format_reference(ruleset_schema(load_plugins().charge_types))
    for field in RulesetVersion.model_fields.values():
        name = field.alias or next(k for k, v in RulesetVersion.model_fields.items() if v is field)
        assert f"| `{name}` |" in text, name
    for name in load_plugins().charge_types:
        assert f"[`{name}`]" in text


def test_the_cli_reference_has_every_command() -> None:
    text = sitegen.cli_reference(build_parser())
    for name in ("bill", "explain", "rulesets", "validate", "test", "lint", "schema"):
        assert f"## `tariffcore {name}`" in text


def test_a_coarse_curve_still_stops_exactly_at_the_tier_bound(catalog: tariffcore.Catalog) -> None:
    ruleset = catalog.ruleset("kr/ansan")
    top, bounds = sitegen._x_range(ruleset, "general")
    assert top > 300  # sampled every few m³, but at every tier bound too
    points, stop, _ = sitegen._charge_curve(ruleset, ruleset.versions[0], "general", "sewer", top, bounds)
    # general sewer is unknown above 300 m³ in the ordinance data
    assert stop == "unknown above 300 m³" and points[-1][0] == 300


def test_late_payment_rules_are_on_the_city_page(catalog: tariffcore.Catalog, pages: dict[str, str]) -> None:
    for ruleset in catalog:
        for version in ruleset.arrears_versions:
            assert f"### Late-payment version {version.version}" in pages[f"cities/{ruleset.id}.md"]
    seoul = pages["cities/kr/seoul.md"]
    assert (
        "| `late_fee` | daily | 가산금 | water, sewer, levy | 3 | × days late / 30; after 30 days: the full percentage |"
        in seoul
    )


def test_the_coverage_page_has_every_ruleset(catalog: tariffcore.Catalog, pages: dict[str, str]) -> None:
    page = pages["cities/coverage.md"]
    for ruleset in catalog:
        if ruleset.versions:
            assert f"## [{ruleset.id}]({ruleset.id}.md)" in page
    assert "[Coverage](coverage.md)" in pages["cities/index.md"]
