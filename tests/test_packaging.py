"""What the package index and a downstream packager see: the licence, the version, the URLs,
and exactly the files the distributions hold."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import tariffcore
from tests.helpers import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_licence_file_is_the_declared_licence() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("Apache License")
    assert "Version 2.0, January 2004" in text


def test_the_version_has_one_source() -> None:
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "src/tariffcore/version.py"
    assert tariffcore.__version__ == importlib.metadata.version("tariffcore")
    assert f"## {tariffcore.__version__}" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_readme_links_work_on_the_package_index() -> None:
    """The index shows README.md out of the checkout: a relative link there leads nowhere."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert links
    home = PYPROJECT["project"]["urls"]["Source"] + "/blob/main/"
    for link in links:
        assert link.startswith("https://"), link
        if link.startswith(home):
            assert (ROOT / link.removeprefix(home)).exists(), link


@pytest.fixture(scope="module")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--sdist",
            "--wheel",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return out


def test_the_source_distribution_holds_the_listed_files_only(distributions: Path) -> None:
    (sdist,) = distributions.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    tops = {name.split("/", 1)[0] for name in names}
    listed = {
        entry.split("/", 1)[0]
        for entry in PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["only-include"]
    }
    assert tops <= listed | {"PKG-INFO", ".gitignore"}
    for needed in (
        "LICENSE",
        "CHANGELOG.md",
        "README.md",
        "src/tariffcore/py.typed",
        "rulesets/kr/README.md",
    ):
        assert needed in names
    assert not any("__pycache__" in name or name.startswith((".venv", "site/")) for name in names)


def test_the_wheel_carries_the_metadata(distributions: Path) -> None:
    (wheel,) = distributions.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = Parser().parsestr(
            archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        )
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Version"] == tariffcore.__version__
    assert any(name.endswith("licenses/LICENSE") for name in names)
    urls = dict(value.split(", ", 1) for value in metadata.get_all("Project-URL"))
    assert set(urls) >= {"Homepage", "Documentation", "Source", "Changelog"}
    assert "tariffcore/py.typed" in names
