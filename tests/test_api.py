"""The public surface: complete, typed, and free of city-specific code."""

from __future__ import annotations

import re

import tariffcore
from tests.helpers import ROOT

SRC = ROOT / "src" / "tariffcore"


def test_all_is_complete_sorted_and_resolvable() -> None:
    names = tariffcore.__all__
    assert names == sorted(names)
    for name in names:
        assert hasattr(tariffcore, name), name
    public = {n for n in dir(tariffcore) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(tariffcore, n)).__name__ == "module"}
    assert public - modules - set(names) == set(), "public names missing from __all__"


def test_package_is_typed() -> None:
    assert (SRC / "py.typed").exists()


CITY = re.compile(
    r"ulsan|seoul|daegu|busan|daejeon|pohang|geoje|jinju|gimhae|changwon|ansan|okcheon|yangsan|"
    r"samcheok|seongnam|paju|naju|울산|서울|대구|부산|대전|포항|거제|진주|김해|창원|안산|옥천|양산|삼척|성남|파주|나주",
    re.IGNORECASE,
)


def test_no_city_is_named_in_the_core() -> None:
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in SRC.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if CITY.search(line)
    ]
    assert hits == []


def test_no_float_arithmetic_in_the_core() -> None:
    hits = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in SRC.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bfloat\(", line) and not line.lstrip().startswith("#")
    ]
    assert hits == []
