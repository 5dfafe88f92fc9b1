"""Ruleset files in other formats: the loader hook, its contract, and what validate and
rulesets show of such files."""

from __future__ import annotations

import json
import sys
import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import tariffcore
from tariffcore import Loaded, PluginError, Problem, RulesetLoader, VersionDocument, hookimpl
from tests.helpers import BASE, run_cli


def _document(town: str, day: str, price: str) -> dict[str, Any]:
    return {
        **BASE,
        "ruleset": f"xx/{town}",
        "version": day,
        "effective": {"from": day, "basis": "billing_month"},
        "charges": {"water": {"type": "per_unit", "label": "Water", "source": "s", "rate": price}},
    }


class Flat(RulesetLoader):
    """``<town> <date> <price> [note]``: one version per file."""

    name = "flat"
    suffixes = (".flat",)

    def load(self, text: str, path: str) -> Loaded:
        words = text.split()
        if len(words) < 3:
            return Loaded(problems=(Problem(path, 1, 1, "expected: town, date, price"),))
        town, day, price = words[:3]
        notes = (Problem(path, 1, 1, " ".join(words[3:]), severity="warning"),) if words[3:] else ()
        where = {(): (1, 1), ("charges", "water", "rate"): (1, text.index(price) + 1)}
        return Loaded(f"xx/{town}", (VersionDocument(_document(town, day, price), where),), notes=notes)


class FlatPlugin:
    @hookimpl
    def tariffcore_ruleset_loaders(self) -> list[RulesetLoader]:
        return [Flat()]


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_loader_file_is_billed_like_a_yaml_version(tmp_path: Path) -> None:
    _write(tmp_path, "a/flatville-1.FLAT", "flatville 2025-01-01 650\n")  # suffixes ignore case
    _write(tmp_path, "a/flatville-2.flat", "flatville 2025-07-01 700\n")
    catalog = tariffcore.load_catalog([tmp_path], entry_points=False, plugins=[FlatPlugin()])
    ruleset = catalog.ruleset("xx/flatville")
    assert [v.version for v in ruleset.versions] == ["2025-01-01", "2025-07-01"]
    bill = catalog.bill(
        "xx/flatville",
        tariffcore.Account("A", "household"),
        tariffcore.Reading(Decimal(10), billing_month=date(2025, 8, 1)),
    )
    assert bill.total == Decimal(7000)  # 10 m³ × 700, the version in force in August
    assert catalog.files[ruleset.versions[0].path] == "a/flatville-1.FLAT"


def test_a_broken_file_is_reported_at_its_place_and_the_others_load(tmp_path: Path) -> None:
    _write(tmp_path, "good.flat", "goodtown 2025-01-01 650\n")
    _write(tmp_path, "bad.flat", "badtown 2025-01-01 6x0\n")
    _write(tmp_path, "short.flat", "shorttown\n")
    catalog = tariffcore.load_catalog([tmp_path], entry_points=False, plugins=[FlatPlugin()])
    assert "xx/goodtown" in catalog.rulesets
    (problem,) = catalog.problems["xx/badtown"]
    assert (problem.path, problem.line, problem.column) == (str(tmp_path / "bad.flat"), 1, 20)
    assert [str(p) for p in catalog.problems[""]] == [
        f"{tmp_path / 'short.flat'}:1:1: expected: town, date, price"
    ]
    with pytest.raises(tariffcore.RulesetError, match="6x0"):
        catalog.ruleset("xx/badtown")


def test_notes_are_kept_apart_from_problems(tmp_path: Path) -> None:
    _write(tmp_path, "t.flat", "notetown 2025-01-01 650 the date is from the file name\n")
    catalog = tariffcore.load_catalog([tmp_path], entry_points=False, plugins=[FlatPlugin()])
    assert "xx/notetown" in catalog.rulesets and not catalog.problems
    (note,) = catalog.notes["xx/notetown"]
    assert str(note) == f"{tmp_path / 't.flat'}:1:1: warning: the date is from the file name"


# ----------------------------------------------------------------- through the command line

LOADER_MODULE = """
from tariffcore import hookimpl
from tests.format.test_loaders import Flat


@hookimpl
def tariffcore_ruleset_loaders():
    return [Flat()]
"""


