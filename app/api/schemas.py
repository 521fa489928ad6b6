"""marshmallow schemas at the API's edge: requests in, resources out."""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from marshmallow import Schema, fields, validate

from app.models import CHANNELS
from app.services.tasks import task_title
from app.web.locale import current_locale

S = TypeVar("S", bound=Schema)


@cache
def shared(schema: type[S], many: bool = False) -> S:
    """One instance of each schema for every request: building a marshmallow schema copies
    all its fields, which costs more than a small dump. Schemas keep no per-call state."""
    return schema(many=many)


class TokenRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class StartRequest(Schema):
    process_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    data = fields.Dict(keys=fields.String(), load_default=dict)
    business_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class CompleteRequest(Schema):
    data = fields.Dict(keys=fields.String(), required=True)


class DraftRequest(Schema):
    data = fields.Dict(keys=fields.String(), required=True)


class MessageRequest(Schema):
    correlation = fields.Dict(keys=fields.String(), load_default=dict)
    payload = fields.Dict(keys=fields.String(), load_default=dict)


class DefinitionOut(Schema):
    process_id = fields.String()
    version = fields.Integer()
    name = fields.String()
    deployed_at = fields.DateTime()
    retired = fields.Function(lambda d: d.retired_at is not None)


class TaskSummaryOut(Schema):
    id = fields.String()
    name = fields.String(attribute="element_id")
    title = fields.Function(lambda t: task_title(t, current_locale()))
    process_instance_id = fields.Integer(attribute="instance_id")
    process_id = fields.Function(lambda t: t.instance.process_id)
    group = fields.String(attribute="candidate_group", allow_none=True)
    assignee = fields.Function(lambda t: t.assignee.username if t.assignee else None)
    due_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    status = fields.String()


class InstanceOut(Schema):
    id = fields.Integer()
    process_id = fields.String()
    version = fields.Function(lambda i: i.definition.version)
    status = fields.String()
    business_key = fields.String(allow_none=True)
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    started_by = fields.Function(lambda i: i.started_by.username if i.started_by else None)
    data = fields.Dict()
    error = fields.String(allow_none=True)


class AuditEventOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String(attribute="actor_name")
    action = fields.String()
    task = fields.String(attribute="element_id", allow_none=True)
    task_id = fields.String(allow_none=True)
    data_before = fields.Dict(allow_none=True)
    data_after = fields.Dict(allow_none=True)
    details = fields.Dict(allow_none=True)


def dump_instance(instance: Any, open_tasks: list[Any]) -> dict[str, Any]:
    body: dict[str, Any] = shared(InstanceOut).dump(instance)
    body["open_tasks"] = shared(TaskSummaryOut, many=True).dump(open_tasks)
    return body


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


class CustomerOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    category = fields.String()
    is_key = fields.Boolean()
    departments = fields.Function(lambda c: [d.name for d in c.departments])


class ServiceRequestIn(Schema):
    equipment_id = fields.Integer(required=True, strict=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    contact_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    contact_phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class PartIn(Schema):
    part_code = fields.String(required=True, validate=validate.Length(min=1, max=60))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))


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


class MovementOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    part_code = fields.Function(lambda m: m.part.code)
    part_name = fields.Function(lambda m: m.part.name)
    quantity = fields.Integer()
    charge = fields.Decimal(as_string=True)
    at = fields.AwareDateTime()
    request_id = fields.Integer(allow_none=True)


class PartOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    unit_cost = fields.Decimal(as_string=True)
    on_hand = fields.Integer()
    minimum = fields.Integer()
    below_minimum = fields.Function(lambda p: p.on_hand < p.minimum)


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
