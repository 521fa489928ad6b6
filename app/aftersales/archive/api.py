"""The archive's JSON API: equipment units with their warranty and history, customers, a
contract's deposit ledger."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields

from app.aftersales.archive import editing as archive_edit
from app.aftersales.archive import service as archive
from app.aftersales.warehouse.api import MovementOut
from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.schemas import shared
from app.bpm.api.views import _user, auth_required
from app.bpm.db import db
from app.bpm.modules import contributions

archive_api = Blueprint("archive_api", __name__)


class EquipmentOut(Schema):
    id = fields.Function(lambda v: v.unit.id)
    serial = fields.Function(lambda v: v.unit.serial)
    model = fields.Function(lambda v: {"code": v.unit.model.code, "name": v.unit.model.name, "kind": v.unit.model.kind})
    customer = fields.Function(lambda v: {"id": v.unit.customer.id, "name": v.unit.customer.name})
    department = fields.Function(lambda v: v.unit.department.name if v.unit.department else None)
    location = fields.Function(lambda v: v.unit.location)
    contract = fields.Function(lambda v: v.unit.contract.number if v.unit.contract else None)
    accepted_on = fields.Function(lambda v: v.unit.accepted_on.isoformat() if v.unit.accepted_on else None)
    warranty_end = fields.Function(lambda v: v.coverage.warranty_end.isoformat() if v.coverage.warranty_end else None)
    in_warranty = fields.Function(lambda v: v.in_warranty)
    spare_parts_until = fields.Function(
        lambda v: v.coverage.spare_parts_until.isoformat() if v.coverage.spare_parts_until else None
    )


def _name(user: Any) -> str | None:
    return user.username if user is not None else None


class LedgerLineOut(Schema):
    """A deposit ledger line: approved (in the balance) or pending, who asked and approved, when."""

    at = fields.AwareDateTime()
    amount = fields.Decimal(as_string=True)
    reason = fields.String()
    request_id = fields.Integer(allow_none=True)
    status = fields.String()
    asked_by = fields.Function(lambda e: _name(e.asked_by))
    asked_at = fields.AwareDateTime(allow_none=True)
    approved_by = fields.Function(lambda e: _name(e.approved_by))
    approved_at = fields.AwareDateTime(allow_none=True)


class CustomerOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    category = fields.String()
    is_key = fields.Boolean()
    departments = fields.Function(lambda c: [d.name for d in c.departments])


@archive_api.get("/equipment")
@auth_required
def list_equipment() -> Any:
    units = archive.search_equipment(
        db.session(), _user(), request.args.get("q"), request.args.get("customer_id", type=int)
    )
    return jsonify(shared(EquipmentOut, many=True).dump(units))


@archive_api.get("/equipment/<int:unit_id>")
@auth_required
def get_equipment(unit_id: int) -> Any:
    session = db.session()
    history = archive.unit_history(session, _user(), unit_id, contributions("unit_history"))
    body: dict[str, Any] = shared(EquipmentOut).dump(history.view)
    body["process_instances"] = [
        {"id": i.id, "process_id": i.process_id, "status": i.status} for i in history.instances
    ]
    for section in history.sections:
        body.update(section.api)
    body["parts"] = shared(MovementOut, many=True).dump(history.parts)
    body["correspondence"] = [
        {"number": c.number, "direction": c.direction, "subject": c.subject, "at": c.at.isoformat()}
        for c in archive_edit.unit_correspondence(session, unit_id)
    ]
    return jsonify(body)


@archive_api.get("/customers")
@auth_required
def list_customers() -> Any:
    return jsonify(shared(CustomerOut, many=True).dump(archive.list_customers(db.session(), _user())))


@archive_api.get("/contracts/<int:contract_id>/deposit")
@auth_required
def deposit_ledger(contract_id: int) -> Any:
    ledger = archive.deposit_ledger(db.session(), _user(), contract_id)
    return jsonify(
        {
            "contract": ledger.contract.number,
            "deposit": str(ledger.contract.deposit_amount),
            "balance": str(ledger.balance),
            "pending": str(ledger.pending),
            "entries": shared(LedgerLineOut, many=True).dump(ledger.entries),
        }
    )


OPENAPI = OpenApiPart(
    paths={
        "/equipment": {
            "get": operation("Equipment units (?q= serial, model or customer; ?customer_id=) with warranty")
        },
        "/equipment/{id}": {
            "get": operation("One unit with its warranty and the history the caller may see", params=["id"])
        },
        "/contracts/{id}/deposit": {
            "get": operation(
                "The contract's warranty deposit ledger: approved and pending entries, who asked and who approved,"
                " the balance (approved only) and the deductions waiting",
                params=["id"],
            )
        },
        "/customers": {"get": operation("Customers, key customers first")},
    },
)
