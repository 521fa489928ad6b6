"""The complaint process's pages: its paper form, the 客户投诉处理表, as a PDF."""

from __future__ import annotations

from flask import Blueprint, Response

from app.bpm.db import db
from app.bpm.web.locale import current_locale
from app.bpm.web.pdf import paper_form
from app.bpm.web.views import _t, _user, login_required
from app.processes.complaint_handling import service as complaints

complaint_web = Blueprint("complaint", __name__, template_folder="templates")


@complaint_web.get("/instances/<int:instance_id>/complaint.pdf")
@login_required
def complaint_pdf(instance_id: int) -> Response:
    sheet = complaints.complaint_sheet(db.session(), _user(), instance_id, current_locale())
    return paper_form(
        "complaint_handling/complaint_print.html",
        f"complaint-{sheet.number}.pdf",
        title=_t("complaint.sheet_title"),
        number_label=_t("complaint.number"),
        number=sheet.number,
        sheet=sheet,
    )
