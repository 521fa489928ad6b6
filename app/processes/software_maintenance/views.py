"""The software maintenance pages: the campaigns (plan one upgrade for every unit of a model,
the form shown again with what was typed when refused) and a campaign with each unit's
progress; the customer's drawn signature of an upgrade."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from app.bpm.db import db
from app.bpm.errors import FormRejected, NotFound
from app.bpm.web.locale import current_locale
from app.bpm.web.views import _t, _user, login_required
from app.processes.software_maintenance import service as upgrades

software_web = Blueprint("software_maintenance", __name__, template_folder="templates")
FIELDS = ("model", "software_name", "target_version", "kind", "note")


def _page(typed: dict[str, str], errors: dict[str, list[str]], status: int = 200) -> Any:
    session = db.session()
    return (
        render_template(
            "software_maintenance/campaigns.html",
            campaigns=upgrades.list_campaigns(session, _user()),
            models=upgrades.model_choices(session),
            typed=typed,
            errors=errors,
            max_units=upgrades.MAX_CAMPAIGN_UNITS,
        ),
        status,
    )


@software_web.get("/software-campaigns")
@login_required
def campaigns_page() -> Any:
    return _page({"kind": "upgrade"}, {})


@software_web.post("/software-campaigns")
@login_required
def start_campaign() -> Any:
    typed = {key: str(request.form.get(key, ""))[:4000] for key in FIELDS}
    plan = upgrades.CampaignPlan(
        typed["model"], typed["software_name"], typed["target_version"], typed["kind"], typed["note"]
    )
    try:
        campaign = upgrades.start_campaign(db.session(), _user(), plan, current_locale())
    except FormRejected as err:
        flash(_t("form.has_errors"), "error")
        return _page(typed, err.errors, 400)
    flash(_t("software_maintenance.campaign_started", n=len(campaign.upgrades)), "success")
    return redirect(url_for("software_maintenance.campaign_page", campaign_id=campaign.id))


@software_web.get("/software-campaigns/<int:campaign_id>")
@login_required
def campaign_page(campaign_id: int) -> Any:
    campaign = upgrades.get_campaign(db.session(), _user(), campaign_id)
    return render_template("software_maintenance/campaign.html", campaign=campaign)


@software_web.get("/software-upgrades/<int:instance_id>/signature.png")
@login_required
def signature_image(instance_id: int) -> Response:
    drawing = upgrades.signature_of(db.session(), _user(), instance_id)
    if drawing is None:
        raise NotFound("error.not_found")
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(drawing, mimetype="image/png", headers=headers)
