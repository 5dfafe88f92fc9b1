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
    the schema is one of the two, each defined in ``$defs``. A file that ``extends`` another
    states only what changed: it is one of the two kinds' ``…Changes`` forms instead (its kind
    may be inherited, so the schema does not choose between them).
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
    kinds = {"RulesetVersion": "tariff", "ArrearsVersion": "late-payment"}
    for name, kind in kinds.items():
        _add_changes(defs, name, kind)
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "tariffcore ruleset version",
        "description": "One ordinance version: a tariff (charges) or late-payment rules (arrears). "
        "A file that extends another states only what changed.",
        "if": {"type": "object", "required": ["extends"]},
        "then": {"anyOf": [{"$ref": f"#/$defs/{name}{CHANGES}"} for name in kinds]},
        "else": {"oneOf": [{"$ref": f"#/$defs/{name}"} for name in kinds]},
        "$defs": dict(sorted(defs.items())),
    }


#: Suffix of the definitions that describe what a version file that ``extends`` another may state.
CHANGES = "Changes"

#: Fields of a version file that ``extends`` another which belong to the file itself (never
#: inherited, see :mod:`tariffcore.format.extends`), plus the ruleset id that finds the version
#: it extends: stated in full in every file.
_OWN_FIELDS = ("ruleset", "version", "extends", "effective")


def _add_changes(defs: dict[str, Any], top: str, kind: str) -> None:
    """Add ``<top>Changes``: the form of a file that ``extends`` another and states only what
    changed.

    The file is deep-merged over the version it extends, so every mapping reached through
    mappings is partial: no field is required and any field may be ``null`` (which deletes the
    inherited key). A list replaces the inherited list whole, so what a list holds keeps its
    full form, as do the file's own fields (:data:`_OWN_FIELDS`). A charge may leave out its
    ``type`` (or a late-payment rule its ``kind``), so it may be any of the types' partial
    forms; one that states it is checked as that type.
    """
    full = defs[top]
    pending: list[str] = []
    inherited = {key: value for key, value in full["properties"].items() if key not in _OWN_FIELDS}
    own = _changes({**full, "properties": inherited}, pending)
    while pending:
        name = pending.pop()
        if f"{name}{CHANGES}" not in defs:
            defs[f"{name}{CHANGES}"] = _changes(defs[name], pending)
    partial = own["properties"]
    # In the order the whole form lists them; the file's own fields as in the whole form, but
    # ``extends`` is a label, never null.
    own["properties"] = {
        key: full["properties"][key] if key in _OWN_FIELDS else partial[key] for key in full["properties"]
    }
    notes = {
        key: value for key, value in full["properties"]["extends"].items() if key in ("description", "title")
    }
    own["properties"]["extends"] = {**notes, "type": "string"}
    own["required"] = list(_OWN_FIELDS)
    own["description"] = (
        f"A {kind} version file that extends another: it states only what changed. Every field "
        f"but {', '.join(_OWN_FIELDS[:-1])} and {_OWN_FIELDS[-1]} may be left out, and null deletes an "
        "inherited key."
    )
    own["title"] = f"{top}{CHANGES}"
    defs[f"{top}{CHANGES}"] = own


def _changes(node: Any, pending: list[str]) -> Any:
    """The partial form of a schema node (see :func:`_add_changes`)."""
    if not isinstance(node, dict):
        return node
    result = {
        key: value for key, value in node.items() if key not in ("required", "minProperties", "default")
    }
    ref = result.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        pending.append(ref.rsplit("/", 1)[-1])
        result["$ref"] = f"{ref}{CHANGES}"
    discriminator = result.pop("discriminator", None)
    options = result.pop("oneOf", None) or result.pop("anyOf", None)
    if options is not None:
        result["anyOf"] = [_changes(option, pending) for option in options]
    if isinstance(discriminator, dict) and isinstance(discriminator.get("mapping"), dict):
        # The discriminating field may be inherited; where it is stated, it still chooses.
        field = discriminator["propertyName"]
        result["allOf"] = [
            {
                "if": {"type": "object", "required": [field], "properties": {field: {"const": value}}},
                "then": {"$ref": f"{ref}{CHANGES}"},
            }
            for value, ref in discriminator["mapping"].items()
        ]
    if isinstance(result.get("properties"), dict):
        result["properties"] = {
            key: _or_null(_changes(value, pending)) for key, value in result["properties"].items()
        }
    if isinstance(result.get("additionalProperties"), dict):
        result["additionalProperties"] = _or_null(_changes(result["additionalProperties"], pending))
    return result


def _or_null(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` or ``null``, its description kept at the top."""
    if node.get("type") == "null":
        return node
    options = node.get("anyOf")
    if isinstance(options, list):
        if {"type": "null"} not in options:
            node = {**node, "anyOf": [*options, {"type": "null"}]}
        return node
    notes: dict[str, Any] = {key: node[key] for key in ("description", "title") if key in node}
    core = {key: value for key, value in node.items() if key not in notes}
    return {"anyOf": [core, {"type": "null"}], **notes}


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
