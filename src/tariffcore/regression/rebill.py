"""Re-billing history: recompute issued bills under the version in force and report differences.

A *history* file holds issued bills, one per row: the bill's inputs (the columns of
``tariffcore bill``) plus what was issued. In CSV, each issued line is a column
``issued_<charge>`` (``issued_water``, ``issued_sewer`` …; empty when the bill had no such
line) and the total is ``issued_total``::

    account,use_class,meter_mm,household_units,usage_m3,billing_month,issued_base,issued_water,issued_sewer,issued_levy,issued_total
    A-1,household,15,1,20,2025-03,860,10200,8400,3400,22860

In JSON lines (or Parquet), the same inputs plus ``"issued": {"lines": {"water": "10200", …},
"total": "22860"}``; Parquet may also use the ``issued_<charge>`` columns.

Each row is recomputed under the version in force for it (or a pinned ``id@version``), every
line compared to the won, and every difference named with its charge, rule and version.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..batch import BatchEngine
from ..bill import Billed
from ..errors import BillingError, InputError
from ..format import shorten
from ..money import ZERO, D, exact_difference, format_amount
from ..rows import Chunk, Payload

__all__ = ["Check", "Difference", "RebillSummary", "check_chunk", "ISSUED_PREFIX"]

#: The most digits an issued amount may have written out (``1E+5`` is 6 digits): differences
#: are exact at any size up to it.
ISSUED_DIGITS = 1000

#: CSV columns holding what was issued: ``issued_<charge>`` and ``issued_total``.
ISSUED_PREFIX = "issued_"
TOTAL = "total"


@dataclass(frozen=True, slots=True)
class Difference:
    """One line (or the total) where the issued bill and the recomputed one differ.

    ``issued`` or ``recomputed`` is ``None`` when that bill has no such line; ``rule`` and
    ``version`` name the recomputed line's rule and ordinance version (``id@version``), or the
    bill's version when it has no such line; ``note`` says why a recomputed line is missing
    (the ruleset does not include that charge).
    """

    charge: str
    issued: Decimal | None
    recomputed: Decimal | None
    rule: str | None
    version: str | None
    note: str | None = None

    @property
    def difference(self) -> Decimal | None:
        """recomputed − issued (``None`` when either side is missing)."""
        if self.issued is None or self.recomputed is None:
            return None
        return exact_difference(self.recomputed, self.issued)

    def to_dict(self) -> dict[str, Any]:
        diff = self.difference
        return {
            "charge": self.charge,
            "issued": None if self.issued is None else format_amount(self.issued),
            "recomputed": None if self.recomputed is None else format_amount(self.recomputed),
            "difference": None if diff is None else format_amount(diff),
            "rule": self.rule,
            "version": self.version,
            **({"note": self.note} if self.note else {}),
        }


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of re-billing one history row: ``match``, ``mismatch`` or ``error``."""

    number: int
    account: str
    month: str
    ruleset: str | None
    status: str
    charges: tuple[str, ...] = ()
    differences: tuple[Difference, ...] = ()
    error: BillingError | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "row": self.number,
            "account": self.account,
            "billing_month": self.month,
            "ruleset": self.ruleset,
            "status": self.status,
        }
        if self.error is not None:
            data["error"] = {"code": self.error.code, "message": self.error.message}
        else:
            data["differences"] = [d.to_dict() for d in self.differences]
        return data


