"""The benchmark job through OpenFisca: CSV in, JSON lines out, whole process.

    python benchmarks/peer_openfisca.py CITY.csv OUT.jsonl

Reads the city into numpy arrays (the usage from ``usage_m3``, or ``current_read`` minus
``previous_read`` in a city of meter reads), builds one simulation of every account, computes every
charge vectorised (float32, as OpenFisca stores float variables) and writes one JSON line per
account: ``{"account", "ruleset", "lines": [{"charge", "amount"}], "total"}``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from openfisca_core.simulations import SimulationBuilder  # noqa: E402

from benchmarks.daejeon_by_hand import BILLING_MONTH  # noqa: E402
from benchmarks.openfisca_daejeon import DaejeonTariff  # noqa: E402

CHARGES = ("base", "water", "sewer", "levy")
PERIOD = BILLING_MONTH


def main(source: str, target: str) -> int:
    with open(source, encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        header = next(reader)
        columns = list(zip(*reader))
    data = dict(zip(header, columns))
    accounts = data["account"]
    system = DaejeonTariff()
    simulation = SimulationBuilder().build_default_simulation(system, len(accounts))
    simulation.set_input("use_class", PERIOD, np.array(data["use_class"]))
    simulation.set_input("meter_mm", PERIOD, np.array(data["meter_mm"], dtype=np.int32))
    if "usage_m3" in data:
        usage = np.array(data["usage_m3"], dtype=np.float32)
    else:
        usage = np.array(data["current_read"], dtype=np.float32) - np.array(
            data["previous_read"], dtype=np.float32
        )
    simulation.set_input("usage_m3", PERIOD, usage)
    amounts = [simulation.calculate(charge, PERIOD).tolist() for charge in CHARGES]
    totals = simulation.calculate("total", PERIOD).tolist()
    with open(target, "w", encoding="utf-8") as out:
        write = out.write
        for account, base, water, sewer, levy, total in zip(accounts, *amounts, totals):
            write(
                f'{{"account":"{account}","ruleset":"kr/daejeon@2023-07","lines":['
                f'{{"charge":"base","amount":"{base!r}"}},{{"charge":"water","amount":"{water!r}"}},'
                f'{{"charge":"sewer","amount":"{sewer!r}"}},{{"charge":"levy","amount":"{levy!r}"}}],'
                f'"total":"{total!r}"}}\n'
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
