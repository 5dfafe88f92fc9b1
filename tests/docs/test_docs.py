"""The documentation is tested: its examples run, its references are complete.

Each page in ``docs/`` is played from top to bottom in a fresh directory:

- a ```` ```yaml title="PATH" ```` block is written to PATH (a later block with the same
  title replaces the file, as an author editing it would); an untitled ```` ```yaml ````
  block of golden bills (``ruleset:`` and ``bills:``) runs against the installed rulesets;
- a ```` ```python ```` block runs, in one namespace per page;
- a ```` ```console ```` block's ``$ tariffcore ...`` commands run, and the lines shown under
  each command must appear in its output in that order (``...`` skips lines). Blocks with
  other commands (``make``, ``pip``) are not run.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
import sys
import types
from pathlib import Path

import pytest

from tariffcore import load_catalog
from tariffcore.authoring import describe_failure, load_golden, run_case
from tariffcore.commands import COMMANDS, main
from tariffcore.plugins import hookspecs
from tests.helpers import ROOT

DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "hooks" not in p.parts)
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def _run_command(line: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), contextlib.suppress(SystemExit):
        main(shlex.split(line)[1:])
    return out.getvalue() + err.getvalue()


def _check_output(command: str, shown: list[str], actual: str) -> None:
    lines = actual.rstrip("\n").splitlines()
    chunks: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == "...":
            chunks.append([])
        else:
            chunks[-1].append(line.rstrip())
    position = 0
    for chunk in chunks:
        if not chunk:
            continue
        for start in range(position, len(lines) - len(chunk) + 1):
            if [line.rstrip() for line in lines[start : start + len(chunk)]] == chunk:
                position = start + len(chunk)
                break
        else:
            raise AssertionError(
                f"`{command}` printed:\n{actual}\nwhich does not contain, in order:\n" + "\n".join(chunk)
            )
    if len(chunks) == 1 and chunks[0]:
        assert [line.rstrip() for line in lines] == chunks[0], f"`{command}` printed:\n{actual}"


def _console(block: str) -> None:
    commands: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
    if not commands or not all(command.startswith("tariffcore ") for command, _ in commands):
        return
    for command, shown in commands:
        _check_output(command, shown, _run_command(command))


def _golden(body: str, tmp_path: Path) -> None:
    path = tmp_path / "example-golden.yaml"
    path.write_text(body, encoding="utf-8")
    catalog = load_catalog()
    for case in load_golden(path):
        result = run_case(catalog, case)
        assert result.passed, describe_failure(result)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "88")
    # A real module, so that models defined in an example resolve their annotations.
    module = types.ModuleType(f"docs_example_{page.stem.replace('-', '_')}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = module.__dict__
    for match in FENCE.finditer(page.read_text(encoding="utf-8")):
        language, info, body = match.group(1), match.group(2), match.group(3)
        title = re.search(r'title="([^"]+)"', info)
        if language == "yaml" and title:
            target = tmp_path / title.group(1)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
        elif language == "yaml" and re.search(r"^bills:", body, re.MULTILINE):
            _golden(body, tmp_path)
        elif language == "python":
            exec(compile(body, f"{page}:{match.start()}", "exec"), namespace)  # noqa: S102
        elif language == "console":
            _console(body)


def test_every_hook_is_documented_in_the_plugin_guide() -> None:
    guide = (DOCS / "plugins.md").read_text(encoding="utf-8")
    hooks = [name for name in dir(hookspecs) if name.startswith("tariffcore_")]
    assert hooks, "no hooks found"
    undocumented = [name for name in hooks if f"### `{name}`" not in guide]
    assert not undocumented, f"hooks missing from docs/plugins.md: {undocumented}"


def test_every_command_is_in_the_checking_or_cli_pages() -> None:
    text = "".join(
        (DOCS / name).read_text(encoding="utf-8") for name in ("cli.md", "checking.md", "index.md")
    )
    assert "<!-- generated: cli-reference -->" in text
    for name in ("validate", "lint", "test", "schema"):
        assert f"tariffcore {name}" in text, name
    assert set(COMMANDS) >= {"validate", "lint", "test", "schema"}
