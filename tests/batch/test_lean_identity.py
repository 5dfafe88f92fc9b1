"""Lean bills write, byte for byte, the JSON line the engine writes from its Bill.

Every bundled ruleset is billed through a generated city that walks each version's use classes
(and one it does not have), meter sizes (its own and unknown ones), households, tier bounds
(just below, at, a fraction above, one above), zero and fractional usage, meter reads, months
inside and outside the versions' range, pinned versions and rows that cannot be billed. The
rows go once through the lean path of :meth:`BatchEngine.csv_to_jsonl` and once through the
engine's own (parse the row, :meth:`Catalog.bill`, :func:`bill_to_dict`), and the outputs must
be the same bytes.

The other ways through lean bills are held to the engine the same way: the figures of every
bill (:meth:`BatchEngine.figures` against :meth:`BatchEngine.results`), CSV and table output,
JSON lines of JSON-lines and Parquet input, ``compare`` and ``rebill``, each run once with lean
bills and once without, through the command line.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import tariffcore.batch.engine as batch_engine
import tariffcore.batch.text as batch_text
from tariffcore import Bill, BillFigures, BillingError, Catalog
from tariffcore.batch import BatchEngine, LeanRows
from tariffcore.engine import LeanBill
from tariffcore.rows import bill_to_dict, compact_json, read_chunks
from tests.helpers import run_cli

HEADER = (
    "account",
    "ruleset",
    "use_class",
    "meter_mm",
    "household_units",
    "usage_m3",
    "previous_read",
    "current_read",
    "billing_month",
)


def _bounds(data: Any) -> set[Decimal]:
    """Every number written under a key ``upto``, ``per_household`` or a meter table's key."""
    found: set[Decimal] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("upto", "per_household") and isinstance(value, (int, Decimal)):
                found.add(Decimal(value))
            found |= _bounds(value)
    elif isinstance(data, list):
        for item in data:
            found |= _bounds(item)
    return found


def _meters(data: Any) -> set[int]:
    found: set[int] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "rates" and isinstance(value, dict):
                found |= {int(k) for k in value if str(k).isdigit()}
            found |= _meters(value)
    elif isinstance(data, list):
        for item in data:
            found |= _meters(item)
    return found


def _figure(value: Decimal) -> str:
    return format(value, "f")


