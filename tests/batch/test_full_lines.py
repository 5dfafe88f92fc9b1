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
    """``text`` with each row followed by its twin: another account, and reads 1,000 m³ on
    (the same usage)."""
    head, *rows = text.splitlines()
    lines = [head]
    for row in rows:
        lines.append(row)
        fields = row.split(",")
        if len(fields) == 9 and fields[0]:
            fields[0] += "-twin"
            if fields[6] and fields[7]:
                fields[6], fields[7] = str(Decimal(fields[6]) + 1000), str(Decimal(fields[7]) + 1000)
            lines.append(",".join(fields))
    return "\n".join(lines) + "\n"


def test_a_city_explained_in_full_is_the_engine_s(
    catalog: Catalog, generated: str, counted: list[tuple[str, bool]]
) -> None:
    # Every row and its twin (same kind and usage, other account and reads): a twin with
    # reads is written from the line of its row, where one was kept (a twin without reads is
    # the same row but for its account, found in the result cache).
    text = twins(generated)
    kept = bill_csv(catalog, text, lean=True, explain="full", cache_size=0)
    hits = {account for account, hit in counted if hit}
    counted.clear()
    assert kept == bill_csv(catalog, text, lean=False, explain="full", cache_size=0)
    assert not any(hit for _, hit in counted)
    assert b'"slices"' in kept and b'"reads":' in kept and b'"error"' in kept
    bills = sum(1 for line in kept.splitlines() if b'"error"' not in line)
    twins_kept = [account for account in hits if account.endswith("-twin")]
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
    # written from a line kept: rows 2, 3 and 5 (12 m³), 6 (12.0), 10 (55)
    assert [account for account, hit in counted if hit] == ["A2", "A3", "A5", "A6", "A10"]


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
    size = sum(len(usage) + len(body) for (_, usage), body in lines.kept.items())
    assert 0 < len(lines.kept) < 60 and size <= 20000 and lines.left == 20000 - size
    assert not any(hits[:60]) and sum(hits[60:]) == len(lines.kept)
