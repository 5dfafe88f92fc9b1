"""Golden bills stored next to the rulesets, computed by hand from the ordinance digest.

The bills themselves run through tariffcore's pytest plug-in (``rulesets`` is in the pytest
``testpaths``); this module checks that every ruleset has some.
"""

from __future__ import annotations

import tariffcore


def test_every_ruleset_has_golden_bills(catalog: tariffcore.Catalog) -> None:
    for ruleset in catalog:
        assert ruleset.golden_files, f"{ruleset.id} has no golden bills"
