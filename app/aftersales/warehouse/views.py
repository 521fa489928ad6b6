"""The warehouse's pages: spare parts with their stock and movements, receiving parts, the
loaner pool."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response as WerkzeugResponse

from app.aftersales.warehouse import service as warehouse
from app.aftersales.warehouse.service import MAX_QUANTITY
from app.bpm.db import db
from app.bpm.errors import ServiceError
from app.bpm.web.views import _t, _user, login_required, read_form

warehouse_web = Blueprint("warehouse", __name__, template_folder="templates")


class PartForm(Schema):
    """The parts forms: receive into stock, issue to or return from a repair."""

    part_code = fields.String(required=True, validate=validate.Length(min=1, max=60))
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_QUANTITY))
    note = fields.String(load_default=None, validate=validate.Length(max=300))
    action = fields.String(load_default="issue", validate=validate.OneOf(["issue", "return"]))


def part_form_problem(errors: dict[str, list[str]]) -> str:
    """The message for a parts form that did not load, in the user's language."""
    if "quantity" in errors:
        return _t("error.bad_quantity", max=MAX_QUANTITY)
    return _t("error.part_not_found")


@warehouse_web.get("/parts")
@login_required
def parts_page() -> str:
    session_ = db.session()
    return render_template(
        "warehouse/parts.html",
        parts=warehouse.list_parts(session_),
        movements=warehouse.recent_movements(session_),
        loaners=warehouse.list_loaners(session_),
    )


@warehouse_web.post("/parts/receive")
@login_required
def receive_part() -> WerkzeugResponse:
    form = read_form(PartForm())
    if form.errors:
        flash(part_form_problem(form.errors), "error")
        return redirect(url_for("warehouse.parts_page"))
    quantity = form.data["quantity"]
    try:
        movement = warehouse.receive_part(db.session(), _user(), form.data["part_code"], quantity, form.data["note"])
        flash(_t("parts.received", quantity=quantity, part=movement.part.name), "success")
    except ServiceError as err:
        flash(_t(err.message_key, **err.params), "error")
    return redirect(url_for("warehouse.parts_page"))
