"""This module's dashboard and pack sections: complaints (order 20) and warranty (order 40).
Each row links to the list behind its number: the complaint cases or the units it counts
(plain paths, so the worker builds the same sections without a request)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from app.aftersales.reports import warranty
from app.aftersales.reports.complaints import UNASSIGNED, ComplaintCase, ComplaintFigures, complaint_figures
from app.aftersales.reports.complaints import figures_json as complaints_json
from app.aftersales.reports.sections import Cell, ReportChart, ReportSection, ReportSectionFigures, ReportTable
from app.bpm.case_facts import office_tz
from app.bpm.models import User, utcnow
from app.i18n import translate

CLASSES = ("quality", "human_factor", "other")
SEVERITIES = ("minor", "severe")
CASES_PATH = "/reports/complaints/cases"
UNITS_PATH = "/reports/warranty/units"


def _cases_link(start: date, end: date, **where: str) -> str:
    return f"{CASES_PATH}?{urlencode({'from': start.isoformat(), 'to': end.isoformat(), **where})}"


def _count_table(
    key: str, locale: str, counts: dict[str, int], order: tuple[str, ...], label: str, start: date, end: date
) -> ReportTable:
    """Counts per code, the codes of `order` always (0 included), others after by count."""
    codes = list(order) + sorted((c for c in counts if c not in order), key=lambda c: (-counts[c], c))
    rows: list[tuple[Cell, ...]] = []
    links: list[str | None] = []
    for code in codes:
        rows.append((translate(f"reports.{label}.{code}", locale), counts.get(code, 0)))
        links.append(_cases_link(start, end, **{label: code}))
    return ReportTable(
        key=key,
        title=translate(f"reports.complaints.{key}", locale),
        columns=(translate(f"reports.complaints.{label}", locale), translate("reports.count", locale)),
        rows=tuple(rows),
        links=tuple(links),
    )


def complaint_tables(figures: ComplaintFigures, locale: str) -> tuple[ReportTable, ...]:
    start, end = figures.start, figures.end
    departments = tuple(figures.departments())
    status = ReportTable(
        key="status",
        title=translate("reports.complaints.status", locale),
        columns=(
            translate("reports.complaints.state", locale),
            translate("reports.count", locale),
            translate("reports.complaints.median_days", locale),
        ),
        rows=(
            (translate("reports.state.open", locale), figures.open, None),
            (translate("reports.state.closed", locale), figures.closed, figures.median_days_to_close),
        ),
        links=(_cases_link(start, end, state="open"), _cases_link(start, end, state="closed")),
    )
    recurrence = ReportTable(
        key="recurrence",
        title=translate("reports.complaints.recurrence", locale),
        columns=(translate("reports.complaints.part_no", locale), translate("reports.count", locale)),
        rows=tuple((part, n) for part, n in figures.recurrence.items()),
        links=tuple(_cases_link(start, end, part_no=part) for part in figures.recurrence),
    )
    return (
        _count_table("by_class", locale, figures.by_class, CLASSES, "class", start, end),
        _count_table("by_severity", locale, figures.by_severity, SEVERITIES, "severity", start, end),
        _count_table("by_department", locale, figures.by_department, departments, "department", start, end),
        status,
        recurrence,
    )


def build_complaints(session: Session, reader: User, start: date, end: date, locale: str) -> ReportSectionFigures:
    figures = complaint_figures(session, start, end)
    return ReportSectionFigures(
        key="complaints",
        title=translate("reports.complaints.title", locale),
        tables=complaint_tables(figures, locale),
        charts=(
            ReportChart("by_class"),
            ReportChart("by_severity", kind="pie"),
            ReportChart("by_department"),
            ReportChart("status"),
            ReportChart("recurrence"),
        ),
        figures={k: v for k, v in complaints_json(figures).items() if k != "cases"},
    )


def complaint_cases(figures: ComplaintFigures, where: dict[str, str], locale: str) -> ReportTable:
    """The cases behind one number of the complaints section (`where`: class, severity,
    department, state or part_no), as a table whose rows link to each complaint."""
    checks: dict[str, Callable[[ComplaintCase], str]] = {
        "class": lambda c: c.complaint_class or UNASSIGNED,
        "severity": lambda c: c.severity or UNASSIGNED,
        "department": lambda c: c.department,
        "state": lambda c: c.status,
        "part_no": lambda c: (c.part_no or "").strip().upper(),
    }
    cases = [c for c in figures.cases if all(checks[k](c) == v for k, v in where.items() if k in checks)]

    def label(kind: str, code: str | None) -> str:
        return translate(f"reports.{kind}.{code or UNASSIGNED}", locale)

    return ReportTable(
        key="cases",
        title=translate("reports.complaints.cases", locale),
        columns=tuple(
            translate(f"reports.complaints.{k}", locale)
            for k in ("received_at", "customer", "class", "severity", "department", "part_no", "state", "days")
        ),
        rows=tuple(
            (
                c.received_at.isoformat(timespec="minutes"),
                c.customer,
                label("class", c.complaint_class),
                label("severity", c.severity),
                label("department", c.department),
                c.part_no,
                label("state", c.status),
                c.days_open,
            )
            for c in cases
        ),
        links=tuple(f"/instances/{c.instance_id}" for c in cases),
    )


def warranty_summary(figures: warranty.WarrantyFigures, locale: str) -> ReportTable:
    on = figures.on.isoformat()
    return ReportTable(
        key="summary",
        title=translate("reports.warranty.summary", locale, on=on),
        columns=(translate("reports.warranty.status", locale), translate("reports.warranty.units", locale)),
        rows=tuple((translate(f"reports.warranty.{s}", locale), figures.counts[s]) for s in warranty.STATUSES),
        links=tuple(f"{UNITS_PATH}?{urlencode({'on': on, 'status': s})}" for s in warranty.STATUSES),
    )


def unit_table(key: str, title: str, units: list[warranty.WarrantyUnit], on: date, locale: str) -> ReportTable:
    return ReportTable(
        key=key,
        title=title,
        columns=tuple(
            translate(f"reports.warranty.{k}", locale)
            for k in ("serial", "model", "customer", "contract", "accepted_on", "end", "days_left")
        ),
        rows=tuple(
            (
                u.serial,
                u.model,
                u.customer,
                u.contract,
                u.accepted_on.isoformat() if u.accepted_on else None,
                u.warranty_end.isoformat() if u.warranty_end else None,
                (u.warranty_end - on).days if u.warranty_end else None,
            )
            for u in units
        ),
        links=tuple(f"/equipment/{u.unit_id}" for u in units),
    )


def build_warranty(session: Session, reader: User, start: date, end: date, locale: str) -> ReportSectionFigures:
    """As of the period's last day, or today while the period is not over (a warranty cannot
    be counted as ended on a day still to come)."""
    on = min(end, utcnow().astimezone(office_tz()).date())
    figures = warranty.warranty_figures(session, on)
    calls = unit_table(
        "call_list", translate("reports.warranty.call_list", locale), list(figures.call_list), on, locale
    )
    return ReportSectionFigures(
        key="warranty",
        title=translate("reports.warranty.title", locale),
        tables=(warranty_summary(figures, locale), calls),
        charts=(ReportChart("summary"),),
        figures=warranty.figures_json(figures),
    )


SECTIONS = (
    ReportSection(key="complaints", order=20, build=build_complaints),
    ReportSection(key="warranty", order=40, build=build_warranty),
)
