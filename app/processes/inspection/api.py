"""The inspection's JSON API: an inspection with its checklist results, the engineer's results
item by item, and the checklist kept for an equipment model."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.schemas import shared
from app.bpm.api.views import _body, _user, auth_required
from app.bpm.db import db
from app.bpm.web.locale import current_locale
from app.processes.inspection import service as inspections

inspection_api = Blueprint("inspection_api", __name__)


class ItemIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=60))
    result = fields.String(load_default="", validate=validate.OneOf(("", "ok", "fault")))
    note = fields.String(load_default="", allow_none=True)


class ChecklistIn(Schema):
    items = fields.List(fields.Nested(ItemIn), required=True, validate=validate.Length(max=200))


@inspection_api.get("/inspections/<int:instance_id>")
@auth_required
def get_inspection(instance_id: int) -> Any:
    inspection = inspections.get_inspection(db.session(), _user(), instance_id)
    return jsonify(inspections.dump(inspection, current_locale()))


@inspection_api.put("/inspections/<int:instance_id>/checklist")
@auth_required
def put_checklist(instance_id: int) -> Any:
    body = _body(shared(ChecklistIn))
    entries = {i["code"]: inspections.Entry(i["result"] or "", i["note"] or "") for i in body["items"]}
    inspection = inspections.save_checklist(db.session(), _user(), instance_id, entries, current_locale())
    return jsonify(inspections.dump(inspection, current_locale()))


@inspection_api.get("/inspection-checklists/<model_code>")
@auth_required
def get_checklist(model_code: str) -> Any:
    items = inspections.checklist_rows(db.session(), model_code)
    locale = current_locale()
    return jsonify([{"code": i.code, "label": inspections.label(i, locale)} for i in items])


OPENAPI = OpenApiPart(
    paths={
        "/inspections/{id}": {
            "get": operation(
                "An inspection (by its process instance id): unit, engineer, checklist items with result "
                "(ok|fault) and note, findings, service_request {id, number} a fault opened, the signed sheet",
                params=["id"],
            )
        },
        "/inspections/{id}/checklist": {
            "put": operation(
                "The engineer's results: items [{code, result ok|fault, note}] (a fault needs a note)",
                body="ChecklistIn",
                params=["id"],
            )
        },
        "/inspection-checklists/{model_code}": {
            "get": operation("The checklist kept for an equipment model: [{code, label}]", params=["model_code"])
        },
    },
    schemas={
        "ChecklistIn": {
            "type": "object",
            "required": ["items"],
            "properties": {
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code"],
                        "properties": {
                            "code": {"type": "string"},
                            "result": {"enum": ["ok", "fault", ""]},
                            "note": {"type": "string", "maxLength": 2000},
                        },
                    },
                }
            },
        }
    },
)
