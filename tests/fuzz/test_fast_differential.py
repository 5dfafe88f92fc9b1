"""The fast backend against the Python one over hostile CSV: ``bill --backend fast`` must write
exactly the bytes (and exit with exactly the status) of ``bill --backend python``, for JSON
lines (lean and full) and for Parquet (the same table).

The files are the fuzz suite's hostile CSV (:func:`~tests.fuzz.strategies.csv_files`), files
that are mostly plain (so that blocks are read by columns and kernels bill their rows, with a
few odd values, bytes and lines among them: :func:`plain_csv_files`), and every CSV probe of
``tests/hostile``. The blocks the fast backend reads are drawn small as well as at their
default size, so that odd lines fall at and across block boundaries.

``make test`` draws a few examples (``TARIFFCORE_FUZZ_EXAMPLES``, default 25); ``make fuzz``
draws thousands.
"""

from __future__ import annotations

import contextlib
import io
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

pytest.importorskip("numpy")
pytest.importorskip("pyarrow")

import pyarrow.parquet as pq  # noqa: E402

from tariffcore.batch import fast as fast_module  # noqa: E402
from tariffcore.commands import bill as bill_command  # noqa: E402
from tariffcore.commands import main  # noqa: E402
from tests.fuzz.strategies import HOSTILE_VALUES, HostileFile, csv_files, field_text  # noqa: E402
from tests.fuzz.test_fuzz import folder, fuzz  # noqa: E402
from tests.hostile.probes import ROWS, build_probes  # noqa: E402

EARLIER = b"the output of an earlier run\n"


# --------------------------------------------------------------------------- running both


class Calls:
    """How often the fast backend ran, and how many rows its columns billed."""

    def __init__(self) -> None:
        self.runs = 0
        self.columns: list[int] = []


