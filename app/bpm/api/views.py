"""Thin handlers: parse with a schema, call one service, dump with a schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Blueprint, current_app, g, jsonify, request
from marshmallow import Schema, ValidationError

from app.bpm import access, definitions, instances, messages, tasks, users
from app.bpm.db import db
from app.bpm.engine import DeployOptions
from app.bpm.errors import ServiceError
from app.bpm.forms import describe_form, read_forms_dir
from app.bpm.logins import Throttle, TooManyAttempts, sign_in
from app.bpm.modules import contributions
from app.bpm.web.locale import current_locale
from app.config import Config
from app.i18n import translate

from .openapi import openapi_document
from .schemas import (
    AuditEventOut,
    CompleteRequest,
    DefinitionOut,
    DraftRequest,
    HandOverRequest,
    MessageRequest,
    StartRequest,
    TaskSummaryOut,
    TokenRequest,
    dump_case,
    dump_deadline,
    dump_instance,
    shared,
    worklist_query,
)

if TYPE_CHECKING:
    from app.bpm.models import User

api_blueprint = Blueprint("api", __name__)
F = TypeVar("F", bound=Callable[..., Any])
MAX_JSON_DEPTH = 32


class BadInput(ServiceError):
    code = "validation_failed"

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("error.bad_request")
        self.errors = errors


@api_blueprint.app_errorhandler(BadInput)  # the modules' API blueprints raise it too
def _bad_input(err: BadInput) -> Any:
    body = {"error": {"code": err.code, "message": translate(err.message_key, current_locale())}, "errors": err.errors}
    return jsonify(body), 400


def _depth(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


def _body(schema: Schema) -> dict[str, Any]:
    raw = request.get_data(cache=True)
    try:
        payload = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        raise BadInput({"_body": ["not valid JSON"]}) from None
    if not _depth(payload, MAX_JSON_DEPTH):
        raise BadInput({"_body": [f"nested deeper than {MAX_JSON_DEPTH} levels"]})
    if not isinstance(payload, dict):
        raise BadInput({"_body": ["expected a JSON object"]})
    try:
        loaded: dict[str, Any] = schema.load(payload)
    except ValidationError as err:
        raise BadInput(err.normalized_messages()) from None  # type: ignore[no-untyped-call]
    return loaded


def _bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def auth_required(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _bearer()
        user = users.user_for_token(db.session(), token) if token else None
        if user is None:
            body = {"error": {"code": "unauthorized", "message": translate("error.unauthorized", current_locale())}}
            return jsonify(body), 401, {"WWW-Authenticate": "Bearer"}
        g.user = user
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _user() -> User:
    user: User = g.user
    return user


@api_blueprint.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document(contributions("openapi")))


@api_blueprint.post("/auth/token")
def token() -> Any:
    body = _body(shared(TokenRequest))
    session = db.session()
    config: Config = current_app.config["SHOUHOU"]
    locale = current_locale()
    try:
        user = sign_in(session, Throttle.of(config), body["username"], body["password"], request.remote_addr or "")
    except TooManyAttempts as err:
        error = {"code": err.code, "message": translate(err.message_key, locale, **err.params)}
        return jsonify({"error": error, "retry_after": err.retry_after}), 429, {"Retry-After": str(err.retry_after)}
    if user is None:
        return jsonify({"error": {"code": "invalid_credentials", "message": translate("error.login", locale)}}), 401
    issued = users.issue_token(session, user, timedelta(hours=config.token_lifetime_hours))
    return jsonify({"token": issued, "expires_in": config.token_lifetime_hours * 3600})


@api_blueprint.delete("/auth/token")
@auth_required
def revoke_token() -> Any:
    """Revoke the presented token: from now on it gets 401."""
    access.revoke_token(db.session(), _bearer() or "")
    return "", 204


@api_blueprint.post("/users/<int:user_id>/revoke-access")
@auth_required
def revoke_user_access(user_id: int) -> Any:
    """An admin ends every web session and API token of the user."""
    ended = access.revoke_access(db.session(), _user(), user_id)
    return jsonify({"sessions_ended": ended.sessions, "tokens_revoked": ended.tokens})


@api_blueprint.get("/process-definitions")
@auth_required
def list_definitions() -> Any:
    return jsonify(shared(DefinitionOut, many=True).dump(definitions.list_all(db.session())))


@api_blueprint.post("/process-definitions")
@auth_required
def deploy_definition() -> Any:
    """multipart: `file`, form files, and for diagrams from other tools `lane_groups` (JSON:
    lane name → group; "*" for the rest), `process_id` (the pool to run), `descriptive`."""
    upload = request.files.get("file")
    if upload is None:
        raise BadInput({"file": ["a BPMN file is required (multipart field 'file')"]})
    config: Config = current_app.config["SHOUHOU"]
    forms = read_forms_dir(config.forms_dir)
    for field_name, form_file in request.files.items(multi=True):
        if field_name == "file":
            continue
        name = (form_file.filename or "").removesuffix(".schema.json")
        try:
            forms[name] = {"schema": json.loads(form_file.read()), "ui": None}
        except ValueError:
            raise BadInput({field_name: ["not valid JSON"]}) from None
    options = deploy_options(request.form)
    result = definitions.deploy(db.session(), upload.read(), forms, _user(), upload.filename or "upload.bpmn", options)
    status = 201 if result.created else 200
    body = shared(DefinitionOut).dump(result.definition) | {"created": result.created}
    return jsonify(body), status


@api_blueprint.post("/process-definitions/<process_id>/versions/<int:version>/retire")
@auth_required
def retire_version(process_id: str, version: int) -> Any:
    row = definitions.set_retired(db.session(), _user(), process_id, version, True)
    return jsonify(shared(DefinitionOut).dump(row))


@api_blueprint.post("/process-definitions/<process_id>/versions/<int:version>/reinstate")
@auth_required
def reinstate_version(process_id: str, version: int) -> Any:
    row = definitions.set_retired(db.session(), _user(), process_id, version, False)
    return jsonify(shared(DefinitionOut).dump(row))


@api_blueprint.post("/process-instances")
@auth_required
def start_instance() -> Any:
    body = _body(shared(StartRequest))
    session = db.session()
    instance = instances.start_instance(session, _user(), body["process_id"], body["data"], body["business_key"])
    return jsonify(dump_instance(instance, instances.open_tasks(session, instance.id))), 201


@api_blueprint.get("/process-instances")
@auth_required
def search_instances() -> Any:
    """?q= business data (key or any data value), ?process_id=, ?status=; newest first."""
    search = instances.InstanceSearch(
        text=request.args.get("q") or None,
        process_id=request.args.get("process_id") or None,
        status=request.args.get("status") or None,
    )
    rows = instances.search_instances(db.session(), _user(), search)
    return jsonify(
        [
            {
                "id": i.id,
                "process_id": i.process_id,
                "version": i.definition.version,
                "business_key": i.business_key,
                "status": i.status,
                "started_at": i.started_at.isoformat(),
                "ended_at": i.ended_at.isoformat() if i.ended_at else None,
            }
            for i in rows
        ]
    )


@api_blueprint.post("/process-instances/<int:instance_id>/retry")
@auth_required
def retry_instance(instance_id: int) -> Any:
    instance = instances.retry(db.session(), _user(), instance_id)
    return jsonify(dump_instance(instance, instances.open_tasks(db.session(), instance.id)))


@api_blueprint.get("/process-instances/<int:instance_id>")
@auth_required
def get_instance(instance_id: int) -> Any:
    view = instances.instance_view(db.session(), _user(), instance_id)
    waiting = instances.waiting_for(db.session(), instance_id)
    body = dump_instance(view.instance, view.open_tasks)
    body["waiting_for"] = {
        "messages": waiting.messages,
        "signals": waiting.signals,
        "timers": [{"element": element_id, "due_at": due.isoformat()} for element_id, due in waiting.timers],
    }
    return jsonify(body)


@api_blueprint.get("/process-instances/<int:instance_id>/history")
@auth_required
def instance_history(instance_id: int) -> Any:
    """?actor=, ?action=, ?task= (element id), ?since= / ?until= (ISO 8601 instants)."""
    only = instances.HistoryFilter(
        actor=request.args.get("actor") or None,
        action=request.args.get("action") or None,
        element_id=request.args.get("task") or None,
        since=_instant("since"),
        until=_instant("until"),
    )
    events = instances.instance_history(db.session(), _user(), instance_id, only)
    return jsonify(shared(AuditEventOut, many=True).dump(events))


def _instant(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise BadInput({name: ["an ISO 8601 instant with its offset, e.g. 2026-11-27T09:00:00+08:00"]}) from None
    if value.tzinfo is None:
        raise BadInput({name: ["give the offset, e.g. +08:00"]})
    return value


@api_blueprint.get("/tasks")
@auth_required
def worklist() -> Any:
    """The caller's open tasks with their deadlines, a JSON list as before; ?process_instance_id=,
    ?process_id=, ?group=, ?q=, ?overdue=1, ?sort=due|created|process, ?page=, ?per_page= (at
    most 200); the total and the page are in the X-Total-Count and X-Page headers."""
    try:
        query = worklist_query(request.args)
    except ValidationError as err:
        raise BadInput(err.normalized_messages()) from None  # type: ignore[no-untyped-call]
    page = tasks.worklist_page(db.session(), _user(), query, locale=current_locale())
    summary = shared(TaskSummaryOut)
    body = [summary.dump(row.task) | dump_deadline(row) for row in page.rows]
    headers = {"X-Total-Count": str(page.total), "X-Page": str(page.page), "X-Page-Count": str(page.pages)}
    return jsonify(body), 200, headers


@api_blueprint.post("/tasks/<task_id>/reassign")
@auth_required
def reassign(task_id: str) -> Any:
    """A lead gives a team task to a member of its group: {"username": ...}."""
    body = _body(shared(HandOverRequest))
    return jsonify(shared(TaskSummaryOut).dump(tasks.reassign(db.session(), _user(), task_id, body["username"])))


@api_blueprint.post("/tasks/<task_id>/delegate")
@auth_required
def delegate(task_id: str) -> Any:
    """The holder hands the task to a colleague of its group: {"username": ...}."""
    body = _body(shared(HandOverRequest))
    return jsonify(shared(TaskSummaryOut).dump(tasks.delegate(db.session(), _user(), task_id, body["username"])))


@api_blueprint.get("/tasks/<task_id>")
@auth_required
def get_task(task_id: str) -> Any:
    view = tasks.task_view(db.session(), _user(), task_id, current_locale())
    body: dict[str, Any] = shared(TaskSummaryOut).dump(view.task)
    body["form"] = describe_form(view.form, current_locale(), view.choices) if view.form else None
    body["data"] = view.data
    body["case"] = dump_case(view.context)
    return jsonify(body)


@api_blueprint.post("/tasks/<task_id>/claim")
@auth_required
def claim(task_id: str) -> Any:
    return jsonify(shared(TaskSummaryOut).dump(tasks.claim(db.session(), _user(), task_id)))


@api_blueprint.post("/tasks/<task_id>/unclaim")
@auth_required
def unclaim(task_id: str) -> Any:
    return jsonify(shared(TaskSummaryOut).dump(tasks.release(db.session(), _user(), task_id)))


@api_blueprint.post("/tasks/<task_id>/draft")
@auth_required
def save_draft(task_id: str) -> Any:
    body = _body(shared(DraftRequest))
    saved = tasks.save_draft(db.session(), _user(), task_id, body["data"], current_locale())
    return jsonify(shared(TaskSummaryOut).dump(saved))


@api_blueprint.post("/tasks/<task_id>/complete")
@auth_required
def complete(task_id: str) -> Any:
    body = _body(shared(CompleteRequest))
    done = tasks.complete(db.session(), _user(), task_id, body["data"], current_locale())
    return jsonify(dump_instance(done.instance, done.open_tasks))


@api_blueprint.post("/messages/<name>")
@auth_required
def deliver_message(name: str) -> Any:
    body = _body(shared(MessageRequest))
    delivery = messages.deliver(db.session(), _user(), name, body["correlation"], body["payload"])
    return jsonify({"delivered_to": delivery.reached, "failed": delivery.failed, "started": delivery.started})


def deploy_options(form: Any) -> DeployOptions:
    """The deploy options of a foreign diagram from a multipart form (API and upload dialog)."""
    errors: dict[str, list[str]] = {}
    lane_groups: dict[str, str] = {}
    raw = (form.get("lane_groups") or "").strip()
    if raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if (
            not isinstance(parsed, dict)
            or len(parsed) > 200
            or not all(isinstance(k, str) and isinstance(v, str) and len(k) <= 200 for k, v in parsed.items())
        ):
            errors["lane_groups"] = ['a JSON object from lane names to group ids, e.g. {"*": "office"}']
        else:
            lane_groups = parsed
    process_id = (form.get("process_id") or "").strip() or None
    if process_id is not None and len(process_id) > 200:
        errors["process_id"] = ["at most 200 characters"]
    descriptive = (form.get("descriptive") or "").strip().lower()
    if descriptive not in ("", "true", "false", "1", "0", "on"):
        errors["descriptive"] = ["true or false"]
    if errors:
        raise BadInput(errors)
    return DeployOptions(lane_groups, process_id, descriptive in ("true", "1", "on"))
