"""What ``tariffcore bill`` reads at start-up: a run with one ruleset and one process imports
no module it does not use (the models of late-payment rules, the worker pool and
multiprocessing, the billing code of a plug-in type its ruleset does not use), and builds the
validators of the ruleset models it uses only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

READINGS = ROOT / "examples" / "readings.csv"

#: Modules a bill of a Korean ruleset in one process has no use for.
UNUSED = (
    "multiprocessing",
    "tariffcore.batch.pool",
    "tariffcore.arrears.rules",
    "tariffcore.arrears.version",
    "tariffcore_owrs.billing",
    "tariffcore_owrs.block",
)

_PROBE = """
import json, sys
from tariffcore.commands import main
status = main(sys.argv[1:])
modules = sorted(sys.modules)
from tariffcore.arrears import ArrearsVersionSpec
from tariffcore.format import RulesetVersion
print(json.dumps({
    "status": status,
    "modules": modules,
    "built": {
        "RulesetVersion": RulesetVersion.__pydantic_complete__,
        "ArrearsVersionSpec": ArrearsVersionSpec.__pydantic_complete__,
    },
}))
"""


def _probe(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert done.stdout, done.stderr
    found: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_bill_with_one_ruleset_reads_only_what_it_uses(tmp_path: Path) -> None:
    out = tmp_path / "bills.jsonl"
    found = _probe("bill", str(READINGS), "--ruleset", "kr/gimhae", "-o", str(out), "--quiet")
    assert found["status"] == 1  # the example has error rows on purpose
    modules = set(found["modules"])  # type: ignore[call-overload]
    assert not [name for name in UNUSED if name in modules]
    assert found["built"] == {"RulesetVersion": True, "ArrearsVersionSpec": False}
    assert out.read_text().count("\n") == len(READINGS.read_text().splitlines()) - 1


def test_the_names_read_later_are_still_offered() -> None:
    from tariffcore_owrs.charge import OwrsCharge, exact_values

    from tariffcore.arrears import ArrearsVersion, compile_arrears
    from tariffcore.batch import WorkerError, WorkerPool

    assert ArrearsVersion.__name__ == "ArrearsVersion" and callable(compile_arrears)
    assert issubclass(WorkerError, Exception) and WorkerPool.__name__ == "WorkerPool"
    assert OwrsCharge.name == "owrs" and callable(exact_values)
