"""Hypothesis strategies for hostile input: CSV and JSON-lines files of bill rows, and YAML
rule files, each drawn with how many rows it holds (counted the way the contract counts them,
independently of the reader under test).

A row is a record of the file: for CSV, what the ``csv`` module reads (a quoted field may span
lines), except an empty line or a line of blanks; for JSON lines, a line that is not blank. A
CSV header that names a column twice makes the whole file refused.
"""

from __future__ import annotations

import csv
import io
import json
import string
from dataclasses import dataclass

from hypothesis import strategies as st

#: The columns of a bill input, and some that mean nothing.
COLUMNS = (
    "account",
    "use_class",
    "meter_mm",
    "household_units",
    "usage_m3",
    "billing_month",
    "period_start",
    "period_end",
    "due_date",
    "months",
    "reductions",
    "estimated",
    "usage_ccf",
    "previous_read",
    "current_read",
    "meter_digits",
)
OTHER_COLUMNS = ("note", "levy_application_rate", "", " ", "Account", "usage m3", "ëxtra", "\ufeffaccount")

#: A field over the CSV module's own limit (128 KiB), drawn by name: Hypothesis draws it cheap.
HUGE = "x" * 140_000

#: Values a careless or hostile file puts in a field.
HOSTILE_VALUES = (
    "",
    " ",
    "20",
    "0",
    "-0",
    "-5",
    "1e999999",
    "1e-999999",
    "NaN",
    "sNaN",
    "Infinity",
    "9" * 5000,
    "1" * 4301,
    "1_000",
    "０１２",
    "٢٠",
    "0x14",
    "twelve",
    "2025-03",
    "0000-03",
    "9999-12",
    "10000-01",
    "2025-13",
    "2025-02-30",
    "9999-12-31",
    "0001-01-01",
    "household",
    "general",
    "13",
    "15",
    "true",
    "yes",
    "multi_child;;",
    "kr/gimhae",
    "kr/gimhae@2025",
    "kr/nowhere",
    '"',
    '""',
    "\x00",
    "\u202e",
    "😀",
    "=1+2",
    HUGE,
)

field_text = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.text(alphabet=string.digits + ".-e+", max_size=25),
)

line_ending = st.sampled_from(["\n", "\r\n", "\r"])


@dataclass(frozen=True)
class HostileFile:
    """A drawn input file: its bytes, the rows it holds and the column it names twice."""

    data: bytes
    rows: int
    twice: str | None = None

    def __repr__(self) -> str:  # the huge field would flood a failure's report
        text = self.data.decode("utf-8", errors="replace").replace(HUGE, "<HUGE>")
        return f"HostileFile(rows={self.rows}, twice={self.twice!r}, data={text[:2000]!r})"


