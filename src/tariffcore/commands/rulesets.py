"""``tariffcore rulesets``: installed rulesets, their versions, dates and sources.

``tariffcore rulesets show ID@VERSION`` prints one version fully resolved (its ``extends``
chain merged) as YAML; ``show ID`` prints the version in force last. ``tariffcore rulesets
coverage [ID]`` shows, month by month and charge by charge, what the data can bill (see
:mod:`tariffcore.engine.coverage`).
"""

from __future__ import annotations

import argparse
import json
import sys

from ..engine import Catalog, coverage, coverage_text, listing
from ..errors import TariffcoreError
from ..format import to_yaml
from ._common import Subparsers, catalog_options, open_catalog


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser(
        "rulesets",
        help="list installed rulesets, versions and sources",
        description="List installed rulesets; 'rulesets show ID@VERSION' prints one version "
        "fully resolved (extends merged) as YAML; 'rulesets coverage [ID]' shows month by month "
        "and charge by charge what the data can bill: ● billable, ◐ partly (some classes, tiers "
        "or meter sizes unknown), ○ unknown, – not included, · none.",
    )
    sub.add_argument("action", nargs="?", choices=("list", "show", "coverage"), default="list")
    sub.add_argument(
        "reference",
        nargs="?",
        metavar="ID[@VERSION]",
        help="with show: the ruleset version to print; with coverage: the ruleset (default: all)",
    )
    sub.add_argument("--format", choices=("text", "json"), default="text")
    catalog_options(sub)
    sub.set_defaults(run=run)


def show(catalog: Catalog, reference: str) -> str:
    """The version ``reference`` (``id@version``; ``id`` alone: its latest) as resolved YAML."""
    ruleset, version = catalog.resolve(reference)
    chosen = version if version is not None else ruleset.versions[-1]
    start, end = ruleset.in_force(chosen)
    head = [f"# {chosen.label}, resolved from {chosen.path}"]
    if chosen.spec.extends:
        head.append(f"# extends {chosen.spec.extends}: inherited values are merged in")
    head.append(
        f"# in force from {start} to {end or '(open)'} by {chosen.spec.effective.basis.replace('_', ' ')}"
    )
    return "\n".join(head) + "\n" + to_yaml(chosen.data)


def run(args: argparse.Namespace) -> int:
    if args.action == "list" and args.reference:
        raise TariffcoreError(
            f"rulesets list takes no ID (to print one version: rulesets show {args.reference})"
        )
    catalog = open_catalog(args)
    if args.action == "show":
        if not args.reference:
            raise TariffcoreError("rulesets show needs ID@VERSION")
        print(show(catalog, args.reference), end="")
        return 0
    if args.action == "coverage":
        rulesets = [catalog.resolve(args.reference)[0]] if args.reference else list(catalog)
        if args.format == "json":
            data = {
                ruleset.id: [
                    {
                        "from": f"{run.first:%Y-%m}",
                        "to": f"{run.last:%Y-%m}",
                        "version": run.version,
                        "charges": dict(run.statuses),
                    }
                    for run in coverage(ruleset)
                ]
                for ruleset in rulesets
            }
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            print("\n".join(coverage_text(ruleset) for ruleset in rulesets if ruleset.versions), end="")
        return 0
    entries = listing(catalog)
    if args.format == "json":
        print(json.dumps(entries, ensure_ascii=False, indent=2))
    else:
        for entry in entries:
            print(f"{entry['id']}  {entry['title']}")
            for v in entry["versions"]:
                span = f"{v['from']} .. {v['until'] or ''}"
                extra = f"; not included: {', '.join(v['not_included'])}" if v["not_included"] else ""
                chain = f"; extends {v['extends']}" if v["extends"] else ""
                if v["billing_months"] != [1]:
                    extra += f"; bills of {' or '.join(map(str, v['billing_months']))} months"
                if v["reductions"]:
                    extra += f"; reductions: {', '.join(v['reductions'])}"
                charges = ", ".join(
                    c + (f" (by {v['charge_basis'][c].replace('_', ' ')})" if c in v["charge_basis"] else "")
                    for c in v["charges"]
                )
                print(
                    f"  @{v['version']:<10} {span:<26} by {v['basis'].replace('_', ' ')}; "
                    f"charges: {charges or '-'}{extra}{chain}"
                )
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
