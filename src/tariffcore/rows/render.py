"""JSON lines from templates: the text of a lean bill written without building its data.

A bill line's charge, label and version, and most of a bill's fields (its ruleset, currency,
what is not included, the account's class, meter and households, the reading's dates), are
fixed by the version that bills it and the account: only the amounts, quantities, unit prices,
rules, the usage and the meter reads vary from row to row. :class:`LineTemplate` and
:class:`BillTemplate` hold the fixed text once and put the varying figures in, so a bulk run
writes a line with a few joins of text. Whatever feeds them (the engine's lean bills, or a
backend of its own) gets text identical, byte for byte, to
``compact_json(bill_to_dict(bill, "lean"))`` of the same bill (see
:func:`~tariffcore.rows.bill_to_dict`), which the tests hold them to.

Figures are given as text as :func:`~tariffcore.money.format_amount` writes them (digits, a
point, a sign), which JSON never escapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .output import compact_json

__all__ = ["BillTemplate", "LineTemplate", "reads_text"]


class LineTemplate:
    """The JSON text of the lean lines of one charge of one version (see
    :func:`~tariffcore.rows.line_to_dict` with ``explain="lean"``)."""

    __slots__ = ("charge", "head", "tail", "_rules", "_units")

    def __init__(self, charge: str, label: str, version: str) -> None:
        self.charge = charge
        self.head = f'{{"charge":{compact_json(charge)},"label":{compact_json(label)},"amount":"'
        self.tail = f',"version":{compact_json(version)}}}'
        self._rules: dict[str, str] = {}
        self._units: dict[str | None, str] = {}

    def render(
        self, amount: str, quantity: str | None, unit: str | None, unit_price: str | None, rule: str
    ) -> str:
        """One line: ``rule`` is the charge type's rule (``general``; empty for none), named
        on the line after the charge id (``water.general``)."""
        return (
            self.head
            + amount
            + ('","quantity":null' if quantity is None else '","quantity":"' + quantity + '"')
            + self.rest(unit, unit_price, rule)
        )

    def rest(self, unit: str | None, unit_price: str | None, rule: str) -> str:
        """The end of a line after its quantity: its unit, unit price, rule and version (what
        a lean bill keeps while they stay the same from one bill to the next)."""
        named = self._rules.get(rule)
        if named is None:
            full = f"{self.charge}.{rule}" if rule else self.charge
            named = self._rules[rule] = f',"rule":{compact_json(full)}'
        written = self._units.get(unit)
        if written is None:
            written = self._units[unit] = f',"unit":{compact_json(unit)},"unit_price":'
        return written + ("null" if unit_price is None else '"' + unit_price + '"') + named + self.tail


class BillTemplate:
    """The JSON line of a lean bill after its account (``"ruleset":…}`` and a newline): what
    every bill of one version and one kind of account shares, with the figures put in."""

    __slots__ = ("head", "middle", "tail", "encoded")

    def __init__(
        self,
        label: str,
        currency: str,
        estimated: bool,
        not_included: Iterable[tuple[str, str]],
        not_requested: Sequence[str],
        account: tuple[str | None, int | None, int | None],
        dates: Mapping[str, Any],
    ) -> None:
        use_class, meter_mm, households = account
        self.head = f'"ruleset":{compact_json(label)},"currency":{compact_json(currency)},"usage_m3":"'
        self.middle = f'","estimated":{compact_json(estimated)},"lines":['
        missing = [{"charge": charge, "reason": reason} for charge, reason in not_included]
        fields: dict[str, Any] = {"not_included": missing}
        if not_requested:
            fields["not_requested"] = list(not_requested)
        fields.update(use_class=use_class, meter_mm=meter_mm, household_units=households)
        fields.update(dates)
        self.tail = compact_json(fields)[1:-1]
        #: The fixed parts in UTF-8, for :meth:`render_bytes`.
        self.encoded = (self.head.encode(), self.middle.encode(), b'],"total":"', self.tail.encode())

    def render_bytes(self, usage: bytes, lines: Iterable[bytes], total: bytes, reads: bytes = b"") -> bytes:
        """:meth:`render` in UTF-8, from figures and lines in UTF-8 (encoding a whole line of
        text costs more than joining its parts encoded once)."""
        return self.body_bytes(usage, lines, total) + reads + b"}\n"

    def body_bytes(self, usage: bytes, lines: Iterable[bytes], total: bytes) -> bytes:
        """:meth:`render_bytes` up to the meter reads: what follows is the reads (if any) and
        ``}`` and a newline."""
        head, middle, between, tail = self.encoded
        return head + usage + middle + b",".join(lines) + between + total + b'",' + tail

    def render(self, usage: str, lines: Iterable[str], total: str, reads: str = "") -> str:
        """The line of a bill of ``usage`` m³ with ``lines`` (from :meth:`LineTemplate.render`),
        ``total`` and the meter ``reads`` (from :func:`reads_text`, empty for none)."""
        return f'{self.head}{usage}{self.middle}{",".join(lines)}],"total":"{total}",{self.tail}{reads}}}\n'


def reads_text(previous: str, current: str, digits: int | None = None, rolled_over: bool = False) -> str:
    """The ``"reads"`` field of a bill whose usage came from two reads of one meter."""
    more = ("" if digits is None else f',"digits":{digits}') + (',"rolled_over":true' if rolled_over else "")
    return f',"reads":{{"previous":"{previous}","current":"{current}"{more}}}'
