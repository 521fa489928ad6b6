"""What a human task without a form of its own may be given: the variables the diagram's
conditions and scripts read (typed by how they are compared), or the fields a Camunda modeler
declared on the task (`camunda:formData`). Both become a generated form, so the task's input is
validated like any other form's."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable
from typing import Any

from lxml import etree

from .scripting import RESERVED_NAMES

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
_BUILTINS = frozenset(dir(builtins)) | {"True", "False", "None"}
_CAMUNDA_TYPES = {"string": "string", "long": "integer", "boolean": "boolean", "date": "string", "enum": "string"}


def read_names(expressions: Iterable[str], scripts: Iterable[str]) -> dict[str, str]:
    """Names read by the expressions and scripts and assigned by none of the scripts, each
    with the JSON type its comparisons imply (`string` when nothing says otherwise)."""
    loaded: dict[str, str] = {}
    assigned: set[str] = set()
    for source, mode in [*((e, "eval") for e in expressions), *((s, "exec") for s in scripts)]:
        try:
            tree = ast.parse(source.strip(), mode=mode)
        except SyntaxError:
            continue  # reported by the expression checks
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Store):
                    assigned.add(node.id)
                else:
                    loaded.setdefault(node.id, "string")
            elif isinstance(node, ast.Compare):
                _type_from_comparison(node, loaded)
            elif isinstance(node, ast.BoolOp | ast.UnaryOp | ast.IfExp):
                for operand in _truth_operands(node):
                    if isinstance(operand, ast.Name):
                        loaded[operand.id] = "boolean"
    return {
        name: kind
        for name, kind in sorted(loaded.items())
        if name not in assigned and name not in _BUILTINS and name not in RESERVED_NAMES and not name.startswith("_")
    }


def _type_from_comparison(node: ast.Compare, found: dict[str, str]) -> None:
    operands = [node.left, *node.comparators]
    constants = [o.value for o in operands if isinstance(o, ast.Constant)]
    for operand in operands:
        if not isinstance(operand, ast.Name) or not constants:
            continue
        value = constants[0]
        if isinstance(value, bool):
            found[operand.id] = "boolean"
        elif isinstance(value, int | float):
            found[operand.id] = "number"
        else:
            found[operand.id] = "string"


def _truth_operands(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return [node.operand]
    if isinstance(node, ast.IfExp):
        return [node.test]
    return []


def generated_schema(title: str, fields: dict[str, dict[str, Any]], required: list[str]) -> dict[str, Any] | None:
    if not fields:
        return None
    schema: dict[str, Any] = {"title": title, "type": "object", "properties": fields}
    if required:
        schema["required"] = required
    return schema


def schema_from_names(
    title: str, names: dict[str, str], choices: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any] | None:
    """A form of the variables the diagram reads, none required (a condition that needs one
    names it when it is missing), and of the choices of way this task decides (required)."""
    fields: dict[str, dict[str, Any]] = {}
    for name, kind in names.items():
        node: dict[str, Any] = {"type": kind, "title": name}
        if kind == "string":
            node["maxLength"] = 2000
        fields[name] = node
    fields.update(choices or {})
    return generated_schema(title, fields, sorted(choices or {}))


def schema_from_camunda_fields(title: str, element: etree._Element) -> dict[str, Any] | None:
    """`camunda:formData/camunda:formField` as a form: id, label, type (string, long,
    boolean, date, enum with its values) and the `required` constraint."""
    fields: dict[str, dict[str, Any]] = {}
    required: list[str] = []
    for field in element.iter(f"{{{CAMUNDA_NS}}}formField"):
        name, kind = field.get("id") or "", field.get("type") or "string"
        if not name or kind not in _CAMUNDA_TYPES:
            continue
        node: dict[str, Any] = {"type": _CAMUNDA_TYPES[kind], "title": field.get("label") or name}
        if kind == "date":
            node["format"] = "date"
        elif kind == "string":
            node["maxLength"] = 2000
        elif kind == "enum":
            values = [
                (v.get("id") or "", v.get("name") or v.get("id") or "") for v in field.iter(f"{{{CAMUNDA_NS}}}value")
            ]
            if values:
                node["enum"] = [v for v, _ in values]
                node["x-enumNames"] = [label for _, label in values]
        fields[name] = node
        if any(c.get("name") == "required" for c in field.iter(f"{{{CAMUNDA_NS}}}constraint")):
            required.append(name)
    return generated_schema(title, fields, required)


def unsupported_camunda_types(element: etree._Element) -> list[str]:
    return [
        f"{f.get('id')}: {f.get('type')}"
        for f in element.iter(f"{{{CAMUNDA_NS}}}formField")
        if (f.get("type") or "string") not in _CAMUNDA_TYPES
    ]
