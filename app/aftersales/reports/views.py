"""The reports' pages: the dashboard (every contributed section, its charts drawn by ECharts
over its tables, each table as CSV and XLSX), the lists behind its numbers, and the monthly
management packs (versions, approval, PDF)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_from_directory, url_for

from app.aftersales.policies import can_generate_monthly_pack
from app.aftersales.reports import service as reports
from app.aftersales.reports.complaints import last_month, month_period
from app.aftersales.reports.exports import MIMETYPES, export
from app.aftersales.reports.sections import ReportSectionFigures, ReportTable
from app.bpm.db import db
from app.bpm.errors import ServiceError
from app.bpm.web.locale import current_locale
from app.bpm.web.pdf import pdf_response
from app.bpm.web.views import _t, _tz, _user, login_required

PROJECT_ROOT = Path(__file__).resolve().parents[3]
MAX_SPAN = timedelta(days=3 * 366)
CASE_FILTERS = ("class", "severity", "department", "state", "part_no")

reports_web = Blueprint(
    "reports", __name__, template_folder="templates", static_folder="static", static_url_path="/reports/static"
)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    typed: dict[str, str]
    errors: dict[str, str]


def _today() -> date:
    return datetime.now(_tz()).date()


def _presets(today: date) -> list[tuple[str, date, date]]:
    this_start, this_end = month_period(f"{today:%Y-%m}")
    last_end = this_start - timedelta(days=1)
    return [
        ("reports.this_month", this_start, this_end),
        ("reports.last_month", last_end.replace(day=1), last_end),
        ("reports.this_year", date(today.year, 1, 1), date(today.year, 12, 31)),
    ]


def _period() -> Period:
    """`from` and `to` (office dates); this month when absent. A malformed or reversed period
    is shown back as typed with its error."""
    today = _today()
    start, end = month_period(f"{today:%Y-%m}")
    typed = {
        "from": request.args.get("from", start.isoformat())[:20],
        "to": request.args.get("to", end.isoformat())[:20],
    }
    errors = {}
    parsed = {}
    for name in ("from", "to"):
        try:
            parsed[name] = date.fromisoformat(typed[name])
        except ValueError:
            errors[name] = _t("reports.error.date")
    if not errors:
        start, end = parsed["from"], parsed["to"]
        if end < start:
            errors["to"] = _t("reports.error.range")
        elif end - start > MAX_SPAN:
            errors["to"] = _t("reports.error.span")
    return Period(start, end, typed, errors)


def _chart_json(table: ReportTable, kind: str, label: int, values: tuple[int, ...]) -> Any:
    return {
        "kind": kind,
        "title": table.title,
        "labels": [str(row[label]) for row in table.rows],
        "series": [{"name": table.columns[v], "values": [row[v] for row in table.rows]} for v in values],
        "links": [table.links[i] if i < len(table.links) else None for i in range(len(table.rows))],
    }


def _charts(section: ReportSectionFigures) -> dict[str, list[Any]]:
    """Per table key, the charts drawn over it (each chart above its table)."""
    tables = {t.key: t for t in section.tables}
    found: dict[str, list[Any]] = {}
    for chart in section.charts:
        table = tables.get(chart.table)
        if table is not None:
            found.setdefault(table.key, []).append(
                _chart_json(table, chart.kind, chart.label_column, chart.value_columns)
            )
    return found


@reports_web.get("/reports")
@login_required
def dashboard_page() -> str:
    period = _period()
    reports.require_reader(_user())
    sections = (
        [] if period.errors else reports.dashboard(db.session(), _user(), period.start, period.end, current_locale())
    )
    return render_template(
        "reports/dashboard.html",
        period=period,
        presets=_presets(_today()),
        sections=[(s, _charts(s)) for s in sections],
    )


@reports_web.get("/reports/<section>/<table>.<any(csv, xlsx):fmt>")
@login_required
def export_table(section: str, table: str, fmt: str) -> Response:
    period = _period()
    if period.errors:
        abort(400)
    _built, found = reports.section_table(
        db.session(), _user(), section, table, period.start, period.end, current_locale()
    )
    body = export(found, fmt, found.title)
    name = f"{section}-{table}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    return Response(
        body,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )


def _list_page(table: ReportTable, total: int | None = None) -> str:
    return render_template("reports/list.html", table=table, total=total if total is not None else len(table.rows))


@reports_web.get("/reports/complaints/cases")
@login_required
def complaint_cases_page() -> str:
    period = _period()
    if period.errors:
        abort(400)
    where = {k: request.args[k][:100] for k in CASE_FILTERS if request.args.get(k)}
    table = reports.complaint_case_list(db.session(), _user(), period.start, period.end, where, current_locale())
    return _list_page(table)


@reports_web.get("/reports/warranty/units")
@login_required
def warranty_units_page() -> str:
    try:
        on = date.fromisoformat(request.args.get("on", ""))
    except ValueError:
        on = _today()
    table, total = reports.warranty_unit_list(
        db.session(), _user(), on, request.args.get("status", ""), current_locale()
    )
    return _list_page(table, total)


@reports_web.get("/vendor/echarts/<path:filename>")
def echarts_asset(filename: str) -> Response:
    """ECharts as installed from the npm registry by scripts/setup.sh; never from a CDN."""
    return send_from_directory(PROJECT_ROOT / "frontend" / "node_modules" / "echarts" / "dist", filename, max_age=3600)


# -- the monthly packs ------------------------------------------------------------------------


@reports_web.get("/reports/monthly")
@login_required
def packs_page() -> str:
    user = _user()
    packs = reports.list_packs(db.session(), user)
    today = _today()
    return render_template(
        "reports/packs.html",
        packs=packs,
        last_month=last_month(today),
        may_generate=can_generate_monthly_pack(user),
    )


def _month(month: str) -> str:
    try:
        first, _last = month_period(month)
    except ValueError:
        abort(404)
    if month != f"{first:%Y-%m}":
        abort(404)
    return month


@reports_web.get("/reports/monthly/<month>")
@login_required
def pack_page(month: str) -> str:
    user = _user()
    versions = reports.pack_versions(db.session(), user, _month(month))
    return render_template(
        "reports/pack.html",
        month=month,
        versions=versions,
        may_approve={p.version: reports.may_approve(user, p) for p in versions},
        may_generate=can_generate_monthly_pack(user),
    )


@reports_web.get("/reports/monthly/<month>.pdf")
@login_required
def pack_pdf(month: str) -> Response:
    version = request.args.get("version", type=int)
    pack = reports.get_pack(db.session(), _user(), _month(month), version, with_pdf=True)
    return pdf_response(pack.pdf, f"monthly-pack-{pack.month}-v{pack.version}.pdf")


def _flash_refusal(err: ServiceError) -> None:
    if err.status >= 500 or err.status in (401, 403):
        raise err
    flash(_t(err.message_key, **err.params), "error")


@reports_web.post("/reports/monthly/<month>/generate")
@login_required
def generate_pack(month: str) -> Any:
    try:
        pack = reports.generate_pack(db.session(), _user(), _month(month))
    except ServiceError as err:
        _flash_refusal(err)
        return redirect(url_for("reports.packs_page"))
    flash(_t("reports.pack.generated_flash", version=pack.version), "success")
    return redirect(url_for("reports.pack_page", month=month))


@reports_web.post("/reports/monthly/<month>/approve")
@login_required
def approve_pack(month: str) -> Any:
    version = request.form.get("version", type=int)
    if version is None:
        abort(400)
    try:
        reports.approve_pack(db.session(), _user(), _month(month), version)
    except ServiceError as err:
        _flash_refusal(err)
    else:
        flash(_t("reports.pack.approved_flash"), "success")
    return redirect(url_for("reports.pack_page", month=month))
