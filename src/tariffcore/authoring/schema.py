"""The JSON Schema of the ruleset format, for editors and for the reference documentation.

The schema is built from the same pydantic models that validate ruleset files, with the
``charges`` mapping narrowed to a union of every installed charge type's spec model,
discriminated by ``type``. Editors that speak the yaml-language-server protocol pick it up from
a modeline at the top of a ruleset file::

    # yaml-language-server: $schema=../../../docs/schema/ruleset.schema.json
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import Field, create_model

from ..arrears import ArrearsVersionSpec
from ..charges import ChargeType
from ..format import RulesetVersion

__all__ = ["SCHEMA_DIALECT", "charge_models", "ruleset_schema", "schema_text"]

#: The JSON Schema dialect pydantic emits.
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def charge_models(charge_types: Mapping[str, ChargeType]) -> dict[str, Any]:
    """One model per charge type: its spec with ``type`` fixed to the type's name."""
    models: dict[str, Any] = {}
    for name in sorted(charge_types):
        spec = charge_types[name].spec
        title = "".join(part.capitalize() for part in name.replace("-", "_").split("_")) + "Charge"
        doc = (spec.__doc__ or "").strip()
        models[name] = create_model(
            title,
            __base__=spec,
            __doc__=f"A charge of type {name!r}: {doc[:1].lower()}{doc[1:]}" if doc else None,
            type=(Literal[name], Field(description="The charge type.")),  # type: ignore[arg-type]
        )
    return models


def ruleset_schema(charge_types: Mapping[str, ChargeType]) -> dict[str, Any]:
    """The JSON Schema of one ruleset version file with ``charge_types`` installed.

    A version file holds either a tariff (``charges``) or late-payment rules (``arrears``);
    the schema is one of the two, each defined in ``$defs``.
    """
    members = tuple(charge_models(charge_types).values())
    if members:
        charge: Any = Annotated[Union[members], Field(discriminator="type")]  # noqa: UP007
    else:  # pragma: no cover - the built-in plug-in always provides types
        charge = dict[str, Any]
    described = RulesetVersion.model_fields["charges"].description
    model = create_model(
        "RulesetVersion",
        __base__=RulesetVersion,
        __doc__=RulesetVersion.__doc__,
        charges=(dict[str, charge], Field(default_factory=dict, description=described)),
    )
    defs: dict[str, Any] = {}
    for name, part in (("RulesetVersion", model), ("ArrearsVersion", ArrearsVersionSpec)):
        found = _tidy(part.model_json_schema(by_alias=True))
        for key, value in found.pop("$defs", {}).items():
            if defs.setdefault(key, value) != value:  # pragma: no cover - a naming slip
                raise ValueError(f"two different models are both named {key!r}")
        defs[name] = found
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "tariffcore ruleset version",
        "description": "One ordinance version: a tariff (charges) or late-payment rules (arrears).",
        "oneOf": [{"$ref": "#/$defs/RulesetVersion"}, {"$ref": "#/$defs/ArrearsVersion"}],
        "$defs": dict(sorted(defs.items())),
    }


def schema_text(charge_types: Mapping[str, ChargeType]) -> str:
    """:func:`ruleset_schema` as the JSON text shipped in ``docs/schema``."""
    return json.dumps(ruleset_schema(charge_types), indent=2, ensure_ascii=False) + "\n"


def _tidy(node: Any) -> Any:
    """Make the schema read well in an editor: numbers are numbers (pydantic also allows a
    string holding one, which rule files never need), and docstring markup becomes plain."""
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _tidy(value) for key, value in node.items()}
    options = result.get("anyOf")
    if isinstance(options, list) and any(o.get("type") == "number" for o in options):
        kept = [o for o in options if o != {"type": "string"}]
        if len(kept) == 1:
            del result["anyOf"]
            result.update(kept[0])
        else:
            result["anyOf"] = kept
    if isinstance(result.get("description"), str):
        result["description"] = _plain(result["description"])
    return result


def _plain(text: str) -> str:
    text = re.sub(r":[a-z]+:`~?(?:[\w.]+\.)?([\w]+)`", r"\1", text)
    return " ".join(text.replace("``", "`").split())