def city(catalog: Catalog, seed: int = 14) -> str:
    """A CSV city over every bundled ruleset (see the module)."""
    rng = random.Random(seed)
    rows: list[list[str]] = []
    for ruleset in catalog:
        for version in ruleset.versions:
            spec = version.spec
            raw = dict(version.data)
            classes = [*spec.use_classes, "nonesuch"]
            meters = sorted(_meters(raw.get("charges")) | {13, 15, 999})
            bounds = sorted(_bounds(raw.get("charges")))
            usages = {Decimal(0), Decimal("0.5"), Decimal(12), Decimal("12.345"), Decimal(100000)}
            for bound in bounds:
                usages |= {bound - 1, bound, bound + Decimal("0.5"), bound + 1, bound * 3}
            start = spec.effective.from_
            months = [
                f"{start.year:04d}-{start.month:02d}",
                f"{start.year + 1:04d}-{start.month:02d}",
                "1990-01",
            ]
            references = [ruleset.id, f"{ruleset.id}@{spec.version}"]
            for _ in range(60 + 12 * len(bounds)):
                usage = rng.choice(sorted(usages))
                use_class = rng.choice(classes)
                meter = str(rng.choice(meters))
                households = rng.choice(["", "", "1", "0", "2", "3"])
                month = rng.choice(months)
                reference = rng.choice(references)
                amount, previous, current = _figure(usage), "", ""
                if rng.random() < 0.3 and usage == usage.to_integral_value():
                    previous = str(rng.randint(0, 99999))
                    current = _figure(Decimal(previous) + usage)
                    amount = ""
                rows.append(["", reference, use_class, meter, households, amount, previous, current, month])
    # Rows the engine must refuse, or read in its own way.
    odd = [
        ["kr/daejeon", "household", "15", "", "-3", "", "", "2024-03"],
        ["kr/daejeon", "household", "15", "", "abc", "", "", "2024-03"],
        ["kr/daejeon", "household", "15", "", " 12", "", "", "2024-03"],
        ["kr/daejeon", "household", "15", "", "1e3", "", "", "2024-03"],
        ["kr/daejeon", "household", "15", "", "1_000", "", "", "2024-03"],
        ["kr/daejeon", "household", "15", "", "", "120", "100", "2024-03"],
        ["kr/daejeon", "household", "15", "", "", "100", "", "2024-03"],
        ["kr/daejeon", "household", "15", "", "20", "100", "120", "2024-03"],
        ["kr/daejeon", "household", "0", "", "20", "", "", "2024-03"],
        ["kr/daejeon", "household", "15", "", "20", "", "", "2024-13"],
        ["kr/daejeon", "household", "15", "", "20", "", "", ""],
        ["kr/daejeon", "", "15", "", "20", "", "", "2024-03"],
        ["kr/nonesuch", "household", "15", "", "20", "", "", "2024-03"],
        ["kr/daejeon@1999", "household", "15", "", "20", "", "", "2024-03"],
        ["kr/daejeon", "household", "15", "-1", "20", "", "", "2024-03"],
        ["kr/daejeon", "household", "15", "", "0000000000123.450000", "", "", "2024-03"],
        ["kr/daejeon", "household", "15", "", "1234567890123", "", "", "2024-03"],
        ["kr/daejeon", "household", "15", "", "-0", "", "", "2024-03"],
    ]
    rows += [["", *row] for row in odd]
    rng.shuffle(rows)
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(HEADER)
    for number, row in enumerate(rows, start=1):
        row[0] = "" if number % 997 == 0 else f"A{number:06d}"
        writer.writerow(row)
    writer.writerow(["A999999", "kr/daejeon", "household", "15", "", "20", "", "", "2024-03", "extra"])
    return stream.getvalue()


def bill_csv(catalog: Catalog, text: str, lean: bool, explain: str = "lean", **options: Any) -> bytes:
    engine = BatchEngine(catalog, explain=explain, **options)
    out = io.BytesIO()
    with lean_bills(lean):
        engine.csv_to_jsonl(io.StringIO(text), out)
    return out.getvalue()


class _Never:
    """Lean rows that cover no row: the engine bills every one."""

    def __init__(self, *args: object) -> None:
        pass

    def __call__(self, values: object) -> None:
        return None

    def figures(self, values: object, account: str) -> None:
        return None

    def csv(self, values: object, columns: object) -> None:
        return None


class _NoneKept:
    """Fully explained lines of which none is kept: the engine writes every one."""

    def __init__(self, *args: object) -> None:
        pass

    def find(self, values: object) -> tuple[None, None]:
        return None, None


@contextmanager
def lean_bills(on: bool) -> Iterator[None]:
    """Lean bills as usual, or (``on=False``) none at all: every row billed by the engine."""
    saved = batch_text.LeanRows, batch_engine.LeanRows, batch_text.FullLines
    try:
        if not on:
            batch_text.LeanRows = batch_engine.LeanRows = _Never  # type: ignore[misc,assignment]
            batch_text.FullLines = _NoneKept  # type: ignore[misc,assignment]
        yield
    finally:
        batch_text.LeanRows, batch_engine.LeanRows, batch_text.FullLines = saved  # type: ignore[misc]


@pytest.fixture(scope="module")
def generated(catalog: Catalog) -> str:
    return city(catalog)


