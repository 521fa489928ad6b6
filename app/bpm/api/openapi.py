"""The OpenAPI 3.1 document for /api/v1."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OpenApiPart:
    """Paths and schemas a module adds to the document (contributed as "openapi")."""

    paths: Mapping[str, Any]
    schemas: Mapping[str, Any] = field(default_factory=dict)


def operation(
    summary: str, *, body: str | None = None, auth: bool = True, params: list[str] | None = None
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {"200": {"description": "OK"}, "400": {"$ref": "#/components/responses/Error"}},
    }
    if auth:
        op["security"] = [{"bearer": []}]
        op["responses"]["401"] = {"$ref": "#/components/responses/Error"}
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    if params:
        op["parameters"] = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params]
    return op


WORKLIST_PARAMS = {
    "process_instance_id": {"type": "integer"},
    "process_id": {"type": "string"},
    "group": {"type": "string"},
    "q": {"type": "string", "description": "task title, business key or any data value"},
    "overdue": {"type": "boolean"},
    "sort": {"enum": ["due", "created", "process"]},
    "page": {"type": "integer", "minimum": 1},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 200},
}


def _worklist_operation() -> dict[str, Any]:
    op = operation(
        "The caller's worklist, each task with its deadline (deadline_at, deadline_label, warn_at, "
        "remaining_seconds, overdue); X-Total-Count, X-Page and X-Page-Count headers"
    )
    op["parameters"] = [{"name": name, "in": "query", "schema": schema} for name, schema in WORKLIST_PARAMS.items()]
    return op


def openapi_document(parts: Sequence[OpenApiPart] = ()) -> dict[str, Any]:
    """The platform's paths and schemas, and those the app's modules contribute."""
    obj = {"type": "object"}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Shouhou API", "version": "1.0.0", "description": "After-sales service BPM (售后服务管理)"},
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/auth/token": {
                "post": {
                    **operation("Exchange user name and password for a bearer token", body="TokenRequest", auth=False),
                    "responses": {
                        "200": {"description": "OK"},
                        "400": {"$ref": "#/components/responses/Error"},
                        "401": {"$ref": "#/components/responses/Error"},
                        "429": {
                            "description": "Too many failed log-ins for this account or address; see Retry-After",
                            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                        },
                    },
                },
                "delete": {
                    **operation("Revoke the presented token: it gets 401 from then on"),
                    "responses": {
                        "204": {"description": "Revoked"},
                        "401": {"$ref": "#/components/responses/Error"},
                    },
                },
            },
            "/users/{id}/revoke-access": {
                "post": operation("End every web session and API token of a user (admins)", params=["id"])
            },
            "/process-definitions": {
                "get": operation("Deployed processes and versions"),
                "post": {
                    **operation("Deploy a BPMN file (multipart `file`, optional form files)"),
                    "requestBody": {
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"file": {"type": "string", "format": "binary"}},
                                }
                            }
                        }
                    },
                },
            },
            "/process-definitions/{process_id}/versions/{version}/retire": {
                "post": operation("Retire a version: no new instances start on it", params=["process_id", "version"])
            },
            "/process-definitions/{process_id}/versions/{version}/reinstate": {
                "post": operation("Put a retired version back", params=["process_id", "version"])
            },
            "/process-instances": {
                "post": operation("Start a process instance", body="StartRequest"),
                "get": operation(
                    "Search instances by business data (?q= key or any data value, ?process_id=, ?status=)"
                ),
            },
            "/process-instances/{id}": {"get": operation("An instance with its open tasks", params=["id"])},
            "/process-instances/{id}/retry": {
                "post": operation("Put an instance that failed back to running (admins)", params=["id"])
            },
            "/process-instances/{id}/history": {
                "get": operation("The instance's audit events, oldest first", params=["id"])
            },
            "/tasks": {"get": _worklist_operation()},
            "/tasks/{id}": {
                "get": operation(
                    "One task with its form, data and case (label and facts this step needs)", params=["id"]
                )
            },
            "/tasks/{id}/claim": {"post": operation("Claim a group task", params=["id"])},
            "/tasks/{id}/unclaim": {"post": operation("Release a claimed task", params=["id"])},
            "/tasks/{id}/reassign": {
                "post": operation(
                    "A lead gives a team task to a member of its group", body="HandOverRequest", params=["id"]
                )
            },
            "/tasks/{id}/delegate": {
                "post": operation(
                    "The holder hands the task to a colleague of its group", body="HandOverRequest", params=["id"]
                )
            },
            "/tasks/{id}/draft": {
                "post": operation(
                    "Save form input without completing: only the form's fields, within their string bounds"
                    " and the data limit, a data URI only in the signature field (400/413 otherwise)",
                    body="DataRequest",
                    params=["id"],
                )
            },
            "/tasks/{id}/complete": {
                "post": operation("Complete a task with form data", body="DataRequest", params=["id"])
            },
            "/messages/{name}": {
                "post": operation("Deliver a message to waiting instances", body="MessageRequest", params=["name"])
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "TokenRequest": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                },
                "StartRequest": {
                    "type": "object",
                    "required": ["process_id"],
                    "properties": {
                        "process_id": {"type": "string"},
                        "data": obj,
                        "business_key": {"type": ["string", "null"]},
                    },
                },
                "DataRequest": {"type": "object", "required": ["data"], "properties": {"data": obj}},
                "MessageRequest": {"type": "object", "properties": {"correlation": obj, "payload": obj}},
                "HandOverRequest": {
                    "type": "object",
                    "required": ["username"],
                    "properties": {"username": {"type": "string"}},
                },
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                        },
                        "errors": obj,
                    },
                },
            },
            "responses": {
                "Error": {
                    "description": "Error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            },
        },
    }
    for part in parts:
        document["paths"].update(part.paths)
        document["components"]["schemas"].update(part.schemas)
    return document
