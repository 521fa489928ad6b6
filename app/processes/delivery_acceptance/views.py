"""The delivery process's pages: a unit's delivery started from its page, the acceptance
form's two drawn signatures and the signed 验收单 as a PDF, each for whoever may see the
delivery's instance."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from app.bpm import tasks
from app.bpm.db import db
from app.bpm.errors import ServiceError
from app.bpm.web.pdf import data_url, paper_form
from app.bpm.web.views import _t, _user, login_required
from app.processes.delivery_acceptance import service

delivery_web = Blueprint("delivery", __name__, template_folder="templates")


@delivery_web.get("/deliveries/<int:delivery_id>/signatures/<signer>.png")
@login_required
def signature(delivery_id: int, signer: str) -> Response:
    png = service.signature_png(db.session(), _user(), delivery_id, signer)
    headers = {
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'inline; filename="acceptance-{delivery_id}-{signer}.png"',
    }
    return Response(png, mimetype="image/png", headers=headers)


@delivery_web.get("/deliveries/<int:delivery_id>/acceptance.pdf")
@login_required
def acceptance_pdf(delivery_id: int) -> Response:
    """验收单 as a paper form, with both signatures embedded."""
    sheet = service.acceptance_sheet(db.session(), _user(), delivery_id)
    return paper_form(
        "delivery_acceptance/acceptance_print.html",
        f"acceptance-{sheet.number}.pdf",
        title=_t("delivery.form_title"),
        number_label=_t("delivery.form_number"),
        number=sheet.number,
        sheet=sheet,
        acceptor_signature=data_url(sheet.acceptor_signature, "image/png") if sheet.acceptor_signature else None,
        head_signature=data_url(sheet.head_signature, "image/png") if sheet.head_signature else None,
    )


@delivery_web.post("/deliveries")
@login_required
def start() -> WerkzeugResponse:
    """A unit's delivery started from its page (the unit's button); refused with the reason
    (accepted already, in another delivery) back on the unit's page."""
    unit_id = request.form.get("unit_id", type=int)
    if unit_id is None:
        flash(_t("error.unit_not_found"), "error")
        return redirect(url_for("archive.equipment_page"))
    session_, user = db.session(), _user()
    try:
        instance = service.start_delivery(session_, user, unit_id)
    except ServiceError as err:
        if err.status >= 500:
            raise
        flash(_t(err.message_key, **err.params), "error")
        return redirect(url_for("archive.equipment_unit_page", unit_id=unit_id))
    flash(_t("start.started"), "success")
    first = tasks.worklist(session_, user, instance.id)
    if first and first[0].assignee_id == user.id:
        return redirect(url_for("web.task_page", task_id=first[0].id))
    return redirect(url_for("web.instance_page", instance_id=instance.id))
