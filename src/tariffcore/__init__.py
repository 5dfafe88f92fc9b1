"""tariffcore: exact municipal water and sewer charges from versioned ordinance rulesets.

The public API is what this module exports; everything else is private and may change::

    import tariffcore
    from decimal import Decimal
    from datetime import date

    catalog = tariffcore.load_catalog()
    bill = catalog.bill(
        "kr/<city>",
        tariffcore.Account(id="A-1", use_class="household", meter_mm=15),
        tariffcore.Reading(usage_m3=Decimal(35), billing_month=date(2025, 3, 1)),
    )
    bill.total  # an exact Decimal, the sum of bill.lines
"""

from .arrears import ArrearsVersion, Surcharge
from .batch import BatchEngine, Outcome
from .bill import Account, Bill, BillLine, LinePart, NotIncluded, Reading, SourceRef, TierSlice
from .catalog import Catalog, Ruleset, load_catalog, load_version_file
from .chunks import read_chunks
from .charges import BillContext, Charged, ChargeType, CompileContext
from .engine import CompiledVersion
from .errors import (
    BillingError,
    InputError,
    NotApplicableError,
    NoVersionError,
    PluginError,
    Problem,
    RulesetError,
    TariffcoreError,
    UnknownRulesetError,
    UnknownValueError,
)
from .hookspecs import hookimpl
from .inputs import Row, parse_row, read_rows
from .loaders import Loaded, RulesetLoader, VersionDocument
from .meter import MeterReads
from .model import BillingCycle, ChargeSpec, FrozenModel, Number, RoundingSpec, RulesetVersion, Source
from .money import D, Rounding
from .ledger import read_ledger
from .output import bill_to_dict, explain_bill
from .reductions import Reduced, ReductionContext, ReductionSpec, ReductionType
from .statement import (
    ArrearsResult,
    BillStatement,
    LedgerBill,
    Payment,
    Statement,
    SurchargeLine,
    account_statement,
    arrears_result_to_dict,
    compute_arrears,
    statement_to_dict,
)

__version__ = "0.1.0"

__all__ = [
    "Account",
    "ArrearsResult",
    "ArrearsVersion",
    "BatchEngine",
    "Bill",
    "BillContext",
    "BillLine",
    "BillStatement",
    "BillingCycle",
    "BillingError",
    "Catalog",
    "ChargeSpec",
    "ChargeType",
    "Charged",
    "CompileContext",
    "CompiledVersion",
    "D",
    "FrozenModel",
    "InputError",
    "LedgerBill",
    "LinePart",
    "Loaded",
    "MeterReads",
    "NoVersionError",
    "NotApplicableError",
    "NotIncluded",
    "Number",
    "Outcome",
    "Payment",
    "PluginError",
    "Problem",
    "Reading",
    "Reduced",
    "ReductionContext",
    "ReductionSpec",
    "ReductionType",
    "Rounding",
    "RoundingSpec",
    "Row",
    "Ruleset",
    "RulesetError",
    "RulesetLoader",
    "RulesetVersion",
    "Source",
    "SourceRef",
    "Statement",
    "Surcharge",
    "SurchargeLine",
    "TariffcoreError",
    "TierSlice",
    "UnknownRulesetError",
    "UnknownValueError",
    "VersionDocument",
    "__version__",
    "account_statement",
    "arrears_result_to_dict",
    "bill_to_dict",
    "compute_arrears",
    "explain_bill",
    "hookimpl",
    "load_catalog",
    "load_version_file",
    "parse_row",
    "read_chunks",
    "read_ledger",
    "read_rows",
    "statement_to_dict",
]
