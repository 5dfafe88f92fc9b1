"""Korean municipal water and sewer rulesets for tariffcore (ids ``kr/<city>``).

The rulesets themselves are YAML files in the repository's ``rulesets/kr`` directory, one file
per ordinance version, with golden bills in each city's ``tests`` directory. This plug-in only
tells tariffcore where they are.
"""

from __future__ import annotations

from pathlib import Path

from tariffcore import hookimpl

RULESETS = (Path(__file__).parent / "rulesets").resolve()


@hookimpl
def tariffcore_ruleset_paths() -> list[Path]:
    """The bundled ``kr/*`` rulesets."""
    return [RULESETS]
