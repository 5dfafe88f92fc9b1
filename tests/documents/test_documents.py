"""The run report and the customer's notice: figures that reconcile, pages that stay the same."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffcore
from tariffcore.authoring import iter_cases, run_case
from tariffcore.batch import BatchEngine, read_chunks
from tariffcore.commands import main
from tariffcore.documents import (
    bill_from_dict,
    bill_records,
    read_history,
    render_notice,
    report_csv,
    report_html,
    report_table,
    run_report,
)
from tariffcore.rows import compact_json, writer_for
from tests.helpers import ROOT

EXAMPLES = ROOT / "examples"
SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("TARIFFCORE_UPDATE_SNAPSHOTS") == "1"


def _snapshot(name: str, text: str) -> None:
    """``text`` must equal the stored snapshot ``name`` (TARIFFCORE_UPDATE_SNAPSHOTS=1 writes it)."""
    path = SNAPSHOTS / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}: run with TARIFFCORE_UPDATE_SNAPSHOTS=1 to write it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from its snapshot; if the change is intended, run the tests with "
        "TARIFFCORE_UPDATE_SNAPSHOTS=1 and review the diff"
    )


def _run(tmp_path: Path, readings: Path, *options: str) -> Path:
    out = tmp_path / "bills.jsonl"
    main(["bill", str(readings), *options, "-o", str(out), "--progress", "off", "--explain", "full"])
    return out


@pytest.fixture(scope="module")
def gimhae_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(tmp_path_factory.mktemp("run"), EXAMPLES / "readings.csv", "--ruleset", "kr/gimhae")


@pytest.fixture(scope="module")
def cities_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(tmp_path_factory.mktemp("run"), EXAMPLES / "korean-cities.csv")


# --------------------------------------------------------------------------- the bill output


def test_the_bill_output_records_the_account(gimhae_run: Path) -> None:
    rows = [json.loads(line) for line in gimhae_run.read_text(encoding="utf-8").splitlines()]
    first = rows[0]
    assert (first["use_class"], first["meter_mm"], first["household_units"]) == ("household", 13, 1)
    # GH-0003: a general meter serves no household unless it says so (the class's default, 0)
    assert rows[2]["household_units"] == 0
    assert "use_class" not in rows[-1]  # an error row stays {account, error}


# --------------------------------------------------------------------------- the report


def test_the_report_of_the_example_run_by_hand(gimhae_run: Path) -> None:
    data = run_report(gimhae_run).to_dict()
    # 9 rows: GH-0006 (tier 3 unknown), GH-0007 (20 mm base unknown), GH-0009 (bad usage) fail
    assert (data["rows"], data["bills"], data["error_rows"]) == (9, 6, 3)
    # GH-0008, 15 m³ in 2019-08 under version A: 1,100 + 15 × 550 + (10 × 570 + 5 × 750)
    # + 15 × 170 = 1,100 + 8,250 + 9,450 + 2,550 = 21,350.
    # totals of the six bills: 37,900 + 13,980 + 239,000 + 107,900 + 372,350 + 21,350 = 792,480
    assert data["total"] == "792480"
    assert data["by_use_class"]["household"]["total"] == "73230"  # 37,900 + 13,980 + 21,350
    assert data["by_use_class"]["general"]["total"] == "719250"  # 239,000 + 107,900 + 372,350
    assert data["by_meter_mm"] == {
        # 20 + 7 + 80 + 50 + 15 m³; 37,900 + 13,980 + 239,000 + 107,900 + 21,350
        "13": {"bills": 5, "usage_m3": "172", "total": "420130"},
        "100": {"bills": 1, "usage_m3": "100", "total": "372350"},
    }
    assert data["by_ruleset_version"]["kr/gimhae@2019"] == {"bills": 1, "usage_m3": "15", "total": "21350"}
    assert data["errors"] == {"unknown_value": 2, "invalid_input": 1}
    assert list(data["by_charge"]) == ["base", "water", "sewer", "levy"]
    # base: 1,100 at 13 mm on five bills (2019 and 2025), 61,850 at 100 mm: 5 × 1,100 + 61,850
    assert data["by_charge"]["base"] == {"lines": 6, "amount": "67350"}
    assert {m["message"] for m in data["top_error_messages"]} >= {"usage_m3 must be a number, not 'twelve'"}


def test_the_report_counts_reductions_and_what_is_not_included(cities_run: Path) -> None:
    data = run_report(cities_run).to_dict()
    granted = {(r["charge"], r["reduction"]): r["amount"] for r in data["reductions"]}
    # SE-1: 10 t a month over two months, 20 m³ of water at 580 and of sewer at 400
    assert granted[("water", "vulnerable")] == "-11600"
    assert granted[("sewer", "vulnerable")] == "-8000"
    assert data["not_included"]["base"] >= 1
    assert data["by_meter_mm"]["-"]["bills"] == 3  # Daegu and Samcheok rows give none
    assert data["currency"] == "KRW"


def test_table_csv_json_and_html_views(gimhae_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("table", "csv", "json", "html"):
        assert main(["report", str(gimhae_run), "--format", fmt]) == 0
        out = capsys.readouterr().out
        if fmt == "json":
            assert json.loads(out)["total"] == "792480"
        elif fmt == "csv":
            rows = list(csv.reader(io.StringIO(out)))
            assert rows[0] == ["section", "key", "item", "count", "amount"]
            assert ["summary", "bills", "", "6", "792480"] in rows
            assert ["use_class_charge", "general", "water", "3", "380700"] in rows
        elif fmt == "html":
            assert out.startswith("<!doctype html>") and out.count("<svg") == 2
            assert "<script" not in out and "src=" not in out and "href=" not in out
        else:
            # water 17,000 + 5,950 + 140,800 + 55,900 + 184,000 + 8,250 = 411,900; sewer 16,400
            # + 5,740 + 83,500 + 42,400 + 109,500 + 9,450 = 266,990; levy 272 m³ × 170 = 46,240
            assert "total          6  272  67,350  411,900  266,990  46,240  792,480" in out


def test_the_report_reads_csv_parquet_and_standard_input(
    tmp_path: Path, gimhae_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readings = EXAMPLES / "readings.csv"
    main(["bill", str(readings), "--ruleset", "kr/gimhae", "--format", "csv", "-o", str(tmp_path / "b.csv")])
    main(
        [
            "bill",
            "--explain=full",
            str(readings),
            "--ruleset",
            "kr/gimhae",
            "--format",
            "parquet",
            "-o",
            str(tmp_path / "b.parquet"),
        ]
    )
    expected = run_report(gimhae_run).to_dict()
    for path in (tmp_path / "b.csv", tmp_path / "b.parquet"):
        found = run_report(path).to_dict()
        for key in (
            "rows",
            "bills",
            "error_rows",
            "total",
            "by_use_class",
            "by_meter_mm",
            "by_ruleset_version",
            "errors",
            "bill_totals",
        ):
            assert found[key] == expected[key], (path.suffix, key)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(gimhae_run.read_bytes())))
    assert run_report("-").to_dict()["total"] == "792480"


def test_a_broken_run_is_refused_with_its_line(tmp_path: Path, gimhae_run: Path) -> None:
    lines = gimhae_run.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        "\n".join([lines[0], lines[1].replace('"total":"13980"', '"total":"13990"')]), encoding="utf-8"
    )
    with pytest.raises(
        tariffcore.InputError,
        match=r"bad.jsonl: line 2: the lines add up to 13980, "
        r"but the total is 13990",
    ):
        run_report(bad)
    bad.write_text(lines[0] + "\nnot json\n", encoding="utf-8")
    with pytest.raises(tariffcore.InputError, match="line 2 is not JSON"):
        run_report(bad)
    assert main(["report", str(tmp_path / "missing.jsonl")]) == 2


# One synthetic row: enough variety to bill, fail and repeat (the report keeps repeats once).
_ROW = st.tuples(
    st.sampled_from(["household", "general", "bathhouse"]),
    st.sampled_from(["13", "20", "100", ""]),
    st.sampled_from(["", "1", "2"]),
    st.integers(min_value=0, max_value=130),
    st.sampled_from(["2019-06", "2025-03"]),
)


@settings(max_examples=40)
@given(rows=st.lists(_ROW, min_size=1, max_size=60), budget=st.sampled_from([1, 4000, 1 << 20]))
def test_the_report_reconciles_with_the_bills(
    rows: list[tuple[str, str, str, int, str]], budget: int
) -> None:
    text = "account,use_class,meter_mm,household_units,usage_m3,billing_month\n" + "".join(
        f"A{n},{cls},{meter},{units},{usage},{month}\n"
        for n, (cls, meter, units, usage, month) in enumerate(rows)
    )
    engine = BatchEngine.load("kr/gimhae")
    outcomes = [o for chunk in read_chunks(io.StringIO(text)) for o in engine.results(chunk)]
    jsonl = io.StringIO()
    writer = writer_for("jsonl", jsonl, [])
    for outcome in outcomes:
        writer.write(outcome.account, outcome.result)
    report = run_report(io.BytesIO(jsonl.getvalue().encode()), budget=budget)
    data = report.to_dict()
    bills = [o.result for o in outcomes if isinstance(o.result, tariffcore.Bill)]
    total = sum((b.total for b in bills), Decimal(0))
    assert data["rows"] == len(rows) and data["bills"] == len(bills)
    assert data["error_rows"] == len(rows) - len(bills) == sum(data["errors"].values())
    assert Decimal(data["total"]) == total
    for groups in ("by_use_class", "by_meter_mm", "by_ruleset_version"):
        assert sum(Decimal(g["total"]) for g in data[groups].values()) == total, groups
        assert sum(g["bills"] for g in data[groups].values()) == len(bills), groups
    by_charge: dict[str, Decimal] = defaultdict(Decimal)
    by_cell: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for bill in bills:
        for line in bill.lines:
            by_charge[line.charge] += line.amount
            by_cell[bill.use_class or "?", line.charge] += line.amount
    assert {c: Decimal(v["amount"]) for c, v in data["by_charge"].items()} == dict(by_charge)
    assert {
        (cls, c): Decimal(v["amount"])
        for cls, g in data["by_use_class"].items()
        for c, v in g["charges"].items()
    } == dict(by_cell)
    assert sum(b["bills"] for b in data["bill_totals"]) == len(bills)
    assert sum(Decimal(b["total"]) for b in data["bill_totals"]) == total
    codes = Counter(o.result.code for o in outcomes if isinstance(o.result, tariffcore.BillingError))
    assert data["errors"] == dict(codes)
    # The same figures from the results themselves, without a file.
    direct = tariffcore.run_report(outcomes).to_dict()
    assert {k: v for k, v in direct.items() if k != "source"} == {
        k: v for k, v in data.items() if k != "source"
    }


def test_memory_stays_flat_in_rows(tmp_path: Path) -> None:
    """A long run of few distinct bills keeps only those; many distinct ones stay within the
    budget (the report's own state holds no row)."""
    line = (
        '{"account":"A%d","ruleset":"x/y@1","currency":"KRW","usage_m3":"%d","lines":'
        '[{"charge":"water","amount":"%d","rule":"water.a"}],"total":"%d","use_class":"a",'
        '"meter_mm":15}\n'
    )
    run = tmp_path / "long.jsonl"
    with run.open("w", encoding="utf-8") as out:
        for n in range(20000):
            usage = n % 500
            out.write(line % (n, usage, usage * 10, usage * 10))
    report = run_report(run, budget=64 << 10)
    data = report.to_dict()
    assert data["bills"] == 20000
    # each usage 0..499 comes 40 times: 40 × 10 × (0 + … + 499) = 40 × 10 × 124,750
    assert data["total"] == str(40 * 10 * 124750)
    assert len(report._classes) == 1 and len(report._cells) == 1


# --------------------------------------------------------------------------- notices


def _bill(run: Path, account: str, catalog: tariffcore.Catalog) -> tariffcore.Bill:
    for number, record in bill_records(run):
        if record.get("account") == account:
            return bill_from_dict(record, catalog, f"line {number}")
    raise AssertionError(account)


def test_notice_snapshots(gimhae_run: Path, cities_run: Path, installed_catalog: tariffcore.Catalog) -> None:
    history = read_history(EXAMPLES / "usage-history.csv")
    gh = _bill(gimhae_run, "GH-0003", installed_catalog)
    _snapshot(
        "notice-gimhae-GH-0003.html", render_notice(gh, catalog=installed_catalog, history=history["GH-0003"])
    )
    se = _bill(cities_run, "SE-2", installed_catalog)
    _snapshot("notice-seoul-SE-2.html", render_notice(se, catalog=installed_catalog))
    _snapshot("notice-seoul-SE-2.en.html", render_notice(se, catalog=installed_catalog, language="en"))


def test_report_snapshot(gimhae_run: Path) -> None:
    report = run_report(gimhae_run)
    _snapshot("report-gimhae.html", report_html(report, "Billing run: examples/readings.csv"))
    _snapshot("report-gimhae.txt", report_table(report, "Billing run: examples/readings.csv"))
    out = io.StringIO()
    report_csv(report, out)
    _snapshot("report-gimhae.csv", out.getvalue())


def test_a_notice_shows_every_figure_of_the_bill(
    gimhae_run: Path, installed_catalog: tariffcore.Catalog
) -> None:
    bill = _bill(gimhae_run, "GH-0003", installed_catalog)
    html = render_notice(bill, catalog=installed_catalog)
    # general 80 m³: water 50 × 1,520 = 76,000 + 30 × 2,160 = 64,800; total 239,000
    for text in (
        "상하수도 요금 고지서",
        "2025년 3월분",
        "일반용",
        "13 mm",
        "239,000원",
        "1단계 (1~50 m³)",
        "50 m³ × 1,520원 = 76,000원",
        "2단계 (51~100 m³)",
        "30 m³ × 2,160원 = 64,800원",
        "kr/gimhae@2025",
        "gimhae-fees-2025",
        "가산금(연체료) 규정이 없습니다",
    ):
        assert text in html, text
    assert "<script" not in html and "src=" not in html and "href=" not in html
    assert "@page{size:A4" in html


def test_a_notice_names_the_late_fee_in_force(
    cities_run: Path, installed_catalog: tariffcore.Catalog
) -> None:
    html = render_notice(_bill(cities_run, "SE-2", installed_catalog), catalog=installed_catalog)
    assert "2026년 5월 31일" in html
    assert "가산금: 납기일 다음 날부터 미납액의 3% × 경과일수 ÷ 30" in html
    assert "kr/seoul@arrears-2008-11" in html
    no_due = render_notice(_bill(cities_run, "SE-1", installed_catalog), catalog=installed_catalog)
    assert "납기일이 고지 자료에 없어" in no_due


def test_rounding_is_shown_in_words(cities_run: Path, installed_catalog: tariffcore.Catalog) -> None:
    html = render_notice(_bill(cities_run, "UL-1", installed_catalog), catalog=installed_catalog)
    # levy 20 m³ × 66.3 = 1,326.0, truncated below 10 won: 1,320
    assert "20 m³ × 66.3원 = 1,326.0원" in html
    assert "10원 미만 절사: 1,326.0원 → 1,320원" in html


def test_a_notice_for_every_bundled_city(catalog: tariffcore.Catalog) -> None:
    """Every golden bill of every city renders, the same from the bill and from its JSON line."""
    seen: set[str] = set()
    for case in iter_cases(catalog):
        result = run_case(catalog, case)
        if result.bill is None:
            continue
        bill = result.bill
        html = render_notice(bill, catalog=catalog)
        assert f"{bill.ruleset}@{bill.version}" in html
        total = f"{bill.total:,f}원"
        assert total in html, (case.path, case.name)
        again = bill_from_dict(json.loads(compact_json(tariffcore.bill_to_dict(bill))), catalog)
        assert render_notice(again, catalog=catalog) == html, (case.path, case.name)
        seen.add(bill.ruleset)
    tariffs = {ruleset.id for ruleset in catalog if ruleset.versions}
    assert seen == tariffs


def test_the_notice_command(tmp_path: Path, cities_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "notices"
    assert main(["notice", str(cities_run), "-o", str(folder)]) == 1  # four error rows
    err = capsys.readouterr().err
    assert "account UL-3 has no bill, so no notice (unknown_value:" in err
    assert "account BS-1 has no bill, so no notice (unknown_value:" in err
    assert "14 notice(s) written" in err
    assert sorted(p.name for p in folder.iterdir())[:2] == ["AS-1.html", "CW-1.html"]
    one = tmp_path / "se2.html"
    assert main(["notice", str(cities_run), "--account", "SE-2", "-o", str(one)]) == 0
    assert "51,360원" in one.read_text(encoding="utf-8")
    assert main(["notice", str(cities_run), "--account", "NOPE", "-o", str(one)]) == 2
    assert "account NOPE is not in" in capsys.readouterr().err
    csv_run = tmp_path / "b.csv"
    main(
        [
            "bill",
            "--explain=full",
            str(EXAMPLES / "readings.csv"),
            "--ruleset",
            "kr/gimhae",
            "--format",
            "csv",
            "-o",
            str(csv_run),
        ]
    )
    assert main(["notice", str(csv_run), "-o", str(folder)]) == 2
    assert "a notice needs the JSON lines" in capsys.readouterr().err


def test_history_is_checked(tmp_path: Path, gimhae_run: Path, installed_catalog: tariffcore.Catalog) -> None:
    bill = _bill(gimhae_run, "GH-0001", installed_catalog)
    with pytest.raises(
        tariffcore.InputError, match="gives 21 m³ for account GH-0001 in 2025-03, but the bill 20 m³"
    ):
        render_notice(bill, catalog=installed_catalog, history={"2025-03": Decimal(21)})
    twice = tmp_path / "h.csv"
    twice.write_text("account,billing_month,usage_m3\nA,2025-01,3\nA,2025-01,4\n", encoding="utf-8")
    with pytest.raises(tariffcore.InputError, match="A 2025-01 is given twice, with 3 and 4 m³"):
        read_history(twice)
    history = read_history(EXAMPLES / "usage-history.csv")
    html = render_notice(bill, catalog=installed_catalog, history=history["GH-0001"])
    assert re.search(r"<text[^>]*>–</text>", html) is None  # GH-0001 has every month
    gh2 = render_notice(
        _bill(gimhae_run, "GH-0002", installed_catalog), catalog=installed_catalog, history=history["GH-0002"]
    )
    assert "사용량 기록이 없는 달은" in gh2  # GH-0002 misses 2024-06


def test_render_notice_is_public_and_deterministic(installed_catalog: tariffcore.Catalog) -> None:
    from datetime import date

    bill = installed_catalog.bill(
        "kr/changwon",
        tariffcore.Account("A-1", "household", 20, 2),
        tariffcore.Reading(Decimal(70), date(2023, 3, 1)),
    )
    first: Any = tariffcore.render_notice(bill, catalog=installed_catalog)
    assert first == tariffcore.render_notice(bill, catalog=installed_catalog)
    # The tiers of the 2014-01 to 2023-10 bills (one rate from 2023-11), tier widths × 2
    # households: 40 × 650 + 20 × 810 + 10 × 1,030 = 26,000 + 16,200 + 10,300
    assert "52,500원" in first and "세대수" in first
