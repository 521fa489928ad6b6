"""History exports: CSV for spreadsheets, JSON for other tools."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

COLUMNS = (
    "seq",
    "instance_id",
    "at",
    "actor",
    "action",
    "element_id",
    "task_id",
    "data_before",
    "data_after",
    "details",
    "hash",
)

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


def history_csv(events: list[AuditEvent]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # so that spreadsheet programs read the Chinese text as UTF-8
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for event in events:
        row = event_row(event)
        for key in ("data_before", "data_after", "details"):
            row[key] = json.dumps(row[key], ensure_ascii=False, sort_keys=True) if row[key] is not None else ""
        writer.writerow({k: _safe_cell(v) for k, v in row.items()})
    return out.getvalue()


def _safe_cell(value: Any) -> Any:
    """Cells a spreadsheet would run as formulas are quoted (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
