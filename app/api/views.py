"""Thin handlers: parse with a schema, call one service, dump with a schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, jsonify, request
from marshmallow import Schema, ValidationError

from app.config import Config
from app.extensions import db
from app.forms_runtime import describe_form, read_forms_dir
from app.i18n import translate
from app.models import User
from app.services import (
    archive,
    archive_edit,
    definitions,
    instances,
    messages,
    service_requests,
    tasks,
    users,
    warehouse,
)
from app.services.errors import ServiceError
from app.web.locale import current_locale

from .openapi import openapi_document
from .schemas import (
    AuditEventOut,
    CompleteRequest,
    CustomerOut,
    DefinitionOut,
    DraftRequest,
    EquipmentOut,
    MessageRequest,
    MovementOut,
    PartIn,
    PartOut,
    ServiceRequestIn,
    StartRequest,
    TaskSummaryOut,
    TokenRequest,
    dump_instance,
    dump_request_summary,
    dump_service_request,
    shared,
)

api_blueprint = Blueprint("api", __name__)
F = TypeVar("F", bound=Callable[..., Any])
MAX_JSON_DEPTH = 32


class BadInput(ServiceError):
    code = "validation_failed"

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("error.bad_request")
        self.errors = errors


@api_blueprint.errorhandler(BadInput)
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


def auth_required(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = users.user_for_token(db.session(), token.strip()) if scheme.lower() == "bearer" and token else None
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
    return jsonify(openapi_document())


@api_blueprint.post("/auth/token")
def token() -> Any:
    body = _body(shared(TokenRequest))
    session = db.session()
    user = users.authenticate(session, body["username"], body["password"])
    if user is None:
        return jsonify(
            {"error": {"code": "invalid_credentials", "message": translate("error.login", current_locale())}}
        ), 401
    config: Config = current_app.config["SHOUHOU"]
    issued = users.issue_token(session, user, timedelta(hours=config.token_lifetime_hours))
    return jsonify({"token": issued, "expires_in": config.token_lifetime_hours * 3600})


@api_blueprint.get("/process-definitions")
@auth_required
def list_definitions() -> Any:
    return jsonify(shared(DefinitionOut, many=True).dump(definitions.list_all(db.session())))


@api_blueprint.post("/process-definitions")
@auth_required
def deploy_definition() -> Any:
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
    result = definitions.deploy(db.session(), upload.read(), forms, _user(), upload.filename or "upload.bpmn")
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


@api_blueprint.get("/process-instances/<int:instance_id>")
@auth_required
def get_instance(instance_id: int) -> Any:
    view = instances.instance_view(db.session(), _user(), instance_id)
    return jsonify(dump_instance(view.instance, view.open_tasks))


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
    instance_id = request.args.get("process_instance_id", type=int)
    rows = tasks.worklist(db.session(), _user(), instance_id)
    return jsonify(shared(TaskSummaryOut, many=True).dump(rows))


@api_blueprint.get("/tasks/<task_id>")
@auth_required
def get_task(task_id: str) -> Any:
    view = tasks.task_view(db.session(), _user(), task_id, current_locale())
    body: dict[str, Any] = shared(TaskSummaryOut).dump(view.task)
    body["form"] = describe_form(view.form, current_locale(), view.choices) if view.form else None
    body["data"] = view.data
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
    return jsonify(shared(TaskSummaryOut).dump(tasks.save_draft(db.session(), _user(), task_id, body["data"])))


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
    reached = messages.deliver(db.session(), _user(), name, body["correlation"], body["payload"])
    return jsonify({"delivered_to": reached})


@api_blueprint.get("/equipment")
@auth_required
def list_equipment() -> Any:
    units = archive.search_equipment(
        db.session(), _user(), request.args.get("q"), request.args.get("customer_id", type=int)
    )
    return jsonify(shared(EquipmentOut, many=True).dump(units))


@api_blueprint.get("/equipment/<int:unit_id>")
@auth_required
def get_equipment(unit_id: int) -> Any:
    session = db.session()
    history = archive.unit_history(session, _user(), unit_id)
    body: dict[str, Any] = shared(EquipmentOut).dump(history.view)
    body["process_instances"] = [
        {"id": i.id, "process_id": i.process_id, "status": i.status} for i in history.instances
    ]
    body["service_requests"] = [
        {
            "id": r.id,
            "number": r.number,
            "reported_at": r.reported_at.isoformat(),
            "status": r.status,
            "record_signed": bool(history.records.get(r.id) and history.records[r.id].signed_at),
        }
        for r in history.requests
    ]
    body["parts"] = shared(MovementOut, many=True).dump(history.parts)
    body["correspondence"] = [
        {"number": c.number, "direction": c.direction, "subject": c.subject, "at": c.at.isoformat()}
        for c in archive_edit.unit_correspondence(session, unit_id)
    ]
    return jsonify(body)


@api_blueprint.get("/customers")
@auth_required
def list_customers() -> Any:
    return jsonify(shared(CustomerOut, many=True).dump(archive.list_customers(db.session(), _user())))


@api_blueprint.post("/service-requests")
@auth_required
def report_fault() -> Any:
    body = _body(shared(ServiceRequestIn))
    session = db.session()
    request_row = service_requests.report_fault(
        session,
        _user(),
        body["equipment_id"],
        body["channel"],
        body["description"],
        body["contact_name"],
        body["contact_phone"],
    )
    view = service_requests.request_view(session, _user(), request_row.id)
    return jsonify(dump_service_request(view)), 201


@api_blueprint.get("/service-requests")
@auth_required
def list_service_requests() -> Any:
    rows = service_requests.list_requests(db.session(), _user(), request.args.get("status"))
    return jsonify([dump_request_summary(r, clocks) for r, clocks in rows])


@api_blueprint.get("/service-requests/<int:request_id>")
@auth_required
def get_service_request(request_id: int) -> Any:
    return jsonify(dump_service_request(service_requests.request_view(db.session(), _user(), request_id)))


@api_blueprint.post("/service-requests/<int:request_id>/parts")
@auth_required
def issue_part(request_id: int) -> Any:
    body = _body(shared(PartIn))
    movement = warehouse.issue_part(db.session(), _user(), request_id, body["part_code"], body["quantity"])
    return jsonify(shared(MovementOut).dump(movement)), 201


@api_blueprint.post("/service-requests/<int:request_id>/parts/return")
@auth_required
def return_part(request_id: int) -> Any:
    body = _body(shared(PartIn))
    movement = warehouse.return_part(db.session(), _user(), request_id, body["part_code"], body["quantity"])
    return jsonify(shared(MovementOut).dump(movement)), 201


@api_blueprint.get("/spare-parts")
@auth_required
def list_parts() -> Any:
    return jsonify(shared(PartOut, many=True).dump(warehouse.list_parts(db.session())))


@api_blueprint.post("/spare-parts/receive")
@auth_required
def receive_part() -> Any:
    body = _body(shared(PartIn))
    movement = warehouse.receive_part(db.session(), _user(), body["part_code"], body["quantity"])
    return jsonify(shared(MovementOut).dump(movement)), 201


@api_blueprint.get("/contracts/<int:contract_id>/deposit")
@auth_required
def deposit_ledger(contract_id: int) -> Any:
    ledger = warehouse.deposit_ledger(db.session(), _user(), contract_id)
    return jsonify(
        {
            "contract": ledger.contract.number,
            "deposit": str(ledger.contract.deposit_amount),
            "balance": str(ledger.balance),
            "entries": [
                {"at": e.at.isoformat(), "amount": str(e.amount), "reason": e.reason, "request_id": e.request_id}
                for e in ledger.entries
            ],
        }
    )
