"""The report use cases: who may read them, and the figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.aftersales.policies import can_read_reports
from app.aftersales.reports.complaints import complaint_figures, figures_json
from app.bpm.errors import Forbidden
from app.bpm.models import User


def complaints_json(session: Session, user: User, start: date, end: date) -> dict[str, Any]:
    if not can_read_reports(user):
        raise Forbidden("error.forbidden")
    return figures_json(complaint_figures(session, start, end))
