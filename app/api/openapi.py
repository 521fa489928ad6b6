"""The OpenAPI 3.1 document for /api/v1."""

from __future__ import annotations

from typing import Any


def _op(summary: str, *, body: str | None = None, auth: bool = True, params: list[str] | None = None) -> dict[str, Any]:
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


def openapi_document() -> dict[str, Any]:
    obj = {"type": "object"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shouhou API", "version": "1.0.0", "description": "After-sales service BPM (售后服务管理)"},
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/auth/token": {
                "post": _op("Exchange user name and password for a bearer token", body="TokenRequest", auth=False)
            },
            "/process-definitions": {
                "get": _op("Deployed processes and versions"),
                "post": {
                    **_op("Deploy a BPMN file (multipart `file`, optional form files)"),
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
                "post": _op("Retire a version: no new instances start on it", params=["process_id", "version"])
            },
            "/process-definitions/{process_id}/versions/{version}/reinstate": {
                "post": _op("Put a retired version back", params=["process_id", "version"])
            },
            "/process-instances": {
                "post": _op("Start a process instance", body="StartRequest"),
                "get": _op("Search instances by business data (?q= key or any data value, ?process_id=, ?status=)"),
            },
            "/process-instances/{id}": {"get": _op("An instance with its open tasks", params=["id"])},
            "/process-instances/{id}/history": {"get": _op("The instance's audit events, oldest first", params=["id"])},
            "/tasks": {"get": _op("The caller's worklist")},
            "/tasks/{id}": {"get": _op("One task with its form and data", params=["id"])},
            "/tasks/{id}/claim": {"post": _op("Claim a group task", params=["id"])},
            "/tasks/{id}/unclaim": {"post": _op("Release a claimed task", params=["id"])},
            "/tasks/{id}/draft": {"post": _op("Save form input without completing", body="DataRequest", params=["id"])},
            "/tasks/{id}/complete": {"post": _op("Complete a task with form data", body="DataRequest", params=["id"])},
            "/equipment": {"get": _op("Equipment units (?q= serial, model or customer; ?customer_id=) with warranty")},
            "/equipment/{id}": {"get": _op("One unit with its warranty and process instances", params=["id"])},
            "/service-requests": {
                "get": _op("Service requests the caller may see (?status=open|resolved|closed|declined)"),
                "post": _op(
                    "Report a fault: equipment_id, channel (phone|email|web|visit|letter), description; "
                    "returns the request with process_instance_id, reported_at and its sla clocks",
                    body="ServiceRequestIn",
                ),
            },
            "/service-requests/{id}": {
                "get": _op(
                    "One request, current: sla clocks (name, due_at, met_at, breached), record, parts, loans",
                    params=["id"],
                )
            },
            "/service-requests/{id}/parts": {
                "post": _op("Issue parts from stock to the repair: part_code, quantity", body="PartIn", params=["id"])
            },
            "/service-requests/{id}/parts/return": {
                "post": _op("Return unused parts to stock: part_code, quantity", body="PartIn", params=["id"])
            },
            "/spare-parts": {"get": _op("Warehouse stock with minimums")},
            "/spare-parts/receive": {"post": _op("Replenish stock: part_code, quantity", body="PartIn")},
            "/contracts/{id}/deposit": {
                "get": _op("The contract's warranty deposit ledger and balance", params=["id"])
            },
            "/customers": {"get": _op("Customers, key customers first")},
            "/messages/{name}": {
                "post": _op("Deliver a message to waiting instances", body="MessageRequest", params=["name"])
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
                "PartIn": {
                    "type": "object",
                    "required": ["part_code", "quantity"],
                    "properties": {
                        "part_code": {"type": "string"},
                        "quantity": {"type": "integer", "minimum": 1, "maximum": 1000},
                    },
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
