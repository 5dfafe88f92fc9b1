"""The examples in docs/arrears run as tests: every ``console`` block's commands must print
exactly what the page shows, and every ``>>>`` example must hold."""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import shlex
from pathlib import Path

import pytest

from tariffcore.commands import main
from tests.helpers import ROOT

DOCS = ROOT / "docs" / "arrears"
PAGES = sorted(DOCS.glob("*.md"))
BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)


def _examples(page: Path) -> list[tuple[str, str]]:
    found = []
    for block in BLOCK.findall(page.read_text(encoding="utf-8")):
        command, output = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    found.append((command, "\n".join(output)))
                command, output = line[2:], []
            else:
                output.append(line)
        if command is not None:
            found.append((command, "\n".join(output)))
    return found


CASES = [(page.name, command, output) for page in PAGES for command, output in _examples(page)]


def test_every_page_has_examples() -> None:
    assert {"index.md", "one-off.md", "daily.md", "monthly.md", "statements.md"} <= {p.name for p in PAGES}
    for page in PAGES:
        assert _examples(page) or ">>>" in page.read_text(encoding="utf-8"), f"{page.name} has no example"


@pytest.mark.parametrize(
    ("page", "command", "expected"), CASES, ids=[f"{page}: {command}" for page, command, _ in CASES]
)
def test_console_example(page: str, command: str, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DOCS.parent.parent)
    argv = shlex.split(command)
    assert argv[0] == "tariffcore"
    argv = [arg for arg in argv[1:] if arg != "|"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        main(argv)
    assert out.getvalue().rstrip("\n") == expected.rstrip("\n")


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_python_examples(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DOCS.parent.parent)
    result = doctest.testfile(str(page), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
