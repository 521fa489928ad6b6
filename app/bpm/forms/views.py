"""What the HTML form and the API need to show a form: localized field descriptions."""

from __future__ import annotations

import contextlib
from contextlib import suppress
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from .definition import FieldSpec, FormDefinition


@dataclass(frozen=True)
class FieldView:
    name: str
    label: str
    widget: str  # text | textarea | select | checkboxes | checkbox | date | datetime | email | number
    required: bool
    options: tuple[tuple[str, str], ...]
    value: Any
    errors: tuple[str, ...]
    max_length: int | None
    minimum: float | None
    maximum: float | None
    step: str | None
    show_if: dict[str, Any] | None

    def chosen(self, option: Any) -> bool:
        """Whether an option of a select, a radio group or a checkbox group is the value (or
        one of the values). Compared as text, as the page posts it: a value kept as a number
        (a row id 3 from the process's data) selects the option "3" just as "3" does."""
        kept = self.value if isinstance(self.value, list | tuple) else [self.value]
        return as_option_text(option) in {as_option_text(v) for v in kept if v is not None}

    def label_of(self, value: Any) -> str:
        """The option label of a kept value (matched as text), or the value itself."""
        wanted = as_option_text(value)
        return next((label for option, label in self.options if as_option_text(option) == wanted), str(value))


def as_option_text(value: Any) -> str:
    """A value as an HTML form carries it: booleans as the yes/no radios post them, whole
    numbers without a decimal point."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _widget(spec: FieldSpec, has_choices: bool = False) -> str:
    if spec.widget == "signature":
        return "signature"
    if has_choices:
        return "select"
    if spec.type == "array":
        return "checkboxes"
    if spec.enum is not None:
        return "select"
    if spec.type == "boolean":
        return "yesno"
    if spec.type in ("integer", "number"):
        return "number"
    if spec.format == "date":
        return "date"
    if spec.format == "date-time":
        return "datetime"
    if spec.format == "email":
        return "email"
    return "textarea" if spec.widget == "textarea" else "text"


def _html_value(spec: FieldSpec, value: Any, tz: tzinfo) -> Any:
    if spec.format == "date-time" and isinstance(value, str):
        try:  # <input type="datetime-local"> shows the office's local time, to the minute
            return datetime.fromisoformat(value).astimezone(tz).strftime("%Y-%m-%dT%H:%M")
        except (ValueError, OverflowError):  # shown as typed (9999-12-31T23:59:59-23:59 has no local time)
            return value
    return value


def field_views(
    form: FormDefinition,
    locale: str,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    tz: tzinfo,
    choices: dict[str, list[tuple[str, str]]] | None = None,
) -> list[FieldView]:
    """`choices` gives options for fields filled from the database (people, items in stock)."""
    choices = choices or {}
    views = []
    for spec in form.fields:
        options = tuple(zip(spec.enum, spec.option_titles(locale), strict=True)) if spec.enum else ()
        if spec.name in choices:
            options = tuple(choices[spec.name])
        views.append(
            FieldView(
                name=spec.name,
                label=spec.title(locale),
                widget=_widget(spec, spec.name in choices),
                required=spec.required or _required_when_shown(spec, form),
                options=options,
                value=_html_value(spec, values.get(spec.name), tz),
                errors=tuple(errors.get(spec.name, [])),
                max_length=spec.max_length,
                minimum=spec.minimum,
                maximum=spec.maximum,
                step="1" if spec.type == "integer" else ("any" if spec.type == "number" else None),
                show_if=spec.show_if,
            )
        )
    return views


def describe_form(
    form: FormDefinition, locale: str, choices: dict[str, list[tuple[str, str]]] | None = None
) -> dict[str, Any]:
    """The form for API clients: the JSON Schema with titles in `locale`, and the UI hints;
    fields filled from the database get today's options as `enum`."""
    schema = deepcopy(form.schema)
    schema["title"] = form.title(locale)
    by_name = {f.name: f for f in form.fields}
    for name, node in schema.get("properties", {}).items():
        spec = by_name[name]
        node["title"] = spec.title(locale)
        if spec.enum is not None:
            target = node.get("items", node) if spec.type == "array" else node
            target["x-enumNames"] = list(spec.option_titles(locale))
        if choices and name in choices:
            node["enum"] = [value for value, _label in choices[name]]
            node["x-enumNames"] = [label for _value, label in choices[name]]
        node.pop("x-i18n", None)
    schema.pop("x-i18n", None)
    return {"schema": schema, "ui": deepcopy(form.ui)}


def coerce_html_form(form: FormDefinition, raw: dict[str, list[str]], tz: tzinfo) -> dict[str, Any]:
    """Turn posted HTML form fields (all strings) into typed values for validation; only the
    form's own fields are read."""
    data: dict[str, Any] = {}
    for spec in form.fields:
        values = raw.get(spec.name, [])
        if spec.type == "array":
            data[spec.name] = values
            continue
        if spec.type == "boolean":
            if values and values[-1] in ("true", "false"):
                data[spec.name] = values[-1] == "true"
            continue
        if not values or values[-1].strip() == "":
            continue
        value: Any = values[-1].strip()
        if spec.type == "integer":
            with contextlib.suppress(ValueError):
                value = int(value)
        elif spec.type == "number":
            with contextlib.suppress(ValueError):
                value = float(value)
        elif spec.format == "date-time" and len(value) == 16:
            # <input type="datetime-local"> sends the office's local time without a zone
            with suppress(ValueError):
                value = datetime.fromisoformat(value).replace(tzinfo=tz).isoformat()
        data[spec.name] = value
    return data  # other posted names (csrf_token, the page's _task_action, anything forged) are not form data


def _required_when_shown(spec: FieldSpec, form: FormDefinition) -> bool:
    """A field shown only under a condition that makes it required is required whenever it is
    seen: it carries its `*` before the first submit, not only in the error after it."""
    return spec.show_if is not None and any(
        spec.show_if == condition and spec.name in names for condition, names in form.conditional_required
    )
