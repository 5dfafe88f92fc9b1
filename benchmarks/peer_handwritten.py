"""The benchmark job as a minimal hand-written Decimal function: CSV in, JSON lines out.

    python benchmarks/peer_handwritten.py CITY.csv OUT.jsonl

Streams the city row by row through :func:`daejeon_by_hand.bill` (the usage from
``usage_m3``, or from ``previous_read`` and ``current_read`` in a city of meter reads) and
writes one JSON line per account: ``{"account", "ruleset", "lines": [{"charge", "amount"}], "total"}``, or an
error row for a class or meter the table does not have.
"""

from __future__ import annotations

import csv
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.daejeon_by_hand import bill  # noqa: E402


def main(source: str, target: str) -> int:
    with open(source, encoding="utf-8", newline="") as stream, open(target, "w", encoding="utf-8") as out:
        reader = csv.reader(stream)
        header = next(reader)
        at = {name: index for index, name in enumerate(header)}
        a, c, m = at["account"], at["use_class"], at["meter_mm"]
        u = at.get("usage_m3")
        p, q = at.get("previous_read"), at.get("current_read")
        write = out.write
        for row in reader:
            try:
                usage = Decimal(row[u]) if u is not None else Decimal(row[q]) - Decimal(row[p])
                lines = bill(row[c], int(row[m]), usage)
            except (KeyError, ValueError) as exc:
                write(f'{{"account":"{row[a]}","error":{{"code":"not_billed","message":"{exc}"}}}}\n')
                continue
            write(
                f'{{"account":"{row[a]}","ruleset":"kr/daejeon@2023-07","lines":['
                f'{{"charge":"base","amount":"{lines["base"]}"}},{{"charge":"water","amount":"{lines["water"]}"}},'
                f'{{"charge":"sewer","amount":"{lines["sewer"]}"}},{{"charge":"levy","amount":"{lines["levy"]}"}}],'
                f'"total":"{lines["total"]}"}}\n'
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