@contextlib.contextmanager
def fast_blocks(block: int | None) -> Iterator[Calls]:
    """Count the fast backend's runs (JSON lines and Parquet) and, with ``block``, read its
    CSV in blocks of that many bytes."""
    calls = Calls()
    jsonl, parquet = bill_command.fast_csv_file_to_jsonl, bill_command.fast_csv_file_to_parquet
    inner = fast_module.fast_csv_to_jsonl

    def counted_jsonl(engine: Any, source: Any, out: Any, progress: Any = None) -> Any:
        calls.runs += 1
        return jsonl(engine, source, out, progress)

    def counted_parquet(engine: Any, source: Any, target: Any, charges: Any, progress: Any = None) -> Any:
        calls.runs += 1
        options = {"columns": calls.columns} | ({"block": block} if block else {})
        return parquet(engine, source, target, charges, progress, **options)

    def blocked(engine: Any, stream: Any, out: Any, progress: Any = None, position: Any = None) -> Any:
        options = {"columns": calls.columns} | ({"block": block} if block else {})
        return inner(engine, stream, out, progress, position, **options)

    patches = [
        (bill_command, "fast_csv_file_to_jsonl", counted_jsonl),
        (bill_command, "fast_csv_file_to_parquet", counted_parquet),
        (fast_module, "fast_csv_to_jsonl", blocked),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    try:
        for owner, name, value in patches:
            setattr(owner, name, value)
        yield calls
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def bill(source: Path, target: Path, backend: str, *options: str) -> tuple[int, bytes, str]:
    """``bill source -o target --backend backend``: exit status, the output file, errors."""
    target.write_bytes(EARLIER)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(
            ["bill", str(source), "--ruleset", "kr/gimhae", "-o", str(target), "--backend", backend, *options]
        )
    assert "Traceback" not in out.getvalue() + err.getvalue(), err.getvalue()
    return status, target.read_bytes(), err.getvalue()


def differ(source: Path, block: int | None = None, parquet: bool = True) -> Calls:
    """Bill ``source`` with both backends to JSON lines and Parquet (each lean and full), and
    require the same status and output; the fast backend's calls."""
    where = source.parent
    with fast_blocks(block) as calls:
        for explain in ("lean", "full"):
            target = where / "out.jsonl"
            expected = bill(source, target, "python", "--explain", explain)
            found = bill(source, target, "fast", "--explain", explain)
            assert found[:2] == expected[:2], (explain, expected[2], found[2])
        for explain in ("lean", "full") if parquet else ():
            target = where / "out.parquet"
            status, data, err = bill(source, target, "python", "--explain", explain)
            expected_table = pq.read_table(target) if status != 2 else data
            fast_status, fast_data, fast_err = bill(source, target, "fast", "--explain", explain)
            assert fast_status == status, (explain, err, fast_err)
            if status == 2:
                assert fast_data == data
            else:
                found_table = pq.read_table(target)
                assert found_table.schema == expected_table.schema
                assert found_table.equals(expected_table), (
                    explain,
                    expected_table.to_pylist(),
                    found_table.to_pylist(),
                )
    if expected[0] != 2:
        assert calls.runs == (4 if parquet else 2), "the fast backend did not run"
    return calls


def differ_over(data: bytes, block: int | None) -> Calls:
    with folder() as where:
        source = where / "in.csv"
        source.write_bytes(data)
        return differ(source, block)


def counted(calls: Calls) -> None:
    """Say, in Hypothesis's statistics, whether columns billed rows of the drawn file."""
    event(f"rows billed by columns: {'some' if sum(calls.columns) else 'none'}")


blocks = st.sampled_from([None, None, 1, 16, 64, 256])


# --------------------------------------------------------------------------- mostly plain files

#: Columns that bill under kr/gimhae, and the values each mostly holds.
PLAIN = {
    "account": st.one_of(
        st.sampled_from(["A1", "B2", "C 3", "d4", "é5"]), st.text(string.ascii_letters, max_size=4)
    ),
    "use_class": st.sampled_from(
        ["household", "household", "general", "bathhouse", "industrial", "nonesuch", ""]
    ),
    "meter_mm": st.sampled_from(["13", "15", "20", "25", "40", "100", "999", "", "013", "13.0"]),
    "household_units": st.sampled_from(["", "1", "2", "0", "x", "01"]),
    "usage_m3": st.one_of(
        st.integers(min_value=0, max_value=2000).map(str),
        st.sampled_from(
            [
                "20.5",
                "20.0",
                "0.000001",
                "999999999999",
                "9999999999999",
                "020",
                " 20",
                "-5",
                "1e3",
                "",
                "20.1234567",
            ]
        ),
    ),
    "billing_month": st.sampled_from(["2025-03", "2025-03", "2024-03", "2019-07", "2024-13", "", "0000-01"]),
    "previous_read": st.sampled_from(["", "0", "100", "99.5", "0100"]),
    "current_read": st.sampled_from(["", "120", "100", "50", "130.25"]),
    "estimated": st.sampled_from(["", "true", "false", "yes"]),
    "note": st.text(string.ascii_letters, max_size=5),
}


plain_odd = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=',"\r\n'), max_size=8
)


@st.composite
def plain_csv_files(draw: st.DrawFn) -> bytes:
    """A CSV file most of whose rows bill, with a few odd values, lines and bytes."""
    extra = draw(st.lists(st.sampled_from(list(PLAIN)[3:]), unique=True, max_size=5))
    header = draw(st.permutations(["account", "use_class", "meter_mm", *extra]))
    if "usage_m3" not in header and not {"previous_read", "current_read"} <= set(header):
        header.append("usage_m3")
    if "billing_month" not in header and draw(st.integers(0, 9)):
        header.append("billing_month")
    # an odd value: mostly one that leaves the line as plain as it was
    odd = st.one_of(plain_odd, plain_odd, plain_odd, st.sampled_from(HOSTILE_VALUES[:-1]), field_text)
    lines = []
    for _ in range(draw(st.integers(min_value=0, max_value=30))):
        values = [draw(odd if draw(st.integers(0, 29)) == 0 else PLAIN[name]) for name in header]
        line = ",".join(values)
        shape = draw(st.integers(0, 150))
        if shape == 0:
            line = ",".join(values[:-1])  # a short row
        elif shape == 1:
            line += ",extra"  # a wide row
        elif shape == 2:
            line = ",".join(f'"{v}"' for v in values)  # quoted
        elif shape == 3:
            line = ""  # blank
        elif shape == 4:
            line = "   "
        lines.append(line)
    ending = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    text = ",".join(header) + ending + ending.join(lines) + (ending if draw(st.booleans()) else "")
    if draw(st.integers(0, 9)) == 0:
        text = "\ufeff" + text
    data = text.encode("utf-8")
    flaw = draw(st.integers(0, 19))
    if flaw < 4 and data:  # a byte that is not UTF-8, a NUL, a lone carriage return, a quote
        at = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:at] + [b"\xff", b"\x00", b"\r", b'"'][flaw] + data[at:]
    return data


