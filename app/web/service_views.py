"""Pages of the service desk: fault intake, service requests with their clocks, the spare parts
warehouse and loaners, a contract's deposit ledger."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from app.extensions import db
from app.models import CHANNELS
from app.services import archive, service_requests, warehouse
from app.services.errors import ServiceError

from .views import _t, _user, login_required, web_blueprint


def _quantity() -> int:
    try:
        return int(request.form.get("quantity", ""))
    except ValueError:
        return 0


@web_blueprint.get("/service-requests")
@login_required
def service_requests_page() -> str:
    status = request.args.get("status") or None
    rows = service_requests.list_requests(db.session(), _user(), status)
    return render_template("service_requests.html", rows=rows, status=status)


@web_blueprint.get("/service-requests/new")
@login_required
def new_service_request() -> Any:
    return _intake_page()


def _intake_page(values: dict[str, Any] | None = None, error: str | None = None) -> Any:
    values = values or {}
    text = (request.args.get("q") or values.get("q") or "").strip()
    units = archive.search_equipment(db.session(), _user(), text or None) if text or values.get("unit_id") else []
    chosen = request.args.get("unit_id", type=int) or values.get("unit_id")
    if chosen and not any(v.unit.id == chosen for v in units):
        units = [archive.unit_history(db.session(), _user(), int(chosen)).view, *units]
    page = render_template(
        "service_request_new.html", units=units, q=text, chosen=chosen, channels=CHANNELS, values=values, error=error
    )
    return (page, 400) if error else page


@web_blueprint.post("/service-requests")
@login_required
def report_fault() -> Any:
    form = request.form
    unit_id = form.get("unit_id", type=int)
    channel, description = form.get("channel", ""), form.get("description", "")
    contact_name, contact_phone = form.get("contact_name", ""), form.get("contact_phone", "")
    values: dict[str, Any] = {
        "unit_id": unit_id,
        "channel": channel,
        "description": description,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "q": form.get("q", ""),
    }
    if not unit_id:
        return _intake_page(values, _t("error.unit_not_found"))
    try:
        created = service_requests.report_fault(
            db.session(), _user(), unit_id, channel, description, contact_name, contact_phone
        )
    except ServiceError as err:
        if err.status >= 500:
            raise
        db.session().rollback()
        return _intake_page(values, _t(err.message_key, **err.params))
    flash(_t("sr.created", number=created.number), "success")
    return redirect(url_for("web.service_request_page", request_id=created.id))


@web_blueprint.get("/service-requests/<int:request_id>")
@login_required
def service_request_page(request_id: int) -> str:
    session_ = db.session()
    view = service_requests.request_view(session_, _user(), request_id)
    return render_template("service_request.html", view=view, parts=warehouse.list_parts(session_))


@web_blueprint.get("/service-requests/<int:request_id>/signature.png")
@login_required
def service_request_signature(request_id: int) -> Response:
    png = service_requests.signature_png(db.session(), _user(), request_id)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=3600"})


@web_blueprint.post("/service-requests/<int:request_id>/parts")
@login_required
def service_request_parts(request_id: int) -> WerkzeugResponse:
    code = request.form.get("part_code", "")
    quantity = _quantity()
    session_ = db.session()
    try:
        if request.form.get("action") == "return":
            movement = warehouse.return_part(session_, _user(), request_id, code, quantity)
            flash(_t("sr.part_returned", quantity=quantity, part=movement.part.name), "success")
        else:
            movement = warehouse.issue_part(session_, _user(), request_id, code, quantity)
            flash(_t("sr.part_issued", quantity=quantity, part=movement.part.name), "success")
    except ServiceError as err:
        if err.status == 404 and err.message_key == "error.not_found":
            raise
        session_.rollback()
        flash(_t(err.message_key, **err.params), "error")
    return redirect(url_for("web.service_request_page", request_id=request_id) + "#parts")


@web_blueprint.get("/parts")
@login_required
def parts_page() -> str:
    session_ = db.session()
    return render_template(
        "parts.html",
        parts=warehouse.list_parts(session_),
        movements=warehouse.recent_movements(session_),
        loaners=warehouse.list_loaners(session_),
    )


@web_blueprint.post("/parts/receive")
@login_required
def receive_part() -> WerkzeugResponse:
    code = request.form.get("part_code", "")
    quantity = _quantity()
    session_ = db.session()
    try:
        movement = warehouse.receive_part(session_, _user(), code, quantity, request.form.get("note"))
        flash(_t("parts.received", quantity=quantity, part=movement.part.name), "success")
    except ServiceError as err:
        session_.rollback()
        flash(_t(err.message_key, **err.params), "error")
    return redirect(url_for("web.parts_page"))


@web_blueprint.get("/contracts/<int:contract_id>/deposit")
@login_required
def deposit_page(contract_id: int) -> str:
    ledger = warehouse.deposit_ledger(db.session(), _user(), contract_id)
    return render_template("deposit.html", ledger=ledger)
