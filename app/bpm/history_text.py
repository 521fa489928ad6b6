"""The audit history as people read it (the instance page, the CSV export): the task's title,
each changed field by its form's title and its value by the field's type (yes/no, option
labels, dates and instants in the office's time zone), nested values as `label: value` lists,
pictures as a marker. The API keeps the raw events; this is only how they are shown."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bpm import definitions
from app.bpm.audit import IMAGE_MARKER
from app.bpm.forms import FieldSpec
from app.bpm.models import AuditEvent, ProcessDefinition, ProcessInstance
from app.bpm.plugins import plugin_for
from app.i18n import MESSAGES, translate

_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
IMAGE_PREFIX = "data:image/"
SIGNATURE_WIDGET = "signature"  # a form field drawn by hand; the history says it was signed


def is_image(value: Any) -> bool:
    return isinstance(value, str) and (value.startswith(IMAGE_PREFIX) or value == IMAGE_MARKER)


def is_row_id(key: str, value: Any) -> bool:
    """A database row's id kept in the data (`item_id: 3`, `item_ids: [4, 5]`): the process's
    own pages show what it stands for; as a bare number it means nothing to a reader, so the
    readable history leaves it out (the API's raw events keep it)."""
    if key.endswith("_ids") and isinstance(value, list):
        return bool(value) and all(is_row_id("_id", v) for v in value)
    return key.endswith("_id") and isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class ReadableChange:
    label: str
    old: str | None  # None: the field had no value before
    new: str | None  # None: the step removed the field


@dataclass(frozen=True)
class ReadableEvent:
    event: AuditEvent
    task: str  # the task's (or element's) title; "" for instance-wide events
    changes: tuple[ReadableChange, ...]
    details_text: str = ""  # what else the event says, as `label: value` text

    def changes_text(self) -> str:
        """One line for a spreadsheet cell: `label: old → new; …`."""
        parts = []
        for change in self.changes:
            new = change.new if change.new is not None else ""
            parts.append(
                f"{change.label}: {change.old} → {new}" if change.old is not None else f"{change.label}: {new}"
            )
        return "；".join(parts)


class DataText:
    """Labels and values of one deployed version's data, in one locale."""

    def __init__(
        self,
        definition: ProcessDefinition,
        locale: str,
        tz: tzinfo,
        labels: Mapping[str, str] | None = None,
        values: Mapping[str, str] | None = None,
    ) -> None:
        loaded = definitions.loaded(definition)
        self.specs: dict[str, FieldSpec] = {}
        for form in loaded.forms.values():
            for spec in form.fields:
                self.specs.setdefault(spec.name, spec)
        self.owners = {
            t.result_key: t.localized_title(locale) for t in loaded.model.user_tasks.values() if t.result_key
        }
        self.titles = {element_id: t.localized_title(locale) for element_id, t in loaded.model.user_tasks.items()}
        self.labels, self.values = labels or {}, values or {}
        self.locale, self.tz = locale, tz

    def element(self, element_id: str | None) -> str:
        return self.titles.get(element_id, element_id) if element_id else ""

    def label(self, key: str) -> str:
        if key in self.owners:
            return self.owners[key]
        spec = self.specs.get(key)
        if spec is not None:
            return spec.title(self.locale)
        message = self.labels.get(key) or f"data.{key}"
        return translate(message, self.locale) if message in MESSAGES else key

    def value(self, key: str, value: Any) -> str:
        spec = self.specs.get(key)
        if value is None:
            return ""
        if isinstance(value, bool):
            return translate("task.yes" if value else "task.no", self.locale)
        if is_image(value):
            return translate("history.image", self.locale)
        if spec is not None and spec.widget == SIGNATURE_WIDGET:  # where the process keeps the drawing
            return translate("history.signed", self.locale)
        if isinstance(value, dict):  # as every database orders, without row ids
            return "；".join(self._item(k, value[k]) for k in sorted(value) if self._readable(k, value[k]))
        if isinstance(value, list):
            return "、".join(self.value(key, v) for v in value)
        if isinstance(value, str) and f"{self.values.get(key)}{value}" in MESSAGES:
            return translate(f"{self.values[key]}{value}", self.locale)
        if spec is not None and spec.enum is not None:
            labels = dict(zip(spec.enum, spec.option_titles(self.locale), strict=True))
            return labels.get(value, str(value))
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else str(value)
        if isinstance(value, str) and _INSTANT.match(value):
            return self._instant(value)
        return str(value)

    def _readable(self, key: str, value: Any) -> bool:
        """Whether a value has anything to show: not a row id, nor a group of only those, nor
        the bare key of an option a plugin offered (a select without options of its own: its
        labels depend on the case, which the history does not read)."""
        if isinstance(value, dict):
            return any(self._readable(k, v) for k, v in value.items())
        spec = self.specs.get(key)
        if spec is not None and spec.widget == "select" and spec.enum is None and value is not None:
            return False
        return not is_row_id(key, value)

    def _item(self, key: str, value: Any) -> str:
        """`label: value`, or `label（…）` around a nested group (an SLA's clocks, say)."""
        if isinstance(value, dict):
            return f"{self.label(key)}（{self.value(key, value)}）"
        return f"{self.label(key)}: {self.value(key, value)}"

    def _instant(self, value: str) -> str:
        try:
            return datetime.fromisoformat(value).astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value

    def changes(self, event: AuditEvent) -> tuple[ReadableChange, ...]:
        before, after = event.data_before or {}, event.data_after or {}
        out = []
        for key in sorted(before.keys() | after.keys()):
            old = self.value(key, before[key]) if key in before and self._readable(key, before[key]) else None
            new = self.value(key, after[key]) if key in after and self._readable(key, after[key]) else None
            if old != new:  # nothing readable changed when only row ids did
                out.append(ReadableChange(self.label(key), old, new))
        return tuple(out)


def readable_history(session: Session, events: Iterable[AuditEvent], locale: str, tz: tzinfo) -> list[ReadableEvent]:
    """Each event with its task's title and its changes as text, by its instance's version."""
    events = list(events)
    ids = {e.instance_id for e in events if e.instance_id is not None}
    rows = session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids))).all() if ids else []
    texts: dict[int, DataText] = {}  # by definition id
    by_instance: dict[int, DataText] = {}
    for instance in rows:
        if instance.definition_id not in texts:
            plugin = plugin_for(session, instance.process_id)
            text = DataText(instance.definition, locale, tz, plugin.data_labels, plugin.data_values)
            texts[instance.definition_id] = text
        by_instance[instance.id] = texts[instance.definition_id]
    shown = []
    for event in events:
        found = by_instance.get(event.instance_id or 0)
        if found is None:
            shown.append(ReadableEvent(event, event.element_id or "", ()))
            continue
        details = found.value("details", event.details) if event.details else ""
        shown.append(ReadableEvent(event, found.element(event.element_id), found.changes(event), details))
    return shown
