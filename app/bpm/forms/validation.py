"""Server-side validation of form data with marshmallow, messages in the user's language."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from app.i18n import translate

from .definition import FieldSpec, FormDefinition

FormErrors = dict[str, list[str]]


def _messages(locale: str) -> dict[str, Any]:
    return {
        "required": translate("form.required", locale),
        "null": translate("form.required", locale),
        "invalid": translate("form.invalid", locale),
    }


def _validators(spec: FieldSpec, locale: str) -> list[Any]:
    validators: list[Any] = []
    is_free_text = spec.type == "string" and spec.enum is None and spec.format is None
    if is_free_text and (spec.max_length is not None or spec.min_length is not None):
        message = translate("form.length", locale, min=spec.min_length or 0, max=spec.max_length)
        validators.append(validate.Length(min=spec.min_length, max=spec.max_length, error=message))
    if spec.type in ("integer", "number") and (spec.minimum is not None or spec.maximum is not None):
        message = translate("form.range", locale, min=spec.minimum, max=spec.maximum)
        validators.append(validate.Range(min=spec.minimum, max=spec.maximum, error=message))
    if spec.enum is not None and spec.type == "string":
        validators.append(validate.OneOf(spec.enum, error=translate("form.choice", locale)))
    if spec.type == "array" and spec.min_items:
        message = translate("form.min_items", locale, min=spec.min_items)
        validators.append(validate.Length(min=spec.min_items, error=message))
    return validators


def _field(spec: FieldSpec, locale: str) -> fields.Field[Any]:
    msgs = _messages(locale)
    common: dict[str, Any] = {
        "required": spec.required,
        "validate": _validators(spec, locale),
        "error_messages": msgs,
    }
    if spec.type == "array":
        assert spec.enum is not None
        choice = validate.OneOf(spec.enum, error=translate("form.choice", locale))
        return fields.List(fields.String(validate=choice, error_messages=msgs), **common)
    if spec.format == "email":
        common["error_messages"] = msgs | {"invalid": translate("form.email", locale)}
    simple: dict[tuple[str, str | None], Any] = {
        ("integer", None): lambda: fields.Integer(strict=True, **common),
        ("number", None): lambda: fields.Float(allow_nan=False, **common),
        ("boolean", None): lambda: fields.Boolean(**common),
        ("string", "date"): lambda: fields.Date(**common),
        ("string", "date-time"): lambda: fields.AwareDateTime(default_timezone=dt.UTC, **common),
        ("string", "email"): lambda: fields.Email(**common),
    }
    make = simple.get((spec.type, spec.format)) or (lambda: fields.String(**common))
    field: fields.Field[Any] = make()
    return field


@lru_cache(maxsize=512)
def _schema(form: FormDefinition, locale: str) -> Schema:
    declared: dict[str, fields.Field[Any]] = {spec.name: _field(spec, locale) for spec in form.fields}
    schema_cls = Schema.from_dict(declared, name=f"Form_{form.name}")  # type: ignore[arg-type]
    schema_cls.error_messages = {
        "unknown": translate("form.unknown", locale),
        "type": translate("form.invalid", locale),
    }
    return schema_cls()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def validate_form_data(form: FormDefinition, data: Any, locale: str) -> tuple[dict[str, Any], FormErrors]:
    """Return (clean JSON-able data, errors by field). Empty strings count as not given."""
    if not isinstance(data, dict):
        return {}, {"_schema": [translate("form.invalid", locale)]}
    data = {k: v for k, v in data.items() if not (isinstance(v, str) and v.strip() == "")}
    errors: FormErrors = {}
    try:
        loaded = _schema(form, locale).load(data)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        errors = {str(k): _flatten(v) for k, v in messages.items()}
        loaded = {}
    for spec in form.fields:
        value = loaded.get(spec.name) if not errors else data.get(spec.name)
        if (
            spec.type == "array"
            and spec.unique_items
            and isinstance(value, list)
            and len(set(map(str, value))) != len(value)
        ):
            errors.setdefault(spec.name, []).append(translate("form.unique", locale))
    for condition, required in form.conditional_required:
        if all(data.get(k) == v for k, v in condition.items()):
            for name in required:
                if name not in data and name not in errors:
                    errors[name] = [translate("form.required", locale)]
    if errors:
        return {}, errors
    return {k: _jsonable(v) for k, v in loaded.items()}, {}


def _flatten(messages: Any) -> list[str]:
    if isinstance(messages, list):
        return [m for item in messages for m in _flatten(item)]
    if isinstance(messages, dict):
        return sorted({m for item in messages.values() for m in _flatten(item)})
    return [str(messages)]
