"""Does a scripted structured output fit the JSON schema a request sent? (for the OpenAI stand-in)

A real model under OpenAI's strict structured outputs can only answer with the schema's keys and values; a test
that scripts a key the schema no longer has (a renamed slot) or a value outside an enum would otherwise be
silently ignored by the client and the test would pass for the wrong reason. Keys left out are fine: the
schema's defaults fill them. Supports what pydantic and OpenAI emit: properties, $ref/$defs, anyOf, enum,
const, type and items.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]
TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def schema_of(request: JSON) -> JSON | None:
    """The schema a request asks the answer to follow: response_format json_schema, or the one forced tool."""
    fmt = request.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema")
    tools = request.get("tools") or []
    choice = request.get("tool_choice")
    name = ((choice or {}).get("function") or {}).get("name") if isinstance(choice, dict) else None
    chosen = [t for t in tools if (t.get("function") or {}).get("name") == name] if name else tools[:1]
    if len(tools) == 1 or name:
        return (chosen[0].get("function") or {}).get("parameters") if chosen else None
    return None


def misfits(schema: JSON, value: Any, root: JSON | None = None, path: str = "$") -> list[str]:
    """Where `value` does not fit `schema` (empty list: it fits), one readable line each."""
    root = root if root is not None else schema
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        target = (root.get("$defs") or root.get("definitions") or {}).get(name)
        return misfits(target, value, root, path) if target is not None else [f"{path}: unknown $ref {name}"]
    if "anyOf" in schema:
        options = [misfits(option, value, root, path) for option in schema["anyOf"]]
        return [] if any(not o for o in options) else min(options, key=len)
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} is not one of {schema['enum']}"]
    if "const" in schema and value != schema["const"]:
        return [f"{path}: {value!r} is not {schema['const']!r}"]
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind else []
    if kinds and not any(_is(value, k) for k in kinds):
        return [f"{path}: {value!r} is not of type {'/'.join(kinds)}"]
    problems: list[str] = []
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        for key, item in value.items():
            if key not in properties:
                if schema.get("additionalProperties") is not True:
                    problems.append(f"{path}.{key}: not in the schema (keys: {', '.join(properties)})")
                continue
            problems += misfits(properties[key], item, root, f"{path}.{key}")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            problems += misfits(schema["items"], item, root, f"{path}[{i}]")
    return problems


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, TYPES.get(kind, (object,)))
