"""The inspection's pages: the checklist the engineer fills (beside the task, and on a page of
its own that keeps what was typed when something is wrong), and the 巡查反馈信息单 as a PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for

from app.bpm import tasks
from app.bpm.db import db
from app.bpm.errors import FormRejected, NotFound
from app.bpm.forms.views import coerce_html_form
from app.bpm.web.locale import current_locale
from app.bpm.web.pdf import data_url, paper_form
from app.bpm.web.views import _render_task, _t, _tz, _user, login_required
from app.processes.inspection import service as inspections

inspection_web = Blueprint("inspection", __name__, template_folder="templates")


def typed_entries(form: Any, codes: list[str]) -> dict[str, inspections.Entry]:
    return {
        code: inspections.Entry(str(form.get(f"result-{code}", "")), str(form.get(f"note-{code}", "")))
        for code in codes
        if f"result-{code}" in form or f"note-{code}" in form
    }


@dataclass(frozen=True)
class TypedChecklist:
    """A refused checklist posted from beside its task: shown again there (_checklist.html)."""

    typed: dict[str, inspections.Entry]
    errors: dict[str, list[str]]


def _task_typed(task_id: str) -> dict[str, Any]:
    """The task form's fields posted with the checklist (its button posts the task's form)."""
    form = tasks.task_form(db.session(), _user(), task_id)
    return coerce_html_form(form, request.form.to_dict(flat=False), _tz()) if form else {}


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
    task_id = str(request.form.get("task_id") or "")
    typed_task = _task_typed(task_id) if task_id else {}
    try:
        inspections.save_checklist(session_, _user(), instance_id, entries, current_locale())
    except FormRejected as err:
        if task_id:  # beside the task: the task page again, with everything typed on it
            g.inspection_checklist = TypedChecklist(entries, err.errors)
            flash(_t("form.has_errors"), "error")
            return _render_task(task_id, values=typed_task, status=400)
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
    if task_id:  # what was typed in the task's form is kept as its draft
        try:
            tasks.save_draft(session_, _user(), task_id, typed_task, current_locale())
        except FormRejected as err:
            flash(_t("form.has_errors"), "error")
            return _render_task(task_id, values=typed_task, errors=err.errors)
        flash(_t("inspection.checklist_saved"), "success")
        return redirect(url_for("web.task_page", task_id=task_id))
    flash(_t("inspection.checklist_saved"), "success")
    return redirect(back or url_for("inspection.checklist_page", instance_id=instance_id))


@inspection_web.get("/inspections/<int:instance_id>/signature.png")
@login_required
def signature_image(instance_id: int) -> Response:
    """The drawn signature of the customer's person in charge, for whoever may see the instance."""
    sheet = inspections.feedback_sheet(db.session(), _user(), instance_id)
    if sheet.signature is None:
        raise NotFound("error.not_found")
    headers = {
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'inline; filename="inspection-signature-{instance_id}.png"',
    }
    return Response(sheet.signature, mimetype="image/png", headers=headers)


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
