"""The reports' API (API.md, Reports): office dates `YYYY-MM-DD`, months `YYYY-MM`."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, jsonify, request

from app.aftersales.reports import service as reports
from app.aftersales.reports.complaints import month_period
from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.views import BadInput, _user, auth_required
from app.bpm.db import db
from app.bpm.web.locale import current_locale
from app.bpm.web.pdf import pdf_response
from app.i18n import translate

reports_api = Blueprint("reports_api", __name__)


def _date_arg(name: str) -> date:
    raw = request.args.get(name, "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadInput({name: [translate("reports.error.date", current_locale())]}) from None


def month_arg(month: str) -> str:
    """`YYYY-MM`, checked (BadInput when malformed)."""
    try:
        first, _last = month_period(month)
    except ValueError:
        raise BadInput({"month": [translate("reports.error.month", current_locale())]}) from None
    if month != f"{first:%Y-%m}":
        raise BadInput({"month": [translate("reports.error.month", current_locale())]})
    return month


@reports_api.get("/reports/complaints")
@auth_required
def complaints_report() -> Any:
    start, end = _date_arg("from"), _date_arg("to")
    if end < start:
        raise BadInput({"to": [translate("reports.error.range", current_locale())]})
    return jsonify(reports.complaints_json(db.session(), _user(), start, end))


@reports_api.get("/reports/warranty")
@auth_required
def warranty_report() -> Any:
    return jsonify(reports.warranty_json(db.session(), _user(), _date_arg("on")))


def _wants_pdf() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "application/pdf"])
    return best == "application/pdf" and request.accept_mimetypes["application/pdf"] > 0


@reports_api.get("/reports/monthly/<month>")
@auth_required
def monthly_pack(month: str) -> Any:
    version = request.args.get("version", type=int)
    pdf = _wants_pdf()
    pack = reports.get_pack(db.session(), _user(), month_arg(month), version, with_pdf=pdf)
    if pdf:
        return pdf_response(pack.pdf, f"monthly-pack-{pack.month}-v{pack.version}.pdf")
    return jsonify(reports.pack_json(pack))


@reports_api.post("/reports/monthly/<month>")
@auth_required
def regenerate_pack(month: str) -> Any:
    pack = reports.generate_pack(db.session(), _user(), month_arg(month))
    return jsonify(reports.pack_json(pack)), 201


@reports_api.post("/reports/monthly/<month>/approve")
@auth_required
def approve_pack(month: str) -> Any:
    body = request.get_json(silent=True) or {}
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BadInput({"version": [translate("form.required", current_locale())]})
    pack = reports.approve_pack(db.session(), _user(), month_arg(month), version)
    return jsonify(reports.pack_json(pack))


OPENAPI = OpenApiPart(
    paths={
        "/reports/complaints": {
            "get": operation(
                "Complaints received from `from` to `to` (YYYY-MM-DD, office time zone, both included): "
                "by_class, by_department, by_severity, open, closed, median_days_to_close, recurrence "
                "(part numbers complained about more than once), and the cases"
            )
        },
        "/reports/warranty": {
            "get": operation(
                "Units on the office date `on`: in_warranty, out_of_warranty, not_accepted, in_maintenance, "
                "ending_within_90_days, and the call list (unit, customer, contract, warranty end)"
            )
        },
        "/reports/monthly/{month}": {
            "get": operation(
                "The monthly management pack of `month` (YYYY-MM) as JSON, or as PDF with "
                "`Accept: application/pdf`; the latest version, or `?version=`"
            ),
            "post": operation("Regenerate the pack from today's data: a new version (leads, office, admins)"),
        },
        "/reports/monthly/{month}/approve": {
            "post": operation("Approve and issue one version `{version}` (a lead or the office, not its generator)")
        },
    }
)
