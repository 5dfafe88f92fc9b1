"""Ruleset files are untrusted input: every hostile file is a ``path:line:col`` problem from
``validate`` and from every command that loads its directory, in bounded time and memory, and
the other rulesets of the directory bill as usual."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tariffcore
from tariffcore.format import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
from tests.helpers import BASE, FIXTURES, dump, version
from tests.helpers import run_cli as run

HEAD = "ruleset: x/hostile\nversion: '1'\n"

#: name → (file text or bytes, the line:col of the problem, words of its message)
HOSTILE: dict[str, tuple[str | bytes, str, str]] = {
    # 9 levels of 9 aliases each: 9⁹ values once expanded, 10 nodes as written
    "alias-bomb": (
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        + "".join(f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi")),
        "",
        f"more than {MAX_NODES:,} values",
    ),
    "recursive-alias": (HEAD + "a: &a\n  b: *a\n", "4:3", "an alias inside the value it names"),
    "recursive-alias-in-a-list": (HEAD + "a: &a [1, *a]\n", "3:4", "an alias inside the value it names"),
    "deep-nesting": (
        HEAD + "a: " + "[" * 40 + "]" * 40 + "\n",
        "3:",
        f"nests deeper than {MAX_DEPTH} levels",
    ),
    "deeper-than-libyaml": (HEAD + "a: " + "[" * 5000 + "]" * 5000 + "\n", "3:", "nests deeper than"),
    "python-tag": (
        HEAD + "a: !!python/object/apply:os.system ['echo hi']\n",
        "3:4",
        "the tag '!!python/object",
    ),
    "custom-tag": (HEAD + "a: !town {b: 1}\n", "3:4", "the tag '!town' is not part of the format"),
    "binary-tag": (HEAD + "a: !!binary aGVsbG8=\n", "3:4", "the tag '!!binary'"),
    "set-tag": (HEAD + "a: !!set {b, c}\n", "3:4", "the tag '!!set'"),
    "impossible-date": (
        HEAD + "effective: {from: 2025-02-30, basis: billing_month}\n",
        "3:19",
        "is not a valid date",
    ),
    "not-utf8": (
        HEAD.encode() + b"title: \xb0\xed\xc1\xa6\n",
        "3:8",
        "cannot be read as UTF-8 text: byte 0xb0",
    ),
    "too-large": (
        HEAD + "a: 1\n" + "#" * MAX_FILE_BYTES + "\n",
        "1:1",
        f"larger than {MAX_FILE_BYTES:,} bytes",
    ),
}


def hostile_dir(tmp_path: Path, name: str) -> Path:
    """A rules directory with a good ruleset (the Ulsan fixture) and one hostile file."""
    folder = tmp_path / "rules"
    shutil.copytree(FIXTURES / "ulsan", folder / "ulsan")
    body = HOSTILE[name][0]
    target = folder / "hostile" / f"{name}.yaml"
    target.parent.mkdir()
    if isinstance(body, bytes):
        target.write_bytes(body)
    else:
        target.write_text(body, encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_a_problem_at_its_place(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = hostile_dir(tmp_path, name)
    _, where, words = HOSTILE[name]
    path = folder / "hostile" / f"{name}.yaml"
    status, out, err = run(capsys, "validate", str(path))
    assert status == 1 and "Traceback" not in out + err
    assert any(line.startswith(f"{path}:{where}") and words in line for line in out.splitlines()), out


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_does_not_stop_the_other_rulesets_from_billing(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = hostile_dir(tmp_path, name)
    _, where, words = HOSTILE[name]
    readings = tmp_path / "in.csv"
    readings.write_text(
        "account,use_class,meter_mm,household_units,usage_m3,billing_month\nU-1,household,15,1,20,2024-03\n",
        encoding="utf-8",
    )
    status, out, err = run(
        capsys, "bill", str(readings), "--ruleset", "test/ulsan", "--rulesets-dir", str(folder)
    )
    assert status == 0, err  # with --ruleset alone, only that ruleset's files are read
    assert "total" in json.loads(out)
    named = tmp_path / "named.csv"  # rows naming their ruleset load the whole directory
    named.write_text(
        "account,ruleset,use_class,meter_mm,household_units,usage_m3,billing_month\n"
        "U-1,test/ulsan,household,15,1,20,2024-03\n",
        encoding="utf-8",
    )
    status, out, err = run(capsys, "bill", str(named), "--rulesets-dir", str(folder))
    assert status == 0, err
    assert "total" in json.loads(out)
    path = folder / "hostile" / f"{name}.yaml"
    # the command names the file's problem, at its place, on standard error
    assert any(
        line.startswith(f"tariffcore: warning: {path}:{where}") and words in line for line in err.splitlines()
    ), err
    for argv in (
        [
            "explain",
            "--ruleset",
            "test/ulsan",
            "--use-class",
            "household",
            "--meter-mm",
            "15",
            "--usage",
            "20",
        ],
        ["rulesets"],
    ):
        status, out, err = (
            run(capsys, *argv, "--billing-month", "2024-03", "--rulesets-dir", str(folder))
            if (argv[0] == "explain")
            else run(capsys, *argv, "--rulesets-dir", str(folder))
        )
        assert "Traceback" not in out + err
        assert f"{path}:{where}" in err, (argv, err)


def test_billing_a_ruleset_whose_file_is_hostile_names_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = hostile_dir(tmp_path, "recursive-alias")
    readings = tmp_path / "in.csv"
    readings.write_text("account,use_class,usage_m3,ruleset\nA,household,20,x/hostile\n", encoding="utf-8")
    status, out, _ = run(capsys, "bill", str(readings), "--rulesets-dir", str(folder))
    assert status == 1
    error = json.loads(out)["error"]
    assert error["code"] == "broken_ruleset" and "an alias inside the value it names" in error["message"]


def test_a_ruleset_whose_id_cannot_be_read_is_named_when_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = hostile_dir(tmp_path, "alias-bomb")  # no 'ruleset:' line to claim an id from
    readings = tmp_path / "in.csv"
    readings.write_text("account,use_class,usage_m3,ruleset\nA,household,20,x/hostile\n", encoding="utf-8")
    status, out, _ = run(capsys, "bill", str(readings), "--rulesets-dir", str(folder))
    assert status == 1
    error = json.loads(out)["error"]
    assert error["code"] == "unknown_ruleset"
    assert "problem(s) in files whose ruleset id cannot be read, the first:" in error["message"]
    assert "alias-bomb.yaml:1:" in error["message"]


def test_a_rulesets_dir_that_does_not_exist_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    for argv in (
        ["bill", "-", "--ruleset", "kr/gimhae"],
        ["explain", "--ruleset", "kr/gimhae", "--use-class", "household", "--usage", "1"],
        ["rulesets"],
    ):
        status, _, err = run(capsys, *argv, "--rulesets-dir", str(missing))
        assert status == 2, argv
        assert f"no such rulesets directory or file: {missing}" in err
    with pytest.raises(tariffcore.TariffcoreError, match="no such rulesets directory"):
        tariffcore.load_catalog([missing])


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1e999999", "'1E+999999' is too large to bill: a number must be below 10^15"),
        ("1.0e+999999", "is too large to bill"),
        ("1e-999999", "is too small or too fine to bill"),
        ("0.0000000000001", "at most 12 digits after the decimal point"),
        ("1" * 5000, "is too large to bill"),
        ("'1" + "0" * 15 + "'", "is too large to bill"),
    ],
)
def test_a_number_that_cannot_be_billed_is_refused(value: str, words: str) -> None:
    text = dump({**BASE, "charges": {}}).replace(
        "charges: {}\n", f"charges:\n  levy: {{type: per_unit, label: l, source: s, rate: {value}}}\n"
    )
    with pytest.raises(tariffcore.RulesetError) as caught:
        tariffcore.load_version_file(text, "town.yaml")
    (problem,) = [p for p in caught.value.problems if "bill" in p.message]
    assert (problem.line, problem.column) == (20, 47) and words in problem.message
    assert len(problem.message) < 300  # a long number is quoted by its start and end


def test_numbers_within_the_budget_bill_exactly() -> None:
    compiled = version(
        {"levy": {"type": "per_unit", "label": "l", "source": "s", "rate": "999999999999999.123456789012"}}
    )
    assert compiled is not None


@pytest.mark.parametrize(
    ("unit", "words"),
    [
        ("0", "greater than or equal to 0.000001"),
        ("0.0000001", "greater than or equal to 0.000001"),
        ("10000000", "less than or equal to 1000000"),
        ("-10", "greater than or equal to 0.000001"),
    ],
)
def test_a_rounding_unit_that_would_break_billing_is_refused(unit: str, words: str) -> None:
    with pytest.raises(tariffcore.RulesetError, match=words):
        version(
            {"levy": {"type": "per_unit", "label": "l", "source": "s", "rate": 5}},
            rounding={"unit": unit, "method": "truncate"},
        )


BOUNDED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))   # 1 GiB of memory at most
resource.setrlimit(resource.RLIMIT_CPU, (120, 120))         # and two minutes of processor
from tariffcore.commands import main
sys.exit(main(["validate", sys.argv[1]]))
"""


@pytest.mark.parametrize("name", ["alias-bomb", "deeper-than-libyaml", "too-large"])
def test_a_hostile_file_is_read_in_bounded_memory_and_time(tmp_path: Path, name: str) -> None:
    folder = hostile_dir(tmp_path, name)
    done = subprocess.run(
        [sys.executable, "-c", BOUNDED, str(folder)], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 1, done.stderr  # problems found: not killed for memory or time
    assert HOSTILE[name][2] in done.stdout
