"""The repair process's JSON API: fault reports and service requests with their clocks,
parts issued to and returned from a repair."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate

from app.aftersales.warehouse.api import MovementOut, PartIn
from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.schemas import shared
from app.bpm.api.views import _body, _user, auth_required
from app.bpm.db import db
from app.processes.repair_dispatch import service as service_requests
from app.processes.repair_dispatch.service import CHANNELS

repair_api = Blueprint("repair_api", __name__)


class ServiceRequestIn(Schema):
    equipment_id = fields.Integer(required=True, strict=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    contact_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    contact_phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class ClockOut(Schema):
    name = fields.String()
    status = fields.String()
    starts_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime()
    warn_at = fields.AwareDateTime(allow_none=True)
    met_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    breached = fields.Boolean()
    remaining_seconds = fields.Float(allow_none=True)


def dump_request_summary(req: Any, clocks: list[Any]) -> dict[str, Any]:
    """A request in lists: its facts and clocks."""
    return {
        "id": req.id,
        "number": req.number,
        "equipment_id": req.unit_id,
        "serial": req.unit.serial,
        "customer": req.unit.customer.name,
        "channel": req.channel,
        "reported_at": req.reported_at.isoformat(),
        "in_warranty": req.in_warranty,
        "status": req.status,
        "process_instance_id": req.instance_id,
        "sla": shared(ClockOut, many=True).dump(clocks),
    }


def dump_service_request(view: Any) -> dict[str, Any]:
    """A request as `POST /service-requests` and `GET /service-requests/<id>` return it."""
    req = view.request
    record = view.record
    return dump_request_summary(req, view.clocks) | {
        "description": req.description,
        "contact_name": req.contact_name,
        "contact_phone": req.contact_phone,
        "record": None
        if record is None
        else {
            "kind": record.kind,
            "summary": record.summary,
            "customer_opinion": record.customer_opinion,
            "signer_name": record.signer_name,
            "signed_at": record.signed_at.isoformat() if record.signed_at else None,
            "has_signature": record.signed_at is not None and record.kind == "on_site",
            "filed_at": record.filed_at.isoformat() if record.filed_at else None,
            "archive_number": record.archive_number,
            "parts": shared(MovementOut, many=True).dump(view.parts),  # consumed on this repair
        },
        "parts": shared(MovementOut, many=True).dump(view.parts),
        "loans": [
            {
                "loaner_serial": loan.loaner.serial,
                "model": loan.loaner.model.name,
                "lent_at": loan.lent_at.isoformat(),
                "returned_at": loan.returned_at.isoformat() if loan.returned_at else None,
            }
            for loan in view.loans
        ],
    }


@repair_api.post("/service-requests")
@auth_required
def report_fault() -> Any:
    body = _body(shared(ServiceRequestIn))
    session = db.session()
    report = service_requests.FaultReport(
        body["equipment_id"], body["channel"], body["description"], body["contact_name"], body["contact_phone"]
    )
    request_row = service_requests.report_fault(session, _user(), report)
    view = service_requests.request_view(session, _user(), request_row.id)
    return jsonify(dump_service_request(view)), 201


@repair_api.get("/service-requests")
@auth_required
def list_service_requests() -> Any:
    rows = service_requests.list_requests(db.session(), _user(), request.args.get("status"))
    return jsonify([dump_request_summary(row.request, row.clocks) for row in rows])


@repair_api.get("/service-requests/<int:request_id>")
@auth_required
def get_service_request(request_id: int) -> Any:
    return jsonify(dump_service_request(service_requests.request_view(db.session(), _user(), request_id)))


@repair_api.post("/service-requests/<int:request_id>/parts")
@auth_required
def issue_part(request_id: int) -> Any:
    body = _body(shared(PartIn))
    movement = service_requests.issue_part(db.session(), _user(), request_id, body["part_code"], body["quantity"])
    return jsonify(shared(MovementOut).dump(movement)), 201


@repair_api.post("/service-requests/<int:request_id>/parts/return")
@auth_required
def return_part(request_id: int) -> Any:
    body = _body(shared(PartIn))
    movement = service_requests.return_part(db.session(), _user(), request_id, body["part_code"], body["quantity"])
    return jsonify(shared(MovementOut).dump(movement)), 201


OPENAPI = OpenApiPart(
    paths={
        "/service-requests": {
            "get": operation("Service requests the caller may see (?status=open|resolved|closed|declined)"),
            "post": operation(
                "Report a fault: equipment_id, channel (phone|email|web|visit|letter), description; "
                "returns the request with process_instance_id, reported_at and its sla clocks",
                body="ServiceRequestIn",
            ),
        },
        "/service-requests/{id}": {
            "get": operation(
                "One request, current: sla clocks (name, due_at, met_at, breached), record, parts, loans",
                params=["id"],
            )
        },
        "/service-requests/{id}/parts": {
            "post": operation("Issue parts from stock to the repair: part_code, quantity", body="PartIn", params=["id"])
        },
        "/service-requests/{id}/parts/return": {
            "post": operation("Return unused parts to stock: part_code, quantity", body="PartIn", params=["id"])
        },
    },
    schemas={
        "ServiceRequestIn": {
            "type": "object",
            "required": ["equipment_id", "channel", "description"],
            "properties": {
                "equipment_id": {"type": "integer"},
                "channel": {"enum": ["phone", "email", "web", "visit", "letter"]},
                "description": {"type": "string", "maxLength": 4000},
                "contact_name": {"type": "string", "maxLength": 100},
                "contact_phone": {"type": "string", "maxLength": 40},
            },
        },
    },
)
