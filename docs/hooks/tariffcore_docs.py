"""MkDocs hooks: generate the pages that must not drift from the code and the rulesets.

- ``cities/``: one page per installed ruleset, with SVG charts (see ``sitegen.city_pages``);
- ``<!-- generated: ruleset-reference -->`` in a page: the ruleset format reference, from the
  JSON Schema built from the pydantic models;
- ``<!-- generated: cli-reference -->``: every command's ``--help``;
- ``<!-- generated: error-codes -->``: every error code, its class, HTTP status and meaning;
- ``schema/ruleset.schema.json`` lies in ``docs/`` and is published as it is (no hook needed).

Pages that exist in ``docs/`` but are not in ``nav`` (another section's pages) are added to the
navigation under their directory's name, so that nothing written is lost.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import sitegen  # noqa: E402
from mkdocs.structure.files import File, Files  # noqa: E402

from tariffcore import load_catalog  # noqa: E402
from tariffcore.authoring import ruleset_schema  # noqa: E402
from tariffcore.commands import build_parser  # noqa: E402
from tariffcore.plugins import load_plugins  # noqa: E402

MARKERS = {
    "<!-- generated: ruleset-reference -->": lambda: sitegen.format_reference(
        ruleset_schema(load_plugins().charge_types)
    ),
    "<!-- generated: cli-reference -->": lambda: sitegen.cli_reference(build_parser()),
    "<!-- generated: error-codes -->": sitegen.error_codes_reference,
}


def on_files(files: Files, config: Any) -> Files:
    catalog = load_catalog()
    city_uris: list[str] = []
    for page in sitegen.city_pages(catalog):
        files.append(File.generated(config, page.uri, content=page.text))
        if page.uri.endswith(".md") and page.uri != "cities/index.md":
            city_uris.append(page.uri)
    _fill_nav(config, files, city_uris)
    return files


def _fill_nav(config: Any, files: Files, city_uris: list[str]) -> None:
    nav = config["nav"]
    if nav is None:
        return
    for entry in nav:
        if isinstance(entry, dict) and "Cities" in entry:
            entry["Cities"] = [
                "cities/index.md",
                *[{uri.removeprefix("cities/").removesuffix(".md"): uri} for uri in city_uris],
            ]
    listed = set(_uris(nav))
    extra: dict[str, list[str]] = {}
    for file in files.documentation_pages():
        if file.src_uri not in listed:
            section = file.src_uri.split("/", 1)[0] if "/" in file.src_uri else "More"
            extra.setdefault(section, []).append(file.src_uri)
    for section, uris in sorted(extra.items()):
        nav.append(
            {
                section.replace("-", " ").capitalize(): sorted(
                    uris, key=lambda uri: (not uri.endswith("index.md"), uri)
                )
            }
        )


def _uris(nav: Any) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [uri for item in nav for uri in _uris(item)]
    if isinstance(nav, dict):
        return [uri for value in nav.values() for uri in _uris(value)]
    return []


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    for marker, build in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, build())
    return markdown
