"""The README's Python example runs, and its quick start names the real commands."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


@pytest.mark.parametrize("code", BLOCKS)
def test_readme_python_examples_run(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out  # the example prints its lines


def test_readme_python_examples_pass_mypy_strict(tmp_path: Path) -> None:
    # What a user's type checker says of the README's code: the types narrow as it reads them
    # (``outcome.failed`` makes ``outcome.result`` a BillingError or a Bill).
    files = []
    for number, code in enumerate(BLOCKS):
        files.append(tmp_path / f"readme_example_{number}.py")
        files[-1].write_text(code, encoding="utf-8")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_readme_quick_start_uses_make_run_and_make_test() -> None:
    assert "make run" in README and "make test" in README


def test_readme_sample_table_matches_make_run(capsys: pytest.CaptureFixture[str]) -> None:
    from tariffcore.commands import main

    sample = re.search(r"```text\n(.*?)```", README, flags=re.DOTALL)
    assert sample is not None
    main(["bill", str(ROOT / "examples" / "readings.csv"), "--ruleset", "kr/gimhae", "--format", "table"])
    table = capsys.readouterr().out.splitlines()
    for line in sample.group(1).splitlines():
        assert line in table


def test_readme_report_sample_matches_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tariffcore.commands import main

    samples = re.findall(r"```text\n(.*?)```", README, flags=re.DOTALL)
    report = next(sample for sample in samples if sample.startswith("Revenue by use class"))
    run = tmp_path / "bills.jsonl"
    main(["bill", str(ROOT / "examples" / "readings.csv"), "--ruleset", "kr/gimhae", "-o", str(run)])
    assert main(["report", str(run)]) == 0
    printed = capsys.readouterr().out.splitlines()
    for line in report.splitlines():
        assert line in printed
    assert "tariffcore notice bills.jsonl --account GH-0003" in README
