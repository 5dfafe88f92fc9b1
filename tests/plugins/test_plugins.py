"""Plug-ins: discovery through entry points, a new charge type from outside, broken plug-ins."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

import tariffcore
from tariffcore import PluginError, hookimpl
from tariffcore.authoring import load_golden, run_case
from tests.helpers import ROOT

EXAMPLE = ROOT / "examples" / "percent-charge-plugin"


@pytest.fixture()
def example_plugin(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    sys.modules.pop("tariffcore_percent", None)
    import tariffcore_percent

    return tariffcore_percent


def _dist_info(tmp_path: Path, name: str, entry: str) -> Path:
    info = tmp_path / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[tariffcore]\n{entry}\n")
    return tmp_path


def test_builtin_charge_types_come_through_the_hook() -> None:
    catalog = tariffcore.load_catalog(entry_points=False)
    assert set(catalog.plugins.charge_types) >= {"graduated", "volume", "per_unit", "base_by_meter"}
    assert catalog.plugins.charge_type_owners["graduated"] == "tariffcore.plugins.builtin"


def test_a_city_adds_a_charge_type_without_touching_tariffcore(example_plugin: ModuleType) -> None:
    catalog = tariffcore.load_catalog(entry_points=False, plugins=[example_plugin])
    assert catalog.plugins.charge_type_owners["percent_of"] == "tariffcore_percent"
    ruleset = catalog.ruleset("example/percent")
    cases = [case for path in ruleset.golden_files for case in load_golden(path)]
    assert cases
    for case in cases:
        result = run_case(catalog, case)
        assert result.passed, result.failures


def test_plugins_are_found_through_the_entry_point_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example_plugin: ModuleType
) -> None:
    monkeypatch.syspath_prepend(
        str(_dist_info(tmp_path, "tariffcore_percent", "percent = tariffcore_percent"))
    )
    catalog = tariffcore.load_catalog()
    assert "percent" in catalog.plugins.names
    assert "example/percent" in catalog.ids()


def test_a_plugin_that_cannot_be_imported_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(_dist_info(tmp_path, "broken_city", "broken = no_such_module_xyz")))
    with pytest.raises(PluginError, match=r"plug-in 'broken': failed to load .*no_such_module_xyz"):
        tariffcore.load_catalog()


def test_a_plugin_whose_hook_raises_is_named() -> None:
    plugin = ModuleType("faulty_city")

    @hookimpl
    def tariffcore_ruleset_paths() -> list[Path]:
        raise RuntimeError("disk on fire")

    plugin.tariffcore_ruleset_paths = tariffcore_ruleset_paths  # type: ignore[attr-defined]
    with pytest.raises(
        PluginError,
        match="plug-in 'faulty_city': hook tariffcore_ruleset_paths raised RuntimeError: disk on fire",
    ):
        tariffcore.load_catalog(entry_points=False, plugins=[plugin])


def test_a_misspelled_hook_fails_loudly() -> None:
    plugin = ModuleType("typo_city")

    @hookimpl
    def tariffcore_charge_typez() -> list[object]:
        return []

    plugin.tariffcore_charge_typez = tariffcore_charge_typez  # type: ignore[attr-defined]
    with pytest.raises(PluginError, match="tariffcore_charge_typez") as caught:
        tariffcore.load_catalog(entry_points=False, plugins=[plugin])
    assert caught.value.plugin == "typo_city"  # the plug-in as registered, not '?'


def test_two_plugins_cannot_claim_one_charge_type(example_plugin: ModuleType) -> None:
    clone = ModuleType("clone_city")
    clone.tariffcore_charge_types = hookimpl(lambda: [example_plugin.PercentOf()])  # type: ignore[attr-defined]
    clone.tariffcore_charge_types.__name__ = "tariffcore_charge_types"
    with pytest.raises(PluginError, match="'percent_of' is already provided by plug-in") as caught:
        tariffcore.load_catalog(entry_points=False, plugins=[example_plugin, clone])
    # The newcomer is the one at fault, and the message names the plug-in that had it first.
    assert caught.value.plugin == "clone_city"
    assert "provided by plug-in 'tariffcore_percent'" in str(caught.value)


def test_a_plugin_claiming_a_builtin_charge_type_is_named() -> None:
    from tariffcore.charges import Graduated

    rival = ModuleType("rival_city")
    rival.tariffcore_charge_types = hookimpl(lambda: [Graduated()])  # type: ignore[attr-defined]
    rival.tariffcore_charge_types.__name__ = "tariffcore_charge_types"
    with pytest.raises(PluginError) as caught:
        tariffcore.load_catalog(entry_points=False, plugins=[rival])
    assert caught.value.plugin == "rival_city"
    assert "'graduated' is already provided by plug-in 'tariffcore.plugins.builtin'" in str(caught.value)


def test_a_charge_type_that_breaks_at_bill_time_is_named(example_plugin: ModuleType) -> None:
    class Exploding(example_plugin.PercentOf):  # type: ignore[name-defined,misc]
        name = "exploding"

        def compile(self, spec, ctx):  # type: ignore[no-untyped-def]
            return lambda bill: 1 / 0

    plugin = ModuleType("exploding_city")
    plugin.tariffcore_charge_types = hookimpl(lambda: [Exploding()])  # type: ignore[attr-defined]
    from tests.helpers import BASE, account, dump, reading

    catalog = tariffcore.load_catalog(entry_points=False, plugins=[plugin])
    text = dump(
        {
            **BASE,
            "charges": {"x": {"type": "exploding", "label": "x", "source": "s", "of": ["y"], "percent": 1}},
        }
    )
    compiled = tariffcore.load_version_file(text, "x.yaml", catalog.plugins)
    with pytest.raises(
        PluginError, match="plug-in 'exploding_city': charge 'x' of test/city@1 raised ZeroDivisionError"
    ):
        compiled.bill(account(), reading(1))


def test_the_bundled_korean_rulesets_come_from_the_installed_plugin(
    installed_catalog: tariffcore.Catalog,
) -> None:
    assert "kr" in installed_catalog.plugins.names
    assert {"kr/gimhae", "kr/changwon", "kr/ansan"} <= set(installed_catalog.ids())
    paths = {str(p) for _, p in installed_catalog.plugins.ruleset_paths}
    assert any(Path(p).resolve() == (ROOT / "rulesets" / "kr").resolve() for p in paths)


def test_load_version_file_names_the_owners_it_is_given(example_plugin: ModuleType) -> None:
    class Refusing(example_plugin.PercentOf):  # type: ignore[name-defined,misc]
        name = "refusing"

        def compile(self, spec, ctx):  # type: ignore[no-untyped-def]
            raise RuntimeError("cannot")

    plugin = ModuleType("refusing_city")
    plugin.tariffcore_charge_types = hookimpl(lambda: [Refusing()])  # type: ignore[attr-defined]
    from tests.helpers import BASE, dump

    catalog = tariffcore.load_catalog(entry_points=False, plugins=[plugin])
    entry = {"type": "refusing", "label": "x", "source": "s", "of": ["y"], "percent": 1}
    text = dump({**BASE, "charges": {"x": entry}})
    owners = {**catalog.plugins.charge_type_owners, "refusing": "city-extras 2.0"}
    with pytest.raises(PluginError, match="charge type 'refusing' failed to compile") as caught:
        tariffcore.load_version_file(text, "x.yaml", catalog.plugins, owners)
    assert caught.value.plugin == "city-extras 2.0"
