"""Late-payment rules (가산금, 중가산금): their file format and how a file is compiled, the
surcharges they compute, and choosing the version in force for a bill.
"""

from __future__ import annotations

import typing as _typing

from ..lazy import lazy_face as _lazy_face

if _typing.TYPE_CHECKING:
    from .compile import (
        compile_arrears,
        holds_arrears,
        load_arrears_version,
    )
    from .rules import (
        Allocation,
        ArrearsEffective,
        ArrearsSpec,
        ArrearsVersionSpec,
        DailyRule,
        Limitation,
        MonthlyRule,
        OneOffRule,
    )
    from .timeline import (
        check_principal,
        select_arrears,
    )
    from .version import (
        ArrearsVersion,
        Covered,
        Surcharge,
        days_late,
        full_months,
        month_end,
    )

#: Where each name lives: a module is imported when one of its names is first used, so that
#: loading a catalog whose rulesets have no late-payment rules does not read their models.
_HOMES: dict[str, str] = {
    "Allocation": "rules",
    "ArrearsEffective": "rules",
    "ArrearsSpec": "rules",
    "ArrearsVersion": "version",
    "ArrearsVersionSpec": "rules",
    "Covered": "version",
    "DailyRule": "rules",
    "Limitation": "rules",
    "MonthlyRule": "rules",
    "OneOffRule": "rules",
    "Surcharge": "version",
    "check_principal": "timeline",
    "compile_arrears": "compile",
    "days_late": "version",
    "full_months": "version",
    "holds_arrears": "compile",
    "load_arrears_version": "compile",
    "month_end": "version",
    "select_arrears": "timeline",
}


__getattr__, __dir__ = _lazy_face(__name__, _HOMES)


__all__ = [
    "Allocation",
    "ArrearsEffective",
    "ArrearsSpec",
    "ArrearsVersion",
    "ArrearsVersionSpec",
    "Covered",
    "DailyRule",
    "Limitation",
    "MonthlyRule",
    "OneOffRule",
    "Surcharge",
    "check_principal",
    "compile_arrears",
    "days_late",
    "full_months",
    "holds_arrears",
    "load_arrears_version",
    "month_end",
    "select_arrears",
]
