"""The SQL page's queries run against the databases its commands write, and print what the
page shows under each (in the ``sqlite3`` shell's list mode: ``|`` between values, a header)."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
import sqlite3
from pathlib import Path

import pytest

from tariffcore.commands import main
from tests.helpers import ROOT

PAGE = ROOT / "docs" / "sql.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def _console(block: str) -> None:
    """Run the block's ``$ tariffcore …`` commands (what they print is not the point here)."""
    for line in block.splitlines():
        if line.startswith("$ tariffcore "):
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                assert main(shlex.split(line)[2:]) in (0, 1), line


def _rows(database: Path, query: str) -> list[str]:
    with sqlite3.connect(database) as db:
        cursor = db.execute(query)
        found = ["|".join(column[0] for column in cursor.description)]
        found += ["|".join("" if value is None else str(value) for value in row) for row in cursor]
    return found


def test_every_query_prints_what_the_page_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    fences = list(FENCE.finditer(PAGE.read_text(encoding="utf-8")))
    queries = 0
    namespace: dict[str, object] = {}
    for index, match in enumerate(fences):
        language, info, body = match.group(1), match.group(2), match.group(3)
        if language == "python":
            exec(compile(body, str(PAGE), "exec"), namespace)  # noqa: S102
        elif language == "console":
            _console(body)
        elif language == "sql":
            database = re.search(r'title="([^"]+)"', info)
            assert database, "a query names its database in its title"
            shown = fences[index + 1]
            assert shown.group(1) == "text", "each query is followed by what it prints"
            assert _rows(tmp_path / database.group(1), body) == shown.group(3).rstrip("\n").splitlines()
            queries += 1
    assert queries >= 8


def test_the_databases_are_typed_and_indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    main(["bill", str(ROOT / "examples" / "readings.csv"), "--ruleset", "kr/gimhae", "-o", "b.sqlite", "-q"])
    with sqlite3.connect("b.sqlite") as db:
        kinds = {name: kind for _, name, kind, *_ in db.execute("PRAGMA table_info(bills)")}
        assert kinds["total"] == kinds["water"] == kinds["usage_m3"] == "TEXT"
        assert kinds["meter_mm"] == kinds["estimated"] == kinds["row"] == "INTEGER"
        indexes = {row[1] for row in db.execute("PRAGMA index_list(bills)")}
        assert "bills_account" in indexes
        plan = " ".join(
            str(row) for row in db.execute("EXPLAIN QUERY PLAN SELECT * FROM lines WHERE account = 'x'")
        )
        assert "lines_account" in plan
        # a whole amount is an exact integer sum (37,900 + 13,980 + 239,000 + 107,900 + 372,350 +
        # 21,350 = 792,480); the bill's usage is exact text
        assert db.execute("SELECT typeof(sum(total)), sum(total) FROM bills").fetchone() == (
            "integer",
            792480,
        )
        assert db.execute("SELECT billing_month, usage_m3 FROM bills WHERE row = 1").fetchone() == (
            "2025-03",
            "20",
        )
        assert dict(db.execute("SELECT key, value FROM run"))["command"] == "bill"


def test_a_failed_run_leaves_no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tariffcore.rows import SqliteBillWriter

    monkeypatch.chdir(tmp_path)
    Path("b.sqlite").write_text("what was there", encoding="utf-8")
    writer = SqliteBillWriter("b.sqlite", ["water"])
    writer.discard()
    assert Path("b.sqlite").read_text(encoding="utf-8") == "what was there"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.sqlite"]
