"""Loading only the rulesets a command bills with."""

from __future__ import annotations

from tariffcore import Catalog
from tariffcore.engine import load_catalog


def test_only_loads_the_rulesets_named_and_bills_as_the_whole_catalog(catalog: Catalog) -> None:
    alone = load_catalog(only=["kr/daejeon"])
    assert alone.ids() == ["kr/daejeon"]
    whole = catalog.ruleset("kr/daejeon")
    mine = alone.ruleset("kr/daejeon")
    assert [v.version for v in mine.versions] == [v.version for v in whole.versions]
    assert mine.golden_files == whole.golden_files
    # Neither the other Korean rulesets nor the rate files of other formats are read.
    assert "kr/gimhae" not in alone.rulesets and not any(i.startswith("owrs/") for i in alone.ids())
