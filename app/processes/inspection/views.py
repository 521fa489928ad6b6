"""The inspection's pages: the checklist the engineer fills (beside the task, and on a page of
its own that keeps what was typed when something is wrong), and the 巡查反馈信息单 as a PDF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from app.bpm.db import db
from app.bpm.errors import FormRejected
from app.bpm.web.locale import current_locale
from app.bpm.web.pdf import data_url, paper_form
from app.bpm.web.views import _t, _user, login_required
from app.processes.inspection import service as inspections

inspection_web = Blueprint("inspection", __name__, template_folder="templates")


def typed_entries(form: Any, codes: list[str]) -> dict[str, inspections.Entry]:
    return {
        code: inspections.Entry(str(form.get(f"result-{code}", "")), str(form.get(f"note-{code}", "")))
        for code in codes
        if f"result-{code}" in form or f"note-{code}" in form
    }


@inspection_web.get("/inspections/<int:instance_id>/checklist")
@login_required
def checklist_page(instance_id: int) -> Any:
    inspection = inspections.get_inspection(db.session(), _user(), instance_id)
    editable = inspections.may_fill(_user(), inspection)
    return render_template(
        "inspection/checklist.html", inspection=inspection, editable=editable, typed={}, errors={}, back=None
    )


@inspection_web.post("/inspections/<int:instance_id>/checklist")
@login_required
def save_checklist(instance_id: int) -> Any:
    session_ = db.session()
    inspection = inspections.get_inspection(session_, _user(), instance_id)
    codes = [r.code for r in inspection.results]
    entries = typed_entries(request.form, codes)
    back = request.form.get("back") or ""
    back = back if back.startswith("/") and not back.startswith("//") else ""
    try:
        inspections.save_checklist(session_, _user(), instance_id, entries, current_locale())
    except FormRejected as err:
        inspection = inspections.get_inspection(session_, _user(), instance_id)
        page = render_template(
            "inspection/checklist.html",
            inspection=inspection,
            editable=True,
            typed=entries,
            errors=err.errors,
            back=back or None,
        )
        return page, 400
    flash(_t("inspection.checklist_saved"), "success")
    return redirect(back or url_for("inspection.checklist_page", instance_id=instance_id))


@inspection_web.get("/inspections/<int:instance_id>/sheet.pdf")
@login_required
def sheet_pdf(instance_id: int) -> Response:
    """巡查反馈信息单 on paper, with the drawn signature of the customer's person in charge."""
    sheet = inspections.feedback_sheet(db.session(), _user(), instance_id)
    number = sheet.inspection.archive_number or f"XJ-{instance_id}"
    return paper_form(
        "inspection/sheet_print.html",
        f"inspection-sheet-{instance_id}.pdf",
        title=_t("inspection.sheet_title"),
        number_label=_t("inspection.sheet_number"),
        number=number,
        sheet=sheet,
        signature=data_url(sheet.signature, "image/png") if sheet.signature else None,
    )
