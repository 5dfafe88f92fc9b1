"""``compare`` by columns writes the CSV and the summary the record path writes, byte for byte.

Each input is compared both ways: record by record (every row a ``Comparison``, added to the
summaries and written by ``ScenarioColumns.csv_row``), and by columns, in blocks of a few
kilobytes, so that the rows of the record path (error rows, odd text, the rows whose order
the summary keeps) are put back among rows of the columns many times. The inputs: the rows
of every bundled ruleset under its first and last versions, the edge-case city of
``kr/daejeon`` under versions that lack rates and charges, a city in dollars whose changes are
zero, below zero and a zero per cent below zero, and drawn blocks of Daejeon rows.
"""

from __future__ import annotations

import csv
import io
import json
import random
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
from tariffcore.engine import charge_ids  # noqa: E402
from tariffcore.regression import (  # noqa: E402
    CompareSummary,
    ScenarioColumns,
    compare_by_columns,
    compare_chunk,
    compare_csv_file,
)
from tariffcore.rows import read_chunks  # noqa: E402
from tests.batch.test_fast_identity import edge_city  # noqa: E402
from tests.batch.test_lean_identity import city  # noqa: E402
from tests.helpers import version  # noqa: E402


def _setup(
    engines: list[BatchEngine], hardest: int, bands: Any
) -> tuple[ScenarioColumns, list[CompareSummary]]:
    charges: list[str] = []
    for engine in engines:
        assert engine.ruleset is not None
        charges += [c for c in charge_ids(engine.catalog, engine.ruleset) if c not in charges]
    if engines[0].charges is not None:
        charges = [charge for charge in charges if charge in engines[0].charges]
    columns = ScenarioColumns(charges, len(engines) - 1)
    summaries = [
        CompareSummary(str(engines[0].ruleset), str(engine.ruleset), hardest=hardest, index=index, **bands)
        for index, engine in enumerate(engines[1:], start=1)
    ]
    return columns, summaries


def _record_path(engines: list[BatchEngine], path: Path, hardest: int, bands: Any) -> tuple[str, list[Any]]:
    columns, summaries = _setup(engines, hardest, bands)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns.names)
    for chunk in read_chunks(path):
        for item in compare_chunk(tuple(engines), chunk):
            for summary in summaries:
                summary.add(item)
            writer.writerow(columns.csv_row(item))
    return out.getvalue(), summaries


def _by_columns(
    engines: list[BatchEngine], path: Path, hardest: int, bands: Any, block: int, counts: list[int]
) -> tuple[str, list[Any]]:
    columns, summaries = _setup(engines, hardest, bands)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(columns.names)
    done = compare_csv_file(engines, path, columns, summaries, out.write, block=block, counts=counts)
    if done is None:  # a header that leaves every row to the record path: read by chunks
        done = compare_by_columns(engines, read_chunks(path), columns, summaries, out.write, counts=counts)
    rows, billed = done
    assert rows == sum(summaries[0].classes[c].accounts for c in summaries[0].classes)
    assert billed <= rows
    return out.getvalue(), summaries


