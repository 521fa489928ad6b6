"""Facts of a case read from the process data, labelled and formatted by the forms the
instance's version was deployed with: field titles, option labels, yes/no, local times. A
plugin names the fields a step needs; `resultKey` data is named `key.field`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from app.bpm import definitions
from app.bpm.forms import FieldSpec
from app.bpm.plugins import Fact, StepContext
from app.i18n import translate

DEFAULT_TIMEZONE = "Asia/Shanghai"


def office_tz() -> ZoneInfo:
    """The office's time zone (the app's `SHOUHOU_TIMEZONE`; its default outside an app)."""
    return ZoneInfo(current_app.config["SHOUHOU"].timezone if current_app else DEFAULT_TIMEZONE)


def data_facts(ctx: StepContext, names: Iterable[str]) -> tuple[Fact, ...]:
    """The named fields that have a value, in the order given."""
    loaded = definitions.loaded(ctx.instance.definition)
    specs: dict[str, FieldSpec] = {}
    for form in loaded.forms.values():
        for field_spec in form.fields:
            specs.setdefault(field_spec.name, field_spec)
    owners = {t.result_key: t.localized_title(ctx.locale) for t in loaded.model.user_tasks.values() if t.result_key}
    facts = []
    for name in names:
        key, _, inner = name.partition(".")
        value = ctx.data.get(key)
        if inner:
            value = value.get(inner) if isinstance(value, dict) else None
        if value is None or value == "" or value == []:
            continue
        spec = specs.get(inner or key)
        label = spec.title(ctx.locale) if spec else (inner or key)
        if inner and key in owners:
            label = f"{owners[key]} · {label}"
        facts.append(Fact(label, _text(spec, value, ctx.locale)))
    return tuple(facts)


@dataclass(frozen=True)
class FactSection:
    """The facts one step of the process recorded, under the step's title."""

    title: str
    facts: tuple[Fact, ...]


def step_sections(ctx: StepContext) -> tuple[FactSection, ...]:
    """Every field the version's user tasks record that has a value, step by step in the
    diagram's order, each labelled and formatted by its form (a whole case on paper). A field
    two steps share is shown under the first; steps that recorded nothing are left out."""
    loaded = definitions.loaded(ctx.instance.definition)
    shown: set[str] = set()
    sections = []
    for task in loaded.model.user_tasks.values():
        form = loaded.forms.get(task.form) if task.form else None
        if form is None:
            continue
        facts = []
        for spec in form.fields:
            name = f"{task.result_key}.{spec.name}" if task.result_key else spec.name
            value = _value(ctx.data, name)
            if name in shown or value is None or value == "" or value == []:
                continue
            shown.add(name)
            facts.append(Fact(spec.title(ctx.locale), _text(spec, value, ctx.locale)))
        if facts:
            sections.append(FactSection(task.localized_title(ctx.locale), tuple(facts)))
    return tuple(sections)


def _value(data: dict[str, Any], name: str) -> Any:
    key, _, inner = name.partition(".")
    value = data.get(key)
    if inner:
        return value.get(inner) if isinstance(value, dict) else None
    return value


def _text(spec: FieldSpec | None, value: Any, locale: str) -> str:
    if isinstance(value, bool):
        return translate("task.yes" if value else "task.no", locale)
    if spec is not None and spec.enum is not None:
        labels = dict(zip(spec.enum, spec.option_titles(locale), strict=True))
        if isinstance(value, list):
            return "、".join(labels.get(v, str(v)) for v in value)
        return labels.get(value, str(value))
    if spec is not None and spec.format == "date-time" and isinstance(value, str):
        try:
            return datetime.fromisoformat(value).astimezone(office_tz()).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return str(value)
