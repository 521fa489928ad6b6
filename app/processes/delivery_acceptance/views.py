"""The delivery process's pages: the acceptance form's two drawn signatures and the signed
验收单 as a PDF, each for whoever may see the delivery's instance."""

from __future__ import annotations

from flask import Blueprint, Response

from app.bpm.db import db
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
