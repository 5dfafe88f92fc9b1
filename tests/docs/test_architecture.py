"""The floor plan of docs/architecture.md holds for the code: every stage imports only from
stages on lower floors, through their faces; and no module, of tariffcore or of a plug-in
package under plugins/*/src, is over 450 lines."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import ROOT

SRC = ROOT / "src" / "tariffcore"
PAGE = ROOT / "docs" / "architecture.md"
ROW = re.compile(r"^\|\s*(\d+|—)\s*\|\s*`([\w]+)`\s*\|", re.MULTILINE)
MAX_LINES = 450


def floors() -> dict[str, int | None]:
    """Stage → floor, as the page's table gives them (``None``: apart)."""
    return {stage: None if floor == "—" else int(floor) for floor, stage in ROW.findall(PAGE.read_text())}


def stage_of(path: Path) -> str:
    relative = path.relative_to(SRC)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imports(path: Path) -> Iterator[tuple[str, str | None, int]]:
    """(stage imported, its module when not the face, line) for each relative import of ``path``."""
    package = list(path.relative_to(SRC).parent.parts)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = package[: len(package) - (node.level - 1)]
        target = base + (node.module.split(".") if node.module else [])
        if target:
            yield target[0], target[1] if len(target) > 1 else None, node.lineno
        else:
            for alias in node.names:
                yield alias.name, None, node.lineno


def sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def plugin_sources() -> list[Path]:
    """The modules of the plug-in packages that live in this repository."""
    return sorted(ROOT.glob("plugins/*/src/**/*.py"))


def test_every_stage_is_on_the_floor_plan() -> None:
    plan = floors()
    assert {stage_of(path) for path in sources()} == set(plan)


def test_stages_import_only_from_lower_floors() -> None:
    plan = floors()
    wrong = []
    for path in sources():
        own = stage_of(path)
        for stage, _, line in imports(path):
            if stage == own:
                continue
            mine, theirs = plan[own], plan.get(stage)
            if mine is None or theirs is None or theirs >= mine:
                wrong.append(
                    f"{path.relative_to(ROOT)}:{line}: {own} (floor {mine}) imports {stage} (floor {theirs})"
                )
    assert not wrong, "\n".join(wrong)


def test_a_floor_is_one_above_the_highest_it_imports() -> None:
    plan = floors()
    highest: dict[str, int] = {}
    for path in sources():
        own = stage_of(path)
        for stage, _, _ in imports(path):
            floor = plan.get(stage)
            if stage != own and floor is not None:
                highest[own] = max(highest.get(own, 0), floor)
    for stage, floor in plan.items():
        if floor is not None:
            assert floor == highest.get(stage, 0) + 1, f"{stage} is on floor {floor}"


def test_stages_import_each_other_through_their_faces() -> None:
    packages = {path.parent.name for path in SRC.glob("*/__init__.py")}
    wrong = []
    for path in sources():
        own = stage_of(path)
        for stage, module, line in imports(path):
            if stage != own and stage in packages and module is not None:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: imports {stage}.{module}, not {stage}")
    assert not wrong, "\n".join(wrong)


def test_no_module_is_over_the_limit() -> None:
    long = [
        f"{path.relative_to(ROOT)}: {count} lines"
        for path in [*sources(), *plugin_sources()]
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert not long, "\n".join(long)
