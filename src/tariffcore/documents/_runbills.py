"""Whole bills read back from a billing run (``tariffcore bill``), for documents that show a
bill in full (a notice).

:func:`bill_records` streams the JSON lines of a run as whole records; :func:`bill_from_dict`
turns one back into a :class:`~tariffcore.Bill`. Only the JSON lines carry everything a bill
shows: the CSV and Parquet outputs lack the reading's dates and reads.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ..bill import Bill, BillLine, LinePart, NotIncluded, Reading, SourceRef, TierSlice
from ..engine import Catalog
from ..errors import InputError
from ..meter import MeterReads
from ..rows import input_format, parse_date
from ._runrow import exact_number, json_record

__all__ = ["bill_from_dict", "bill_records"]


def bill_records(source: str | Path | IO[bytes]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """``(line number, record)`` for every row of the JSON lines of a run (a bill or an
    error row), one at a time."""
    if isinstance(source, (str, Path)):
        if str(source) == "-":
            yield from bill_records(sys.stdin.buffer)
            return
        path = Path(source)
        if not path.is_file():
            raise OSError(f"no such run file: {source}")
        if input_format(str(path), None) != "jsonl":
            raise InputError(
                f"{source}: a notice needs the JSON lines of `tariffcore bill` (its "
                "default output, e.g. bills.jsonl), which carry every line's tiers, "
                "rounding and sources and the reading's dates and reads; its CSV and "
                "Parquet outputs do not"
            )
        with path.open("rb") as stream:
            yield from _records(stream, str(source))
        return
    yield from _records(source, "the input")


def _records(stream: Iterable[bytes], name: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield number, json_record(line, f"{name}: line {number}")


def _date(value: Any, what: str, where: str) -> date | None:
    if value is None:
        return None
    text = str(value)
    try:
        return parse_date(text + "-01" if len(text) == 7 else text)
    except InputError:
        raise InputError(f"{where}: {what} {value!r} is not a date") from None


def _opt(value: Any, what: str, where: str) -> Decimal | None:
    return None if value is None else exact_number(value, what, where)


def bill_from_dict(data: Mapping[str, Any], catalog: Catalog, where: str = "the bill") -> Bill:
    """The :class:`~tariffcore.Bill` a JSON-lines record of ``bill`` was written from.

    The record names its sources by id; their titles and links are taken from the installed
    ruleset version that each line names, so a run billed with rulesets other than the
    installed ones fails here with a clear error rather than citing the wrong source.
    """
    if "error" in data:
        error = data["error"]
        raise InputError(
            f"{where}: an error row, not a bill ({error.get('code')}: {error.get('message')})"
            if isinstance(error, Mapping)
            else f"{where}: an error row, not a bill"
        )
    label = str(data.get("ruleset") or "")
    ruleset_id, _, version_label = label.partition("@")
    if not version_label:
        raise InputError(f"{where}: 'ruleset' is {label!r}, not id@version")
    ruleset = catalog.ruleset(ruleset_id)
    known: dict[str, dict[str, SourceRef]] = {}

    def sources(ids: Any, version: str, charge: str) -> tuple[SourceRef, ...]:
        refs: list[SourceRef] = []
        for one in version.split("+"):
            if one not in known:
                spec = ruleset.version(one).spec
                known[one] = {s.id: SourceRef(s.id, s.title, s.tag, s.url) for s in spec.sources}
        for source_id in ids or ():
            ref = next((known[v][source_id] for v in version.split("+") if source_id in known[v]), None)
            if ref is None:
                raise InputError(
                    f"{where}: line {charge} cites source {source_id!r}, which "
                    f"{ruleset_id}@{version} as installed does not have: the run "
                    "was billed with other rulesets than those installed"
                )
            refs.append(ref)
        return tuple(refs)

    def slices(items: Any, charge: str) -> tuple[TierSlice, ...]:
        return tuple(
            TierSlice(
                tier=int(s["tier"]),
                lower=exact_number(s["above"], "a tier bound", where),
                upper=_opt(s.get("upto"), "a tier bound", where),
                quantity=exact_number(s["quantity"], "a tier's quantity", where),
                rate=exact_number(s["rate"], "a tier's rate", where),
                amount=exact_number(s["amount"], "a tier's amount", where),
                use_class=str(s["use_class"]),
                version=s.get("version"),
            )
            for s in items or ()
        )

    lines = []
    try:
        for line in data["lines"]:
            charge = str(line["charge"])
            version = str(line["version"])
            parts = tuple(
                LinePart(
                    version=str(p["version"]),
                    start=_date(p["from"], "a part's start", where) or date.min,
                    end=_date(p["to"], "a part's end", where) or date.min,
                    days=int(p["days"]),
                    period_days=int(p["period_days"]),
                    quantity=_opt(p.get("quantity"), "a part's quantity", where),
                    amount=exact_number(p["amount"], "a part's amount", where),
                    unit_price=_opt(p.get("unit_price"), "a part's unit price", where),
                    slices=slices(p.get("slices"), charge),
                    notes=tuple(p.get("notes") or ()),
                )
                for p in line.get("parts") or ()
            )
            lines.append(
                BillLine(
                    charge=charge,
                    label=str(line["label"]),
                    amount=exact_number(line["amount"], f"the amount of {charge}", where),
                    unrounded=exact_number(
                        line.get("unrounded", line["amount"]), f"the unrounded {charge}", where
                    ),
                    rounding=line.get("rounding"),
                    rule=str(line["rule"]),
                    version=version,
                    sources=sources(line.get("source"), version, charge),
                    quantity=_opt(line.get("quantity"), f"the quantity of {charge}", where),
                    unit=line.get("unit"),
                    unit_price=_opt(line.get("unit_price"), f"the unit price of {charge}", where),
                    slices=slices(line.get("slices"), charge),
                    notes=tuple(line.get("notes") or ()),
                    parts=parts,
                )
            )
        reads = data.get("reads")
        meter = None
        if isinstance(reads, Mapping):
            meter = MeterReads(
                exact_number(reads["previous"], "the previous read", where),
                exact_number(reads["current"], "the current read", where),
                reads.get("digits"),
                _opt(reads.get("old_final"), "the old meter's final read", where),
                _opt(reads.get("new_initial"), "the new meter's first read", where),
            )
        usage = exact_number(data["usage_m3"], "usage_m3", where)
        reading = Reading(
            usage,
            _date(data.get("billing_month"), "billing_month", where),
            _date(data.get("period_start"), "period_start", where),
            _date(data.get("period_end"), "period_end", where),
            _date(data.get("due_date"), "due_date", where),
            data.get("estimated") is True,
            meter,
        )
        meter_mm = data.get("meter_mm")
        households = data.get("household_units")
        return Bill(
            account=str(data["account"]),
            ruleset=ruleset_id,
            version=version_label,
            currency=str(data["currency"]),
            usage_m3=usage,
            lines=tuple(lines),
            total=exact_number(data["total"], "total", where),
            not_included=tuple(
                NotIncluded(str(n["charge"]), str(n["reason"])) for n in data.get("not_included") or ()
            ),
            reading=reading,
            use_class=data.get("use_class"),
            meter_mm=int(meter_mm) if meter_mm is not None else None,
            household_units=int(households) if households is not None else None,
        )
    except (KeyError, TypeError) as exc:
        raise InputError(
            f"{where}: not a bill written by `tariffcore bill` (missing or malformed {exc})"
        ) from None
    except ValueError as exc:  # the bill's own checks: the lines do not add up to the total
        raise InputError(f"{where}: {exc}") from None
