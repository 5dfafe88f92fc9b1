"""Meter reads with a fraction (read to the litre) are written by lean bills as the engine
writes them: as given where the engine's writing is the same text, else as it writes them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tariffcore import Catalog
from tariffcore.engine import LeanBill
from tests.batch.test_lean_identity import _kind_rows, bill_csv

READS = [
    ("469.331", "481.970"),  # unpadded: written as given
    ("0.5", "12.25"),
    ("0", "0.001"),
    ("469.330", "481.900"),  # trailing zeros are kept, as the engine keeps them
    ("5.000000", "17.000000"),
    ("200.5", "212.5"),  # 12.0 m³: explained in full, the line kept for the next row
    ("0100.5", "112.5"),  # a padded read, 12.0 m³ again: the engine writes 100.5
    ("00.5", "012.75"),
    ("7", "19.5"),
    ("19.5", "7"),  # a roll-over: the engine's row
    ("1.2345678", "2"),  # more than six decimals: the engine's row
    ("999999999999.5", "999999999999.75"),
]


@pytest.mark.parametrize("explain", ["lean", "full"])
def test_fractional_reads_are_written_as_the_engine_writes_them(
    catalog: Catalog, explain: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[Decimal] = []
    render = LeanBill.render

    def counted(self: LeanBill, usage: Decimal, reads: bytes = b"") -> bytes:
        rendered.append(usage)
        return render(self, usage, reads)

    monkeypatch.setattr(LeanBill, "render", counted)
    text = _kind_rows([("", previous, current) for previous, current in READS])
    written = bill_csv(catalog, text, lean=True, explain=explain, ruleset="kr/daejeon")
    # lean lines: every row but the roll-over and the read with seven decimals
    assert len(rendered) == (len(READS) - 2 if explain == "lean" else 0)
    assert written == bill_csv(catalog, text, lean=False, explain=explain, ruleset="kr/daejeon")
    lines = written.decode().splitlines()
    assert lines[0].endswith('"reads":{"previous":"469.331","current":"481.970"}}')
    assert lines[3].endswith('"reads":{"previous":"469.330","current":"481.900"}}')
    assert lines[6].endswith('"reads":{"previous":"100.5","current":"112.5"}}')
    assert '"usage_m3":"12.639"' in lines[0] and '"error"' in lines[9]
