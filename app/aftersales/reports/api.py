"""`GET /api/v1/reports/complaints?from=&to=` (API.md, Reports): office dates, both included."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, jsonify, request

from app.aftersales.reports import service as reports
from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.views import BadInput, _user, auth_required
from app.bpm.db import db
from app.bpm.web.locale import current_locale
from app.i18n import translate

reports_api = Blueprint("reports_api", __name__)


def _date_arg(name: str) -> date:
    raw = request.args.get(name, "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadInput({name: [translate("reports.error.date", current_locale())]}) from None


@reports_api.get("/reports/complaints")
@auth_required
def complaints_report() -> Any:
    start, end = _date_arg("from"), _date_arg("to")
    if end < start:
        raise BadInput({"to": [translate("reports.error.range", current_locale())]})
    return jsonify(reports.complaints_json(db.session(), _user(), start, end))


OPENAPI = OpenApiPart(
    paths={
        "/reports/complaints": {
            "get": operation(
                "Complaints received from `from` to `to` (YYYY-MM-DD, office time zone, both included): "
                "by_class, by_department, by_severity, open, closed, median_days_to_close, and the cases"
            )
        }
    }
)
