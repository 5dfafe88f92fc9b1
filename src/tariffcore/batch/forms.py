"""The forms a batch result is kept in: as its JSON text, or as the bill or error itself.

JSON-lines output keeps each distinct result as the bytes of its JSON line after the account
(:func:`fragment`), so a repeated row costs a join of bytes; every other output keeps the
:class:`~tariffcore.Bill` or :class:`~tariffcore.BillingError`. Each :class:`Form` says how a
result is made into its form and what that weighs in the cache, so one cache type serves both
and a cached value means one thing only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..bill import Bill, BillFigures
from ..errors import BillingError
from ..rows import bill_to_dict, compact_json, csv_rest, error_to_dict, utf8
from .cache import OBJECT_WEIGHT

__all__ = [
    "AS_JSON",
    "AS_LEAN_JSON",
    "AS_FIGURES",
    "AS_OBJECT",
    "SAFE_ID",
    "Figured",
    "Form",
    "Printed",
    "Result",
    "account_json",
    "csv_form",
    "fragment",
    "json_form",
]

Result = Bill | BillingError
#: A result as bulk outputs read it: a bill, its figures (from a lean bill), or an error.
Figured = Bill | BillFigures | BillingError
V = TypeVar("V")

#: An account id JSON would not escape, written between quotes as it is.
SAFE_ID = re.compile(r"[A-Za-z0-9 ._:/#+-]*\Z")
_PREFIX = '{"account":"",'


def account_json(account: str) -> bytes:
    """The start of a JSON line, up to and with its account id, in UTF-8."""
    if SAFE_ID.match(account):
        return b'{"account":"' + account.encode() + b'",'
    return utf8('{"account":' + compact_json(account) + ",")


def fragment(result: Result, explain: str = "full") -> bytes:
    """The JSON line of ``result`` after its account, in UTF-8: what every bill with this input
    shares (kept encoded, so a repeat is only a join of bytes); its lines explained as
    ``explain`` says (see :func:`~tariffcore.rows.bill_to_dict`)."""
    data = bill_to_dict(result, explain) if isinstance(result, Bill) else error_to_dict("", result)
    data["account"] = ""
    text = compact_json(data)
    assert text.startswith(_PREFIX)
    return utf8(text[len(_PREFIX) :] + "\n")


#: A result as JSON-lines output keeps it: whether it is an error row, and its
#: :func:`fragment`. (A plain pair: the loop over CSV text unpacks one per row.)
Printed = tuple[bool, bytes]


@dataclass(frozen=True, slots=True)
class Form(Generic[V]):
    """A form a result is kept in: ``make`` turns a bill or error into it, ``weigh`` says
    what it weighs in the cache besides its key; ``name`` tells the caches apart. ``lean``
    says what a lean bill gives in this form (``json``: its lean JSON line; ``figures``: its
    :class:`~tariffcore.BillFigures`; ``csv``: its row of a CSV of bills); empty for a form
    only the engine's own bills fill."""

    name: str
    make: Callable[[Result], V]
    weigh: Callable[[V], int]
    lean: str = ""
    #: The charges with a column of their own, for a CSV of bills (:func:`csv_form`).
    columns: tuple[str, ...] = ()


def _printed(result: Result) -> Printed:
    return isinstance(result, BillingError), fragment(result)


def _lean(result: Result) -> Printed:
    return isinstance(result, BillingError), fragment(result, "lean")


def _same(result: Result) -> Result:
    return result


def _text_weight(printed: Printed) -> int:
    return len(printed[1])


def _object_weight(result: Figured) -> int:
    return OBJECT_WEIGHT


def _figured(result: Result) -> Figured:
    return result


#: Results kept as their JSON text: JSON-lines output, every line explained in full.
AS_JSON: Form[Printed] = Form("json", _printed, _text_weight)
#: Results kept as their JSON text, lean (see :data:`~tariffcore.rows.EXPLAIN_LEVELS`).
AS_LEAN_JSON: Form[Printed] = Form("json-lean", _lean, _text_weight, "json")
#: Results kept as the bill or error itself.
AS_OBJECT: Form[Result] = Form("object", _same, _object_weight)
#: Results kept as the bill's figures where a lean bill computes the row, else as the bill or
#: error itself (what CSV and table output, comparisons and re-billing read).
AS_FIGURES: Form[Figured] = Form("figures", _figured, _object_weight, "figures")


def csv_form(columns: Sequence[str]) -> Form[Printed]:
    """Results kept as their rows of a CSV of bills with a column per charge of ``columns``,
    after the account's cell (:func:`~tariffcore.rows.csv_rest`, in UTF-8)."""
    charges = tuple(columns)

    def make(result: Result) -> Printed:
        return isinstance(result, BillingError), utf8(csv_rest(result, charges))

    return Form("csv\x1f" + "\x1f".join(charges), make, _text_weight, "csv", charges)


def json_form(explain: str) -> Form[Printed]:
    """The form of JSON-lines output explained as ``explain`` says."""
    return AS_LEAN_JSON if explain == "lean" else AS_JSON
