"""The synthetic city: deterministic, and with meter reads every row distinct."""

from __future__ import annotations

import csv
import io

from tariffcore.synthetic import COLUMNS, READ_COLUMNS, synthetic_city, write_city


def test_a_city_of_reads_is_the_same_for_the_same_seed_and_every_row_is_distinct() -> None:
    first = list(synthetic_city(2000, seed=7, reads=True))
    assert first == list(synthetic_city(2000, seed=7, reads=True))
    assert all(tuple(row) == READ_COLUMNS for row in first)
    keys = {tuple(v for k, v in row.items() if k != "account") for row in first}
    assert len(keys) == len(first)
    for row in first:
        # the current read is the previous one plus a whole, non-negative usage
        assert int(row["current_read"]) >= int(row["previous_read"]) >= 0


def test_a_city_of_usage_repeats_and_write_city_writes_the_header_of_its_kind() -> None:
    rows = list(synthetic_city(2000, seed=7))
    assert all(tuple(row) == COLUMNS for row in rows)
    assert len({tuple(v for k, v in row.items() if k != "account") for row in rows}) < len(rows) // 2
    for reads, header in ((False, COLUMNS), (True, READ_COLUMNS)):
        stream = io.StringIO()
        write_city(stream, 3, reads=reads)
        assert tuple(next(csv.reader(io.StringIO(stream.getvalue())))) == header