def _quoted(value: str, always: bool) -> str:
    if always or any(ch in value for ch in ',"\r\n') or value != value.strip():
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_rows(text: str) -> int:
    """Records of CSV ``text`` as the contract counts them (an empty line or a line of blanks is
    no record)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(1 << 30)
    try:
        return sum(
            1
            for record in csv.reader(io.StringIO(text, newline=""))
            if record and not (len(record) == 1 and not record[0].strip())
        )
    finally:
        csv.field_size_limit(limit)


@st.composite
def csv_files(draw: st.DrawFn) -> HostileFile:
    """A CSV file of bill rows: odd headers, fields, quoting, ragged rows and line endings."""
    header = draw(st.lists(st.sampled_from(COLUMNS + OTHER_COLUMNS), max_size=8))
    if "account" not in header:  # drawn in, not filtered for: no example is thrown away
        header.insert(draw(st.integers(min_value=0, max_value=len(header))), "account")
    if draw(st.booleans()):  # the columns every row needs to bill
        header = [*dict.fromkeys(["account", "use_class", "usage_m3", *header])]
    width = len(header)
    rows = draw(
        st.lists(
            st.lists(field_text, min_size=max(0, width - 2), max_size=width + 2),
            max_size=12,
        )
    )
    always = draw(st.booleans())
    lines = [",".join(_quoted(name, always) for name in header)]
    for values in rows:
        kind = draw(st.sampled_from(["row", "row", "row", "blank", "spaces"]))
        if kind == "blank":
            lines.append("")
        elif kind == "spaces":
            lines.append("   ")
        lines.append(",".join(_quoted(value, always or draw(st.booleans())) for value in values))
    ending = draw(line_ending)
    mixed = draw(st.booleans())
    text = ""
    for line in lines:
        text += line + (draw(line_ending) if mixed else ending)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    text = draw(st.sampled_from(["", "", "\n", " \r\n", "\r"])) + text  # blank lines first
    if draw(st.booleans()):
        text = "\ufeff" + text
    names = next(
        record
        for record in csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
        if record and not (len(record) == 1 and not record[0].strip())
    )
    # the first column, left to right, whose name was given before it
    twice = next((name for i, name in enumerate(names) if name.strip() and name in names[:i]), None)
    return HostileFile(text.encode("utf-8"), csv_rows(text.removeprefix("\ufeff")) - 1, twice)


# --------------------------------------------------------------------------- JSON lines

json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from(HOSTILE_VALUES),
    st.text(max_size=10),
)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@st.composite
def json_lines(draw: st.DrawFn) -> str:
    """One line of a JSON-lines file: an object of bill fields (some hostile), or not JSON."""
    kind = draw(st.sampled_from(["object", "object", "object", "object", "raw", "blank"]))
    if kind == "blank":
        return draw(st.sampled_from(["", "  ", "\t"]))
    if kind == "raw":
        return draw(
            st.one_of(
                st.sampled_from(
                    [
                        "not json",
                        "[1, 2]",
                        '"text"',
                        "null",
                        "42",
                        "{",
                        '{"account": "A"',
                        "NaN",
                        _nested(50_000),
                        '{"account": "A", "x": ' + _nested(50_000) + "}",
                    ]
                ),
                st.text(
                    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
                    max_size=30,
                ),
            )
        )
    fields = draw(st.dictionaries(st.sampled_from(COLUMNS + ("note", "ruleset")), json_scalar, max_size=8))
    fields.setdefault("account", draw(st.one_of(st.text(max_size=6), json_scalar)))
    text = json.dumps(fields, ensure_ascii=draw(st.booleans()))
    tweak = draw(
        st.sampled_from(
            ["none", "none", "float", "nan", "huge-int", "surrogate", "twice", "deep", "exponent", "trailing"]
        )
    )
    extra = {
        "float": '"usage_m3": 20.5',
        "nan": '"usage_m3": NaN',
        "huge-int": '"meter_mm": ' + "9" * 5000,
        "surrogate": '"account": "\\ud800"',
        "twice": '"usage_m3": "1", "usage_m3": "2"',
        "deep": '"x": ' + _nested(5000),
        "exponent": '"usage_m3": 1e999999',
    }.get(tweak)
    if extra is not None:  # a field JSON does not allow or Python cannot hold, written in first
        text = "{" + extra + ", " + text[1:]
    elif tweak == "trailing":
        text += " garbage"
    return text.replace("\r", "\\r").replace("\n", "\\n")


@st.composite
def jsonl_files(draw: st.DrawFn) -> HostileFile:
    """A JSON-lines file of bill rows, with odd lines and line endings."""
    lines = draw(st.lists(json_lines(), max_size=12))
    endings = [draw(line_ending) for _ in lines]
    text = "".join(line + ending for line, ending in zip(lines, endings))
    if lines and draw(st.booleans()):
        text = text[: -len(endings[-1])]
    if draw(st.booleans()):
        text = "\ufeff" + text
    rows = sum(1 for line in io.StringIO(text.removeprefix("\ufeff"), newline="") if line.strip())
    return HostileFile(text.encode("utf-8"), rows)


# --------------------------------------------------------------------------- YAML

#: A version file that loads: the header every version has and one charge.
VALID_VERSION = """\
ruleset: fuzz/town
version: '1'
title: a fuzzed town
jurisdiction: nowhere
currency: KRW
effective: {from: 2025-01, basis: billing_month}
confidence: drawn by a fuzzer
sources: [{id: s, title: a source, tag: INF}]
use_classes: {household: {label: household}}
charges:
  water: {type: volume, label: water, source: s, rate: 500}
"""

yaml_scalar = st.one_of(
    st.sampled_from(
        [
            "1e999999",
            "1.0e+999999",
            "1.0e-999999",
            "9" * 5000,
            "0",
            "-1",
            "2025-02-30",
            "2025-13-01",
            "0000-01-01",
            "!!python/object/apply:os.system ['true']",
            "!custom {a: 1}",
            "!!binary aGk=",
            "!!set {a, b}",
            "*undefined",
            ".nan",
            ".inf",
            "~",
            "'text'",
            "unknown",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=12),
)

ALIAS_BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi")
)


@st.composite
def yaml_files(draw: st.DrawFn) -> bytes:
    """A rule file: the valid version with a line changed, added or broken, or hostile text."""
    kind = draw(
        st.sampled_from(["mutated", "mutated", "mutated", "appended", "bomb", "recursive", "deep", "bytes"])
    )
    lines = VALID_VERSION.splitlines()
    if kind == "mutated":
        at = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        key = lines[at].split(":", 1)[0]
        lines[at] = f"{key}: {draw(yaml_scalar)}"
        text = "\n".join(lines) + "\n"
    elif kind == "appended":
        key = draw(st.sampled_from(["rounding", "charges", "notes", "x", "<<", "ruleset"]))
        text = VALID_VERSION + f"{key}: {draw(yaml_scalar)}\n"
    elif kind == "bomb":
        text = VALID_VERSION + ALIAS_BOMB
    elif kind == "recursive":
        text = VALID_VERSION + draw(
            st.sampled_from(["a: &a [*a]\n", "a: &a\n  b: *a\n", "a: &a {b: [1, *a]}\n"])
        )
    elif kind == "deep":
        depth = draw(st.integers(min_value=20, max_value=3000))
        text = VALID_VERSION + "a: " + "[" * depth + "]" * depth + "\n"
    else:
        return draw(st.binary(max_size=200))
    data = text.encode("utf-8")
    if draw(st.integers(min_value=0, max_value=9)) == 0:  # a byte that is not UTF-8
        at = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:at] + b"\xff" + data[at:]
    return data
