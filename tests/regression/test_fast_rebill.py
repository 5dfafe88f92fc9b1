"""``rebill`` by columns reports what the record path reports, byte for byte.

Each history is checked both ways: record by record (every row a ``Check``) and by columns,
in blocks of a few kilobytes, so that the rows the record path checks (mismatches, error
rows, amounts written otherwise) are put back among the rows matched by columns many times.
The rows checked record by record must be the record path's rows that do not match, in
order, and the summaries the same figures and text. The histories are made from the rows
of every bundled ruleset and the edge-case city of ``kr/daejeon``: their bills as the engine
issues them, then amounts changed, left out, added and written in every way an amount can be.
"""

from __future__ import annotations

import csv
import io
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")
pytest.importorskip("numpy")

import tariffcore  # noqa: E402
from tariffcore import Catalog  # noqa: E402
from tariffcore.batch import BatchEngine  # noqa: E402
from tariffcore.commands import main  # noqa: E402
from tariffcore.errors import BillingError  # noqa: E402
from tariffcore.money import format_amount  # noqa: E402
from tariffcore.regression import (  # noqa: E402
    Check,
    RebillSummary,
    check_chunk,
    describe,
    rebill_by_columns,
    rebill_csv_file,
)
from tariffcore.rows import Chunk, compact_json, read_chunks  # noqa: E402
from tests.batch.test_fast_identity import edge_city  # noqa: E402
from tests.batch.test_lean_identity import city  # noqa: E402
from tests.helpers import version  # noqa: E402
from tests.regression.test_fast_compare import _without_ruleset  # noqa: E402


def _written(amount: Decimal, rng: random.Random) -> str:
    """``amount`` written as an issued amount may be: mostly as bills write it."""
    text = format_amount(amount)
    pick = rng.random()
    if pick < 0.9:
        return text
    if pick < 0.95:
        return text + (".0" if "." not in text else "0")  # other decimals: the same amount
    if pick < 0.97:
        return "0" + text if not text.startswith("-") else text
    return rng.choice([f" {text}", f"{text} ", f"+{text}", f"{amount:E}", f"{text}.", f"{amount}"])


def history(engine: BatchEngine, text: str, seed: int = 5, spoil: float = 0.3) -> str:
    """The rows of ``text`` with what ``engine`` bills them as issued (``issued_<charge>``,
    ``issued_total``), a share ``spoil`` of them changed."""
    rng = random.Random(seed)
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    chunk = Chunk(tuple(header), [(n, row) for n, row in enumerate(body, start=2)])
    results = [result for _, _, result in engine.figures(chunk, own_ids=False)]
    charges: list[str] = []
    for result in results:
        if not isinstance(result, BillingError):
            charges += [line.charge for line in result.lines if line.charge not in (*charges, "total")]
    charges.append("meter_rent")  # a charge no bill has: issued empty, or an amount
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*header, *(f"issued_{c}" for c in charges), "issued_total"])
    for row, result in zip(body, results):
        issued: dict[str, str] = {}
        if isinstance(result, BillingError):
            if rng.random() < 0.5:
                issued = {"water": "1000", "total": "1000"}
        else:
            issued = {line.charge: _written(line.amount, rng) for line in result.lines}
            issued["total"] = _written(result.total, rng)
            if rng.random() < spoil:
                issued = _spoiled(issued, rng)
        writer.writerow([*row, *(issued.get(c, "") for c in [*charges, "total"])])
    return out.getvalue()


def _spoiled(issued: dict[str, str], rng: random.Random) -> dict[str, str]:
    charge = rng.choice(sorted(issued))
    value = issued[charge]
    how = rng.randrange(9)
    if how == 0:  # a won or a cent more
        issued[charge] = format_amount(Decimal(value.strip().rstrip(".")) + Decimal(1))
    elif how == 1:  # left out
        issued[charge] = ""
    elif how == 2:  # an amount for a charge the bill has no line of
        issued["meter_rent"] = rng.choice(["0", "500", "-0"])
    elif how == 3:  # a fraction of the minor unit
        issued[charge] = value.strip().rstrip(".") + ("5" if "." in value else ".5")
    elif how == 4:
        issued[charge] = rng.choice(["abc", "NaN", "1e1000", "", " ", "-", "12345678901234567890"])
    elif how == 5:
        issued[charge] = "-" + value if not value.startswith("-") else value[1:]
    elif how == 6:  # the same amount, more decimals than the columns read
        issued[charge] = value.strip().rstrip(".") + (".0000000000" if "." not in value else "0000000000")
    elif how == 7:
        issued[charge] = "99999999999.999999999"
    else:
        issued[charge] = "0"
    return issued