def same(
    engines: list[BatchEngine],
    text: str,
    tmp_path: Path,
    *,
    hardest: int = 20,
    bands: Any = None,
    block: int = 4096,
) -> tuple[list[int], list[Any]]:
    """Assert both ways give the same CSV, summaries and summary texts; return the rows each
    block compared by columns, and the summaries."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "readings.csv"
    path.write_text(text, encoding="utf-8")
    options = {"bands": bands} if bands is not None else {}
    reference, expected = _record_path(engines, path, hardest, options)
    counts: list[int] = []
    mine, found = _by_columns(engines, path, hardest, options, block, counts)
    assert mine.splitlines() == reference.splitlines()
    assert mine == reference
    for a, b in zip(found, expected, strict=True):
        assert json.dumps(a.to_dict(), ensure_ascii=False, indent=1) == json.dumps(
            b.to_dict(), ensure_ascii=False, indent=1
        )
        assert a.text() == b.text()
        assert a.currency == b.currency
    return counts, expected


def _engines(*references: str, catalog: Catalog | None = None) -> list[BatchEngine]:
    if catalog is None:
        return [BatchEngine.load(reference) for reference in references]
    return [BatchEngine(catalog, reference) for reference in references]


def _without_ruleset(text: str, prefix: str) -> str:
    """The rows of ``text`` (the city of every ruleset) under ruleset ``prefix``, without
    the ``ruleset`` column (compare refuses it)."""
    rows = list(csv.reader(io.StringIO(text)))
    at = rows[0].index("ruleset")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name for i, name in enumerate(rows[0]) if i != at])
    for row in rows[1:]:
        if row[at].split("@")[0] == prefix:
            writer.writerow([value for i, value in enumerate(row) if i != at])
    return out.getvalue()


@pytest.fixture(scope="module")
def generated(catalog: Catalog) -> str:
    return city(catalog)


def test_every_bundled_ruleset(catalog: Catalog, generated: str, tmp_path: Path) -> None:
    compared = billed = 0
    for ruleset in catalog:
        versions = [v.spec.version for v in ruleset.versions]
        if not versions:
            continue
        text = _without_ruleset(generated, ruleset.id)
        references = [f"{ruleset.id}@{versions[0]}", f"{ruleset.id}@{versions[-1]}"]
        where = tmp_path / ruleset.id.replace("/", "-")
        counts, summaries = same(_engines(*references), text, where, hardest=2)
        compared += sum(counts)
        billed += summaries[0].billed
    # Most rows billed by both were compared by columns (a path that covered none would pass).
    assert compared > billed // 2, (compared, billed)


@pytest.mark.parametrize(
    "references",
    [
        ("2023-07", "2025-07"),  # rates the later version lacks: error rows
        ("2023-06", "2024-07"),  # charges the earlier version leaves out
        ("2025-07", "2023-07"),  # bills that fall
        ("2024-07", "2024-07"),  # no change at all
        ("2023-07", "2024-07", "2025-07", "2023-06"),  # several candidates
        ("", "2025-07"),  # the version in force: charges met a block after the first
        ("2023-06", ""),
    ],
)
def test_the_edge_city(references: tuple[str, ...], tmp_path: Path) -> None:
    engines = _engines(*(f"kr/daejeon@{v}" if v else "kr/daejeon" for v in references))
    counts, summaries = same(engines, edge_city(), tmp_path, hardest=3, block=16384)
    assert sum(counts) > summaries[0].billed // 2, (sum(counts), summaries[0].billed)
    assert len(counts) > 5


def test_bills_without_lines(tmp_path: Path) -> None:
    # 2023-06 leaves the base charge out: asked for it alone, its bills have no line at all.
    engines = [BatchEngine.load("kr/daejeon@2023-06", charges=["base"]) for _ in range(2)]
    lines = ["account,use_class,meter_mm,usage_m3,billing_month"]
    lines += [f"A{n},household,{15 + n % 2 * 5},{n},2024-03" for n in range(200)]
    counts, summaries = same(engines, "\n".join(lines) + "\n", tmp_path, hardest=0, block=1 << 20)
    assert sum(counts) == 199  # the first names the currency
    assert summaries[0].currency == "KRW"


def test_classes_and_accounts_the_record_path_strips(tmp_path: Path) -> None:
    lines = ["account,use_class,meter_mm,usage_m3,billing_month"]
    classes = ["household", " household", "household ", "", "general", "\thousehold"]
    lines += [f"A{n},{classes[n % len(classes)]},15,{n},2024-03" for n in range(300)]
    engines = _engines("kr/daejeon@2023-07", "kr/daejeon@2024-07")
    counts, _ = same(engines, "\n".join(lines) + "\n", tmp_path, hardest=0, block=1 << 20)
    assert sum(counts) > 40


@pytest.mark.parametrize("hardest", [0, 1, 3, 1000])
def test_accounts_hit_hardest_and_usage_bands(hardest: int, tmp_path: Path) -> None:
    from decimal import Decimal

    bands = {"bands": (Decimal("0.5"), Decimal("12.345"), Decimal(50), Decimal("999999.9999999"))}
    engines = _engines("kr/daejeon@2023-07", "kr/daejeon@2024-07")
    same(engines, edge_city(odd_lines=False), tmp_path, hardest=hardest, bands=bands["bands"])


def _dollars(base: str, rate: str) -> Any:
    return version(
        {
            "water": {"type": "volume", "label": "w", "source": "s", "classes": {"household": rate}},
            "base": {"type": "base_by_meter", "label": "b", "source": "s", "rates": {15: base, 20: "5.00"}},
        },
        currency="USD",
    )


def _falling() -> Catalog:
    """test/old and test/new, in dollars: 1.25 a m³, and a month's base of 10.00 and 9.99 on a
    15 mm meter, 5.00 and 5.00 on a 20 mm one."""
    old, new = _dollars("10.00", "1.25"), _dollars("9.99", "1.25")
    return tariffcore.Catalog(
        {
            "test/old": tariffcore.Ruleset("test/old", (old,)),
            "test/new": tariffcore.Ruleset("test/new", (new,)),
        },
        tariffcore.plugins.load_plugins(entry_points=False),
    )


def test_changes_below_zero_and_a_zero_per_cent_below_zero(tmp_path: Path) -> None:
    # 9.99 against 10.00 a month on a 15 mm meter: a change of -0.01, which is -0.00 % of a
    # bill over 200.00; 5.00 both times on a 20 mm one: 0.00 %, the same value, counted under
    # the one met first.
    catalog = _falling()
    rng = random.Random(7)
    usages = ["0", "4", "2.5", "10.01", "1000", "160", "7", "0.4", "99999"]
    lines = ["account,use_class,meter_mm,usage_m3,billing_month"]
    lines += [f"U{n},household,{rng.choice([15, 20])},{rng.choice(usages)},2025-03" for n in range(900)]
    text = "\n".join(lines) + "\n"
    counts, summaries = same(_engines("test/old", "test/new", catalog=catalog), text, tmp_path)
    assert len([p for p in summaries[0].percents if p == 0]) == 1
    assert sum(counts) > 500
    same(_engines("test/new", "test/old", catalog=catalog), text, tmp_path)
    same(_engines("test/old", "test/old", catalog=catalog), text, tmp_path)


def test_a_zero_per_cent_is_counted_as_the_first_met(tmp_path: Path) -> None:
    # The first row falls by 0.10 %; the second by -0.00 % (the first zero met), then 0.00 %.
    catalog = _falling()
    lines = ["account,use_class,meter_mm,usage_m3,billing_month", "U0,household,15,0,2025-03"]
    lines += ["U1,household,15,1000,2025-03"]
    lines += [f"U{n},household,20,{n},2025-03" for n in range(2, 300)]
    engines = _engines("test/old", "test/new", catalog=catalog)
    counts, summaries = same(engines, "\n".join(lines) + "\n", tmp_path, hardest=0, block=1 << 20)
    assert sum(counts) > 290
    assert summaries[0].to_dict()["change_percent_percentiles"]["p50"] == "-0.00"


def test_totals_too_large_for_a_per_cent_by_columns_and_a_currency_that_changes(tmp_path: Path) -> None:
    # 10 and 20 a m³ on 999,999,999,999 m³: changes of 10¹⁵ cents, whose per cent by columns
    # would overflow. And a city whose second version bills in won rather than dollars.
    water = {"type": "volume", "label": "w", "source": "s"}
    dollars = version({"water": {**water, "classes": {"household": "10"}}}, currency="USD")
    doubled = version({"water": {**water, "classes": {"household": "20"}}}, currency="USD")
    won = version(
        {"water": {**water, "classes": {"household": "1300"}}},
        currency="KRW",
        version="2",
        effective={"from": "2025-06", "basis": "billing_month"},
    )
    catalog = tariffcore.Catalog(
        {
            "test/old": tariffcore.Ruleset("test/old", (dollars,)),
            "test/new": tariffcore.Ruleset("test/new", (doubled,)),
            "test/city": tariffcore.Ruleset("test/city", (dollars, won)),
        },
        tariffcore.plugins.load_plugins(entry_points=False),
    )
    rng = random.Random(3)
    lines = ["account,use_class,usage_m3,billing_month"]
    for n in range(400):
        usage = rng.choice(["999999999999", "1", "12.5", "0", "7"])
        lines.append(f"U{n},household,{usage},{rng.choice(['2025-03', '2025-07'])}")
    text = "\n".join(lines) + "\n"
    counts, summaries = same(_engines("test/old", "test/new", catalog=catalog), text, tmp_path, hardest=1)
    assert 100 < sum(counts) < 400
    counts, summaries = same(_engines("test/city", "test/new", catalog=catalog), text, tmp_path, hardest=1)
    assert 0 < sum(counts) < summaries[0].billed


def _water(rate: str, currency: str, **fields: Any) -> Any:
    water = {"type": "volume", "label": "w", "source": "s", "classes": {"household": rate}}
    return version({"water": water}, currency=currency, **fields)


def test_sides_in_currencies_of_other_scales(tmp_path: Path) -> None:
    later = {"version": "2", "effective": {"from": "2025-06", "basis": "billing_month"}}
    catalog = tariffcore.Catalog(
        {
            "test/won": tariffcore.Ruleset("test/won", (_water("1100", "KRW"),)),
            "test/usd": tariffcore.Ruleset("test/usd", (_water("1.33", "USD"),)),
            # dollars, then won from 2025-06: a change of 10.00 and one of 10 are one value
            "test/a": tariffcore.Ruleset("test/a", (_water("1.00", "USD"), _water("1000", "KRW", **later))),
            "test/b": tariffcore.Ruleset("test/b", (_water("3.00", "USD"), _water("1002", "KRW", **later))),
        },
        tariffcore.plugins.load_plugins(entry_points=False),
    )
    # Won against cents: a per cent of a change past 10¹⁴ cents is the record path's.
    lines = ["account,use_class,usage_m3,billing_month", "A0,household,12,2025-03"]
    lines += [f"A{n},household,{['9999999999', '7', '12'][n % 3]},2025-03" for n in range(1, 60)]
    counts, _ = same(_engines("test/won", "test/usd", catalog=catalog), "\n".join(lines) + "\n", tmp_path)
    assert sum(counts) > 0
    lines = ["account,use_class,usage_m3,billing_month"]
    lines += ["A1,household,5,2025-03", "A2,household,1,2025-03", "A3,household,5,2025-07"]
    lines += [f"B{n},household,{n % 7},{['2025-03', '2025-07'][n % 2]}" for n in range(200)]
    same(_engines("test/a", "test/b", catalog=catalog), "\n".join(lines) + "\n", tmp_path, hardest=0)


@pytest.mark.parametrize(
    "text",
    [
        " \naccount,use_class,meter_mm,usage_m3,billing_month\nA1,household,15,12,2024-03\n",
        "account\nA1\n \n\t\nA2\n",
        "account,use_class,meter_mm,usage_m3,billing_month\nA1,household,²,12,2024-03\nA2,household,15,1,2024-03\n",
    ],
)
def test_headers_python_reads_otherwise_and_odd_meters(tmp_path: Path, text: str) -> None:
    (tmp_path / "readings.csv").write_text(text, encoding="utf-8")
    assert _run(tmp_path, "fast") == _run(tmp_path, "python")
    engines = _engines("kr/daejeon@2023-07", "kr/daejeon@2025-07")
    same(engines, text, tmp_path / "library")


_CLASSES = ["household", "general", "bathhouse", "industrial", "household ", "", "nonesuch"]
_METERS = ["15", "20", "25", "40", "100", "015", "", "13", "x"]
_USAGES = ["0", "1", "12", "20.5", "0.25", "50", "51", "300", "301", "1001", "", "7.000", "abc", "-1"]


@st.composite
def readings(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 60))
    lines = ["account,use_class,meter_mm,household_units,usage_m3,previous_read,current_read,billing_month"]
    for number in range(count):
        reads = draw(st.sampled_from([("", ""), ("100", "112"), ("5.5", "9"), ("10", "3")]))
        usage = "" if reads[0] else draw(st.sampled_from(_USAGES))
        account = draw(st.sampled_from([f"A{number}", f"A{number}", "", "A,quoted"]))
        if account == "A,quoted":
            account = f'"A,{number}"'
        month = draw(st.sampled_from(["2024-03", "2024-03", "2025-08", "1990-01", "bad"]))
        fields = [
            account,
            draw(st.sampled_from(_CLASSES)),
            draw(st.sampled_from(_METERS)),
            draw(st.sampled_from(["", "1", "2"])),
            usage,
            *reads,
            month,
        ]
        lines.append(",".join(fields))
        if draw(st.integers(0, 9)) == 0:
            lines.append("")
    return "\n".join(lines) + draw(st.sampled_from(["\n", ""]))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    text=readings(),
    pair=st.sampled_from([("2023-07", "2025-07"), ("2023-06", "2023-07"), ("2024-07", "2023-07")]),
    block=st.sampled_from([64, 256, 4096]),
)
def test_any_readings_compare_alike(text: str, pair: tuple[str, str], block: int, tmp_path: Path) -> None:
    engines = _engines(*(f"kr/daejeon@{v}" for v in pair))
    same(engines, text, tmp_path, hardest=2, block=block)


def test_chunks_of_records_and_of_csv(tmp_path: Path) -> None:
    """:func:`compare_by_columns` takes chunks as the command reads them (standard input)."""
    path = tmp_path / "readings.csv"
    path.write_text(edge_city(), encoding="utf-8")
    engines = _engines("kr/daejeon@2023-07", "kr/daejeon@2025-07")
    reference, expected = _record_path(engines, path, 20, {})
    columns, summaries = _setup(engines, 20, {})
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(columns.names)
    counts: list[int] = []
    compare_by_columns(engines, read_chunks(path), columns, summaries, out.write, block=300, counts=counts)
    assert out.getvalue() == reference
    assert summaries[0].to_dict() == expected[0].to_dict()
    assert sum(counts) > 0


def _run(tmp_path: Path, backend: str, *extra: str, source: str | None = None) -> tuple[int, bytes, str]:
    out = tmp_path / f"out-{backend}.csv"
    summary = tmp_path / f"summary-{backend}.json"
    code = main(
        [
            "compare",
            source or str(tmp_path / "readings.csv"),
            "--ruleset",
            "kr/daejeon@2023-07",
            "--against",
            "kr/daejeon@2025-07",
            "--backend",
            backend,
            "-o",
            str(out),
            "--summary",
            str(summary),
            "--quiet",
            *extra,
        ]
    )
    return code, out.read_bytes(), summary.read_text(encoding="utf-8")


def test_the_command_compares_alike_with_either_backend(tmp_path: Path) -> None:
    (tmp_path / "readings.csv").write_text(edge_city(), encoding="utf-8")
    assert _run(tmp_path, "fast") == _run(tmp_path, "python")
    assert _run(tmp_path, "fast", "--against", "kr/daejeon@2023-06") == _run(
        tmp_path, "python", "--against", "kr/daejeon@2023-06"
    )


def test_the_command_with_the_fast_backend_and_standard_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = edge_city()
    (tmp_path / "readings.csv").write_text(text, encoding="utf-8")
    expected = _run(tmp_path, "python")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8"))
    assert _run(tmp_path, "fast", source="-") == expected


@pytest.mark.parametrize("text", ["", "\n\n", "\r\n", "A1,household,15,12,2024-03,kr/daejeon\n"])
def test_a_ruleset_column_is_refused_where_a_row_has_one(
    tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    header = "account,use_class,meter_mm,usage_m3,billing_month,ruleset\n"
    (tmp_path / "readings.csv").write_text(header + text, encoding="utf-8")
    for backend in ("python", "fast"):
        if text.strip():
            refs = ["--ruleset", "kr/daejeon@2023-07", "--against", "kr/daejeon@2025-07"]
            assert main(["compare", str(tmp_path / "readings.csv"), *refs, "--backend", backend]) == 2
            assert "'ruleset' column" in capsys.readouterr().err
        else:
            assert _run(tmp_path, backend)[0] == 0


def test_auto_is_python_for_a_small_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tariffcore.commands import compare

    (tmp_path / "readings.csv").write_text(edge_city(), encoding="utf-8")
    calls: list[int] = []
    real = compare.compare_csv_file

    def counted(*args: Any, **options: Any) -> Any:
        calls.append(1)
        return real(*args, **options)

    monkeypatch.setattr(compare, "compare_csv_file", counted)
    assert _run(tmp_path, "auto") == _run(tmp_path, "python")
    assert calls == []  # under 1 MiB
    assert _run(tmp_path, "fast", "--jobs", "2") == _run(tmp_path, "python")
    assert calls == []  # several processes: row by row
    _run(tmp_path, "fast")
    assert calls == [1]
