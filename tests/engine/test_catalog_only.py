"""Loading only the rulesets a command bills with."""

from __future__ import annotations

import shutil
from pathlib import Path

from tariffcore import Catalog
from tariffcore.engine import load_catalog
from tests.helpers import ROOT

OWRS = ROOT / "examples" / "owrs" / "rates"

#: A later version of an OWRS ruleset written in YAML (a minimal whole tariff).
LATER = """\
ruleset: owrs/alco-water-service
version: "2030-01"
title: A later version in YAML
jurisdiction: nowhere
currency: USD
effective: {from: 2030-01-01, basis: usage}
confidence: synthetic test data
sources:
  - {id: synthetic, title: synthetic figures for tests, tag: INF}
rounding: {unit: 0.01, method: half_up}
use_classes:
  RESIDENTIAL_SINGLE: {label: single-family}
charges:
  commodity_charge: {type: volume, label: water, source: synthetic, classes: {RESIDENTIAL_SINGLE: 2}}
"""


def test_only_loads_the_rulesets_named_and_bills_as_the_whole_catalog(catalog: Catalog) -> None:
    alone = load_catalog(only=["kr/daejeon"])
    assert alone.ids() == ["kr/daejeon"]
    whole = catalog.ruleset("kr/daejeon")
    mine = alone.ruleset("kr/daejeon")
    assert [v.version for v in mine.versions] == [v.version for v in whole.versions]
    assert mine.golden_files == whole.golden_files
    # Neither the other Korean rulesets nor the rate files of other formats are read.
    assert "kr/gimhae" not in alone.rulesets and not any(i.startswith("owrs/") for i in alone.ids())


def test_a_ruleset_of_two_formats_has_all_its_versions_when_loaded_alone(tmp_path: Path) -> None:
    # A version in another format says whose it is only once read: with a YAML version of the
    # same ruleset beside it, loading that ruleset alone still finds both.
    folder = tmp_path / "rates"
    shutil.copytree(OWRS / "California" / "Alco Water Service - 35", folder / "Alco Water Service - 35")
    owrs = [
        v.version
        for v in load_catalog([folder], plugin_rulesets=False).ruleset("owrs/alco-water-service").versions
    ]
    (folder / "later.yaml").write_text(LATER, encoding="utf-8")
    both = load_catalog([folder], plugin_rulesets=False)
    alone = load_catalog([folder], plugin_rulesets=False, only=["owrs/alco-water-service"])
    versions = [v.version for v in both.ruleset("owrs/alco-water-service").versions]
    assert versions == [*owrs, "2030-01"], both.problems
    assert [v.version for v in alone.ruleset("owrs/alco-water-service").versions] == versions