def _record_path(engine: BatchEngine, path: Path) -> tuple[list[Check], RebillSummary]:
    summary = RebillSummary()
    checks = []
    for chunk in read_chunks(path):
        for check in check_chunk(engine, chunk):
            summary.add(check)
            checks.append(check)
    return checks, summary


def same(
    engine: BatchEngine, text: str, tmp_path: Path, *, block: int = 4096, chunks: bool = False
) -> tuple[list[int], RebillSummary]:
    """Assert both ways report the same rows that do not match, in order, and the same
    summary; return the rows each block matched by columns, and the summary."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "history.csv"
    path.write_text(text, encoding="utf-8")
    reference, expected = _record_path(engine, path)
    counts: list[int] = []
    emitted: list[Check] = []
    summary = RebillSummary()
    if chunks or not rebill_csv_file(engine, path, summary, emitted.append, block=block, counts=counts):
        rebill_by_columns(
            engine, read_chunks(path), summary, emitted.append, block=block // 64, counts=counts
        )
    wanted = [check for check in reference if check.status != "match"]
    found = [check for check in emitted if check.status != "match"]
    assert [c.to_dict() for c in found] == [c.to_dict() for c in wanted]
    assert [line for c in found for line in describe(c)] == [line for c in wanted for line in describe(c)]
    numbers = [check.number for check in emitted]
    assert numbers == sorted(numbers)  # in input order
    assert json.dumps(summary.to_dict(), indent=2) == json.dumps(expected.to_dict(), indent=2)
    assert summary.text() == expected.text()
    assert sum(counts) + len(emitted) == expected.bills
    # JSON lines: a line for every row, those matched by columns among the others
    lines = io.StringIO()
    summary = RebillSummary()

    def write(check: Check) -> None:
        lines.write(compact_json(check.to_dict()) + "\n")

    plain: list[int] = []
    if chunks or not rebill_csv_file(
        engine, path, summary, write, lines=lines.write, block=block, counts=plain
    ):
        rebill_by_columns(
            engine, read_chunks(path), summary, write, lines=lines.write, block=block // 64, counts=plain
        )
    wanted_lines = "".join(compact_json(check.to_dict()) + "\n" for check in reference)
    assert lines.getvalue().splitlines() == wanted_lines.splitlines()
    assert lines.getvalue() == wanted_lines
    assert summary.to_dict() == expected.to_dict()
    # most rows matched by columns have accounts and months a JSON line holds as they are
    assert sum(plain) > sum(counts) // 2 or sum(counts) < 20, (sum(plain), sum(counts))
    return counts, expected


@pytest.fixture(scope="module")
def generated(catalog: Catalog) -> str:
    return city(catalog)


def test_every_bundled_ruleset(catalog: Catalog, generated: str, tmp_path: Path) -> None:
    matched = matches = 0
    for ruleset in catalog:
        versions = [v.spec.version for v in ruleset.versions]
        if not versions:
            continue
        text = _without_ruleset(generated, ruleset.id)
        for reference in (ruleset.id, f"{ruleset.id}@{versions[0]}"):
            engine = BatchEngine.load(reference)
            where = tmp_path / reference.replace("/", "-").replace("@", "-")
            counts, summary = same(engine, history(engine, text), where)
            matched += sum(counts)
            matches += summary.matches
    # Most matches were found by columns (a path that matched none would pass).
    assert matched > matches // 2, (matched, matches)


@pytest.mark.parametrize("reference", ["kr/daejeon", "kr/daejeon@2023-07", "kr/daejeon@2025-07"])
def test_the_edge_city(reference: str, tmp_path: Path) -> None:
    engine = BatchEngine.load(reference)
    counts, summary = same(engine, history(engine, edge_city()), tmp_path, block=16384)
    assert sum(counts) > summary.matches // 2, (sum(counts), summary.matches)
    assert summary.mismatches and summary.errors
    assert len(counts) > 5


def test_a_history_of_another_version(tmp_path: Path) -> None:
    # Issued under 2023-07, recomputed under 2025-07: mismatches and rates it lacks.
    issued = history(BatchEngine.load("kr/daejeon@2023-07"), edge_city(odd_lines=False), spoil=0)
    counts, summary = same(BatchEngine.load("kr/daejeon@2025-07"), issued, tmp_path)
    assert summary.mismatches and summary.matches and sum(counts)


def test_charges_left_out_on_request(tmp_path: Path) -> None:
    # Asked for water and the base charge: the other issued amounts and the total are not
    # compared; 2023-06 leaves the base charge out.
    full = BatchEngine.load("kr/daejeon")
    issued = history(full, edge_city(odd_lines=False))
    for charges in (["water", "base"], ["base"]):
        engine = BatchEngine.load("kr/daejeon", charges=charges)
        counts, summary = same(engine, issued, tmp_path / "-".join(charges))
        assert sum(counts) > summary.matches // 2, (sum(counts), summary.matches)
        assert "total" not in summary.by_charge


def test_a_charge_without_an_issued_column(tmp_path: Path) -> None:
    # No issued_levy: every bill with a levy differs, whatever its total.
    engine = BatchEngine.load("kr/daejeon@2023-07")
    rows = list(csv.reader(io.StringIO(history(engine, edge_city(odd_lines=False), spoil=0))))
    at = rows[0].index("issued_levy")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([row[:at] + row[at + 1 :] for row in rows])
    _, summary = same(engine, out.getvalue(), tmp_path)
    assert summary.by_charge["levy"]["mismatch"] > 100


def _dollars() -> Catalog:
    water = {"type": "volume", "label": "w", "source": "s", "classes": {"household": "1.20"}}
    base = {"type": "base_by_meter", "label": "b", "source": "s", "rates": {15: "10.00", 20: "5.00"}}
    later = {"version": "2", "effective": {"from": "2025-06", "basis": "billing_month"}}
    won = {**water, "classes": {"household": "1100"}}
    return tariffcore.Catalog(
        {
            # a charge named as the bill's total
            "test/total": tariffcore.Ruleset("test/total", (version({"total": water}, currency="USD"),)),
            "test/usd": tariffcore.Ruleset(
                "test/usd", (version({"water": water, "base": base}, currency="USD"),)
            ),
            # dollars, then won from 2025-06
            "test/both": tariffcore.Ruleset(
                "test/both",
                (
                    version({"water": water, "base": base}, currency="USD"),
                    version({"water": won}, currency="KRW", **later),
                ),
            ),
        },
        tariffcore.plugins.load_plugins(entry_points=False),
    )


@pytest.mark.parametrize("reference", ["test/usd", "test/both", "test/total"])
def test_cents_and_a_currency_that_changes(reference: str, tmp_path: Path) -> None:
    rng = random.Random(11)
    usages = ["0", "4", "2.5", "10.01", "1000", "160", "7", "0.4", "99999", "12.345"]
    lines = ["account,use_class,meter_mm,usage_m3,billing_month"]
    for n in range(900):
        month = rng.choice(["2025-03", "2025-07"])
        lines.append(f"U{n},household,{rng.choice([15, 20])},{rng.choice(usages)},{month}")
    engine = BatchEngine(_dollars(), reference)
    counts, summary = same(engine, history(engine, "\n".join(lines) + "\n"), tmp_path)
    # a charge named as the total is checked record by record
    assert sum(counts) > 300 if reference != "test/total" else sum(counts) == 0


@pytest.mark.parametrize(
    "text",
    [
        "account,use_class,meter_mm,usage_m3,billing_month,issued_water\nA1,household,15,12,2024-03,6120\n",
        "account,use_class,meter_mm,usage_m3,billing_month,issued_total\n",
        " \naccount,use_class,meter_mm,usage_m3,billing_month,issued_total\nA1,household,15,1,2024-03,0\n",
        "account,use_class,meter_mm,usage_m3,billing_month,issued_total\nA1,household,²,12,2024-03,1\n",
        "issued_total,account,usage_m3,use_class,meter_mm,billing_month\n1,A1,1,household,15, 2024-03x \n"
        "1,A2,1,household,15,\n\n2,A3,\n",
        "account,usage_m3,issued_total\nA1,1,5\n",
    ],
)
def test_odd_histories(tmp_path: Path, text: str) -> None:
    engine = BatchEngine.load("kr/daejeon")
    same(engine, text, tmp_path)
    same(engine, text, tmp_path, chunks=True)


_CLASSES = ["household", "general", "industrial", "household ", "", "nonesuch"]
_USAGES = ["0", "1", "12", "20.5", "50", "51", "300", "301", "1001", "", "abc", "-1"]


@st.composite
def histories(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 60))
    lines = ["account,use_class,meter_mm,household_units,usage_m3,billing_month"]
    for number in range(count):
        fields = [
            draw(st.sampled_from([f"A{number}", "", f'"A,{number}"'])),
            draw(st.sampled_from(_CLASSES)),
            draw(st.sampled_from(["15", "20", "25", "100", "", "x"])),
            draw(st.sampled_from(["", "1", "2"])),
            draw(st.sampled_from(_USAGES)),
            draw(st.sampled_from(["2024-03", "2024-03", "2025-08", "1990-01", "bad", " 2024-03"])),
        ]
        lines.append(",".join(fields))
        if draw(st.integers(0, 9)) == 0:
            lines.append("")
    return "\n".join(lines) + "\n"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    text=histories(),
    reference=st.sampled_from(["kr/daejeon", "kr/daejeon@2025-07"]),
    seed=st.integers(0, 1000),
    block=st.sampled_from([64, 256, 4096]),
)
def test_any_history_checks_alike(text: str, reference: str, seed: int, block: int, tmp_path: Path) -> None:
    engine = BatchEngine.load(reference)
    same(engine, history(engine, text, seed=seed), tmp_path, block=block)


def test_chunks_as_standard_input_gives_them(tmp_path: Path) -> None:
    engine = BatchEngine.load("kr/daejeon")
    counts, _ = same(engine, history(engine, edge_city()), tmp_path, block=300 * 64, chunks=True)
    assert sum(counts) > 0


def _run(tmp_path: Path, backend: str, fmt: str, *extra: str, source: str | None = None) -> tuple[Any, ...]:
    out = tmp_path / f"out-{backend}.{fmt}"
    summary = tmp_path / f"summary-{backend}.json"
    code = main(
        [
            "rebill",
            source or str(tmp_path / "history.csv"),
            "--ruleset",
            "kr/daejeon",
            "--backend",
            backend,
            "--format",
            fmt,
            "-o",
            str(out),
            "--summary",
            str(summary),
            "--quiet",
            *extra,
        ]
    )
    return code, out.read_bytes(), summary.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["text", "csv", "jsonl"])
def test_the_command_checks_alike_with_either_backend(tmp_path: Path, fmt: str) -> None:
    engine = BatchEngine.load("kr/daejeon")
    (tmp_path / "history.csv").write_text(history(engine, edge_city()), encoding="utf-8")
    found = _run(tmp_path, "fast", fmt)
    assert found == _run(tmp_path, "python", fmt)
    assert found[0] == 1 and found[1]


def test_the_command_with_the_fast_backend_and_standard_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = BatchEngine.load("kr/daejeon")
    text = history(engine, edge_city())
    (tmp_path / "history.csv").write_text(text, encoding="utf-8")
    expected = _run(tmp_path, "python", "csv")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8"))
    assert _run(tmp_path, "fast", "csv", source="-") == expected


def test_auto_is_python_for_a_small_file_and_several_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tariffcore.commands import rebill

    engine = BatchEngine.load("kr/daejeon")
    (tmp_path / "history.csv").write_text(history(engine, edge_city()), encoding="utf-8")
    calls: list[int] = []
    real = rebill.rebill_csv_file

    def counted(*args: Any, **options: Any) -> Any:
        calls.append(1)
        return real(*args, **options)

    monkeypatch.setattr(rebill, "rebill_csv_file", counted)
    expected = _run(tmp_path, "python", "text")
    assert _run(tmp_path, "auto", "text") == expected
    assert calls == []  # under 1 MiB
    assert _run(tmp_path, "fast", "text", "--jobs", "2") == expected
    assert calls == []  # several processes: row by row
    assert _run(tmp_path, "fast", "text") == expected
    assert _run(tmp_path, "fast", "jsonl") == _run(tmp_path, "python", "jsonl")
    assert calls == [1, 1]


def test_accounts_and_months_a_json_line_escapes_or_strips(tmp_path: Path) -> None:
    engine = BatchEngine.load("kr/daejeon")
    rows = list(csv.reader(io.StringIO(history(engine, edge_city(odd_lines=False), spoil=0.1))))
    header = rows[0]
    account, month = header.index("account"), header.index("billing_month")
    accounts = ["A 1", " A1", 'A"1', "계정", "A\\1", "", "A1\t", "A/1@x", "A<1>"]
    months = ["2024-03", " 2024-03", "2024-03-15", "2024-03 ", "", "2024-3"]
    for number, row in enumerate(rows[1:]):
        if number % 3 == 0:
            row[account] = accounts[number % len(accounts)]
        if number % 4 == 0 and row[month] == "2024-03":
            row[month] = months[number % len(months)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    counts, summary = same(engine, out.getvalue(), tmp_path / "odd")
    assert sum(counts) > summary.matches // 2
    # and no account column at all: every row an error row
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([row[:account] + row[account + 1 :] for row in rows])
    counts, summary = same(engine, out.getvalue(), tmp_path / "none")
    assert summary.errors == summary.bills > 0
