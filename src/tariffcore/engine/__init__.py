"""The billing engine: compiling ruleset versions, the catalog of installed rulesets, choosing
the version in force for a reading (a bill plan: which version bills each charge), billing that
plan, and the calendar rules that date a bill.
"""

from __future__ import annotations

from .calendar import (
    anchor_date,
    billing_month_of,
    complete_dates,
    due_date_of,
)
from .catalog import (
    Catalog,
    compile_resolved,
    load_catalog,
    load_version_file,
    yaml_files,
)
from .compile import (
    compile_version,
)
from .coverage import STATUSES, CoverageRun, coverage, coverage_text
from .lean import LeanBill, LeanFacts, Room, lean_bill
from .listing import charge_ids, listing
from .plan import (
    BillPlan,
    PeriodPart,
)
from .ruleset import (
    Ruleset,
)
from .version import (
    CompiledVersion,
)

__all__ = [
    "STATUSES",
    "BillPlan",
    "CoverageRun",
    "coverage",
    "coverage_text",
    "charge_ids",
    "listing",
    "Catalog",
    "CompiledVersion",
    "LeanBill",
    "LeanFacts",
    "PeriodPart",
    "Room",
    "Ruleset",
    "anchor_date",
    "billing_month_of",
    "compile_resolved",
    "compile_version",
    "complete_dates",
    "due_date_of",
    "lean_bill",
    "load_catalog",
    "load_version_file",
    "yaml_files",
]
