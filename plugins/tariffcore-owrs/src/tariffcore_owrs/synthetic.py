"""A synthetic Californian town: deterministic accounts for trying OWRS rate files.

Mostly single-family homes on 5/8", 3/4" or 1" meters with one to six residents and a garden,
some apartment buildings, irrigation meters and shops, one month of usage in whole ccf, and the
data values a budget-based rate file asks for: ``hhsize`` (residents), ``irr_area`` (irrigated
square feet), ``et_amount`` (the month's evapotranspiration, inches, one value for the town),
``rolling_average`` (a shop's usual ccf) and the billing period (``days_in_period`` follows from
it). No real customer is in it. Only integer arithmetic is used.

Run ``python -m tariffcore_owrs.synthetic COUNT [--seed N]`` to print it as CSV.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator, Sequence
from typing import IO

__all__ = ["COLUMNS", "synthetic_town", "write_town"]

COLUMNS = (
    "account",
    "use_class",
    "usage_ccf",
    "meter_size",
    "hhsize",
    "irr_area",
    "et_amount",
    "rolling_average",
    "period_start",
    "period_end",
)

# Per 1,000 accounts.
_CLASSES = ((850, "RESIDENTIAL_SINGLE"), (80, "RESIDENTIAL_MULTI"), (40, "IRRIGATION"), (30, "COMMERCIAL"))
_METERS = {
    "RESIDENTIAL_SINGLE": ((40, '5/8"'), (45, '3/4"'), (15, '1"')),
    "RESIDENTIAL_MULTI": ((30, '1"'), (40, '1|1/2"'), (30, '2"')),
    "IRRIGATION": ((40, '1"'), (40, '1|1/2"'), (20, '2"')),
    "COMMERCIAL": ((30, '3/4"'), (40, '1"'), (30, '2"')),
}
_RESIDENTS = ((14, 1), (33, 2), (18, 3), (20, 4), (10, 5), (5, 6))


def _pick(rng: random.Random, pairs: Sequence[tuple[int, str | int]]) -> str | int:
    return rng.choices([value for _, value in pairs], weights=[weight for weight, _ in pairs])[0]


def synthetic_town(
    count: int,
    *,
    seed: int = 2018,
    month: tuple[int, int] = (2018, 6),
    et_amount: str = "5.8",
    prefix: str = "T",
) -> Iterator[dict[str, str]]:
    """``count`` rows of :data:`COLUMNS`, the same for the same arguments."""
    rng = random.Random(seed)
    year, number = month
    days = 30 if number in (4, 6, 9, 11) else 28 if number == 2 else 31
    for index in range(1, count + 1):
        cls = str(_pick(rng, _CLASSES))
        residents = area = average = ""
        if cls == "RESIDENTIAL_SINGLE":
            people = int(_pick(rng, _RESIDENTS))
            garden = rng.randint(3, 30) * 100
            residents, area = str(people), str(garden)
            usage = rng.randint(2 + 2 * people, 6 + 3 * people) + garden // rng.randint(120, 400)
        elif cls == "RESIDENTIAL_MULTI":
            people = rng.randint(8, 60)
            garden = rng.randint(10, 80) * 100
            residents, area = str(people), str(garden)
            usage = people * rng.randint(2, 4) + garden // 300
        elif cls == "IRRIGATION":
            garden = rng.randint(20, 200) * 100
            residents, area = "0", str(garden)
            usage = garden // rng.randint(80, 250)
        else:
            usual = rng.randint(10, 200)
            residents, area, average = "0", "0", str(usual)
            usage = usual * rng.randint(70, 140) // 100
        yield {
            "account": f"{prefix}{index:05d}",
            "use_class": cls,
            "usage_ccf": str(usage),
            "meter_size": str(_pick(rng, _METERS[cls])),
            "hhsize": residents,
            "irr_area": area,
            "et_amount": et_amount,
            "rolling_average": average,
            "period_start": f"{year:04d}-{number:02d}-01",
            "period_end": f"{year:04d}-{number:02d}-{days:02d}",
        }


def write_town(stream: IO[str], count: int, *, seed: int = 2018) -> None:
    """Write :func:`synthetic_town` as CSV with a header to ``stream``."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in synthetic_town(count, seed=seed):
        writer.writerow(row[name] for name in COLUMNS)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tariffcore_owrs.synthetic", description="Print a synthetic Californian town as CSV."
    )
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=2018)
    args = parser.parse_args(argv)
    write_town(sys.stdout, args.count, seed=args.seed)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
