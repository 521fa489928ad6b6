"""The training process's page: its signed record as a PDF (客户培训记录)."""

from __future__ import annotations

from flask import Blueprint, Response

from app.bpm.db import db
from app.bpm.web.pdf import data_url, paper_form
from app.bpm.web.views import _t, _user, login_required
from app.processes.training import service as trainings

training_web = Blueprint("training", __name__, template_folder="templates")


@training_web.get("/instances/<int:instance_id>/training.pdf")
@login_required
def training_pdf(instance_id: int) -> Response:
    sheet = trainings.training_sheet(db.session(), _user(), instance_id)
    number = str(sheet.instance.business_key or sheet.instance.id)
    return paper_form(
        "training/training_print.html",
        f"training-{number}.pdf",
        title=_t("training.sheet_title"),
        number_label=_t("training.number"),
        number=number,
        sheet=sheet,
        signature=data_url(sheet.signature, "image/png") if sheet.signature else None,
    )