def test_lean_bills_write_the_same_bytes_as_the_engine(catalog: Catalog, generated: str) -> None:
    counted: list[bool] = []
    original = LeanRows.__call__

    def counting(self: LeanRows, values: Any) -> bytes | None:
        found = original(self, values)
        counted.append(found is not None)
        return found

    LeanRows.__call__ = counting  # type: ignore[method-assign]
    try:
        lean = bill_csv(catalog, generated, lean=True)
    finally:
        LeanRows.__call__ = original  # type: ignore[method-assign]
    reference = bill_csv(catalog, generated, lean=False)
    lean_lines, reference_lines = lean.split(b"\n"), reference.split(b"\n")
    assert len(lean_lines) == len(reference_lines) == generated.count("\n") + 1 - 1
    for mine, theirs in zip(lean_lines, reference_lines, strict=True):
        assert mine == theirs
    # The lean path billed most of the bills (an all-None lean path would pass the comparison).
    bills = sum(1 for line in reference_lines if line and b'"error"' not in line)
    assert sum(counted) > bills * 2 // 3, (sum(counted), bills)
    assert b'"error"' in lean and b'"unit_price":null' in lean and b'"reads":' in lean


def test_the_reference_is_the_api_bill_and_bill_to_dict(catalog: Catalog) -> None:
    # The engine's own path writes compact_json(bill_to_dict(bill, "lean")) after the account.
    text = "account,use_class,meter_mm,household_units,usage_m3,billing_month\nA1,general,20,,119,2024-03\n"
    line = bill_csv(catalog, text, lean=True, ruleset="kr/daejeon").decode()
    bill = catalog.bill(
        "kr/daejeon",
        *tariffcore_row({"account": "A1", "use_class": "general", "meter_mm": "20", "usage_m3": "119"}),
    )
    assert line == compact_json(bill_to_dict(bill, "lean")) + "\n"
    # water, general, 119 m³: 50 × 770 + 50 × 970 + 19 × 1170 = 38500 + 48500 + 22230 = 109230
    assert '"charge":"water","label":"상수도 사용요금","amount":"109230","quantity":"119"' in line
    assert '"unit_price":null,"rule":"water.general","version":"2023-07"}' in line
    assert "slices" not in line and "source" not in line


def tariffcore_row(fields: dict[str, str]) -> Any:
    from datetime import date

    from tariffcore import parse_row

    account, reading = parse_row(fields)
    return account, reading.__class__(reading.usage_m3, date(2024, 3, 1))


def test_full_explanation_is_the_engine_s_as_before(catalog: Catalog, generated: str) -> None:
    head = "\n".join(generated.split("\n")[:400]) + "\n"
    full = bill_csv(catalog, head, lean=True, explain="full")
    assert full == bill_csv(catalog, head, lean=False, explain="full")
    assert b'"slices"' in full and b'"source"' in full


# --------------------------------------------------------------------------- the other paths


def test_figures_are_the_bills_figures(catalog: Catalog, generated: str) -> None:
    engine = BatchEngine(catalog)
    reference = BatchEngine(catalog)
    lean = bills = 0
    for chunk in read_chunks(io.StringIO(generated)):
        outcomes = reference.results(chunk)
        found = engine.figures(chunk)
        assert len(found) == len(outcomes)
        for (number, account, result), outcome in zip(found, outcomes, strict=True):
            assert (number, account) == (outcome.number, outcome.account)
            if isinstance(outcome.result, Bill):
                assert isinstance(result, (Bill, BillFigures))
                figures = result if isinstance(result, BillFigures) else BillFigures.of(result)
                assert figures == BillFigures.of(outcome.result)
                lean += isinstance(result, BillFigures)
                bills += 1
            else:
                assert isinstance(result, BillingError)
                assert (result.code, result.message) == (outcome.result.code, outcome.result.message)
    assert lean > bills * 2 // 3, (lean, bills)  # most bills came from lean bills


@pytest.fixture(scope="module")
def head(generated: str) -> str:
    """The first 2,500 rows of the city (the command-line runs below bill it twice each)."""
    return "\n".join(generated.split("\n")[:2501]) + "\n"


