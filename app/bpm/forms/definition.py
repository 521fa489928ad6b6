"""Reading and checking a form definition (a JSON Schema object plus optional UI hints)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_SUFFIX = ".schema.json"
UI_SUFFIX = ".uischema.json"
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Names the pages that draw a form post beside its fields (the page's own buttons post
# `_task_action`, which FIELD_NAME already excludes).
RESERVED_FIELD_NAMES = frozenset({"csrf_token"})
SUPPORTED_FORMATS = {"date", "date-time", "email"}
SUPPORTED_TYPES = {"string", "integer", "number", "boolean", "array"}


class FormInvalid(Exception):
    def __init__(self, form: str, problems: list[str]) -> None:
        super().__init__(f"form {form}: " + "; ".join(problems))
        self.form = form
        self.problems = problems


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    titles: dict[str, str]
    required: bool
    format: str | None = None
    enum: tuple[str, ...] | None = None
    enum_titles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_items: int | None = None
    unique_items: bool = False
    widget: str | None = None
    show_if: dict[str, Any] | None = None

    def title(self, locale: str) -> str:
        return self.titles.get(locale) or self.titles.get("zh_CN") or self.name

    def option_titles(self, locale: str) -> tuple[str, ...]:
        assert self.enum is not None
        return self.enum_titles.get(locale) or self.enum_titles.get("zh_CN") or self.enum


@dataclass(frozen=True, eq=False)  # hashed by identity: cached schemas key on it
class FormDefinition:
    name: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    fields: tuple[FieldSpec, ...]
    conditional_required: tuple[tuple[dict[str, Any], tuple[str, ...]], ...]
    schema: dict[str, Any]
    ui: dict[str, Any]

    def title(self, locale: str) -> str:
        return self.titles.get(locale) or self.titles.get("zh_CN") or self.name

    def description(self, locale: str) -> str:
        return self.descriptions.get(locale) or self.descriptions.get("zh_CN") or ""

    @property
    def field_names(self) -> set[str]:
        return {f.name for f in self.fields}


def _localized(node: dict[str, Any], key: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if key in node:
        values["zh_CN"] = node[key]
    for locale, texts in (node.get("x-i18n") or {}).items():
        if isinstance(texts, dict) and key in texts:
            values[locale] = texts[key]
    return values


def _field(name: str, node: Any, required: bool, ui: dict[str, Any], problems: list[str]) -> FieldSpec | None:
    if not FIELD_NAME.match(name):
        problems.append(f"field name {name!r} must be lower-case ASCII letters, digits and _")
        return None
    if name in RESERVED_FIELD_NAMES:
        problems.append(f"field name {name!r} is reserved by the form pages: rename the field")
        return None
    if not isinstance(node, dict):
        problems.append(f"{name}: the field must be an object")
        return None
    kind = node.get("type")
    if kind not in SUPPORTED_TYPES:
        problems.append(f"{name}: unsupported type {kind!r} (use one of {sorted(SUPPORTED_TYPES)})")
        return None
    fmt = node.get("format")
    if fmt is not None and fmt not in SUPPORTED_FORMATS:
        problems.append(f"{name}: unsupported format {fmt!r}")
    enum_node = node.get("items", {}) if kind == "array" else node
    if kind == "array" and not isinstance(enum_node.get("enum"), list):
        problems.append(f"{name}: arrays must list their allowed items in items.enum")
        return None
    enum = enum_node.get("enum")
    enum_titles: dict[str, tuple[str, ...]] = {}
    if enum is not None:
        if not isinstance(enum, list) or not all(isinstance(v, str) for v in enum):
            problems.append(f"{name}: enum must be a list of strings")
            return None
        names = {"zh_CN": enum_node.get("x-enumNames")} | {
            loc: t.get("enumNames") for loc, t in (node.get("x-i18n") or {}).items() if isinstance(t, dict)
        }
        for locale, titles in names.items():
            if titles is None:
                continue
            if not isinstance(titles, list) or len(titles) != len(enum):
                problems.append(f"{name}: enumNames ({locale}) must match enum one to one")
            else:
                enum_titles[locale] = tuple(str(t) for t in titles)
    ui_node = ui.get(name, {}) if isinstance(ui.get(name), dict) else {}
    return FieldSpec(
        name=name,
        type=kind,
        titles={k: str(v) for k, v in _localized(node, "title").items()},
        required=required,
        format=fmt,
        enum=tuple(enum) if enum else None,
        enum_titles=enum_titles,
        min_length=node.get("minLength"),
        max_length=node.get("maxLength"),
        minimum=node.get("minimum"),
        maximum=node.get("maximum"),
        min_items=node.get("minItems"),
        unique_items=bool(node.get("uniqueItems")),
        widget=ui_node.get("ui:widget"),
        show_if=(ui.get("ui:showIf") or {}).get(name),
    )


def _conditionals(
    schema: dict[str, Any], names: set[str], problems: list[str]
) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
    """Supports `allOf: [{if: {properties: {f: {const: v}}}, then: {required: [...]}}]`."""
    found = []
    for rule in schema.get("allOf", []):
        try:
            condition = {k: v["const"] for k, v in rule["if"]["properties"].items()}
            required = tuple(rule["then"]["required"])
        except (KeyError, TypeError, AttributeError):
            problems.append(
                "allOf: only {if: {properties: {field: {const: value}}}, then: {required: [...]}} is supported"
            )
            continue
        unknown = (set(condition) | set(required)) - names
        if unknown:
            problems.append(f"allOf names unknown fields: {sorted(unknown)}")
        found.append((condition, required))
    return found


def load_form(name: str, schema: Any, ui: Any = None) -> FormDefinition:
    """Check a form definition and return it; raise FormInvalid listing every problem."""
    problems: list[str] = []
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise FormInvalid(name, ['the schema must be a JSON object with "type": "object"'])
    ui = ui if isinstance(ui, dict) else {}
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        raise FormInvalid(name, ["the schema needs at least one field under properties"])
    required = schema.get("required", [])
    if not isinstance(required, list) or not set(required) <= set(properties):
        problems.append("required must list names from properties")
        required = []
    order = [n for n in ui.get("ui:order", []) if n in properties] + [
        n for n in properties if n not in ui.get("ui:order", [])
    ]
    fields = [_field(n, properties[n], n in required, ui, problems) for n in order]
    conditionals = _conditionals(schema, set(properties), problems)
    if problems:
        raise FormInvalid(name, problems)
    return FormDefinition(
        name=name,
        titles={k: str(v) for k, v in _localized(schema, "title").items()},
        descriptions={k: str(v) for k, v in _localized(schema, "description").items()},
        fields=tuple(f for f in fields if f is not None),
        conditional_required=tuple(conditionals),
        schema=schema,
        ui=ui,
    )


def read_forms_dir(directory: Path) -> dict[str, dict[str, Any]]:
    """Raw form documents by name: {"schema": ..., "ui": ...} (ui may be None)."""
    forms: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob(f"*{SCHEMA_SUFFIX}")):
        name = path.name[: -len(SCHEMA_SUFFIX)]
        ui_path = path.with_name(name + UI_SUFFIX)
        forms[name] = {
            "schema": json.loads(path.read_text(encoding="utf-8")),
            "ui": json.loads(ui_path.read_text(encoding="utf-8")) if ui_path.exists() else None,
        }
    return forms
