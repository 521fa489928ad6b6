"""The follow-up's JSON API: a follow-up with what it found, a visit's findings, and the key
customers' yearly visit reports (draft, edit, approve by another person)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.schemas import shared
from app.bpm.api.views import _body, _user, auth_required
from app.bpm.db import db
from app.bpm.web.locale import current_locale
from app.processes.follow_up import service as follow_ups

follow_up_api = Blueprint("follow_up_api", __name__)


class FindingIn(Schema):
    department = fields.String(required=True, validate=validate.Length(max=200))
    model = fields.String(required=True, validate=validate.Length(max=200))
    text = fields.String(required=True, validate=validate.Length(max=follow_ups.TEXT_MAX))


class ReportIn(Schema):
    customer_id = fields.Integer(required=True, strict=True)
    year = fields.Integer(required=True, strict=True)


class ReportEdit(Schema):
    body = fields.String(required=True, validate=validate.Length(max=follow_ups.REPORT_MAX))


@follow_up_api.get("/follow-ups/<int:instance_id>")
@auth_required
def get_follow_up(instance_id: int) -> Any:
    return jsonify(follow_ups.dump(follow_ups.get_follow_up(db.session(), _user(), instance_id)))


@follow_up_api.post("/follow-ups/<int:instance_id>/findings")
@auth_required
def add_finding(instance_id: int) -> Any:
    body = _body(shared(FindingIn))
    session = db.session()
    follow_ups.add_finding(
        session, _user(), instance_id, body["department"], body["model"], body["text"], current_locale()
    )
    return jsonify(follow_ups.dump(follow_ups.get_follow_up(session, _user(), instance_id))), 201


@follow_up_api.get("/visit-reports")
@auth_required
def list_reports() -> Any:
    return jsonify([follow_ups.dump_report(r) for r in follow_ups.list_reports(db.session(), _user())])


@follow_up_api.post("/visit-reports")
@auth_required
def draft_report() -> Any:
    body = _body(shared(ReportIn))
    report = follow_ups.draft_report(db.session(), _user(), body["customer_id"], body["year"], current_locale())
    return jsonify(follow_ups.dump_report(report)), 201


@follow_up_api.get("/visit-reports/<int:report_id>")
@auth_required
def get_report(report_id: int) -> Any:
    return jsonify(follow_ups.dump_report(follow_ups.get_report(db.session(), _user(), report_id)))


@follow_up_api.patch("/visit-reports/<int:report_id>")
@auth_required
def edit_report(report_id: int) -> Any:
    body = _body(shared(ReportEdit))
    report = follow_ups.edit_report(db.session(), _user(), report_id, body["body"], current_locale())
    return jsonify(follow_ups.dump_report(report))


@follow_up_api.post("/visit-reports/<int:report_id>/approve")
@auth_required
def approve_report(report_id: int) -> Any:
    return jsonify(follow_ups.dump_report(follow_ups.approve_report(db.session(), _user(), report_id)))


OPENAPI = OpenApiPart(
    paths={
        "/follow-ups/{id}": {
            "get": operation(
                "A follow-up (by its process instance id): mode phone|visit, customer, unit, what it found, "
                "service_request {id, number} a quality problem opened, a visit's findings",
                params=["id"],
            )
        },
        "/follow-ups/{id}/findings": {
            "post": operation(
                "Add a visit finding: department, model (of the customer's), text", body="FindingIn", params=["id"]
            )
        },
        "/visit-reports": {
            "get": operation("Key customers' yearly visit reports"),
            "post": operation(
                "Draft a key customer's report for a year from that year's visits: customer_id, year",
                body="ReportIn",
            ),
        },
        "/visit-reports/{id}": {
            "get": operation("One report: body, status draft|approved, written_by, approved_by", params=["id"]),
            "patch": operation("Edit a draft's body (the editor becomes its writer)", body="ReportEdit", params=["id"]),
        },
        "/visit-reports/{id}/approve": {
            "post": operation("Approve a draft: an after-sales lead who is not its writer", params=["id"])
        },
    },
    schemas={
        "FindingIn": {
            "type": "object",
            "required": ["department", "model", "text"],
            "properties": {
                "department": {"type": "string"},
                "model": {"type": "string"},
                "text": {"type": "string", "maxLength": 2000},
            },
        },
        "ReportIn": {
            "type": "object",
            "required": ["customer_id", "year"],
            "properties": {"customer_id": {"type": "integer"}, "year": {"type": "integer"}},
        },
        "ReportEdit": {"type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}},
    },
)
