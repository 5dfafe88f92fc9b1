"""The one JSON-lines reader: exact numbers, blank lines skipped, bad lines kept in place as
errors with their line numbers, for bill inputs and ledgers alike."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import tariffcore
from tariffcore.accounts import LedgerBill, group_ledger, read_ledger
from tariffcore.rows import json_lines, read_chunks
from tests.helpers import run_cli

TEXT = (
    '{"account": "A", "usage_m3": 20.50, "meter_mm": 15, "big": 1e3}\n'
    "\n"
    "not json\n"
    "[1, 2]\n"
    '   {"account": "B", "usage_m3": "7"}  \n'
)


def test_numbers_are_exact_and_bad_lines_keep_their_place() -> None:
    found = list(json_lines(io.StringIO(TEXT)))
    assert [number for number, _ in found] == [1, 3, 4, 5]  # line 2 is blank
    first = found[0][1]
    assert isinstance(first, dict)
    # 20.50 keeps its trailing zero and 1e3 its exponent: Decimal, never float
    assert first["usage_m3"] == Decimal("20.50") and str(first["usage_m3"]) == "20.50"
    assert str(first["big"]) == "1E+3" and type(first["meter_mm"]) is int
    bad, array = found[1][1], found[2][1]
    assert isinstance(bad, tariffcore.InputError) and bad.message.startswith("not valid JSON: ")
    assert isinstance(array, tariffcore.InputError) and array.message == "not a JSON object"
    assert found[3][1] == {"account": "B", "usage_m3": "7"}


def test_bill_inputs_name_the_line_in_the_error_row() -> None:
    rows = list(tariffcore.read_rows(io.StringIO(TEXT), "jsonl"))
    assert [(row.number, row.account) for row in rows] == [(1, "A"), (3, ""), (4, ""), (5, "B")]
    assert rows[1].error is not None and rows[1].error.message.startswith("line 3 is not valid JSON: ")
    assert rows[2].error is not None and rows[2].error.message == "line 4 is not a JSON object"
    (chunk,) = read_chunks(io.StringIO(TEXT), "jsonl")
    assert [(number, getattr(payload, "message", None)) for number, payload in chunk.rows][1:3] == [
        (3, rows[1].error.message),
        (4, "line 4 is not a JSON object"),
    ]


def test_ledgers_read_the_same_lines_and_number_them_once() -> None:
    text = '{"account": "A", "entry": "bill", "date": "2025-01-31", "amount": 100.50}\n\n{oops\n7\n'
    rows = list(read_ledger(io.StringIO(text), "jsonl"))
    assert [row.number for row in rows] == [1, 3, 4]
    entry = rows[0].entry
    assert isinstance(entry, LedgerBill) and str(entry.principal) == "100.50"
    groups = group_ledger(rows)
    errors = [group.error() for group in groups if group.errors]
    assert [error.message if error else None for error in errors] == [
        "line 3: not valid JSON: Expecting property name enclosed in double quotes",
        "line 4: not a JSON object",
    ]


#: What an error row says of an account that is no id, before what was given.
NO_ID = (
    "account must be a string, or an integer written without a fraction or an exponent (such as 10234), not"
)


def test_an_account_id_is_a_string_or_an_integer_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The rows are alike but for their account, so every one after the first would be a cache
    # hit: one whose account is no id must not be billed (as "['J15']", "True" or "10234.0"),
    # nor take the bill of J15.
    given = [
        '"J15"',
        '["J15"]',
        '{"a": 1}',
        "true",
        "false",
        "1.5",
        "10234.0",
        "1e3",
        "10234",
        "0",
        '" J16 "',
    ]
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(
            f'{{"account": {account}, "use_class": "household", "meter_mm": 13, "usage_m3": 20, '
            '"billing_month": "2025-03"}\n'
            for account in given
        )
    )
    status, out, _ = run_cli(capsys, "bill", str(source), "--ruleset", "kr/gimhae")
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 1 and len(rows) == len(given)
    assert [(row["account"], row.get("total")) for row in rows] == [
        ("J15", "37900"),
        *[("", None)] * 7,
        ("10234", "37900"),
        ("0", "37900"),
        ("J16", "37900"),
    ]
    assert [row["error"]["message"].removeprefix(NO_ID) for row in rows if "error" in row] == [
        " a list",
        " an object",
        " true",
        " false",
        " 1.5",
        " 10234.0",
        " 1E+3",
    ]
    assert [row.account for row in tariffcore.read_rows(source)] == [row["account"] for row in rows]


def test_a_ledger_account_is_an_id_as_a_bill_inputs_is() -> None:
    text = "".join(
        f'{{"account": {account}, "entry": "bill", "date": "2025-01-31", "amount": "100"}}\n'
        for account in ("10234", "10234.0", "[10234]")
    )
    rows = list(read_ledger(io.StringIO(text), "jsonl"))
    assert [(row.account, row.error.message if row.error else None) for row in rows] == [
        ("10234", None),
        ("", f"{NO_ID} 10234.0"),
        ("", f"{NO_ID} a list"),
    ]


def test_a_line_that_gives_a_field_twice_is_still_its_accounts() -> None:
    # The line is not read, but whose it is can be told: a ledger's bill makes its account's
    # statement an error (it used to go to the account "" and vanish from S-1's), a bill
    # input's error row names its account.
    text = (
        '{"account": "S-1", "entry": "bill", "date": "2025-01-31", "amount": 52000}\n'
        '{"account": "S-1", "entry": "bill", "date": "2025-03-31", "amount": 5000, "amount": 6000}\n'
    )
    groups = list(group_ledger(read_ledger(io.StringIO(text), "jsonl")))
    assert [(group.account, [number for number, _ in group.errors]) for group in groups] == [("S-1", [2])]
    rows = list(tariffcore.read_rows(io.StringIO('{"account": 7, "usage_m3": 1, "usage_m3": 2}\n'), "jsonl"))
    assert [(row.account, row.error.message if row.error else None) for row in rows] == [
        ("7", "line 1 is an object that gives the field 'usage_m3' twice")
    ]


def test_an_account_id_of_a_whole_decimal_is_its_digits() -> None:
    # a decimal128(n, 0) column, as databases give ids; a fraction or an exponent is still refused
    assert tariffcore.rows.account_id(Decimal("10234")) == "10234"
    for value in (Decimal("10234.0"), Decimal("1E+4"), Decimal("NaN")):
        with pytest.raises(tariffcore.InputError, match="account must be a string"):
            tariffcore.rows.account_id(value)


def test_each_line_is_read_on_its_own_by_a_reader_made_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tariffcore.rows.jsonlines import exact_json

    lines = [
        '{"account":"A","x":{"b":1,"b":2}}',  # a field twice, inside
        '{"account":"B","x":{"b":1,"c":2}',  # cut short after a full object: not JSON
        '{"account":"C","usage_m3":1.50}',
        '\ufeff{"account":"D"}',  # a BOM, as json.loads refuses it
    ]
    found = []
    for line in lines:
        try:
            found.append(exact_json(line))
        except json.JSONDecodeError as exc:
            found.append(exc.msg)
    assert found == [
        ({"account": "A", "x": {"b": 2}}, "b"),
        "Expecting ',' delimiter",
        ({"account": "C", "usage_m3": Decimal("1.50")}, None),  # nothing left of the line before
        "Unexpected UTF-8 BOM (decode using utf-8-sig)",
    ]
    for _ in range(20):  # a reader per way of reading constants (a few kept)
        assert exact_json("NaN", lambda word: word)[0] == "NaN"
    assert isinstance(exact_json("NaN")[0], float)
    twice = [f'{{"k":{n},"k":{n + 1}}}' for n in range(200)]
    once = [f'{{"k":{n}}}' for n in range(200)]
    with ThreadPoolExecutor(4) as pool:  # readers of threads apart
        read = list(pool.map(exact_json, [line for pair in zip(twice, once) for line in pair]))
    assert read == [item for n in range(200) for item in (({"k": n + 1}, "k"), ({"k": n}, None))]


def test_exact_json_reads_what_json_loads_reads() -> None:
    from tariffcore.rows.jsonlines import exact_json

    text = '{"a":1.50,"b":{"c":1,"c":2}}'
    expected = ({"a": Decimal("1.50"), "b": {"c": 2}}, "c")
    assert exact_json(text.encode()) == exact_json(bytearray(text.encode())) == expected
    assert exact_json(text.encode("utf-16")) == expected  # its encoding found as json.loads finds it
    assert exact_json(b"\xef\xbb\xbf" + text.encode()) == expected  # bytes: a BOM read as json.loads reads it
    with pytest.raises(TypeError, match="must be str, bytes or bytearray, not int"):
        exact_json(7)  # type: ignore[arg-type]

    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self, word: str) -> str:
            return word.lower()

    assert exact_json('{"x":NaN}', Unhashable())[0] == {"x": "nan"}

    def again(word: str) -> Any:  # a constant that reads JSON itself, in the middle of a line
        return exact_json('{"k":1,"k":2}', again)

    assert exact_json('{"a":{"c":1,"c":2},"n":NaN,"z":0}', again) == (
        {"a": {"c": 2}, "n": ({"k": 2}, "k"), "z": 0},
        "c",
    )
