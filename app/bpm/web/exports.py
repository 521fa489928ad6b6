"""History exports: CSV for spreadsheets, JSON for other tools."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from app.bpm.audit import SYSTEM_ACTOR
from app.bpm.history_text import ReadableEvent
from app.i18n import translate

if TYPE_CHECKING:
    from app.bpm.models import AuditEvent


def event_row(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.chain_seq,
        "instance_id": event.instance_id,
        "at": event.at.isoformat(),
        "actor": event.actor_name,
        "action": event.action,
        "element_id": event.element_id,
        "task_id": event.task_id,
        "data_before": event.data_before,
        "data_after": event.data_after,
        "details": event.details,
        "hash": event.hash,
    }


@dataclass(frozen=True)
class _CsvRow:
    shown: ReadableEvent
    locale: str
    tz: tzinfo

    @property
    def event(self) -> AuditEvent:
        return self.shown.event

    @property
    def at(self) -> str:
        return self.event.at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")

    @property
    def actor(self) -> str:
        name = self.event.actor_name
        return translate("actor.system", self.locale) if name == SYSTEM_ACTOR else name

    @property
    def action(self) -> str:
        return translate(f"action.{self.event.action}", self.locale)

    @property
    def details(self) -> str:
        return self.shown.details_text


READABLE_COLUMNS: tuple[tuple[str, Callable[[_CsvRow], Any]], ...] = (
    ("history.seq", lambda r: r.event.chain_seq),
    ("history.instance", lambda r: r.event.instance_id),
    ("history.at", lambda r: r.at),
    ("history.actor", lambda r: r.actor),
    ("history.action", lambda r: r.action),
    ("task.task", lambda r: r.shown.task),
    ("history.changes", lambda r: r.shown.changes_text()),
    ("history.details", lambda r: r.details),
    ("history.hash", lambda r: r.event.hash),
)


def history_csv(shown: list[ReadableEvent], locale: str, tz: tzinfo) -> str:
    """The history as people read it (the page's columns and texts): the JSON export and the
    API keep the raw values."""
    out = io.StringIO()
    out.write("\ufeff")  # so that spreadsheet programs read the Chinese text as UTF-8
    writer = csv.writer(out)
    writer.writerow([translate(key, locale) for key, _ in READABLE_COLUMNS])
    for item in shown:
        row = _CsvRow(item, locale, tz)
        writer.writerow([_safe_cell(cell(row)) for _, cell in READABLE_COLUMNS])
    return out.getvalue()


def _safe_cell(value: Any) -> Any:
    """Cells a spreadsheet would run as formulas are quoted (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