@dataclass
class RebillSummary:
    """Counts of matches and mismatches by charge and by billing month."""

    bills: int = 0
    matches: int = 0
    mismatches: int = 0
    errors: int = 0
    by_charge: dict[str, dict[str, int]] = field(default_factory=dict)
    by_month: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, check: Check) -> None:
        self.bills += 1
        month = self.by_month.setdefault(
            check.month or "-", {"bills": 0, "match": 0, "mismatch": 0, "error": 0}
        )
        month["bills"] += 1
        month[check.status] += 1
        if check.status == "match":
            self.matches += 1
        elif check.status == "mismatch":
            self.mismatches += 1
        else:
            self.errors += 1
            return
        differing = {d.charge for d in check.differences}
        for charge in check.charges:
            counts = self.by_charge.setdefault(charge, {"match": 0, "mismatch": 0})
            counts["mismatch" if charge in differing else "match"] += 1

    def add_matches(self, months: Mapping[str, int], charges: Mapping[str, int]) -> None:
        """Add bills that match on every line: their number by billing month (``-`` for none)
        and, by charge (``total`` among them), the number of them with that charge."""
        for month, count in months.items():
            counts = self.by_month.setdefault(month, {"bills": 0, "match": 0, "mismatch": 0, "error": 0})
            counts["bills"] += count
            counts["match"] += count
            self.bills += count
            self.matches += count
        for charge, count in charges.items():
            self.by_charge.setdefault(charge, {"match": 0, "mismatch": 0})["match"] += count

    @property
    def clean(self) -> bool:
        return self.mismatches == 0 and self.errors == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "bills": self.bills,
            "match": self.matches,
            "mismatch": self.mismatches,
            "error": self.errors,
            "by_charge": {k: self.by_charge[k] for k in sorted(self.by_charge)},
            "by_month": {k: self.by_month[k] for k in sorted(self.by_month)},
        }

    def text(self) -> str:
        out = [f"{self.bills} bill(s): {self.matches} match, {self.mismatches} mismatch, {self.errors} error"]
        if self.by_charge:
            out.append("\nby charge        match  mismatch")
            for charge in sorted(self.by_charge):
                counts = self.by_charge[charge]
                out.append(f"  {charge:<12} {counts['match']:>8} {counts['mismatch']:>9}")
        if self.by_month:
            out.append("\nby month         bills     match  mismatch     error")
            for month in sorted(self.by_month):
                c = self.by_month[month]
                out.append(
                    f"  {month:<12} {c['bills']:>7} {c['match']:>9} {c['mismatch']:>9} {c['error']:>9}"
                )
        return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- checking


def _split_chunk(chunk: Chunk) -> tuple[Chunk, list[Mapping[str, Any] | BillingError | None]]:
    """The chunk as bill inputs only, and each row's issued figures (raw)."""
    issued: list[Mapping[str, Any] | BillingError | None] = []
    rows: list[tuple[int, Payload]] = []
    if chunk.header is not None:
        keep = [i for i, name in enumerate(chunk.header) if not name.startswith(ISSUED_PREFIX)]
        given = [
            (i, name[len(ISSUED_PREFIX) :])
            for i, name in enumerate(chunk.header)
            if name.startswith(ISSUED_PREFIX)
        ]
        header = tuple(chunk.header[i] for i in keep)
        for number, payload in chunk.rows:
            if isinstance(payload, BillingError):
                rows.append((number, payload))
                issued.append(None)
                continue
            values = list(payload)
            rows.append((number, [values[i] if i < len(values) else "" for i in keep]))
            issued.append({name: values[i] if i < len(values) else "" for i, name in given})
        return Chunk(header, rows), issued
    for number, payload in chunk.rows:
        if isinstance(payload, BillingError) or not isinstance(payload, Mapping):
            rows.append((number, payload))
            issued.append(None)
            continue
        inputs = {k: v for k, v in payload.items() if k != "issued" and not str(k).startswith(ISSUED_PREFIX)}
        figures: dict[str, Any] = {
            str(k)[len(ISSUED_PREFIX) :]: v for k, v in payload.items() if str(k).startswith(ISSUED_PREFIX)
        }
        nested = payload.get("issued")
        if isinstance(nested, Mapping):
            lines = nested.get("lines")
            if isinstance(lines, Mapping):
                figures.update({str(k): v for k, v in lines.items()})
            elif isinstance(lines, list):  # the lines of a `tariffcore bill` JSON line
                figures.update(
                    {
                        str(line.get("charge")): line.get("amount")
                        for line in lines
                        if isinstance(line, Mapping)
                    }
                )
            if "total" in nested:
                figures[TOTAL] = nested["total"]
        elif nested is not None:
            rows.append((number, InputError("'issued' must be an object with 'lines' and 'total'")))
            issued.append(None)
            continue
        rows.append((number, inputs))
        issued.append(figures)
    return Chunk(None, rows), issued


def _amounts(raw: Mapping[str, Any]) -> dict[str, Decimal]:
    found = {}
    for charge, value in raw.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, float):
            raise InputError(f"issued {charge}: a float cannot carry an exact amount")
        try:
            amount = D(value if isinstance(value, (int, Decimal)) else str(value))
        except (TypeError, ValueError):
            raise InputError(f"issued {charge} is not an amount: {shorten(repr(value))}") from None
        try:  # any amount whose difference from a bill can be written out in full
            if not _short_plain(value):
                exact_difference(amount, ZERO, ISSUED_DIGITS)
        except ValueError:
            raise InputError(
                f"issued {charge} {shorten(str(amount))} has more than {ISSUED_DIGITS:,} digits written out"
            ) from None
        found[charge] = amount
    if TOTAL not in found:
        raise InputError("the issued total is missing (column issued_total)")
    return found


