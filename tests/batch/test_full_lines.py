"""Fully explained lines (``--explain full``) of a kind of account and usage billed before are
written from the line kept (:class:`~tariffcore.batch.lean.FullLines`), byte for byte the
engine's line, with the row's own account and meter reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import tariffcore.batch.lean as batch_lean
from tariffcore import Catalog
from tariffcore.batch.lean import FullLines
from tests.batch.test_lean_identity import _kind_rows, bill_csv, city


@pytest.fixture(scope="module")
def generated(catalog: Catalog) -> str:
    return city(catalog)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """The account of each row :meth:`FullLines.find` looked at, and whether its line was
    written from a line kept."""
    found: list[tuple[str, bool]] = []
    original = FullLines.find

    def find(self: FullLines, values: Any) -> Any:
        text, where = original(self, values)
        found.append((values[0], text is not None))
        return text, where

    monkeypatch.setattr(FullLines, "find", find)
    return found


def twins(text: str) -> str:
    """``text`` with each row followed by two twins: other accounts, and reads 1,000 and
    2,000 m³ on (the same usage)."""
    head, *rows = text.splitlines()
    lines = [head]
    for row in rows:
        lines.append(row)
        fields = row.split(",")
        if len(fields) != 9 or not fields[0]:
            continue
        for turn in (1, 2):
            twin = list(fields)
            twin[0] += f"-twin{turn}"
            if twin[6] and twin[7]:
                twin[6], twin[7] = str(Decimal(twin[6]) + 1000 * turn), str(Decimal(twin[7]) + 1000 * turn)
            lines.append(",".join(twin))
    return "\n".join(lines) + "\n"


def test_a_city_explained_in_full_is_the_engine_s(
    catalog: Catalog, generated: str, counted: list[tuple[str, bool]]
) -> None:
    # Every row and its twins (same kind and usage, other accounts and reads): the second twin
    # with reads is written from the line of the first, where one was kept (the first row of
    # a kind is the engine's alone; a twin without reads is the same row but for its account,
    # found in the result cache).
    text = twins(generated)
    kept = bill_csv(catalog, text, lean=True, explain="full", cache_size=0)
    hits = {account for account, hit in counted if hit}
    counted.clear()
    assert kept == bill_csv(catalog, text, lean=False, explain="full", cache_size=0)
    assert not any(hit for _, hit in counted)
    assert b'"slices"' in kept and b'"reads":' in kept and b'"error"' in kept
    bills = sum(1 for line in kept.splitlines() if b'"error"' not in line)
    twins_kept = [account for account in hits if account.endswith("-twin2")]
    assert len(twins_kept) > bills // 20, (len(twins_kept), len(hits), bills)


def test_a_usage_billed_again_is_the_engine_s_line_with_its_own_account_and_reads(
    catalog: Catalog, counted: list[bool]
) -> None:
    usages = [
        ("12", "", ""),
        ("", "100", "112"),  # 12 m³ from reads: the line of row 1 with these reads
        ("", "7", "19"),
        ("12.0", "", ""),  # another text of 12 m³: a line of its own
        ("12", "", ""),
        ("", "100.5", "112.5"),
        ("", "120", "100"),  # a roll-over: the engine's error row, never kept
        ("", "120", "100"),  # (found in the cache: the same row but for its account)
        ("55", "", ""),
        ("", "0", "55"),
        ("12.000", "", ""),
    ]
    text = _kind_rows(usages)
    written = bill_csv(catalog, text, lean=True, explain="full", ruleset="kr/daejeon", cache_size=0)
    assert written == bill_csv(catalog, text, lean=False, explain="full", ruleset="kr/daejeon", cache_size=0)
    lines = written.decode().splitlines()
    assert lines[1].startswith('{"account":"A2",') and lines[1].endswith(
        ',"reads":{"previous":"100","current":"112"}}'
    )
    assert '"error"' in lines[6] and '"error"' in lines[7]
    # The first row of the kind is billed by the engine alone; from the second on, lines are
    # kept: written from one, rows 3 and 5 (12 m³, kept from row 2), 6 (12.0), 10 (55).
    assert [account for account, hit in counted if hit] == ["A3", "A5", "A6", "A10"]


def test_what_full_lines_keep_is_bounded(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, counted: list[tuple[str, bool]]
) -> None:
    monkeypatch.setattr(batch_lean, "_FULL_ROOM", 20000)
    made: list[FullLines] = []
    init = FullLines.__init__

    def recorded(self: FullLines, rows: Any) -> None:
        init(self, rows)
        made.append(self)

    monkeypatch.setattr(FullLines, "__init__", recorded)
    # each of 60 usages twice, every row with its own reads
    rows = [
        ("", str(1000 * turn + 3 * usage), str(1000 * turn + 4 * usage))
        for turn in (1, 2)
        for usage in range(60)
    ]
    text = _kind_rows(rows)
    written = bill_csv(catalog, text, lean=True, explain="full", ruleset="kr/daejeon", cache_size=0)
    hits = [hit for _, hit in counted]
    (lines,) = made
    assert written == bill_csv(catalog, text, lean=False, explain="full", ruleset="kr/daejeon", cache_size=0)
    size = sum(
        len(usage) + len(body) + batch_lean._weight(kind) for (kind, usage), body in lines.kept.items()
    )
    assert 0 < len(lines.kept) < 60 and size <= 20000 and lines.left == 20000 - size
    assert not any(hits[:60]) and sum(hits[60:]) == len(lines.kept)


def test_a_kind_without_kernels_is_never_kept(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, counted: list[tuple[str, bool]]
) -> None:
    # A kernel promises a line that is a function of the kind and usage, explanation included;
    # a lean form alone promises its figures only (a plug-in's notes might name the reads).
    import tariffcore.engine.lean as engine_lean

    monkeypatch.setattr(engine_lean, "kernel_of", lambda compute: None)
    text = _kind_rows([("12", "", ""), ("", "100", "112"), ("", "7", "19"), ("12", "", "")])
    written = bill_csv(catalog, text, lean=True, explain="full", ruleset="kr/daejeon", cache_size=0)
    assert written == bill_csv(catalog, text, lean=False, explain="full", ruleset="kr/daejeon", cache_size=0)
    assert counted and not any(hit for _, hit in counted)


def test_a_kind_seen_once_is_left_to_the_engine_alone(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, counted: list[tuple[str, bool]]
) -> None:
    # Every row a kind of its own (a column per account): no lean bill is made for any.
    made: list[object] = []
    kind = batch_lean.LeanRows._kind

    def counting(self: batch_lean.LeanRows, values: Any, key: Any) -> Any:
        made.append(key)
        return kind(self, values, key)

    monkeypatch.setattr(batch_lean.LeanRows, "_kind", counting)
    lines = ["account,use_class,meter_mm,household_units,usage_m3,billing_month,address"]
    lines += [f"A{n},household,15,1,{n % 7},2024-03,street {n}" for n in range(50)]
    text = "\n".join(lines) + "\n"
    written = bill_csv(catalog, text, lean=True, explain="full", ruleset="kr/daejeon", cache_size=0)
    assert written == bill_csv(catalog, text, lean=False, explain="full", ruleset="kr/daejeon", cache_size=0)
    assert len(counted) == 50 and not made


def test_a_plug_in_type_with_a_lean_form_only_keeps_its_own_notes(tmp_path: Any) -> None:
    # A lean form promises a charge's figures, not its explanation: this type's notes name the
    # reads and the account, so no line of its kind may be written from another row's.
    import tariffcore
    from tariffcore import Charged, ChargeSpec, ChargeType, Number, hookimpl
    from tariffcore.charges import with_lean

    class Spec(ChargeSpec):
        rate: Number

    class Noted(ChargeType):
        name = "per_m3_noted"
        spec = Spec

        def compile(self, spec: Any, ctx: Any) -> Any:
            rate = spec.rate

            def compute(bill: Any) -> Any:
                meter = bill.reading.meter
                said = f"read {meter.previous} to {meter.current}" if meter is not None else "as stated"
                notes = (said, f"account {bill.account.id}")
                return Charged(
                    rate * bill.usage, quantity=bill.usage, unit="m3", unit_price=rate, notes=notes
                )

            def lean(account: Any, households: Any, months: Any) -> Any:
                return lambda usage: (rate * usage, "", usage, "m3", rate)

            return with_lean(compute, lean)

    (tmp_path / "2026.yaml").write_text(
        "ruleset: xx/noted\nversion: '2026'\ntitle: Noted\njurisdiction: Noted\ncurrency: KRW\n"
        "effective: {from: 2026-01, basis: billing_month}\nconfidence: An illustration.\n"
        "sources: [{id: s, title: Illustration, tag: INF}]\n"
        "use_classes: {household: {label: household}}\n"
        "charges:\n  water: {type: per_m3_noted, label: Water, source: s, rate: 300}\n",
        encoding="utf-8",
    )

    class Plugin:
        @hookimpl
        def tariffcore_charge_types(self) -> list[Any]:
            return [Noted()]

        @hookimpl
        def tariffcore_ruleset_paths(self) -> list[Any]:
            return [tmp_path]

    catalog = tariffcore.load_catalog(plugins=[Plugin()])
    text = (
        "account,use_class,usage_m3,previous_read,current_read,billing_month\n"
        "A1,household,12,,,2026-02\nA2,household,,100,112,2026-02\nA3,household,,7,19,2026-02\n"
        "A4,household,12,,,2026-02\n"
    )
    written = bill_csv(catalog, text, lean=True, explain="full", ruleset="xx/noted", cache_size=0)
    assert written == bill_csv(catalog, text, lean=False, explain="full", ruleset="xx/noted", cache_size=0)
    assert '"notes":["read 7 to 19","account A3"]' in written.decode().splitlines()[2]
