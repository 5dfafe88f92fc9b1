"""A plug-in that exits or raises at import, in a hook or while billing is named, and the command
fails with exit status 2; of two plug-ins claiming one name, the newcomer is named."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

import tariffcore
from tariffcore import PluginError, RulesetLoader, hookimpl
from tests.helpers import BASE, ROOT, account, dump, reading
from tests.helpers import run_cli as run

READINGS = ROOT / "examples" / "readings.csv"


def installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str, dist: str = ""
) -> None:
    """Install the plug-in module ``name`` (its ``source``) under the entry point ``name``, from
    the distribution ``dist`` (default ``name``), on a path of its own."""
    folder = tmp_path / (dist or name)
    folder.mkdir()
    (folder / f"{name}_plugin.py").write_text(source, encoding="utf-8")
    info = folder / f"{dist or name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist or name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[tariffcore]\n{name} = {name}_plugin\n")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, f"{name}_plugin", raising=False)
    # a batch engine keeps the catalog of its process: this test's plug-ins must be loaded anew
    monkeypatch.setattr("tariffcore.batch.engine._CATALOGS", {})


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("import sys\nsys.exit(3)\n", "it called sys.exit(3), which a plug-in must not do"),
        ("raise SystemExit\n", "it called sys.exit(None)"),
        ("raise RuntimeError('no database')\n", "RuntimeError: no database"),
        ("import no_such_module_for_tariffcore\n", "ModuleNotFoundError"),
    ],
)
def test_a_plugin_that_exits_or_raises_at_import_is_named(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    source: str,
    words: str,
) -> None:
    installed(tmp_path, monkeypatch, "exiting", source)
    with pytest.raises(PluginError, match="plug-in 'exiting': failed to load") as caught:
        tariffcore.load_catalog()
    assert words in str(caught.value)
    for argv in (
        ["bill", str(READINGS), "--ruleset", "kr/gimhae"],
        ["rulesets"],
        ["explain", "--ruleset", "kr/gimhae", "--use-class", "household", "--usage", "1"],
    ):
        status, out, err = run(capsys, *argv)
        assert (status, out) == (2, ""), argv
        assert "plug-in 'exiting': failed to load" in err and words in err
        assert "Traceback" not in err


def test_a_hook_that_exits_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    plugin = ModuleType("quitting_city")

    @hookimpl
    def tariffcore_ruleset_paths() -> list[Path]:
        sys.exit("bye")

    plugin.tariffcore_ruleset_paths = tariffcore_ruleset_paths  # type: ignore[attr-defined]
    with pytest.raises(
        PluginError,
        match=r"plug-in 'quitting_city': hook tariffcore_ruleset_paths raised "
        r"SystemExit: it called sys.exit\('bye'\)",
    ):
        tariffcore.load_catalog(entry_points=False, plugins=[plugin])


def _exiting_charge_plugin(when: str) -> ModuleType:
    from tariffcore.charges import PerUnit

    class Exiting(PerUnit):  # type: ignore[misc]
        name = "exiting"

        def compile(self, spec, ctx):  # type: ignore[no-untyped-def]
            if when == "compile":
                sys.exit(4)
            return lambda bill: sys.exit(5)

    plugin = ModuleType("exiting_city")
    plugin.tariffcore_charge_types = hookimpl(lambda: [Exiting()])  # type: ignore[attr-defined]
    plugin.tariffcore_charge_types.__name__ = "tariffcore_charge_types"
    return plugin


def _version_text() -> str:
    return dump({**BASE, "charges": {"x": {"type": "exiting", "label": "x", "source": "s", "rate": 1}}})


def test_a_charge_type_that_exits_when_compiled_is_named() -> None:
    catalog = tariffcore.load_catalog(entry_points=False, plugins=[_exiting_charge_plugin("compile")])
    with pytest.raises(
        PluginError, match=r"plug-in 'exiting_city': charge type 'exiting' failed to compile .*sys.exit\(4\)"
    ):
        tariffcore.load_version_file(_version_text(), "x.yaml", catalog.plugins)


def test_a_charge_type_whose_spec_model_cannot_be_built_is_named() -> None:
    # Ruleset models build their validators when first used: a plug-in's model that pydantic
    # cannot build is found while compiling, and named as the plug-in's fault.
    from tariffcore.charges import PerUnit, PerUnitSpec

    class Opaque:
        pass

    class BrokenSpec(PerUnitSpec):  # type: ignore[misc]
        opaque: Opaque | None = None

    class Broken(PerUnit):  # type: ignore[misc]
        name = "broken_spec"
        spec = BrokenSpec

    plugin = ModuleType("broken_city")
    plugin.tariffcore_charge_types = hookimpl(lambda: [Broken()])  # type: ignore[attr-defined]
    plugin.tariffcore_charge_types.__name__ = "tariffcore_charge_types"
    catalog = tariffcore.load_catalog(entry_points=False, plugins=[plugin])
    text = dump({**BASE, "charges": {"x": {"type": "broken_spec", "label": "x", "source": "s", "rate": 1}}})
    with pytest.raises(
        PluginError,
        match=r"plug-in 'broken_city': charge type 'broken_spec' has a spec model that cannot validate",
    ):
        tariffcore.load_version_file(text, "x.yaml", catalog.plugins)


def test_a_charge_type_that_exits_when_billing_is_named() -> None:
    catalog = tariffcore.load_catalog(entry_points=False, plugins=[_exiting_charge_plugin("bill")])
    compiled = tariffcore.load_version_file(_version_text(), "x.yaml", catalog.plugins)
    with pytest.raises(
        PluginError, match=r"plug-in 'exiting_city': charge 'x' of test/city@1 raised .*sys.exit\(5\)"
    ):
        compiled.bill(account(), reading(1))


def test_two_distributions_with_one_plugin_name_name_the_newcomer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    installed(tmp_path, monkeypatch, "twin", "", dist="first_twin")
    installed(tmp_path, monkeypatch, "twin", "", dist="second_twin")
    with pytest.raises(PluginError, match="plug-in 'twin': two plug-ins have this name") as caught:
        tariffcore.load_catalog()
    message = str(caught.value)
    # entry points are found in the order of the path: the distribution prepended last is on it
    # first, and registered first; the other is the newcomer
    assert (
        "from distribution 'first_twin' comes after twin_plugin, from distribution 'second_twin'" in message
    )
    status, _, err = run(capsys, "rulesets")
    assert status == 2 and "two plug-ins have this name" in err


class _Loader(RulesetLoader):
    name = "second"
    suffixes = (".owrs",)

    def load(self, text: str, path: str) -> tariffcore.Loaded:  # pragma: no cover - never reached
        return tariffcore.Loaded()


def test_a_second_loader_of_one_suffix_is_the_newcomer_named() -> None:
    plugin = ModuleType("second_owrs")
    plugin.tariffcore_ruleset_loaders = hookimpl(lambda: [_Loader()])  # type: ignore[attr-defined]
    plugin.tariffcore_ruleset_loaders.__name__ = "tariffcore_ruleset_loaders"
    with pytest.raises(PluginError) as caught:
        tariffcore.load_catalog(plugins=[plugin])  # the installed OWRS plug-in reads .owrs first
    assert caught.value.plugin == "second_owrs"
    assert "already read by plug-in 'owrs'" in str(caught.value)


def test_a_second_reduction_type_of_one_name_is_the_newcomer_named() -> None:
    from tariffcore.reductions import ReductionType

    builtin = next(iter(tariffcore.load_catalog(entry_points=False).plugins.reduction_types.values()))
    assert isinstance(builtin, ReductionType)
    plugin = ModuleType("copycat_city")
    plugin.tariffcore_reduction_types = hookimpl(lambda: [type(builtin)()])  # type: ignore[attr-defined]
    plugin.tariffcore_reduction_types.__name__ = "tariffcore_reduction_types"
    with pytest.raises(PluginError) as caught:
        tariffcore.load_catalog(entry_points=False, plugins=[plugin])
    assert caught.value.plugin == "copycat_city"
    assert "already provided by plug-in 'tariffcore.plugins.builtin'" in str(caught.value)


def test_a_plugin_failing_while_billing_ends_the_run_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    installed(
        tmp_path,
        monkeypatch,
        "broken",
        "from tariffcore import hookimpl\n"
        "from tariffcore.charges import PerUnit\n"
        "import sys\n"
        "class Broken(PerUnit):\n"
        "    name = 'broken'\n"
        "    def compile(self, spec, ctx):\n"
        "        return lambda bill: sys.exit(9)\n"
        "@hookimpl\n"
        "def tariffcore_charge_types():\n"
        "    return [Broken()]\n",
    )
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "1.yaml").write_text(
        dump({**BASE, "charges": {"x": {"type": "broken", "label": "x", "source": "s", "rate": 1}}}),
        encoding="utf-8",
    )
    readings = tmp_path / "in.csv"
    readings.write_text("account,use_class,usage_m3,billing_month\nA,household,1,2025-03\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    status, out, err = run(
        capsys,
        "bill",
        str(readings),
        "--ruleset",
        "test/city",
        "--rulesets-dir",
        str(rules),
        "-o",
        str(target),
    )
    assert (status, out) == (2, "")
    assert "plug-in 'broken': charge 'x' of test/city@1 raised SystemExit" in err
    assert not target.exists()
