"""The repair process's pages: fault intake, service requests with their clocks, the signed
record's image, parts issued to and returned from a repair."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from marshmallow import Schema, fields
from werkzeug.wrappers import Response as WerkzeugResponse

from app.aftersales.archive import service as archive
from app.aftersales.warehouse import service as warehouse
from app.aftersales.warehouse.views import PartForm, part_form_problem
from app.bpm.db import db
from app.bpm.errors import ServiceError
from app.bpm.web.pdf import data_url, paper_form
from app.bpm.web.views import _t, _user, login_required, read_form
from app.processes.repair_dispatch import service as service_requests
from app.processes.repair_dispatch.service import CHANNELS

repair_web = Blueprint("repair", __name__, template_folder="templates")


class IntakeForm(Schema):
    """The intake page's form; the service checks the channel and description with messages
    in the user's language, so only the types are checked here."""

    unit_id = fields.Integer(required=True)
    channel = fields.String(load_default="")
    description = fields.String(load_default="")
    contact_name = fields.String(load_default="")
    contact_phone = fields.String(load_default="")


@repair_web.get("/service-requests")
@login_required
def service_requests_page() -> str:
    status = request.args.get("status") or None
    rows = service_requests.list_requests(db.session(), _user(), status)
    may_report = service_requests.may_report(db.session(), _user())
    return render_template("repair_dispatch/service_requests.html", rows=rows, status=status, may_report=may_report)


@repair_web.get("/service-requests/new")
@login_required
def new_service_request() -> Any:
    return _intake_page()


def _intake_page(values: dict[str, Any] | None = None, error: str | None = None) -> Any:
    service_requests.check_may_report(db.session(), _user())  # no intake form for who may not report
    values = values or {}
    text = (request.args.get("q") or values.get("q") or "").strip()
    units = archive.search_equipment(db.session(), _user(), text or None) if text or values.get("unit_id") else []
    chosen = request.args.get("unit_id", type=int) or values.get("unit_id")
    if chosen and not any(v.unit.id == chosen for v in units):
        units = [archive.get_unit(db.session(), int(chosen)), *units]
    page = render_template(
        "repair_dispatch/service_request_new.html",
        units=units,
        q=text,
        chosen=chosen,
        channels=CHANNELS,
        values=values,
        error=error,
    )
    return (page, 400) if error else page


@repair_web.post("/service-requests")
@login_required
def report_fault() -> Any:
    form = read_form(IntakeForm())
    values: dict[str, Any] = dict(form.values)
    if form.errors:
        values.pop("unit_id", None)  # not a unit: nothing to preselect
        problem = "error.unit_not_found" if "unit_id" in form.errors else "form.has_errors"
        return _intake_page(values, _t(problem))
    data = form.data
    values["unit_id"] = data["unit_id"]
    try:
        report = service_requests.FaultReport(
            data["unit_id"], data["channel"], data["description"], data["contact_name"], data["contact_phone"]
        )
        created = service_requests.report_fault(db.session(), _user(), report)
    except ServiceError as err:
        if err.status >= 500:
            raise
        return _intake_page(values, _t(err.message_key, **err.params))
    flash(_t("sr.created", number=created.number), "success")
    return redirect(url_for("repair.service_request_page", request_id=created.id))


@repair_web.get("/service-requests/<int:request_id>")
@login_required
def service_request_page(request_id: int) -> str:
    session_ = db.session()
    view = service_requests.request_view(session_, _user(), request_id)
    return render_template("repair_dispatch/service_request.html", view=view, parts=warehouse.list_parts(session_))


@repair_web.get("/service-requests/<int:request_id>/signature.png")
@login_required
def service_request_signature(request_id: int) -> Response:
    png = service_requests.signature_png(db.session(), _user(), request_id)
    headers = {
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'inline; filename="signature-{request_id}.png"',
    }
    return Response(png, mimetype="image/png", headers=headers)


@repair_web.get("/service-requests/<int:request_id>/record.pdf")
@login_required
def service_record_pdf(request_id: int) -> Response:
    """《售后服务记录》 as a paper form, with the customer's signature embedded."""
    sheet = service_requests.record_sheet(db.session(), _user(), request_id)
    number = sheet.view.request.number
    return paper_form(
        "repair_dispatch/record_print.html",
        f"service-record-{number}.pdf",
        title=_t("sr.record_title"),
        number_label=_t("sr.number"),
        number=number,
        sheet=sheet,
        signature=data_url(sheet.signature, "image/png") if sheet.signature else None,
    )


@repair_web.post("/service-requests/<int:request_id>/parts")
@login_required
def service_request_parts(request_id: int) -> WerkzeugResponse:
    form = read_form(PartForm())
    back = url_for("repair.service_request_page", request_id=request_id) + "#parts"
    if form.errors:
        flash(part_form_problem(form.errors), "error")
        return redirect(back)
    code, quantity = form.data["part_code"], form.data["quantity"]
    session_ = db.session()
    try:
        if form.data["action"] == "return":
            movement = service_requests.return_part(session_, _user(), request_id, code, quantity)
            flash(_t("sr.part_returned", quantity=quantity, part=movement.part.name), "success")
        else:
            movement = service_requests.issue_part(session_, _user(), request_id, code, quantity)
            flash(_t("sr.part_issued", quantity=quantity, part=movement.part.name), "success")
    except ServiceError as err:
        if err.status == 404 and err.message_key == "error.not_found":
            raise
        flash(_t(err.message_key, **err.params), "error")
    return redirect(back)
