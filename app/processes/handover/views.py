"""The handover's pages: the handover form as a PDF (设备移交单) and the customer's drawn
signature."""

from __future__ import annotations

from flask import Blueprint, Response

from app.bpm.db import db
from app.bpm.errors import NotFound
from app.bpm.web.pdf import data_url, paper_form
from app.bpm.web.views import _t, _user, login_required
from app.processes.handover import service as handovers

handover_web = Blueprint("handover", __name__, template_folder="templates")


@handover_web.get("/handovers/<int:instance_id>/signature.png")
@login_required
def signature_image(instance_id: int) -> Response:
    sheet = handovers.handover_sheet(db.session(), _user(), instance_id)
    if sheet.signature is None:
        raise NotFound("error.not_found")
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(sheet.signature, mimetype="image/png", headers=headers)


@handover_web.get("/handovers/<int:instance_id>/handover.pdf")
@login_required
def handover_pdf(instance_id: int) -> Response:
    """设备移交单 on paper, with the unit's state, its software and the customer's signature."""
    sheet = handovers.handover_sheet(db.session(), _user(), instance_id)
    return paper_form(
        "handover/handover_print.html",
        f"handover-{instance_id}.pdf",
        title=_t("handover.sheet_title"),
        number_label=_t("handover.sheet_number"),
        number=f"YJ-{instance_id}",
        sheet=sheet,
        signature=data_url(sheet.signature, "image/png") if sheet.signature else None,
    )
