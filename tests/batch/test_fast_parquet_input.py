"""A Parquet file billed by columns into JSON lines gives the bytes it gives record by record.

The tables of ``tests/frames/test_fast_tables.py`` (every bundled ruleset's city and the
edge-case city, as text and with the types Arrow guesses; tables drawn of every kind of cell)
are written as Parquet and billed both ways, lean and fully explained, in blocks small
enough that lines of the record path are put back among lines of the columns many times.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("numpy")

from tariffcore import Catalog  # noqa: E402
from tariffcore.batch import BatchEngine, fast_parquet_file_to_jsonl  # noqa: E402
from tariffcore.rows import read_chunks  # noqa: E402
from tests.batch.test_fast_identity import edge_city  # noqa: E402
from tests.batch.test_lean_identity import city  # noqa: E402
from tests.frames.test_fast_tables import as_guessed, as_text, tables  # noqa: E402
from tests.helpers import repository_catalog  # noqa: E402


def same(catalog: Catalog, table: Any, where: Path, block: int = 257, **options: Any) -> tuple[int, int]:
    """Assert ``table``, written as Parquet, bills into the same bytes both ways; (rows billed
    by columns, bills)."""
    path = where / "input.parquet"
    pq.write_table(table, path, row_group_size=max(1, table.num_rows // 3))
    engine = BatchEngine(catalog, **options)
    out = io.BytesIO()
    columns: list[int] = []
    done = fast_parquet_file_to_jsonl(engine, path, out, block=block, window=100, columns=columns)
    assert done is not None
    reference = BatchEngine(catalog, **options)
    expected = b"".join(reference.jsonl(chunk)[0] for chunk in read_chunks(path, "parquet"))
    mine = out.getvalue().split(b"\n")
    theirs = expected.split(b"\n")
    assert len(mine) == len(theirs)
    for number, (a, b) in enumerate(zip(mine, theirs, strict=True), start=1):
        assert a == b, f"line {number}"
    assert done[0] == table.num_rows == len(theirs) - 1
    assert done[1] == sum(1 for line in theirs if b'"error"' in line)
    return sum(columns), len(theirs) - 1 - done[1]


@pytest.fixture(scope="module")
def generated(catalog: Catalog) -> str:
    return city(catalog)


@pytest.mark.parametrize("explain", ["lean", "full"])
@pytest.mark.parametrize("read", [as_text, as_guessed])
def test_every_bundled_ruleset(
    catalog: Catalog, generated: str, tmp_path: Path, read: Any, explain: str
) -> None:
    covered, bills = same(catalog, read(generated), tmp_path, explain=explain)
    # Most bills were billed by columns (a backend that covered nothing would pass the comparison).
    assert covered > bills * 2 // 3, (covered, bills)


@pytest.mark.parametrize("explain", ["lean", "full"])
def test_the_edge_city(catalog: Catalog, tmp_path: Path, explain: str) -> None:
    covered, bills = same(
        catalog, as_guessed(edge_city(odd_lines=False)), tmp_path, ruleset="kr/daejeon", explain=explain
    )
    assert covered > bills * 2 // 3, (covered, bills)


def test_one_block_and_some_charges(catalog: Catalog, tmp_path: Path) -> None:
    table = as_text(edge_city(5, odd_lines=False))
    same(catalog, table, tmp_path, block=1 << 20, ruleset="kr/daejeon", charges=["water", "levy"])


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    table=tables(),
    ruleset=st.sampled_from(["kr/daejeon", "kr/gimhae"]),
    explain=st.sampled_from(["lean", "full"]),
)
def test_any_table(tmp_path_factory: pytest.TempPathFactory, table: Any, ruleset: str, explain: str) -> None:
    where = tmp_path_factory.mktemp("drawn")
    same(repository_catalog(), table, where, block=7, ruleset=ruleset, explain=explain)


def test_a_file_the_columns_cannot_read_is_left_to_the_record_path(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "not.parquet"
    path.write_bytes(b"PAR1 but not Parquet")
    assert fast_parquet_file_to_jsonl(BatchEngine(catalog), path, io.BytesIO()) is None
    twice = tmp_path / "twice.parquet"
    pq.write_table(pa.table([["A-1"], ["A-1"]], names=["account", "account"]), twice)
    assert fast_parquet_file_to_jsonl(BatchEngine(catalog), twice, io.BytesIO()) is None


def test_the_command_bills_a_parquet_file_by_columns(
    tmp_path: Path, generated: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tariffcore.commands import bill as bill_command
    from tariffcore.commands import main

    path = tmp_path / "city.parquet"
    pq.write_table(as_guessed(generated), path)
    calls: list[object] = []
    real = bill_command.fast_parquet_file_to_jsonl

    def counted(*args: Any, **options: Any) -> Any:
        calls.append(args[1])
        return real(*args, **options)

    monkeypatch.setattr(bill_command, "fast_parquet_file_to_jsonl", counted)
    outputs = {}
    for backend in ("fast", "python"):
        target = tmp_path / f"{backend}.jsonl"
        code = main(["bill", str(path), "-o", str(target), "--backend", backend, "--quiet"])
        assert code == 1  # the city has error rows
        outputs[backend] = target.read_bytes()
    assert outputs["fast"] == outputs["python"]
    assert calls == [str(path)]  # by columns with the fast backend only
