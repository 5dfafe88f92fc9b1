"""Comparing ordinances on the same accounts: what each bills, and what changes.

Every input row is billed under the old ordinance and under each candidate (versions of one
ruleset, or other cities), giving one :class:`Comparison` per row, in input order. A row a
side cannot bill keeps its error and is counted, never dropped. The summary of each candidate
against the old ordinance is in :mod:`tariffcore.regression.summary`, the columns of the
per-account outputs in :mod:`tariffcore.regression.columns`, the HTML report in
:mod:`tariffcore.regression.report`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..batch import BatchEngine, column_text
from ..bill import Bill, Billed, BillFigures
from ..errors import BillingError, TariffcoreError
from ..money import MONEY_CONTEXT, format_amount
from ..rows import Chunk

__all__ = ["Comparison", "compare_chunk", "percent", "refuse_ruleset_column"]

_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to 0.01 % (half up); ``None`` when ``whole`` is 0."""
    if whole == 0:
        return None
    return MONEY_CONTEXT.divide(MONEY_CONTEXT.multiply(part, _HUNDRED), whole).quantize(
        _CENT, rounding=ROUND_HALF_UP, context=MONEY_CONTEXT
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    """One account billed under the old ordinance and each candidate (any result may be an
    error): ``results`` holds the old result first, then one per candidate."""

    number: int
    account: str
    use_class: str
    usage_m3: str
    results: tuple[Billed | BillingError, ...]
    meter_mm: int | None = None

    @property
    def old(self) -> Billed | BillingError:
        return self.results[0]

    @property
    def new(self) -> Billed | BillingError:
        """The result under the (first) candidate."""
        return self.results[1]

    def pair(self, index: int) -> Comparison:
        """The comparison of the old result with the ``index``-th result (1: the first
        candidate) alone."""
        if len(self.results) == 2 and index == 1:
            return self
        return replace(self, results=(self.results[0], self.results[index]))

    @property
    def both(self) -> bool:
        """Whether every side billed the account."""
        return all(isinstance(result, (Bill, BillFigures)) for result in self.results)

    def change_of(self, index: int) -> Decimal | None:
        """The ``index``-th result's total less the old one, when both are bills."""
        old, new = self.results[0], self.results[index]
        if isinstance(old, (Bill, BillFigures)) and isinstance(new, (Bill, BillFigures)):
            return MONEY_CONTEXT.subtract(new.total, old.total)
        return None

    def change_percent_of(self, index: int) -> Decimal | None:
        change = self.change_of(index)
        if change is None:
            return None
        assert isinstance(self.old, (Bill, BillFigures))
        return percent(change, self.old.total)

    @property
    def change(self) -> Decimal | None:
        return self.change_of(1)

    @property
    def change_percent(self) -> Decimal | None:
        return self.change_percent_of(1)

    @property
    def usage(self) -> Decimal | None:
        """The usage in m³: as billed, else as the row gives it (``None`` when neither says)."""
        for result in self.results:
            if isinstance(result, (Bill, BillFigures)):
                return result.usage_m3
        try:
            value = Decimal(self.usage_m3)
        except ArithmeticError:
            return None
        return value if value.is_finite() and value >= 0 else None

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON-ready data for the list of accounts hit hardest."""
        data: dict[str, Any] = {
            "row": self.number,
            "account": self.account,
            "use_class": self.use_class,
            "meter_mm": self.meter_mm,
            "usage_m3": self.usage_m3 or None,
        }
        for side, result in zip(("old", "new"), self.results):
            billed = isinstance(result, (Bill, BillFigures))
            data[f"{side}_ruleset"] = result.label if isinstance(result, (Bill, BillFigures)) else None
            data[f"{side}_total"] = (
                format_amount(result.total) if isinstance(result, (Bill, BillFigures)) else None
            )
            data[f"{side}_lines"] = (
                {line.charge: format_amount(line.amount) for line in result.lines}
                if isinstance(result, (Bill, BillFigures))
                else None
            )
            data[f"{side}_error_code"] = None if billed else getattr(result, "code", None)
        change, pct = self.change, self.change_percent
        data["change"] = None if change is None else format_amount(change)
        data["change_percent"] = None if pct is None else format_amount(pct)
        return data


def compare_chunk(engines: tuple[BatchEngine, ...], chunk: Chunk) -> list[Comparison]:
    """Bill every row of ``chunk`` under every engine (the old one first): one
    :class:`Comparison` per row.

    Every row is billed under the rulesets compared, so an input that names a ruleset of its
    own (a ``ruleset`` column, or key of a JSON record) is refused: its rows would be billed
    under that ruleset on every side and mixed into the totals.
    """
    refuse_ruleset_column(chunk, [engine.ruleset for engine in engines])
    header = chunk.header or ()
    at = {name: header.index(name) for name in ("use_class", "usage_m3", "meter_mm") if name in header}
    found = []
    runs = [engine.figures(chunk, own_ids=False) for engine in engines]
    for index, (_, payload) in enumerate(chunk.rows):
        results = tuple(run[index][2] for run in runs)
        number, account, _ = runs[0][index]
        use_class = usage = meter = ""
        if isinstance(payload, BillingError):
            pass
        elif chunk.header is not None:
            use_class = column_text(payload, at.get("use_class"))
            usage = column_text(payload, at.get("usage_m3"))
            meter = column_text(payload, at.get("meter_mm"))
        elif isinstance(payload, Mapping):
            use_class = str(payload.get("use_class") or "").strip()
            usage = str(payload.get("usage_m3") or "").strip()
            meter = str(payload.get("meter_mm") or "").strip()
        billed = next((result for result in results if isinstance(result, (Bill, BillFigures))), None)
        if not usage and billed is not None:  # given in another unit: as billed
            usage = format_amount(billed.usage_m3)
        if billed is not None and billed.use_class:
            use_class = use_class or billed.use_class
        mm = billed.meter_mm if billed is not None and billed.meter_mm is not None else None
        if (
            mm is None and meter.isascii() and meter.isdigit() and len(meter) <= 9
        ):  # a size, not a long number
            mm = int(meter)
        found.append(Comparison(number, account, use_class, usage, results, mm))
    return found


def refuse_ruleset_column(chunk: Chunk, compared: list[str | None]) -> None:
    """Raise a :class:`~tariffcore.TariffcoreError` when ``chunk`` names rulesets of its own."""
    where = None
    if chunk.header is not None:
        if "ruleset" in chunk.header:
            where = "has a 'ruleset' column"
    else:
        for number, payload in chunk.rows:
            if isinstance(payload, Mapping) and "ruleset" in payload:
                where = f"has a 'ruleset' field (line {number})"
                break
    if where is not None:
        sides = " and under ".join(str(reference) for reference in compared)
        raise TariffcoreError(
            f"the input {where}: compare bills every row under {sides}, so a ruleset of the "
            "row's own would be mixed into the totals; remove the column"
        )
