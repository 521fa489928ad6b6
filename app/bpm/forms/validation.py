"""Server-side validation of form data with marshmallow, messages in the user's language."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from app.i18n import translate

from .definition import FieldSpec, FormDefinition

FormErrors = dict[str, list[str]]

# Bounds every form gets, whatever its schema says (issue 12: no single input stalls the service).
MAX_STRING = 10_000  # characters of a string field whose schema sets no maxLength
DATE_YEARS = (2000, 2100)  # business dates and date-times: outside these years a value is refused


def _messages(locale: str) -> dict[str, Any]:
    return {
        "required": translate("form.required", locale),
        "null": translate("form.required", locale),
        "invalid": translate("form.invalid", locale),
    }


def _validators(spec: FieldSpec, locale: str) -> list[Any]:
    validators: list[Any] = []
    if spec.format in ("date", "date-time"):
        validators.append(_in_years(translate("form.date_range", locale, min=DATE_YEARS[0], max=DATE_YEARS[1])))
    if spec.type in ("integer", "number") and (spec.minimum is not None or spec.maximum is not None):
        message = translate("form.range", locale, min=spec.minimum, max=spec.maximum)
        validators.append(validate.Range(min=spec.minimum, max=spec.maximum, error=message))
    if spec.enum is not None and spec.type == "string":
        validators.append(validate.OneOf(spec.enum, error=translate("form.choice", locale)))
    if spec.type == "array" and spec.min_items:
        message = translate("form.min_items", locale, min=spec.min_items)
        validators.append(validate.Length(min=spec.min_items, error=message))
    return validators


def _in_years(message: str) -> Any:
    """A date or date-time within DATE_YEARS, as written and in UTC (where it is stored)."""

    def check(value: dt.date) -> None:
        years = [value.year]
        if isinstance(value, dt.datetime):
            try:
                years.append(value.astimezone(dt.UTC).year)
            except OverflowError:
                raise ValidationError(message) from None
        if not all(DATE_YEARS[0] <= year <= DATE_YEARS[1] for year in years):
            raise ValidationError(message)

    return check


def _length_errors(form: FormDefinition, data: dict[str, Any], locale: str, draft: bool = False) -> FormErrors:
    """Every string bound the schema sets (free text, e-mail, date or choice alike), and
    MAX_STRING where it sets none; checked on the raw text, before anything parses it. A draft
    may stay under a minimum, and text left in a field of another type (a number not yet
    typed right) is held to MAX_STRING."""
    errors: FormErrors = {}
    for spec in form.fields:
        value = data.get(spec.name)
        if not isinstance(value, str) or (spec.type != "string" and not draft):
            continue
        shortest = 0 if draft else spec.min_length or 0
        longest = spec.max_length if spec.type == "string" and spec.max_length is not None else MAX_STRING
        if not shortest <= len(value) <= longest:
            errors[spec.name] = [translate("form.length", locale, min=shortest, max=longest)]
    return errors


def _holds_data_uri(value: Any) -> bool:
    if isinstance(value, str):
        return value.lstrip()[:5].lower() == "data:"
    if isinstance(value, list):
        return any(_holds_data_uri(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_data_uri(item) for item in value.values())
    return False


def draft_errors(form: FormDefinition | None, data: dict[str, Any], locale: str) -> FormErrors:
    """What keeps unfinished input from being kept (nothing else is checked: a draft may be
    half typed): a name the form does not have, a string over the field's bound, and a data
    URI anywhere but in the form's signature field (the one place a drawing belongs)."""
    known = form.field_names if form is not None else set()
    unknown = "form.unknown" if form is not None else "error.task_takes_no_input"
    errors: FormErrors = {key: [translate(unknown, locale)] for key in sorted(data)[:20] if key not in known}
    if form is None or errors:
        return errors
    errors = _length_errors(form, data, locale, draft=True)
    signatures = {spec.name for spec in form.fields if spec.widget == "signature"}
    for name, value in data.items():
        if name not in signatures and _holds_data_uri(value):
            errors.setdefault(name, []).append(translate("form.data_uri", locale))
    return errors


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
    too_long = _length_errors(form, data, locale)
    errors: FormErrors = {}
    try:
        loaded = _schema(form, locale).load({k: v for k, v in data.items() if k not in too_long})
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        errors = {str(k): _flatten(v) for k, v in messages.items()}
        loaded = {}
    errors.update(too_long)
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