# --------------------------------------------------------------------------- the tests


@fuzz
@given(csv_files(), blocks)
def test_fast_writes_what_python_writes_over_any_csv(drawn: HostileFile, block: int | None) -> None:
    counted(differ_over(drawn.data, block))


@fuzz
@given(plain_csv_files(), blocks)
def test_fast_writes_what_python_writes_over_mostly_plain_csv(data: bytes, block: int | None) -> None:
    counted(differ_over(data, block))


@pytest.fixture(scope="module")
def probes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_probes(tmp_path_factory.mktemp("probes"))


@pytest.mark.parametrize("block", [None, 16], ids=["default-blocks", "small-blocks"])
@pytest.mark.parametrize("name", [p.name for p in ROWS if p.kind == "csv"])
def test_fast_writes_what_python_writes_over_every_csv_probe(
    probes: Path, name: str, block: int | None, tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes((probes / name).read_bytes())
    differ(source, block)


#: Files on which the backends once differed, each billed at the default block size and in
#: blocks of a few bytes.
FOUND = {
    # the header's line held a carriage return alone: the header reader stopped (exit status 2)
    "cr-in-header": b"\raccount\n",
    "cr-in-header-name": b"account,use\rclass,usage_m3\nA,household,20\n",
    # a record of one empty quoted field is no record; Parquet billed it as a row
    "empty-quoted-record": b'"account","use_class","usage_m3"\n""\n"20"\n',
    # a carriage return alone ends a line: error rows named the wrong line
    "line-numbers-after-cr": b'"account","use_class","usage_m3"\n""\n""\n""\n""\r""\n"","","",""\r',
    # a quoted field holding a line break at the end of a block was cut in two
    "quoted-break-at-end": b'account,use_class,usage_m3,meter_mm\n,,,,,\n,,"\n0"',
    "quoted-break-in-block": (
        b"account,use_class,meter_mm,usage_m3,billing_month\n"
        + b"A1,household,13,20,2025-03\n" * 5
        + b'"A\n2",household,13,"2\n0",2025-03\nA3,household,13,20,2025-03\n' * 3
        + b'Q,"\n\n\n",13,20,2025-03\r\nA4,household,13,20,2025-03\n' * 2
        + b"A5,household,13,20,2025-03\n" * 5
    ),
}


@pytest.mark.parametrize("block", [None, 1, 16, 64], ids=["default-blocks", "1", "16", "64"])
@pytest.mark.parametrize("name", list(FOUND))
def test_fast_writes_what_python_writes_where_they_once_differed(name: str, block: int | None) -> None:
    differ_over(FOUND[name], block)


def test_a_header_name_over_the_field_limit_is_left_to_the_engine() -> None:
    from tariffcore.columnar import read_header
    from tariffcore.rows import FIELD_LIMIT

    assert read_header(b"account," + b"x" * (FIELD_LIMIT + 1) + b"\n") is None


def test_a_field_over_the_field_limit_is_the_same_error_row() -> None:
    # Arrow read it, and the engine, billing its row again from its values, named line 1
    from tariffcore.rows import FIELD_LIMIT

    good = b"A,household,13,20,2025-03\n"
    data = b"account,use_class,meter_mm,usage_m3,billing_month\n" + good + b"\nB,household,13,"
    differ_over(data + b"1" * (FIELD_LIMIT + 1) + b",2025-03\n" + good, None)
