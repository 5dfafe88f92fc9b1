"""One row of a billing run's output (``tariffcore bill``), as a report needs it.

:class:`RunRow` is a row's summary: an error row's code and message, or a bill's ruleset,
class, meter, usage, total and lines. :func:`run_row` reads one from a JSON-lines record of
``bill``, :func:`result_row` from a result in Python. The exact numbers, meter sizes and JSON
records read here are read the same way by every reader of a run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..batch import Outcome
from ..bill import Bill
from ..errors import BillingError, InputError
from ..reductions import reduction_line_id

__all__ = [
    "NO_METER",
    "NOT_RECORDED",
    "REDUCTION_SUFFIX",
    "Line",
    "RunRow",
    "exact_number",
    "json_record",
    "meter_text",
    "reconciled",
    "result_row",
    "run_row",
]

#: The use class or meter size of a row whose run output does not record it (written by an
#: older tariffcore, or a bill made without it).
NOT_RECORDED = "?"
#: The meter size of an account that gave none.
NO_METER = "-"
#: The ending of the charge id of a line that reduces another charge (``water_reduction``).
REDUCTION_SUFFIX = reduction_line_id("")

Line = tuple[str, Decimal, str | None]


@dataclass(frozen=True, slots=True)
class RunRow:
    """One row of a run, as a report needs it (its account id aside).

    An error row has ``error`` = (code, message) and nothing else. A bill has its
    ``ruleset`` (``id@version``), ``currency`` (``None`` where the output has none: CSV),
    ``use_class`` and ``meter`` (text: ``15``, :data:`NO_METER`, :data:`NOT_RECORDED`), usage,
    total, and its ``lines`` as (charge, amount, rule) in bill order (``rule`` is ``None``
    where the output does not carry it: CSV).
    """

    error: tuple[str, str] | None = None
    ruleset: str = ""
    currency: str | None = None
    use_class: str = NOT_RECORDED
    meter: str = NOT_RECORDED
    usage: Decimal = Decimal(0)
    estimated: bool = False
    total: Decimal = Decimal(0)
    lines: tuple[Line, ...] = ()
    not_included: tuple[str, ...] = ()


def exact_number(value: Any, what: str, where: str) -> Decimal:
    """An exact amount written as text (or a JSON integer); anything else is refused."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise InputError(f"{where}: {what} is {value!r}, not an amount")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except ArithmeticError:
        raise InputError(f"{where}: {what} is {value!r}, not an amount") from None
    if not number.is_finite():
        raise InputError(f"{where}: {what} is {value!r}, not an amount")
    return number


def meter_text(value: Any, recorded: bool) -> str:
    """A row's meter size as text (:data:`NO_METER`, :data:`NOT_RECORDED`)."""
    if not recorded:
        return NOT_RECORDED
    if value is None or value == "":
        return NO_METER
    return str(value)


def json_record(text: bytes, where: str) -> Mapping[str, Any]:
    """One JSON-lines record of ``bill``, its numbers read as exact decimals."""
    try:
        record = json.loads(text, parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise InputError(
            f"{where} is not JSON ({reason}): is this the output of `tariffcore bill`?"
        ) from None
    if not isinstance(record, dict):
        raise InputError(f"{where} is not a JSON object")
    return record


def reconciled(row: RunRow, where: str) -> RunRow:
    """``row``, once its lines are seen to add up to its total (a report must reconcile)."""
    added = sum((amount for _, amount, _ in row.lines), Decimal(0))
    if added != row.total:
        raise InputError(f"{where}: the lines add up to {added:f}, but the total is {row.total:f}")
    return row


def run_row(data: Mapping[str, Any], where: str) -> RunRow:
    """The :class:`RunRow` of one JSON-lines record of ``bill`` (a bill or an error row)."""
    error = data.get("error")
    if error is not None:
        if not isinstance(error, Mapping):
            raise InputError(f"{where}: 'error' is not an object with a code and a message")
        return RunRow(error=(str(error.get("code") or ""), str(error.get("message") or "")))
    missing = [key for key in ("ruleset", "lines", "total") if key not in data]
    if missing:
        raise InputError(
            f"{where}: neither a bill nor an error row of `tariffcore bill` "
            f"(no {', '.join(repr(key) for key in missing)})"
        )
    lines = data["lines"]
    if not isinstance(lines, list):
        raise InputError(f"{where}: 'lines' is not a list")
    found: list[Line] = []
    for index, line in enumerate(lines, start=1):
        if not isinstance(line, Mapping) or not isinstance(line.get("charge"), str):
            raise InputError(f"{where}: line {index} of the bill has no charge")
        rule = line.get("rule")
        found.append(
            (
                line["charge"],
                exact_number(line.get("amount"), f"the amount of {line['charge']}", where),
                rule if isinstance(rule, str) else None,
            )
        )
    use_class = data.get("use_class")
    return reconciled(
        RunRow(
            ruleset=str(data["ruleset"]),
            currency=str(data["currency"]) if data.get("currency") else None,
            use_class=str(use_class) if use_class else NOT_RECORDED,
            meter=meter_text(data.get("meter_mm"), "meter_mm" in data),
            usage=exact_number(data.get("usage_m3", "0"), "usage_m3", where),
            estimated=data.get("estimated") is True,
            total=exact_number(data["total"], "total", where),
            lines=tuple(found),
            not_included=tuple(
                str(n.get("charge")) for n in data.get("not_included") or () if isinstance(n, Mapping)
            ),
        ),
        where,
    )


def result_row(result: Bill | BillingError | Outcome | Mapping[str, Any]) -> RunRow:
    """The :class:`RunRow` of a result from Python: a bill, an error, a batch
    :class:`~tariffcore.Outcome`, or a record as :func:`tariffcore.bill_to_dict` makes it."""
    if isinstance(result, Outcome):
        result = result.result
    if isinstance(result, BillingError):
        return RunRow(error=(result.code, result.message))
    if isinstance(result, Bill):
        return RunRow(
            ruleset=result.label,
            currency=result.currency,
            use_class=result.use_class or NOT_RECORDED,
            meter=NOT_RECORDED if result.use_class is None else meter_text(result.meter_mm, True),
            usage=result.usage_m3,
            estimated=result.estimated,
            total=result.total,
            lines=tuple((line.charge, line.amount, line.rule) for line in result.lines),
            not_included=tuple(n.charge for n in result.not_included),
        )
    if isinstance(result, Mapping):
        return run_row(result, f"result of account {result.get('account')!r}")
    raise TypeError(f"not a bill, an error or an outcome: {type(result).__name__}")
