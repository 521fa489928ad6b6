"""marshmallow schemas at the API's edge: requests in, resources out."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from app.services.tasks import task_title
from app.web.locale import current_locale


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
    body: dict[str, Any] = InstanceOut().dump(instance)
    body["open_tasks"] = TaskSummaryOut(many=True).dump(open_tasks)
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
