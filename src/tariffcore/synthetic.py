"""A synthetic city: deterministic accounts and readings with a realistic mix, for trials.

Korean cities have mostly household meters of the smallest size with 0–30 m³ a month, a tenth
or so general (commercial) meters of many sizes, some of them also serving households (겸업),
and a few bath-houses and industrial meters with large usage. :func:`synthetic_city` draws such
a city from a seed, so the same call always gives the same rows (benchmarks, ``compare``
trials, tests). Usage is in whole m³, as meters are read. Only integer arithmetic is used.

With ``reads=True`` each row gives its meter's previous and current reads instead of the
usage (:data:`READ_COLUMNS`): the previous read is drawn from 0 to 999,999 m³ and the current
one is the previous plus the usage, so every row of such a city is distinct, as real readings
are.

Run ``python -m tariffcore.synthetic COUNT [--seed N] [--small-meter 13] [--reads]`` to print
a CSV.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["COLUMNS", "READ_COLUMNS", "synthetic_city", "write_city"]

COLUMNS = ("account", "use_class", "meter_mm", "household_units", "usage_m3", "billing_month")
#: The columns of a city of meter reads (``reads=True``).
READ_COLUMNS = (
    "account",
    "use_class",
    "meter_mm",
    "household_units",
    "previous_read",
    "current_read",
    "billing_month",
)

# (weight, lowest, highest) buckets of monthly usage in m³, drawn uniformly inside a bucket.
_USAGE = {
    "household": (
        (8, 0, 5),
        (20, 6, 10),
        (25, 11, 15),
        (20, 16, 20),
        (17, 21, 30),
        (8, 31, 50),
        (2, 51, 100),
    ),
    "general": ((15, 0, 10), (30, 11, 30), (20, 31, 50), (20, 51, 100), (12, 101, 300), (3, 301, 1000)),
    "bathhouse": ((30, 100, 700), (40, 701, 1000), (30, 1001, 3000)),
    "industrial": ((40, 50, 1000), (40, 1001, 5000), (20, 5001, 20000)),
}
# (weight, meter mm); 0 stands for the city's smallest size (13 or 15 mm).
_METERS = {
    "household": ((90, 0), (8, 20), (2, 25)),
    "general": ((400, 0), (250, 20), (150, 25), (80, 32), (60, 40), (40, 50), (15, 80), (5, 100)),
    "bathhouse": ((40, 40), (40, 50), (20, 80)),
    "industrial": ((20, 50), (25, 80), (25, 100), (15, 150), (8, 200), (4, 250), (2, 300), (1, 400)),
}
# Share of accounts per class, per 1,000.
_CLASSES = ((862, "household"), (120, "general"), (3, "bathhouse"), (15, "industrial"))


def _table(pairs: Sequence[tuple[int, object]]) -> tuple[list[object], list[int]]:
    values = [value for _, value in pairs]
    cumulative = []
    total = 0
    for weight, _ in pairs:
        total += weight
        cumulative.append(total)
    return values, cumulative


def synthetic_city(
    count: int,
    *,
    seed: int = 2025,
    billing_month: str = "2025-03",
    small_meter: int = 15,
    prefix: str = "A",
    reads: bool = False,
) -> Iterator[dict[str, str]]:
    """``count`` rows of the columns :data:`COLUMNS` (:data:`READ_COLUMNS` with ``reads``),
    the same for the same arguments."""
    rng = random.Random(seed)
    classes = _table([(w, c) for w, c in _CLASSES])
    meters = {cls: _table(pairs) for cls, pairs in _METERS.items()}
    usages = {cls: _table([(w, (lo, hi)) for w, lo, hi in buckets]) for cls, buckets in _USAGE.items()}
    choices = rng.choices
    randint = rng.randint
    for number in range(1, count + 1):
        cls = str(choices(classes[0], cum_weights=classes[1])[0])
        mm = int(choices(meters[cls][0], cum_weights=meters[cls][1])[0])  # type: ignore[call-overload]
        bounds: Any = choices(usages[cls][0], cum_weights=usages[cls][1])[0]
        usage = randint(bounds[0], bounds[1])
        households = ""
        if cls == "household":
            draw = randint(1, 100)
            units = 1 if draw <= 92 else 2 if draw <= 97 else randint(3, 6)
            usage *= units
            households = str(units)
        elif cls == "general":
            households = "0" if randint(1, 100) <= 85 else str(randint(1, 3))
        row = {
            "account": f"{prefix}{number:08d}",
            "use_class": cls,
            "meter_mm": str(mm or small_meter),
            "household_units": households,
        }
        if reads:
            previous = randint(0, 999_999)
            row["previous_read"] = str(previous)
            row["current_read"] = str(previous + usage)
        else:
            row["usage_m3"] = str(usage)
        row["billing_month"] = billing_month
        yield row


def write_city(stream: object, count: int, **options: object) -> None:
    """Write :func:`synthetic_city` as CSV with a header to ``stream``."""
    writer = csv.writer(stream, lineterminator="\n")  # type: ignore[arg-type]
    writer.writerow(READ_COLUMNS if options.get("reads") else COLUMNS)
    for row in synthetic_city(count, **options):  # type: ignore[arg-type]
        writer.writerow(row.values())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tariffcore.synthetic", description="Print a synthetic city as CSV."
    )
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--billing-month", default="2025-03")
    parser.add_argument(
        "--small-meter", type=int, default=15, help="the smallest meter size in mm (13 or 15, by city)"
    )
    parser.add_argument(
        "--reads", action="store_true", help="meter reads instead of usage: every row distinct"
    )
    args = parser.parse_args(argv)
    write_city(
        sys.stdout,
        args.count,
        seed=args.seed,
        billing_month=args.billing_month,
        small_meter=args.small_meter,
        reads=args.reads,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