@pytest.fixture()
def flat_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The flat loader installed as a plug-in (an entry point), for the command line."""
    site = tmp_path / "site"
    _write(site, "tariffcore_flat_test.py", LOADER_MODULE)
    info = site / "tariffcore_flat_test-0.1.dist-info"
    _write(info, "METADATA", "Metadata-Version: 2.1\nName: tariffcore_flat_test\nVersion: 0.1\n")
    _write(info, "entry_points.txt", "[tariffcore]\nflat_test = tariffcore_flat_test\n")
    monkeypatch.syspath_prepend(str(site))
    sys.modules.pop("tariffcore_flat_test", None)
    rules = tmp_path / "rules"
    rules.mkdir()
    return rules


def test_validate_prints_warnings_without_failing(
    flat_installed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(flat_installed, "t.flat", "notetown 2025-01-01 650 dated by name\n")
    status, out, err = run_cli(capsys, "validate", str(flat_installed))
    assert status == 0
    assert out == f"{path}:1:1: warning: dated by name\n"
    assert err == "1 file(s) checked: no problems and 1 warning(s)\n"
    _write(flat_installed, "u.flat", "othertown 2025-01-01 abc\n")
    status, out, err = run_cli(capsys, "validate", str(flat_installed))
    assert status == 1
    assert f"{flat_installed / 'u.flat'}:1:22: " in out  # where 'abc' is written
    assert err == "2 file(s) checked: 1 problem(s) in 1 file(s) and 1 warning(s)\n"


def test_rulesets_json_gives_each_version_its_file(
    flat_installed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(flat_installed, "flat/one.flat", "jsontown 2025-01-01 650\n")
    yaml_version = flat_installed / "yaml" / "kr-like" / "2025.yaml"
    yaml_version.parent.mkdir(parents=True)
    yaml_version.write_text(
        textwrap.dedent("""\
        ruleset: xx/yamltown
        version: "2025"
        title: yamltown
        jurisdiction: nowhere
        currency: KRW
        effective: {from: 2025-01, basis: billing_month}
        confidence: test
        sources: [{id: s, title: test source, tag: INF}]
        use_classes: {household: {label: household}}
        charges:
          water: {type: per_unit, label: Water, source: s, rate: 650}
        """),
        encoding="utf-8",
    )
    status, out, _ = run_cli(capsys, "rulesets", "--format", "json", "--rulesets-dir", str(flat_installed))
    listed = {entry["id"]: entry for entry in json.loads(out)}
    assert listed["xx/jsontown"]["versions"][0]["file"] == "flat/one.flat"
    assert listed["xx/yamltown"]["versions"][0]["file"] == "yaml/kr-like/2025.yaml"
    assert all("file" in version for entry in listed.values() for version in entry["versions"])


# ----------------------------------------------------------------- the contract


class Claims(RulesetLoader):
    name = "claims"
    suffixes: tuple[str, ...] = (".flat",)

    def load(self, text: str, path: str) -> Loaded:
        return Loaded()


def _plugin(*loaders: RulesetLoader) -> object:
    class Plugin:
        @hookimpl
        def tariffcore_ruleset_loaders(self) -> list[RulesetLoader]:
            return list(loaders)

    return Plugin()


def test_a_suffix_belongs_to_one_loader() -> None:
    with pytest.raises(PluginError, match=r"claims '\.flat', already read by plug-in"):
        tariffcore.load_catalog(entry_points=False, plugins=[FlatPlugin(), _plugin(Claims())])


@pytest.mark.parametrize("suffix", [".yaml", ".YML", "owrs", ""])
def test_a_loader_cannot_claim_yaml_or_a_suffix_without_its_dot(suffix: str) -> None:
    loader = Claims()
    loader.suffixes = (suffix,)
    with pytest.raises(PluginError, match="tariffcore reads itself|with its dot"):
        tariffcore.load_catalog(entry_points=False, plugins=[_plugin(loader)])


class Raises(Flat):
    def load(self, text: str, path: str) -> Loaded:
        raise RuntimeError("boom")


class Junk(Flat):
    def load(self, text: str, path: str) -> Any:
        return {"ruleset": "xx/junk"}


@pytest.mark.parametrize(
    ("loader", "message"),
    [
        (Raises(), "ruleset loader 'flat' raised RuntimeError reading .*: boom"),
        (Junk(), "ruleset loader 'flat' returned .* not a Loaded"),
    ],
)
def test_a_loader_that_breaks_its_contract_is_named(
    tmp_path: Path, loader: RulesetLoader, message: str
) -> None:
    _write(tmp_path, "t.flat", "town 2025-01-01 650\n")
    plugin = _plugin(loader)
    with pytest.raises(PluginError, match=message):
        tariffcore.load_catalog([tmp_path], entry_points=False, plugins=[plugin])


def test_a_file_that_is_not_utf8_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "t.flat").write_bytes(b"town 2025-01-01 \xff\xfe\n")
    catalog = tariffcore.load_catalog([tmp_path], entry_points=False, plugins=[FlatPlugin()])
    (problem,) = catalog.problems[""]
    assert "cannot be read as UTF-8 text" in problem.message
