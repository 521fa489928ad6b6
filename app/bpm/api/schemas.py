"""marshmallow schemas at the API's edge: requests in, resources out."""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from marshmallow import Schema, fields, validate

from app.bpm.plugins import WorkContext
from app.bpm.tasks import task_title
from app.bpm.web.locale import current_locale

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


def dump_case(context: WorkContext | None) -> dict[str, Any] | None:
    """The case behind a task as its process describes it for that step: a label and facts,
    each a label and a value in the caller's language."""
    if context is None:
        return None
    return {"label": context.label, "facts": [{"label": f.label, "value": f.value} for f in context.facts]}
