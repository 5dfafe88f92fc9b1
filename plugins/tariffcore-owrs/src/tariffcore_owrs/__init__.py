"""Open Water Rate Specification (OWRS) rate files as tariffcore rulesets.

Installed, this plug-in makes every ``.owrs`` file below a ruleset directory a version of the
ruleset ``owrs/<utility>``, billed with RateParser's semantics (the R package the OWRS rate
survey computed its bills with) in exact arithmetic. It provides two things through tariffcore's
hooks and nothing else: the ``.owrs`` loader (:class:`~tariffcore_owrs.loader.OwrsLoader`) and
the ``owrs`` charge type (:class:`~tariffcore_owrs.charge.OwrsCharge`). It delivers no rulesets:
point ``--rulesets-dir`` at a folder of OWRS files.

The rate data of the OWRS corpus is © California Data Collaborative and contributors, under
CC BY 4.0 (the publisher's record on data.openei.org). No code of RateParser (MIT) is used.
"""

from __future__ import annotations

from tariffcore import ChargeType, RulesetLoader, hookimpl

from .charge import OwrsCharge
from .loader import OwrsLoader

__all__ = ["OwrsCharge", "OwrsLoader"]


@hookimpl
def tariffcore_ruleset_loaders() -> list[RulesetLoader]:
    """Reads ``.owrs`` files."""
    return [OwrsLoader()]


@hookimpl
def tariffcore_charge_types() -> list[ChargeType]:
    """The ``owrs`` charge type the loaded versions use."""
    return [OwrsCharge()]
