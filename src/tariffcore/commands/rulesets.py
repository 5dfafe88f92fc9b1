"""``tariffcore rulesets``: installed rulesets, their versions, dates and sources."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..catalog import Catalog
from ._common import Subparsers, catalog_options, open_catalog


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser("rulesets", help="list installed rulesets, versions and sources")
    sub.add_argument("--format", choices=("text", "json"), default="text")
    catalog_options(sub)
    sub.set_defaults(run=run)


def listing(catalog: Catalog) -> list[dict[str, Any]]:
    """Every ruleset with its versions (dates in force, charges, sources) as plain data."""
    result = []
    for ruleset in catalog:
        versions = []
        for version in ruleset.versions:
            start, end = ruleset.in_force(version)
            spec = version.spec
            versions.append({
                "version": version.version,
                "title": spec.title,
                "basis": spec.effective.basis,
                "from": start.isoformat(),
                "until": end.isoformat() if end else None,
                "confidence": spec.confidence,
                "charges": [charge.id for charge in version.charges],
                "not_included": list(spec.not_included),
                "sources": [
                    {"id": s.id, "title": s.title, "url": s.url, "tag": s.tag, "notes": s.notes}
                    for s in spec.sources
                ],
            })
        result.append({"id": ruleset.id, "title": ruleset.title, "versions": versions,
                       "arrears": _arrears_listing(ruleset)})
    return result


def _arrears_listing(ruleset: Any) -> list[dict[str, Any]]:
    """The ruleset's late-payment rules versions as plain data."""
    result = []
    for version in ruleset.arrears_versions:
        spec = version.spec
        start = spec.effective.from_
        result.append({
            "version": version.version,
            "title": spec.title,
            "basis": spec.effective.basis,
            "from": start.isoformat() if not isinstance(start, str) else start,
            "until": spec.effective.until.isoformat() if spec.effective.until else None,
            "confidence": spec.confidence,
            "rules": {rule.id: rule.spec.kind for rule in version.rules},
            "sources": [
                {"id": s.id, "title": s.title, "url": s.url, "tag": s.tag, "notes": s.notes}
                for s in spec.sources
            ],
        })
    return result


def run(args: argparse.Namespace) -> int:
    catalog = open_catalog(args)
    entries = listing(catalog)
    if args.format == "json":
        print(json.dumps(entries, ensure_ascii=False, indent=2))
    else:
        for entry in entries:
            print(f"{entry['id']}  {entry['title']}")
            for v in entry["versions"]:
                span = f"{v['from']} .. {v['until'] or ''}"
                extra = f"; not included: {', '.join(v['not_included'])}" if v["not_included"] else ""
                print(f"  @{v['version']:<10} {span:<26} by {v['basis'].replace('_', ' ')}; "
                      f"charges: {', '.join(v['charges']) or '-'}{extra}")
                for s in v["sources"]:
                    print(f"      [{s['tag']}] {s['title']}" + (f" <{s['url']}>" if s["url"] else ""))
            for v in entry["arrears"]:
                span = f"{v['from']} .. {v['until'] or ''}"
                basis = f"by {v['basis'].replace('_', ' ')}" if v["basis"] else "undated"
                rules = ", ".join(f"{rule} ({kind})" for rule, kind in v["rules"].items())
                print(f"  @{v['version']:<10} {span:<26} {basis}; late-payment rules: {rules}")
                for s in v["sources"]:
                    print(f"      [{s['tag']}] {s['title']}" + (f" <{s['url']}>" if s["url"] else ""))
    for key, problems in catalog.problems.items():
        print(f"{key or '(unknown id)'}: BROKEN", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
    return 2 if catalog.problems else 0
