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

import typing as _typing

from .version import __version__

if _typing.TYPE_CHECKING:
    from .accounts import (
        ArrearsResult,
        BillStatement,
        LedgerBill,
        Payment,
        Statement,
        SurchargeLine,
        account_statement,
        arrears_result_to_dict,
        compute_arrears,
        read_ledger,
        statement_to_dict,
    )
    from .arrears import ArrearsVersion, Surcharge
    from .batch import BatchEngine, BilledOutcome, FailedOutcome, Outcome
    from .bill import (
        Account,
        Bill,
        BillFigures,
        BillLine,
        FigureLine,
        LinePart,
        NotIncluded,
        Reading,
        SourceRef,
        TierSlice,
    )
    from .charges import BillContext, Charged, ChargeType, CompileContext
    from .documents import Report, render_notice, run_report
    from .engine import Catalog, CompiledVersion, Ruleset, load_catalog, load_version_file
    from .errors import (
        ERROR_CLASSES,
        BillingCycleError,
        BillingError,
        BrokenRulesetError,
        InputError,
        InvalidValueError,
        MissingValueError,
        NoArrearsError,
        NoRateError,
        NoRulesetError,
        NotApplicableError,
        NoTariffError,
        NoVersionError,
        PluginError,
        Problem,
        ReductionConflictError,
        ReductionNotApplicableError,
        RulesetError,
        RulesetNotFoundError,
        SplitChargeMissingError,
        SplitUnsupportedError,
        TariffcoreError,
        UndeclaredRoundingError,
        UnknownChargeError,
        UnknownReductionError,
        UnknownRulesetError,
        UnknownUseClassError,
        UnknownValueError,
    )
    from .format import (
        BillingCycle,
        ChargeSpec,
        FrozenModel,
        Loaded,
        Number,
        RoundingSpec,
        RulesetLoader,
        RulesetVersion,
        Source,
        VersionDocument,
    )
    from .frames import bill_frame, bill_table
    from .meter import MeterReads
    from .money import D, Rounding
    from .plugins import hookimpl
    from .reductions import Reduced, ReductionContext, ReductionSpec, ReductionType
    from .rows import Row, bill_to_dict, explain_bill, parse_row, read_chunks, read_rows

#: Where each name of the public API lives: a stage is imported when one of its names is
#: first used, so ``import tariffcore`` (and a command that needs one stage) stays quick.
_HOMES: dict[str, str] = {
    "Account": "bill",
    "ArrearsResult": "accounts",
    "ArrearsVersion": "arrears",
    "BatchEngine": "batch",
    "Bill": "bill",
    "BillContext": "charges",
    "BillFigures": "bill",
    "BillLine": "bill",
    "BillStatement": "accounts",
    "BilledOutcome": "batch",
    "BillingCycle": "format",
    "BillingCycleError": "errors",
    "BillingError": "errors",
    "BrokenRulesetError": "errors",
    "Catalog": "engine",
    "ChargeSpec": "format",
    "ChargeType": "charges",
    "Charged": "charges",
    "CompileContext": "charges",
    "CompiledVersion": "engine",
    "D": "money",
    "ERROR_CLASSES": "errors",
    "FailedOutcome": "batch",
    "FigureLine": "bill",
    "FrozenModel": "format",
    "InputError": "errors",
    "InvalidValueError": "errors",
    "LedgerBill": "accounts",
    "LinePart": "bill",
    "Loaded": "format",
    "MeterReads": "meter",
    "MissingValueError": "errors",
    "NoArrearsError": "errors",
    "NoRateError": "errors",
    "NoRulesetError": "errors",
    "NoTariffError": "errors",
    "NoVersionError": "errors",
    "NotApplicableError": "errors",
    "NotIncluded": "bill",
    "Number": "format",
    "Outcome": "batch",
    "Payment": "accounts",
    "PluginError": "errors",
    "Problem": "errors",
    "Reading": "bill",
    "Reduced": "reductions",
    "ReductionConflictError": "errors",
    "ReductionContext": "reductions",
    "ReductionNotApplicableError": "errors",
    "ReductionSpec": "reductions",
    "ReductionType": "reductions",
    "Report": "documents",
    "Rounding": "money",
    "RoundingSpec": "format",
    "Row": "rows",
    "Ruleset": "engine",
    "RulesetError": "errors",
    "RulesetLoader": "format",
    "RulesetNotFoundError": "errors",
    "RulesetVersion": "format",
    "Source": "format",
    "SourceRef": "bill",
    "SplitChargeMissingError": "errors",
    "SplitUnsupportedError": "errors",
    "Statement": "accounts",
    "Surcharge": "arrears",
    "SurchargeLine": "accounts",
    "TariffcoreError": "errors",
    "TierSlice": "bill",
    "UndeclaredRoundingError": "errors",
    "UnknownChargeError": "errors",
    "UnknownReductionError": "errors",
    "UnknownRulesetError": "errors",
    "UnknownUseClassError": "errors",
    "UnknownValueError": "errors",
    "VersionDocument": "format",
    "account_statement": "accounts",
    "arrears_result_to_dict": "accounts",
    "bill_frame": "frames",
    "bill_table": "frames",
    "bill_to_dict": "rows",
    "compute_arrears": "accounts",
    "explain_bill": "rows",
    "hookimpl": "plugins",
    "load_catalog": "engine",
    "load_version_file": "engine",
    "parse_row": "rows",
    "read_chunks": "rows",
    "read_ledger": "accounts",
    "read_rows": "rows",
    "render_notice": "documents",
    "run_report": "documents",
    "statement_to_dict": "accounts",
}


def __getattr__(name: str) -> _typing.Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tariffcore' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value  # found once: the next use is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Account",
    "ArrearsResult",
    "ArrearsVersion",
    "BatchEngine",
    "Bill",
    "BillContext",
    "BillFigures",
    "BillLine",
    "BillStatement",
    "BilledOutcome",
    "BillingCycle",
    "BillingCycleError",
    "BillingError",
    "BrokenRulesetError",
    "Catalog",
    "ChargeSpec",
    "ChargeType",
    "Charged",
    "CompileContext",
    "CompiledVersion",
    "D",
    "ERROR_CLASSES",
    "FailedOutcome",
    "FigureLine",
    "FrozenModel",
    "InputError",
    "InvalidValueError",
    "LedgerBill",
    "LinePart",
    "Loaded",
    "MeterReads",
    "MissingValueError",
    "NoArrearsError",
    "NoRateError",
    "NoRulesetError",
    "NoTariffError",
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
    "ReductionConflictError",
    "ReductionContext",
    "ReductionNotApplicableError",
    "ReductionSpec",
    "ReductionType",
    "Report",
    "Rounding",
    "RoundingSpec",
    "Row",
    "Ruleset",
    "RulesetError",
    "RulesetLoader",
    "RulesetNotFoundError",
    "RulesetVersion",
    "Source",
    "SourceRef",
    "SplitChargeMissingError",
    "SplitUnsupportedError",
    "Statement",
    "Surcharge",
    "SurchargeLine",
    "TariffcoreError",
    "TierSlice",
    "UndeclaredRoundingError",
    "UnknownChargeError",
    "UnknownReductionError",
    "UnknownRulesetError",
    "UnknownUseClassError",
    "UnknownValueError",
    "VersionDocument",
    "__version__",
    "account_statement",
    "arrears_result_to_dict",
    "bill_frame",
    "bill_table",
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
    "render_notice",
    "run_report",
    "statement_to_dict",
]