def twice(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> list[str]:
    """Run the command line with and without lean bills: the same status, standard output
    and files (``{out}`` in ``argv``, written under ``tmp_path``) both times."""
    found = []
    covered: list[bool] = []
    line, figures, row = LeanRows.__call__, LeanRows.figures, LeanRows.csv

    def counted_line(self: LeanRows, values: Any) -> bytes | None:
        covered.append(line(self, values) is not None)
        return line(self, values)

    def counted_figures(self: LeanRows, values: Any, account: str) -> BillFigures | None:
        covered.append(figures(self, values, account) is not None)
        return figures(self, values, account)

    def counted_row(self: LeanRows, values: Any, columns: tuple[str, ...]) -> bytes | None:
        covered.append(row(self, values, columns) is not None)
        return row(self, values, columns)

    for on in (True, False):
        folder = tmp_path / ("lean" if on else "engine")
        folder.mkdir(parents=True)
        args = [arg.replace("{out}", str(folder)) for arg in argv]
        LeanRows.__call__, LeanRows.figures = counted_line, counted_figures  # type: ignore[method-assign]
        LeanRows.csv = counted_row  # type: ignore[method-assign]
        try:
            with lean_bills(on):
                status, out, _ = run_cli(capsys, *args)
        finally:
            LeanRows.__call__, LeanRows.figures = line, figures  # type: ignore[method-assign]
            LeanRows.csv = row  # type: ignore[method-assign]
        files = {path.name: path.read_bytes() for path in sorted(folder.iterdir())}
        found.append((status, out, files))
    assert found[0] == found[1]
    assert sum(covered) > 100, sum(covered)  # lean bills billed many of the rows
    return [out for _, out, _ in found]


@pytest.mark.parametrize("fmt", ["csv", "table"])
def test_csv_and_tables(capsys: pytest.CaptureFixture[str], tmp_path: Path, head: str, fmt: str) -> None:
    source = tmp_path / "city.csv"
    source.write_text(head, encoding="utf-8")
    out = twice(capsys, tmp_path, "bill", str(source), "--format", fmt, "-q", "--progress", "off")[0]
    assert "kr/daejeon@" in out and "household" in out


def _records(text: str) -> list[dict[str, Any]]:
    """The city's rows as records, a few figures as JSON numbers and empty cells as null."""
    records: list[dict[str, Any]] = []
    for index, row in enumerate(csv.DictReader(io.StringIO(text))):
        record: dict[str, Any] = dict(row)
        for name in ("meter_mm", "household_units", "usage_m3", "previous_read", "current_read"):
            value = record[name]
            if value == "":
                record[name] = None if index % 2 else ""
            elif index % 3 == 0 and value.isdigit():
                record[name] = int(value)
        if index % 11 == 0:
            record["estimated"] = index % 22 == 0  # a flag, read as its text
        if index % 13 == 0:
            record["meter_mm"] = 15.0  # the JSON number 15.0, read as the decimal 15.0: 15 mm
        records.append(record)
    return records


def test_json_lines_of_json_lines(capsys: pytest.CaptureFixture[str], tmp_path: Path, head: str) -> None:
    source = tmp_path / "city.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in _records(head)), encoding="utf-8")
    twice(capsys, tmp_path, "bill", str(source), "-o", "{out}/bills.jsonl", "-q", "--progress", "off")


def test_json_lines_of_parquet(capsys: pytest.CaptureFixture[str], tmp_path: Path, head: str) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    records = list(csv.DictReader(io.StringIO(head)))
    source = tmp_path / "city.parquet"
    pq.write_table(pa.Table.from_pylist(records), source)
    twice(capsys, tmp_path, "bill", str(source), "-o", "{out}/bills.jsonl", "-q", "--progress", "off")


def test_compare(capsys: pytest.CaptureFixture[str], tmp_path: Path, head: str) -> None:
    # compare bills every row under the rulesets it compares: the city's own column goes
    rows = list(csv.DictReader(io.StringIO(head)))
    stream = io.StringIO()
    writer = csv.DictWriter(stream, [name for name in rows[0] if name != "ruleset"], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: v for k, v in row.items() if k != "ruleset"} for row in rows)
    source = tmp_path / "city.csv"
    source.write_text(stream.getvalue(), encoding="utf-8")
    twice(
        capsys,
        tmp_path,
        "compare",
        str(source),
        "--ruleset",
        "kr/daejeon@2023-07",
        "--against",
        "kr/daejeon@2024-07",
        "--against",
        "kr/gimhae",
        "-o",
        "{out}/rows.csv",
        "--summary",
        "{out}/summary.json",
        "--report",
        "{out}/report.html",
        "--progress",
        "off",
    )


