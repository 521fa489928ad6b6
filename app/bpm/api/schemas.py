"""marshmallow schemas at the API's edge: requests in, resources out."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from app.bpm.plugins import WorkContext
from app.bpm.tasks import PER_PAGE_MAX, SORTS, WORKLIST_LIMIT, WorklistQuery, WorklistRow, task_title
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


class HandOverRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))


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


class WorklistArgs(Schema):
    """A worklist's GET parameters (the pages and `GET /tasks` read the same ones)."""

    sort = fields.String(load_default="due", validate=validate.OneOf(SORTS))
    process_id = fields.String(load_default=None, validate=validate.Length(max=100))
    group = fields.String(load_default=None, validate=validate.Length(max=64))
    overdue = fields.Boolean(load_default=False)
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    process_instance_id = fields.Integer(load_default=None, strict=False)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=WORKLIST_LIMIT, validate=validate.Range(min=1, max=PER_PAGE_MAX))

    @post_load
    def _query(self, data: dict[str, Any], **_: Any) -> WorklistQuery:
        return WorklistQuery(
            sort=data["sort"],
            process_id=data["process_id"] or None,
            group=data["group"] or None,
            overdue=data["overdue"],
            text=(data["q"] or "").strip() or None,
            instance_id=data["process_instance_id"],
            page=data["page"],
            per_page=data["per_page"],
        )


def worklist_query(args: Mapping[str, str], lenient: bool = False) -> WorklistQuery:
    """The query the parameters ask for. Empty values count as absent; a page (`lenient`) drops
    the parameters it cannot read instead of refusing the request; the API raises
    ValidationError with the reasons."""
    given = {key: value for key, value in args.items() if value != "" and key in WorklistArgs().fields}
    schema = shared(WorklistArgs)
    try:
        query: WorklistQuery = schema.load(given, unknown=EXCLUDE)
    except ValidationError as err:
        if not lenient:
            raise
        bad = set(err.normalized_messages())  # type: ignore[no-untyped-call]
        query = schema.load({k: v for k, v in given.items() if k not in bad}, unknown=EXCLUDE)
    return query


def dump_deadline(row: WorklistRow) -> dict[str, Any]:
    """The deadline fields of a task in a worklist: when it is due (its own due time or the
    process's deadline, such as a service-level clock, named by `deadline_label`), whether it
    is overdue, and the time left in seconds (negative when overdue)."""
    deadline = row.deadline
    if deadline is None:
        return {
            "deadline_at": None,
            "deadline_label": None,
            "warn_at": None,
            "remaining_seconds": None,
            "overdue": False,
        }
    return {
        "deadline_at": deadline.due_at.isoformat(),
        "deadline_label": deadline.label,
        "warn_at": deadline.warn_at.isoformat() if deadline.warn_at else None,
        "remaining_seconds": int(deadline.remaining_seconds),
        "overdue": deadline.overdue,
    }


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
