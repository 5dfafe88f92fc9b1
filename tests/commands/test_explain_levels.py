"""`bill --explain`: lean lines by default, the full explanation on request; a notice needs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tariffcore.commands import main

READINGS = Path(__file__).resolve().parents[2] / "examples" / "readings.csv"
LEAN_KEYS = ["charge", "label", "amount", "quantity", "unit", "unit_price", "rule", "version"]


def _bills(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_lean_by_default_and_full_on_request(tmp_path: Path) -> None:
    lean, full = tmp_path / "lean.jsonl", tmp_path / "full.jsonl"
    assert main(["bill", str(READINGS), "--ruleset", "kr/gimhae", "-o", str(lean), "-q"]) == 1
    options = ["--ruleset", "kr/gimhae", "-o", str(full), "-q", "--explain", "full"]
    assert main(["bill", str(READINGS), *options]) == 1
    lean_bills, full_bills = _bills(lean), _bills(full)
    assert len(lean_bills) == len(full_bills) == 9
    for short, whole in zip(lean_bills, full_bills, strict=True):
        if "error" in whole:
            assert short == whole
            continue
        # the same bill: every field but the lines' explanation
        assert {k: v for k, v in short.items() if k != "lines"} == {
            k: v for k, v in whole.items() if k != "lines"
        }
        for line, explained in zip(short["lines"], whole["lines"], strict=True):  # type: ignore[call-overload]
            assert list(line) == LEAN_KEYS
            assert line == {k: explained[k] for k in LEAN_KEYS}
            assert "source" in explained and "unrounded" in explained


def test_a_notice_of_a_lean_run_asks_for_the_full_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lean = tmp_path / "lean.jsonl"
    main(["bill", str(READINGS), "--ruleset", "kr/gimhae", "-o", str(lean), "-q"])
    capsys.readouterr()
    assert main(["notice", str(lean), "--account", "GH-0001", "-o", str(tmp_path / "n.html")]) == 2
    err = capsys.readouterr().err
    assert "lean run" in err and "--explain full" in err
    assert not (tmp_path / "n.html").exists()
