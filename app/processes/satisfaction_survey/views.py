"""The survey's page: a year's figures (scores per question, distribution, by category and
region, year over year, comments grouped), its analysis report (draft, edit, approve) and a
form to open the year's campaign."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import Schema, fields

from app.bpm.case_facts import office_tz
from app.bpm.db import db
from app.bpm.errors import FormRejected, ServiceError
from app.bpm.web.locale import current_locale
from app.bpm.web.views import _t, _user, login_required, read_form
from app.processes.satisfaction_survey import service as surveys
from app.processes.satisfaction_survey.service import KEY_RULES

survey_web = Blueprint("survey", __name__, template_folder="templates")
CATEGORIES = ("hospital", "government", "school", "enterprise", "other")


class CampaignForm(Schema):
    year = fields.Integer(required=True)
    key = fields.String(load_default="all")
    sample_size = fields.String(load_default="")


def _this_year() -> int:
    return datetime.now(office_tz()).year


def _page(year: int, values: dict[str, Any] | None = None, errors: dict[str, Any] | None = None) -> Any:
    session = db.session()
    user = _user()
    numbers = surveys.report_figures(session, user, year, current_locale())
    analysis = surveys.analysis_of(session, year)
    page = render_template(
        "satisfaction_survey/survey.html",
        year=year,
        figures=numbers,
        analysis=analysis,
        may_approve=analysis is not None and surveys.may_approve(user, analysis),
        campaigns=surveys.list_campaigns(session, user),
        categories=CATEGORIES,
        key_rules=KEY_RULES,
        values=values or {"year": year},
        errors=errors or {},
    )
    return (page, 400) if errors else page


@survey_web.get("/satisfaction")
@login_required
def survey_page() -> Any:
    return _page(request.args.get("year", type=int) or _this_year())


@survey_web.post("/satisfaction/campaigns")
@login_required
def open_campaign() -> Any:
    form = read_form(CampaignForm())
    values: dict[str, Any] = dict(form.values)
    values["categories"] = request.form.getlist("categories")
    year = form.data.get("year") or _this_year()
    if form.errors:
        return _page(year, values, {"year": [_t("survey.error.year")]})
    raw_sample = str(form.data.get("sample_size") or "").strip()
    if raw_sample and not raw_sample.isdigit():
        return _page(year, values, {"sample_size": [_t("survey.error.sample")]})
    rule = surveys.CampaignRule(
        year=year,
        categories=tuple(c for c in values["categories"] if c in CATEGORIES),
        key=str(form.data.get("key") or "all"),
        sample_size=int(raw_sample) if raw_sample else None,
    )
    try:
        campaign = surveys.open_campaign(db.session(), _user(), rule, current_locale())
    except FormRejected as err:
        return _page(year, values, err.errors)
    flash(_t("survey.opened", n=len(campaign.members)), "success")
    return redirect(url_for("survey.survey_page", year=year))


@survey_web.post("/satisfaction/analyses")
@login_required
def draft_analysis() -> Any:
    year = request.form.get("year", type=int) or _this_year()
    try:
        surveys.draft_analysis(db.session(), _user(), year, current_locale())
    except ServiceError as err:
        if err.status >= 500 or err.status == 403:
            raise
        flash(_t(err.message_key, **err.params), "error")
    return redirect(url_for("survey.survey_page", year=year))


@survey_web.post("/satisfaction/analyses/<int:analysis_id>")
@login_required
def edit_analysis(analysis_id: int) -> Any:
    year = request.form.get("year", type=int) or _this_year()
    text = request.form.get("text", "")
    try:
        surveys.edit_analysis(db.session(), _user(), analysis_id, text, current_locale())
    except FormRejected as err:
        return _page(year, {"year": year, "text": text}, err.errors)
    except ServiceError as err:
        if err.status >= 500 or err.status == 403:
            raise
        flash(_t(err.message_key, **err.params), "error")
    else:
        flash(_t("survey.saved"), "success")
    return redirect(url_for("survey.survey_page", year=year))


@survey_web.post("/satisfaction/analyses/<int:analysis_id>/approve")
@login_required
def approve_analysis(analysis_id: int) -> Any:
    year = request.form.get("year", type=int) or _this_year()
    try:
        surveys.approve_analysis(db.session(), _user(), analysis_id)
    except ServiceError as err:
        if err.status >= 500:
            raise
        flash(_t(err.message_key, **err.params), "error")
    return redirect(url_for("survey.survey_page", year=year))
