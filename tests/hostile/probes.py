"""The hostile and careless inputs every command is run over (``tests/fixtures/hostile``), and
how many rows (or accounts) each holds.

Most probes are small files kept in the fixture folder; those too large or too binary to keep
(a field over the CSV module's limit, JSON nested 100,000 deep, Parquet files, thousands of rows
with odd line endings) are built here into a test's folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import ROOT

HOSTILE = ROOT / "tests" / "fixtures" / "hostile"

#: A row that bills under kr/gimhae (2025): 1,100 + 17,000 + 16,400 + 3,400 = 37,900.
GOOD = "household,13,1,20,2025-03,,"
HEADER = "account,use_class,meter_mm,household_units,usage_m3,billing_month,period_start,period_end"


@dataclass(frozen=True)
class Probe:
    """One input file: its path (relative to the probe folder), the rows it holds, and the
    words of the refusal when the whole file is refused (exit status 2)."""

    name: str
    rows: int
    refused: str = ""
    #: Commands that refuse this file although others read it (``compare`` refuses a row that
    #: names a ruleset of its own), with the words of the refusal.
    refused_by: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return (
            "jsonl"
            if self.name.endswith(".jsonl")
            else "parquet"
            if self.name.endswith(".parquet")
            else "csv"
        )


#: Bill inputs: rows in, and what refuses the file.
ROWS = [
    Probe("rows/calendar-dates.csv", 13),
    Probe("rows/duplicate-columns.csv", 0, refused="the column 'usage_m3' is given twice"),
    Probe("rows/duplicate-columns-blank.csv", 1),
    Probe("rows/cr-only.csv", 5),
    Probe("rows/crlf.csv", 5),
    Probe("rows/mixed-endings.csv", 5),
    Probe("rows/bom-blank-ragged.csv", 5),
    Probe("rows/quoted-newlines.csv", 4),
    Probe("rows/nul-bytes.csv", 4),
    Probe("rows/header-only.csv", 0),
    Probe("rows/empty.csv", 0),
    Probe("rows/no-trailing-newline.csv", 2),
    Probe("rows/unterminated-quote.csv", 2),
    Probe("rows/huge-integers.csv", 8),
    Probe("rows/numbers.csv", 19),
    Probe("rows/account-ids.csv", 10),
    Probe("rows/wide-row.csv", 2),
    Probe("rows/mixed.jsonl", 25, refused_by={"compare": "has a 'ruleset' field"}),
    Probe("rows/cr-only.jsonl", 4),
    # built by build_probes()
    Probe("built/huge-field.csv", 3),
    Probe("built/huge-quoted-field.csv", 3),
    Probe("built/deep.jsonl", 3),
    Probe("built/many-cr-only.csv", 3000),
    Probe("built/many-mixed-endings.csv", 3000),
    Probe("built/odd-types.parquet", 6),
    Probe("built/duplicate-columns.parquet", 0, refused="the column 'usage_m3' is given twice"),
]

#: Ledgers of bills and payments: accounts out (one statement or error per account).
LEDGERS = [
    Probe("ledgers/edges.csv", 14),
    Probe("ledgers/edges.jsonl", 8),
    Probe("ledgers/duplicate-columns.csv", 0, refused="the column 'amount' is given twice"),
]

#: Histories of issued bills (rebill): rows in.
HISTORIES = [Probe("histories/edges.csv", 8)]

#: Rule files of every hostile kind: each is a problem at path:line:col, in these words.
RULESETS = {
    "alias-bomb.yaml": "more than 100,000 values",
    "recursive-alias.yaml": "an alias inside the value it names",
    "deep-nesting.yaml": "nests deeper than 32 levels",
    "deeper-than-libyaml.yaml": "nests deeper than 32 levels",
    "python-tag.yaml": "the tag '!!python/object/apply:os.system' is not part of the format",
    "custom-tag.yaml": "the tag '!town' is not part of the format",
    "impossible-date.yaml": "'2025-02-30' is not a valid date",
    "huge-number.yaml": "is too large to bill",
    "tiny-number.yaml": "is too small or too fine to bill",
    "long-integer.yaml": "is too large to bill",
    "zero-rounding.yaml": "greater than or equal to 0.000001",
    "absurd-rounding.yaml": "less than or equal to 1000000",
    "merge-key.yaml": "merge keys ('<<') are not supported",
    "two-documents.yaml": "YAML syntax",
    "a-list.yaml": "a ruleset file must be a mapping of fields",
    "not-utf8.yaml": "cannot be read as UTF-8 text",
    "binary.yaml": "cannot be read as UTF-8 text",
    "empty.yaml": "a ruleset file must be a mapping of fields",
    "only-a-comment.yaml": "a ruleset file must be a mapping of fields",
}

#: OWRS rate files of every hostile kind (below owrs/, one utility folder each).
OWRS = {
    "Hostile Town - 1/01-01-2020.owrs": "",  # 500 parentheses: a formula nested too deep
    "Hostile Town - 2/01-01-2020.owrs": "exponent notation (1e…) is not supported",
    "Hostile Town - 3/01-01-2020.owrs": "cannot be read as UTF-8 text",
    "Hostile Town - 4/01-01-2020.owrs": "an alias inside the value it names",
    "Hostile Town - 5/02-30-2020.owrs": "",  # a date no calendar has, in the file name
}


def build_probes(folder: Path) -> Path:
    """Build the probes too large or too binary to keep into ``folder``/built; return ``folder``
    holding every probe (the kept ones are linked in)."""
    for kept in HOSTILE.iterdir():
        (folder / kept.name).symlink_to(kept, target_is_directory=True)
    built = folder / "built"
    built.mkdir()
    huge = "x" * 200_000
    (built / "huge-field.csv").write_text(
        f"{HEADER}\nF-1,{GOOD}\nF-2,household,13,1,{huge},2025-03,,\nF-3,{GOOD}\n", encoding="utf-8"
    )
    (built / "huge-quoted-field.csv").write_text(
        f'{HEADER}\nG-1,{GOOD}\nG-2,"house\n{huge}hold",13,1,20,2025-03,,\nG-3,{GOOD}\n', encoding="utf-8"
    )
    base = {
        "use_class": "household",
        "meter_mm": 13,
        "household_units": 1,
        "usage_m3": "20",
        "billing_month": "2025-03",
    }
    deep = '{"account": "K-2", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    (built / "deep.jsonl").write_text(
        json.dumps({"account": "K-1", **base})
        + "\n"
        + deep
        + "\n"
        + json.dumps({"account": "K-3", **base})
        + "\n",
        encoding="utf-8",
    )
    rows = [f"C-{i},{GOOD}" if i % 97 else f"C-{i},household,13,1,twelve,2025-03,," for i in range(3000)]
    (built / "many-cr-only.csv").write_bytes(("\r".join([HEADER, *rows]) + "\r").encode())
    endings = ["\n", "\r\n", "\r"]
    (built / "many-mixed-endings.csv").write_bytes(
        (HEADER + "\n" + "".join(row + endings[i % 3] for i, row in enumerate(rows))).encode()
    )
    _parquet(built)
    return folder


def _parquet(built: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - the test extras install pyarrow
        return
    from datetime import datetime
    from decimal import Decimal

    table = pa.table(
        {
            "account": ["P-1", "P-2", None, "P-4", "P-5", "P-6"],
            "use_class": ["household"] * 6,
            "meter_mm": pa.array([13, 13, 13, 2**62, 13, 13], pa.int64()),
            "household_units": [1.0, 1.5, None, 1.0, float("nan"), 1.0],
            "usage_m3": pa.array(
                [Decimal("20"), Decimal("20.5"), Decimal("20"), Decimal("20"), None, Decimal("20")],
                pa.decimal128(20, 6),
            ),
            "billing_month": [
                datetime(2025, 3, 1),
                datetime(2025, 3, 15, 12),
                None,
                datetime(2025, 3, 1),
                datetime(2025, 3, 1),
                datetime(1, 1, 1),
            ],
            "blob": pa.array([b"\x00\xff", b"", None, b"x", b"y", b"z"], pa.binary()),
            "nested": pa.array([{"a": 1}, None, {"a": 2}, {"a": 3}, {"a": 4}, {"a": 5}]),
            "listed": pa.array([[1, 2], [], None, [3], [4], [5]]),
        }
    )
    pq.write_table(table, built / "odd-types.parquet")
    doubled = pa.Table.from_arrays(
        [
            pa.array(["D-1"]),
            pa.array(["household"]),
            pa.array(["20"]),
            pa.array(["30"]),
            pa.array(["2025-03"]),
        ],
        names=["account", "use_class", "usage_m3", "usage_m3", "billing_month"],
    )
    pq.write_table(doubled, built / "duplicate-columns.parquet")
