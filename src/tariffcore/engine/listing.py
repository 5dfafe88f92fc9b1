"""The catalog as plain data: every ruleset with its versions, dates in force, charges and
sources (what ``tariffcore rulesets --format json`` prints and the service serves), and the
charge ids of a ruleset (the columns of a CSV or table of its bills)."""

from __future__ import annotations

from typing import Any

from .catalog import Catalog

__all__ = ["charge_ids", "listing"]


def charge_ids(catalog: Catalog, reference: str | None) -> list[str]:
    """Charge ids of every version of ``reference``, in ruleset order (none without one)."""
    if not reference:
        return []
    ruleset, _ = catalog.resolve(reference)
    ids: list[str] = []
    for version in ruleset.versions:
        for charge in version.charges:
            if charge.id not in ids:
                ids.append(charge.id)
    return ids


def listing(catalog: Catalog) -> list[dict[str, Any]]:
    """Every ruleset with its versions (dates in force, charges, sources) as plain data; each
    version's ``file`` is its path relative to the directory it was found in."""
    result = []
    for ruleset in catalog:
        versions = []
        for version in ruleset.versions:
            start, end = ruleset.in_force(version)
            spec = version.spec
            versions.append(
                {
                    "version": version.version,
                    "file": catalog.files.get(version.path, version.path),
                    "extends": spec.extends,
                    "title": spec.title,
                    "basis": spec.effective.basis,
                    "from": start.isoformat(),
                    "until": end.isoformat() if end else None,
                    "confidence": spec.confidence,
                    "charges": [charge.id for charge in version.charges],
                    "charge_basis": {
                        charge.id: charge.basis
                        for charge in version.charges
                        if charge.basis != spec.effective.basis
                    },
                    "billing_months": spec.billing_cycle.months if spec.billing_cycle else [1],
                    "reductions": [reduction.id for reduction in version.reductions],
                    "not_included": list(spec.not_included),
                    "sources": [
                        {"id": s.id, "title": s.title, "url": s.url, "tag": s.tag, "notes": s.notes}
                        for s in spec.sources
                    ],
                }
            )
        result.append(
            {
                "id": ruleset.id,
                "title": ruleset.title,
                "versions": versions,
                "arrears": _arrears_listing(ruleset, catalog.files),
            }
        )
    return result


def _arrears_listing(ruleset: Any, files: dict[str, str]) -> list[dict[str, Any]]:
    """The ruleset's late-payment rules versions as plain data."""
    result = []
    for version in ruleset.arrears_versions:
        spec = version.spec
        start = spec.effective.from_
        result.append(
            {
                "version": version.version,
                "file": files.get(version.path, version.path),
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
            }
        )
    return result
