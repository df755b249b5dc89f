"""Build JSON values valid for a JSON schema, filled from the prompt.

Used for tool-call arguments and ``json_schema`` answers. Covers what
function tools and pydantic emit: objects (required, defaults), arrays,
enums, const, ``$ref`` into ``$defs``/``definitions``, ``anyOf``/``oneOf``
(null branches skipped), ``allOf``, number bounds and ``multipleOf``, string
lengths, ``pattern`` and a few formats, and ``uniqueItems``. Values come from
the prompt where it holds one (quoted strings, capitalised names, numbers, enum
words), else from defaults, else a placeholder valid for the type; a string
that must match a ``pattern`` it does not is generated from the pattern.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ._facts import PromptFacts

__all__ = ["PromptFacts", "instance_for"]


def _resolve(schema: Any, root: Mapping[str, Any]) -> Any:
    seen = 0
    while isinstance(schema, Mapping) and "$ref" in schema and seen < 32:
        ref = str(schema["$ref"])
        if not ref.startswith("#/"):
            return {}
        target: Any = root
        for part in ref[2:].split("/"):
            if not isinstance(target, Mapping) or part not in target:
                return {}
            target = target[part]
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **rest} if isinstance(target, Mapping) else target
        seen += 1
    return schema


def _choose_type(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        non_null = [k for k in kind if k != "null"]
        return str(non_null[0]) if non_null else "null"
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def instance_for(
    schema: Any, facts: PromptFacts, root: Mapping[str, Any] | None = None, key: str = ""
) -> Any:
    """A value valid for ``schema``, filled from ``facts`` where possible.

    Args:
        schema: a JSON schema (dict); ``True``/``{}`` accept anything.
        facts: prompt values, consumed as fields take them.
        root: the document ``$ref`` points into (defaults to ``schema``).
        key: the property name, a hint for which prompt value fits.

    Returns:
        A JSON-compatible value.
    """
    if root is None:
        root = schema if isinstance(schema, Mapping) else {}
    schema = _resolve(schema, root)
    if not isinstance(schema, Mapping):
        return facts.text
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return _pick_enum(list(schema["enum"]), facts)
    for combiner in ("anyOf", "oneOf"):
        options = schema.get(combiner)
        if isinstance(options, list) and options:
            real = [o for o in options if _resolve(o, root) != {"type": "null"}]
            if "default" in schema and schema["default"] is None and not real:
                return None
            return instance_for((real or options)[0], facts, root, key)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            resolved = _resolve(part, root)
            if isinstance(resolved, Mapping):
                merged.update(resolved)
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        return instance_for({**merged, **rest}, facts, root, key)
    kind = _choose_type(schema)
    if kind == "object":
        return _object(schema, facts, root)
    if kind == "array":
        return _array(schema, facts, root, key)
    if kind in ("integer", "number"):
        return _number(schema, facts, kind)
    if kind == "boolean":
        if "default" in schema:
            return schema["default"]
        return bool(re.search(r"\b(yes|true|enable|on)\b", facts.text, re.IGNORECASE))
    if kind == "null":
        return None
    return _string(schema, facts, key)


def _pick_enum(options: list[Any], facts: PromptFacts) -> Any:
    lowered = facts.text.lower()
    for option in options:
        if isinstance(option, str) and re.search(
            rf"(?<!\w){re.escape(option.lower())}(?!\w)", lowered
        ):
            return option
    return options[0] if options else None


def _object(schema: Mapping[str, Any], facts: PromptFacts, root: Mapping[str, Any]) -> Any:
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    out: dict[str, Any] = {}
    for name, sub in props.items():
        resolved = _resolve(sub, root)
        if name in required:
            out[name] = instance_for(resolved, facts, root, name)
        elif isinstance(resolved, Mapping) and "default" in resolved:
            out[name] = resolved["default"]
    for name in sorted(required - set(props)):
        out[name] = instance_for({}, facts, root, name)
    return out


def _array(
    schema: Mapping[str, Any], facts: PromptFacts, root: Mapping[str, Any], key: str
) -> list[Any]:
    items = schema.get("items", {})
    low = int(schema.get("minItems", 1))
    high = schema.get("maxItems")
    count = max(low, 1)
    if high is not None:
        count = min(count, int(high))
    out = [instance_for(items, facts, root, key) for _ in range(count)]
    if schema.get("uniqueItems") is True:
        resolved = _resolve(items, root)
        for i in range(1, len(out)):
            if out[i] in out[:i]:
                out[i] = _distinct(resolved, out[:i], out[i], i)
    return out


def _distinct(schema: Any, taken: list[Any], value: Any, i: int) -> Any:
    """A variant of ``value`` not in ``taken`` (best effort: leaves it when none fits)."""
    if not isinstance(schema, Mapping):
        return value
    for option in list(schema.get("enum") or ()):
        if option not in taken:
            return option
    if isinstance(value, bool):
        return value if (not value) in taken else not value
    if isinstance(value, (int, float)):
        step = _step(schema, "integer" if isinstance(value, int) else "number") or 1
        for direction in (1, -1):
            number = value
            for _ in range(len(taken) + 1):
                number += direction * step
                if number not in taken and _in_bounds(schema, number):
                    return number
        return value
    if isinstance(value, str) and "pattern" not in schema:
        suffix = f" {i + 1}"
        high = schema.get("maxLength")
        base = value if high is None else value[: max(int(high) - len(suffix), 0)]
        text = (base + suffix)[: int(high)] if high is not None else base + suffix
        return text if text not in taken else value
    return value


def _in_bounds(schema: Mapping[str, Any], value: float) -> bool:
    if "minimum" in schema and value < schema["minimum"]:
        return False
    if "maximum" in schema and value > schema["maximum"]:
        return False
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        return False
    return not ("exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"])


def _number(schema: Mapping[str, Any], facts: PromptFacts, kind: str) -> float | int:
    found = facts.take_number()
    value: float
    if found is not None:
        value = found
    elif "default" in schema and isinstance(schema["default"], (int, float)):
        value = float(schema["default"])
    else:
        value = 1.0
    if "minimum" in schema:
        value = max(value, float(schema["minimum"]))
    if "exclusiveMinimum" in schema:
        value = max(value, float(schema["exclusiveMinimum"]) + 1)
    if "maximum" in schema:
        value = min(value, float(schema["maximum"]))
    if "exclusiveMaximum" in schema:
        value = min(value, float(schema["exclusiveMaximum"]) - 1)
    step = _step(schema, kind)
    if step is not None:
        value = _multiple(schema, value, step)
    if kind == "integer" or value.is_integer():
        return int(value)
    return value


def _step(schema: Mapping[str, Any], kind: str) -> float | None:
    """The spacing of valid values: ``multipleOf``, or for an integer its least whole multiple."""
    step = schema.get("multipleOf")
    if not isinstance(step, (int, float)) or isinstance(step, bool) or step <= 0:
        return None
    if kind == "integer":
        return float(Fraction(str(step)).numerator)  # 0.5 -> 1, 1.5 -> 3
    return float(step)


def _multiple(schema: Mapping[str, Any], value: float, step: float) -> float:
    """The multiple of ``step`` nearest ``value`` that keeps within the bounds."""
    down, up = math.floor(value / step) * step, math.ceil(value / step) * step
    for candidate in sorted((down, up), key=lambda c: abs(c - value)):
        if _in_bounds(schema, candidate):
            return candidate
    return up


_FORMATS = {
    "date": "2024-06-18",
    "date-time": "2024-06-18T12:00:00Z",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def _string(schema: Mapping[str, Any], facts: PromptFacts, key: str) -> str:
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS:
        return _FORMATS[fmt]
    value = facts.take_string(key)
    if value is None:
        value = schema["default"] if isinstance(schema.get("default"), str) else facts.text
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    if len(value) < low:
        value = value + "x" * (low - len(value))
    if high is not None:
        value = value[: int(high)]
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not _matches(pattern, value):
        bound = None if high is None else int(high)
        found = _in_prompt(pattern, facts.text)
        if found is not None and _fits(found, low, bound):
            value = found
        else:
            value = _from_pattern(pattern, low, bound) or value
    return value


def _fits(value: str, low: int, high: int | None) -> bool:
    return len(value) >= low and (high is None or len(value) <= high)


def _in_prompt(pattern: str, text: str) -> str | None:
    """A piece of the prompt that matches ``pattern`` once its anchors are dropped."""
    loose = pattern.removeprefix("^").removesuffix("$")
    try:
        found = re.search(loose, text)
    except re.error:
        return None
    if found and found.group(0) and _matches(pattern, found.group(0)):
        return found.group(0)
    return None


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True  # not a Python regex: nothing to check against


def _from_pattern(pattern: str, low: int, high: int | None) -> str | None:
    """A string matching ``pattern`` within the length bounds (same pattern, same string)."""
    import rstr  # only schemas with a pattern need it

    generator = rstr.Rstr(random.Random(pattern))
    for _ in range(20):
        try:
            candidate = str(generator.xeger(pattern))
        except Exception:
            return None  # a pattern rstr cannot expand
        if _fits(candidate, low, high) and _matches(pattern, candidate):
            return candidate
    return None
