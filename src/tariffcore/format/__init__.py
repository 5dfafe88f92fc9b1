"""What a rule author writes: the YAML reader that keeps every value's line, the ruleset
models, version chains (``extends:``), and validation problems in the author's words.
"""

from __future__ import annotations

from .extends import (
    NOT_INHERITED,
    Resolved,
    extend,
    resolve_extends,
    to_yaml,
)
from .messages import (
    did_you_mean,
    lenient_version,
    pydantic_problems,
    real_path,
)
from .model import (
    BASES,
    POLICIES,
    RULESET_ID,
    SOURCE_TAGS,
    UNKNOWN,
    VERSION_LABEL,
    Apportion,
    Basis,
    BillingCycle,
    BillingMonthRule,
    ChargeSpec,
    DateOrMonth,
    DateRules,
    DueDateRule,
    Effective,
    FrozenModel,
    Number,
    RoundingSpec,
    RulesetVersion,
    Source,
    SourceTag,
    Unknown,
    UseClass,
    check_ids,
    source_ids,
)
from .resolve import (
    Sources,
    check_use_classes,
    resolve_rounding,
)
from .yamlio import (
    Located,
    load_yaml,
    locate,
)

__all__ = [
    "Basis",
    "Unknown",
    "DateOrMonth",
    "Apportion",
    "BASES",
    "BillingCycle",
    "BillingMonthRule",
    "ChargeSpec",
    "DateRules",
    "DueDateRule",
    "Effective",
    "FrozenModel",
    "Located",
    "NOT_INHERITED",
    "Number",
    "POLICIES",
    "RULESET_ID",
    "Resolved",
    "RoundingSpec",
    "RulesetVersion",
    "SOURCE_TAGS",
    "Source",
    "SourceTag",
    "UNKNOWN",
    "UseClass",
    "VERSION_LABEL",
    "check_ids",
    "did_you_mean",
    "extend",
    "lenient_version",
    "load_yaml",
    "locate",
    "pydantic_problems",
    "real_path",
    "resolve_extends",
    "Sources",
    "check_use_classes",
    "resolve_rounding",
    "source_ids",
    "to_yaml",
]
