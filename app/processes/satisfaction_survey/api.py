"""The survey's JSON API: `GET /reports/satisfaction?year=` (API.md), campaigns and the
analysis report (draft, edit, approve)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate

from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.schemas import shared
from app.bpm.api.views import BadInput, _body, _user, auth_required
from app.bpm.db import db
from app.bpm.web.locale import current_locale
from app.i18n import translate
from app.processes.satisfaction_survey import service as surveys
from app.processes.satisfaction_survey.service import KEY_RULES

survey_api = Blueprint("survey_api", __name__)


class CampaignIn(Schema):
    year = fields.Integer(required=True, strict=True)
    categories = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list)
    key = fields.String(load_default="all", validate=validate.OneOf(KEY_RULES))
    sample_size = fields.Integer(load_default=None, allow_none=True, strict=True)


class AnalysisIn(Schema):
    year = fields.Integer(required=True, strict=True)


class AnalysisEdit(Schema):
    text = fields.String(required=True, validate=validate.Length(max=20000))


def _year() -> int:
    year = request.args.get("year", type=int)
    if year is None:
        raise BadInput({"year": [translate("survey.error.year", current_locale())]})
    return year


def dump_campaign(campaign: Any) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "year": campaign.year,
        "rule": campaign.rule,
        "created_at": campaign.created_at.isoformat(),
        "customers": [
            {"customer_id": m.customer_id, "name": m.customer.name, "process_instance_id": m.instance_id}
            for m in campaign.members
        ],
    }


def dump_analysis(analysis: Any) -> dict[str, Any]:
    return {
        "id": analysis.id,
        "year": analysis.year,
        "status": analysis.status,
        "text": analysis.text,
        "figures": analysis.figures,
        "written_by": analysis.written_by.username if analysis.written_by else None,
        "written_at": analysis.written_at.isoformat(),
        "approved_by": analysis.approved_by.username if analysis.approved_by else None,
        "approved_at": analysis.approved_at.isoformat() if analysis.approved_at else None,
    }


@survey_api.get("/reports/satisfaction")
@auth_required
def satisfaction_report() -> Any:
    return jsonify(surveys.report_figures(db.session(), _user(), _year(), current_locale()))


@survey_api.post("/survey-campaigns")
@auth_required
def open_campaign() -> Any:
    body = _body(shared(CampaignIn))
    rule = surveys.CampaignRule(body["year"], tuple(body["categories"]), body["key"], body["sample_size"])
    campaign = surveys.open_campaign(db.session(), _user(), rule, current_locale())
    return jsonify(dump_campaign(campaign)), 201


@survey_api.get("/survey-campaigns")
@auth_required
def list_campaigns() -> Any:
    return jsonify([dump_campaign(c) for c in surveys.list_campaigns(db.session(), _user())])


@survey_api.post("/survey-analyses")
@auth_required
def draft_analysis() -> Any:
    body = _body(shared(AnalysisIn))
    analysis = surveys.draft_analysis(db.session(), _user(), body["year"], current_locale())
    return jsonify(dump_analysis(analysis)), 201


@survey_api.get("/survey-analyses/<int:analysis_id>")
@auth_required
def get_analysis(analysis_id: int) -> Any:
    return jsonify(dump_analysis(surveys.get_analysis(db.session(), _user(), analysis_id)))


@survey_api.patch("/survey-analyses/<int:analysis_id>")
@auth_required
def edit_analysis(analysis_id: int) -> Any:
    body = _body(shared(AnalysisEdit))
    analysis = surveys.edit_analysis(db.session(), _user(), analysis_id, body["text"], current_locale())
    return jsonify(dump_analysis(analysis))


@survey_api.post("/survey-analyses/<int:analysis_id>/approve")
@auth_required
def approve_analysis(analysis_id: int) -> Any:
    return jsonify(dump_analysis(surveys.approve_analysis(db.session(), _user(), analysis_id)))


OPENAPI = OpenApiPart(
    paths={
        "/reports/satisfaction": {
            "get": operation(
                "A year's survey figures (?year=): responses, mean and distribution per question, by customer "
                "category and region (from the address), year over year, comments grouped"
            )
        },
        "/survey-campaigns": {
            "get": operation("The survey campaigns with the customers each chose"),
            "post": operation(
                "Open a year's campaign: year, categories (empty: all), key (all|key|non_key), sample_size; "
                "starts one satisfaction_survey per customer not yet answered that year",
                body="CampaignIn",
            ),
        },
        "/survey-analyses": {"post": operation("Draft the year's analysis report from the figures: year")},
        "/survey-analyses/{id}": {
            "get": operation("One analysis report", params=["id"]),
            "patch": operation("Edit the draft's text: text", params=["id"]),
        },
        "/survey-analyses/{id}/approve": {
            "post": operation("Approve (an after-sales lead other than its writer)", params=["id"])
        },
    },
    schemas={
        "CampaignIn": {
            "type": "object",
            "required": ["year"],
            "properties": {
                "year": {"type": "integer"},
                "categories": {"type": "array", "items": {"type": "string"}},
                "key": {"enum": list(KEY_RULES)},
                "sample_size": {"type": ["integer", "null"]},
            },
        }
    },
)
