"""One loop for every input: the row keys, the cache, and the same bytes whichever way CSV
text reaches the engine."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

import tariffcore
from tariffcore.batch import BatchEngine, CacheStats, CsvKeys, ResultCache, freeze
from tariffcore.batch.keys import RECORD_KEYS
from tariffcore.rows import Chunk, read_chunks
from tests.batch.test_batch import MIXED

HEADER = ("account", "use_class", "meter_mm", "usage_m3")


def test_a_csv_key_is_the_row_without_its_account() -> None:
    keys = CsvKeys(HEADER)
    row = ["A1", "household", "15", "20"]
    assert keys.key(row) == ("A1", ("household", "15", "20"))
    assert keys.key([" A2 ", "household", "15", "20"]) == ("A2", ("household", "15", "20"))
    assert keys.values_key(row) == ("household", "15", "20")  # what the CSV text loop uses
    # a short row is padded: the same key as the row written out in full
    assert keys.key(("A3", "household", "15")) == ("A3", ("household", "15", ""))
    assert keys.key(["A3", "household", "15", ""])[1] == ("household", "15", "")
    assert keys.fields(["A3", "household"]) == dict(zip(HEADER, ["A3", "household", "", ""]))
    # a value past the header, which no bill reads, is not part of the key
    assert keys.key(["A4", "household", "15", "20", "x"]) == ("A4", ("household", "15", "20"))
    # no account: an error row that names nobody, so nothing to share
    assert keys.key(["  ", "household", "15", "20"]) == ("", None)
    # the account need not come first
    moved = CsvKeys(("use_class", "account", "usage_m3"))
    assert moved.key(["household", "B1", "7"]) == ("B1", ("household", "7"))
    with pytest.raises(ValueError, match="two other columns"):
        CsvKeys(("account", "usage_m3"))


def test_a_record_key_keeps_types() -> None:
    one = {"account": "J1", "use_class": "household", "usage_m3": 20}
    same = {"use_class": "household", "usage_m3": 20, "account": "J2"}
    other = {"account": "J3", "use_class": "household", "usage_m3": Decimal("20.0")}
    assert RECORD_KEYS.key(one)[1] == RECORD_KEYS.key(same)[1]
    assert RECORD_KEYS.key(one)[1] != RECORD_KEYS.key(other)[1]  # 20.0 prints differently
    assert RECORD_KEYS.key({"account": 7, "usage_m3": 1})[0] == "7"
    assert RECORD_KEYS.key({"account": "J4", "x": bytearray(b"?")}) == ("J4", None)  # billed uncached
    assert RECORD_KEYS.key({"account": None, "usage_m3": 1}) == ("", None)
    assert freeze(one) != freeze(same)  # the account is left out by the key, not by freeze


def test_a_record_of_text_fields_is_keyed_by_its_fields() -> None:
    text = {"account": "J1", "use_class": "household", "usage_m3": "20"}
    account, key = RECORD_KEYS.key(text)
    assert account == "J1" and key is not None and RECORD_KEYS.key({**text, "account": "J9"}) == ("J9", key)
    keys = {
        RECORD_KEYS.key(record)[1]
        for record in (
            text,
            {**text, "usage_m3": 20},  # a number prints as written, the text as given
            {**text, "usage_m3": "20.0"},
            {**text, "usage_m3": " 20"},
            {**text, "meter_mm": None},
            {**text, "estimated": True},
            {"use_class": "household", "usage_m3": "20", "account": "J1"},  # the same fields
            {"usage_m3": "20", "account": "J1", "use_class": "household"},  # in another order
        )
    }
    assert len(keys) == 6  # each its own key, but the last two: the first's fields


def test_the_cache_moves_old_entries_back_and_stays_within_budget() -> None:
    stats = CacheStats()
    cache: ResultCache[str] = ResultCache(2 * (400 + 10), stats, len)  # one 10-byte entry a half
    cache.put("a", "x" * 10)
    cache.put("b", "y" * 10)  # the young generation is full: "a" becomes old
    assert stats.clears == 1 and cache.get("a") == "x" * 10  # found old, moved back young
    assert stats.clears == 2 and cache.get("b") == "y" * 10 and cache.get("c") is None
    assert len(cache) == 2


@pytest.mark.parametrize("size", [24 << 20, 0])
def test_csv_text_and_chunks_give_the_same_bytes(size: int) -> None:
    """The hot path (CSV text straight to JSON lines) and chunks go through the same loop."""
    text = MIXED + MIXED.split("\n", 1)[1]  # every row twice: repeats are cache hits
    direct = BatchEngine.load("kr/daejeon", cache_size=size)
    out = io.BytesIO()
    rows, failed = direct.csv_to_jsonl(io.StringIO(text), out)
    chunked = BatchEngine.load("kr/daejeon", cache_size=size)
    parts = [chunked.jsonl(chunk) for chunk in read_chunks(io.StringIO(text), "csv", size=5)]
    assert out.getvalue() == b"".join(data for data, _, _ in parts)
    assert (rows, failed) == (sum(p[1] for p in parts), sum(p[2] for p in parts)) == (22, 12)
    assert direct.stats == chunked.stats
    if size:
        assert direct.stats.hits > 0 and direct.stats.clears == 0


def test_json_and_objects_are_kept_apart() -> None:
    """An engine that writes JSON lines and then returns bills keeps each in its own form."""
    engine = BatchEngine.load("kr/daejeon")
    chunk = Chunk(HEADER + ("billing_month",), [(2, ["A1", "household", "15", "20", "2024-03"])])
    again = Chunk(chunk.header, [(2, ["B1", "household", "15", "20", "2024-03"])])
    data, _, _ = engine.jsonl(chunk)
    (outcome,) = engine.results(again)
    assert isinstance(outcome.result, tariffcore.Bill) and outcome.result.account == "B1"
    assert data.startswith(b'{"account":"A1",') and b'"total":"22860"' in data
    assert outcome.result.total == 22860  # 860 + 10,200 + 8,400 + 3,400 (digest §8)
    (shared,) = engine.results(chunk, own_ids=False)
    assert isinstance(shared.result, tariffcore.Bill) and shared.result.account == "B1"


def test_csv_text_and_chunks_share_their_keys() -> None:
    """Rows billed from CSV text are found again when the same rows come as a chunk: both
    ways key a row alike (with short rows padded and accounts stripped)."""
    text = (
        "account,use_class,meter_mm,usage_m3,billing_month\n A1 ,household,15,20,2024-03\nA2,general,20,51\n"
    )
    engine = BatchEngine.load("kr/daejeon")
    out = io.BytesIO()
    engine.csv_to_jsonl(io.StringIO(text), out)
    assert (engine.stats.hits, engine.stats.misses) == (0, 2)
    (chunk,) = read_chunks(io.StringIO(text.replace(" A1 ", "B1").replace("A2", "B2")), "csv")
    data, _, _ = engine.jsonl(chunk)
    assert (engine.stats.hits, engine.stats.misses) == (2, 2)
    assert data == out.getvalue().replace(b'"A1"', b'"B1"').replace(b'"A2"', b'"B2"')