def _short_plain(value: object) -> bool:
    """Whether ``value`` is text without an exponent, too short to write out more than
    :data:`ISSUED_DIGITS` digits (every digit written out is one of its characters)."""
    return isinstance(value, str) and len(value) < ISSUED_DIGITS - 2 and "e" not in value and "E" not in value


def compare_bill(
    bill: Billed, issued: Mapping[str, Decimal]
) -> tuple[tuple[str, ...], tuple[Difference, ...]]:
    """The charges compared and the differences between ``bill`` and the issued amounts.

    A bill of some charges only (``--charges``) is compared on those charges: the issued lines
    of the charges left out on request, and the total, are not compared."""
    lines = {line.charge: line for line in bill.lines}
    left_out = {missing.charge: missing.reason for missing in bill.not_included}
    skipped = set(bill.not_requested)
    charges = [charge for charge in issued if charge != TOTAL and charge not in skipped]
    charges += [charge for charge in lines if charge not in issued]
    differences = []
    for charge in charges:
        line = lines.get(charge)
        recomputed = None if line is None else line.amount
        given = issued.get(charge)
        if recomputed != given:
            if line is None:
                reason = left_out.get(charge)
                note = (
                    f"{bill.label} does not include {charge}: {reason}"
                    if reason
                    else f"{bill.label} has no {charge} line for this account"
                )
                differences.append(Difference(charge, given, None, None, bill.label, note))
            else:
                differences.append(
                    Difference(charge, given, recomputed, line.rule, f"{bill.ruleset}@{line.version}")
                )
    if skipped:
        return tuple(charges), tuple(differences)
    if bill.total != issued[TOTAL]:
        differences.append(Difference(TOTAL, issued[TOTAL], bill.total, None, bill.label))
    return (*charges, TOTAL), tuple(differences)


def check_chunk(engine: BatchEngine, chunk: Chunk) -> list[Check]:
    """Re-bill every history row of ``chunk``: one :class:`Check` per row, in order."""
    inputs, issued = _split_chunk(chunk)
    month_of = _month_reader(inputs)
    checks = []
    for (number, payload), (_, account, result), figures in zip(
        inputs.rows, engine.figures(inputs, own_ids=False), issued
    ):
        month = month_of(payload)
        if isinstance(result, BillingError):
            checks.append(Check(number, account, month, None, "error", error=result))
            continue
        assert figures is not None and not isinstance(figures, BillingError)
        try:
            amounts = _amounts(figures)
        except BillingError as exc:
            checks.append(Check(number, account, month, result.label, "error", error=exc))
            continue
        charges, differences = compare_bill(result, amounts)
        checks.append(
            Check(
                number,
                account,
                month,
                result.label,
                "mismatch" if differences else "match",
                charges,
                differences,
            )
        )
    return checks


def _month_reader(chunk: Chunk) -> Any:
    if chunk.header is not None:
        if "billing_month" not in chunk.header:
            return lambda payload: ""
        where = chunk.header.index("billing_month")
        return lambda payload: (
            payload[where].strip()[:7] if isinstance(payload, list) and where < len(payload) else ""
        )
    return lambda payload: str(payload.get("billing_month") or "")[:7] if isinstance(payload, Mapping) else ""


def describe(check: Check) -> Iterator[str]:
    """Lines of text for a row that did not match."""
    where = f"row {check.number} account {check.account or '?'} {check.month or ''}".rstrip()
    if check.error is not None:
        yield f"{where}: error {check.error.code}: {check.error.message}"
        return
    for d in check.differences:
        issued = "none" if d.issued is None else format_amount(d.issued)
        recomputed = "none" if d.recomputed is None else format_amount(d.recomputed)
        diff = d.difference
        delta = "" if diff is None else f" ({'+' if diff > 0 else ''}{format_amount(diff)})"
        rule = f" rule {d.rule}" if d.rule else ""
        note = f" ({d.note})" if d.note else ""
        yield (
            f"{where}: {d.charge}: issued {issued}, recomputed {recomputed}{delta};"
            f"{rule} version {d.version}{note}"
        )


def summarise(checks: Iterable[Check]) -> RebillSummary:
    """The summary of ``checks``."""
    summary = RebillSummary()
    for check in checks:
        summary.add(check)
    return summary