def test_rebill(capsys: pytest.CaptureFixture[str], tmp_path: Path, catalog: Catalog, head: str) -> None:
    # Issued bills: the engine's own, a won off on every ninth water line.
    rows = list(csv.DictReader(io.StringIO(head)))
    charges = ("base", "water", "sewer", "levy")
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([*rows[0], *(f"issued_{c}" for c in charges), "issued_total"])
    engine = BatchEngine(catalog)
    for index, outcome in enumerate(engine.results(next(read_chunks(io.StringIO(head), size=10**6)))):
        row = rows[index]
        amounts = dict.fromkeys(charges, "")
        total = ""
        if isinstance(outcome.result, Bill):
            amounts.update((line.charge, str(line.amount)) for line in outcome.result.lines)
            if index % 9 == 0 and amounts["water"]:
                amounts["water"] = str(Decimal(amounts["water"]) + 1)
            total = str(outcome.result.total)
        writer.writerow([*row.values(), *amounts.values(), total])
    source = tmp_path / "history.csv"
    source.write_text(stream.getvalue(), encoding="utf-8")
    options = ("--progress", "off", "--summary", "{out}/summary.json")
    twice(
        capsys,
        tmp_path,
        "rebill",
        str(source),
        "--ruleset",
        "kr/daejeon",
        "-o",
        "{out}/checks.jsonl",
        *options,
    )
    pinned = twice(
        capsys, tmp_path / "text", "rebill", str(source), "--ruleset", "kr/daejeon@2023-07", *options
    )
    assert "mismatch" in pinned[0]


def test_bill_frame(catalog: Catalog, head: str) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(io.StringIO(head), dtype=str, keep_default_na=False)
    from tariffcore import bill_frame

    with lean_bills(True):
        lean = bill_frame(frame, catalog=catalog)
    with lean_bills(False):
        reference = bill_frame(frame, catalog=catalog)
    assert list(lean.columns) == list(reference.columns)
    assert lean.astype(str).values.tolist() == reference.astype(str).values.tolist()
    assert (lean["error_code"].isna()).sum() > 100  # bills, not only error rows


def _billed_lean(catalog: Catalog, text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, Any]:
    """The lean JSON lines of ``text`` under kr/daejeon, and the one lean bill of its rows."""
    made: list[LeanRows] = []

    class Recorded(LeanRows):
        __slots__ = ()

        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            made.append(self)

    monkeypatch.setattr(batch_text, "LeanRows", Recorded)
    engine = BatchEngine(catalog, "kr/daejeon", explain="lean")
    out = io.BytesIO()
    engine.csv_to_jsonl(io.StringIO(text), out)
    (rows,) = made
    (bill,) = [found for found in rows.kinds.values() if found is not None]
    return out.getvalue(), bill


def _kind_rows(usages: list[tuple[str, str, str]]) -> str:
    """CSV text of household rows of one kind, each with (usage, previous read, current read)."""
    lines = ["account,use_class,meter_mm,household_units,usage_m3,previous_read,current_read,billing_month"]
    for number, (usage, previous, current) in enumerate(usages, start=1):
        lines.append(f"A{number},household,15,1,{usage},{previous},{current},2024-03")
    return "\n".join(lines) + "\n"


#: Usages written in several ways, and given by reads: (usage, previous read, current read).
AGAIN = [
    ("12", "", ""),
    ("12.0", "", ""),
    ("12", "", ""),
    ("", "100", "112"),
    ("", "7", "19"),
    ("12.000", "", ""),
    ("", "100.5", "112.5"),
    ("0", "", ""),
    ("", "5", "5"),
    ("99999", "", ""),
    ("99999", "", ""),
    ("12.0", "", ""),
]


