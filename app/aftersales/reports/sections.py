"""The dashboard's and the monthly pack's sections: each module that owns figures contributes
`ReportSection`s to the extension point `REPORT_SECTIONS` (the repair process its SLA and
engineer figures, the survey its satisfaction scores, this module complaints and warranty).
The dashboard draws each section's charts over its tables and offers each table as CSV and
XLSX; the monthly pack prints the same tables and keeps each section's `figures` as JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from sqlalchemy.orm import Session

from app.bpm.models import User

REPORT_SECTIONS = "report_sections"  # the extension point's name

Cell = str | int | float | None


@dataclass(frozen=True)
class ReportTable:
    """One table of figures, already in the reader's language (titles, headings, labels)."""

    key: str  # stable within its section, e.g. "by_clock"; used in export file names and URLs
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    # Per row, the page listing the cases behind its numbers (a chart's bar links there); may be
    # empty, or hold None for a row with no list.
    links: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class ReportChart:
    """A chart drawn over one of the section's tables: the label column and the value columns."""

    table: str  # the ReportTable.key it draws
    kind: Literal["bar", "line", "pie"] = "bar"
    label_column: int = 0
    value_columns: tuple[int, ...] = (1,)


@dataclass(frozen=True)
class ReportSectionFigures:
    key: str
    title: str
    tables: tuple[ReportTable, ...]
    charts: tuple[ReportChart, ...] = ()
    figures: dict[str, Any] = field(default_factory=dict)  # the JSON the section's API returns


@dataclass(frozen=True)
class ReportSection:
    """A module's contribution: `build(session, reader, start, end, locale)` for the office dates
    `start`..`end` (both included). The reader may read reports (the caller checked)."""

    key: str  # e.g. "sla", "complaints", "satisfaction", "warranty", "engineers"
    order: int  # place on the dashboard and in the pack, ascending
    build: Callable[[Session, User, date, date, str], ReportSectionFigures]