def test_a_usage_billed_again_is_written_as_the_engine_writes_it(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same quantity written differently is a different line ("12" and "12.0" both bill
    # 12 m³, each writing its own text); reads give the usage and are written after it.
    text = _kind_rows(AGAIN)
    written, bill = _billed_lean(catalog, text, monkeypatch)
    assert written == bill_csv(catalog, text, lean=False, ruleset="kr/daejeon")
    # one line kept per usage text billed: 12 (rows 1, 3, reads 100 → 112 and 7 → 19), 12.0
    # (rows 2, 12, reads 100.5 → 112.5), 12.000, 0 (row 8, reads 5 → 5), 99999 (rows 10, 11)
    assert set(bill.written) == {"12", "12.0", "12.000", "0", "99999"}
    lines = written.decode().splitlines()
    assert '"reads":{"previous":"100","current":"112"}' in lines[3]
    assert lines[0].split('"usage_m3"')[1] == lines[3].split('"usage_m3"')[1].replace(
        ',"reads":{"previous":"100","current":"112"}', ""
    )


def test_what_lean_bills_keep_is_bounded(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    import tariffcore.batch.lean as batch_lean

    monkeypatch.setattr(batch_lean, "_ROOM", 4000)
    # every row distinct (its own reads), each of 40 usages twice: the second time, a usage
    # kept is written from what was kept, one not kept (no room left) is billed again
    rows = [
        ("", str(1000 * round + 3 * usage), str(1000 * round + 4 * usage))
        for round in (1, 2)
        for usage in range(40)
    ]
    text = _kind_rows(rows)
    hits: list[bool] = []
    render = LeanBill.render

    def counted(self: LeanBill, usage: Decimal, reads: bytes = b"") -> bytes:
        hits.append(str(usage) in self.written)
        return render(self, usage, reads)

    monkeypatch.setattr(LeanBill, "render", counted)
    written, bill = _billed_lean(catalog, text, monkeypatch)
    assert written == bill_csv(catalog, text, lean=False, ruleset="kr/daejeon")
    assert not any(hits[:40]) and 0 < sum(hits[40:]) < 40 and sum(hits[40:]) == len(bill.written)
    kept = sum(len(key) + len(line) for key, line in bill.written.items())
    assert 0 < len(bill.written) < 40 and kept <= 4000


def test_the_figures_of_a_usage_billed_again_are_kept_within_the_room(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tariffcore.batch.lean as batch_lean

    usages = [
        *AGAIN,
        *((str(usage), "", "") for usage in range(30, 70)),
        *((str(usage), "", "") for usage in range(30, 70)),
    ]
    text = _kind_rows(usages)
    for room, kept in ((4 << 20, 45), (6000, None)):
        monkeypatch.setattr(batch_lean, "_ROOM", room)
        engine = BatchEngine(catalog, "kr/daejeon", explain="lean")
        (chunk,) = read_chunks(io.StringIO(text))
        found = engine.figures(chunk)
        for (_, account, result), outcome in zip(found, BatchEngine(catalog, "kr/daejeon").results(chunk)):
            bill = outcome.result
            assert isinstance(result, BillFigures) and isinstance(bill, Bill) and account == bill.account
            assert result == BillFigures.of(bill) and result.account == account
            texts = [str(v) for line in result.lines for v in (line.amount, line.quantity, line.unit_price)]
            assert texts == [
                str(v) for line in bill.lines for v in (line.amount, line.quantity, line.unit_price)
            ]
            assert (str(result.usage_m3), str(result.total)) == (str(bill.usage_m3), str(bill.total))
        (lean,) = [b for rows in engine._lean.values() for b in rows.kinds.values() if b is not None]
        if kept is not None:  # one kept per usage text: 12, 12.0, 12.000, 0, 99999 and 30 … 69
            assert len(lean.seen) == kept and {"12", "12.0", "12.000", "0", "99999"} <= set(lean.seen)
        else:  # no room for them all
            assert 0 < len(lean.seen) < 20
