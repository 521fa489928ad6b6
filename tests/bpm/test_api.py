"""The JSON API of API.md over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.data import REGISTER
from harness.http_client import call, login, upload
from harness.servers import LiveServer

API = "/api/v1"
PARTS = Path(__file__).parents[1] / "fixtures" / "parts_arrival.bpmn"


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def _start(base: str, token: str) -> dict[str, Any]:
    status, body = call(
        base, "POST", f"{API}/process-instances", {"process_id": "complaint_handling", "data": {}}, token
    )
    assert status == 201, body
    return body  # type: ignore[no-any-return]


def test_token_with_wrong_password_is_refused(base: str) -> None:
    status, body = call(base, "POST", f"{API}/auth/token", {"username": "after_sales1", "password": "nope"})
    assert status == 401
    assert body["error"]["code"] == "invalid_credentials"


def test_requests_without_token_get_json_401(base: str) -> None:
    status, body = call(base, "GET", f"{API}/tasks")
    assert status == 401
    assert body["error"]["code"] == "unauthorized"
    status, body = call(base, "GET", f"{API}/tasks", token="forged")
    assert status == 401


def test_openapi_document_lists_the_paths(base: str) -> None:
    status, body = call(base, "GET", f"{API}/openapi.json")
    assert status == 200
    assert "/tasks/{id}/complete" in body["paths"]


def test_definitions_list_the_complaint_process(base: str) -> None:
    status, body = call(base, "GET", f"{API}/process-definitions", token=login(base, "auditors1"))
    assert status == 200
    assert (body[0]["process_id"], body[0]["version"]) == ("complaint_handling", 1)
    assert body[0]["name"] == "客户投诉处理"


def test_complete_a_task_over_the_api(base: str) -> None:
    token = login(base, "after_sales1")
    instance = _start(base, token)
    assert instance["version"] == 1 and instance["status"] == "running"
    [task] = instance["open_tasks"]
    status, detail = call(base, "GET", f"{API}/tasks/{task['id']}", token=token, headers={"Accept-Language": "en"})
    assert status == 200
    assert detail["name"] == "register_complaint"
    assert detail["title"] == "Register the complaint"  # English title from the diagram's title_en
    assert detail["form"]["schema"]["properties"]["customer"]["title"] == "Customer"
    assert detail["group"] == "after_sales" and detail["assignee"] == "after_sales1"

    status, body = call(
        base, "POST", f"{API}/tasks/{task['id']}/complete", {"data": {**REGISTER, "quantity": -1}}, token
    )
    assert status == 400
    assert body["error"]["code"] == "validation_failed"
    assert "quantity" in body["errors"]

    status, body = call(base, "POST", f"{API}/tasks/{task['id']}/complete", {"data": REGISTER}, token)
    assert status == 200, body
    assert [t["name"] for t in body["open_tasks"]] == ["contact_customer"]

    status, body = call(base, "POST", f"{API}/tasks/{task['id']}/complete", {"data": REGISTER}, token)
    assert status == 409

    status, history = call(base, "GET", f"{API}/process-instances/{instance['id']}/history", token=token)
    assert [e["action"] for e in history] == ["instance_started", "task_completed"]
    assert history[1]["actor"] == "after_sales1"
    assert history[1]["task"] == "register_complaint"
    assert history[1]["data_after"]["customer"] == REGISTER["customer"]


def test_worklist_claim_and_unclaim(base: str) -> None:
    owner = login(base, "after_sales1")
    instance = _start(base, owner)
    task_id = instance["open_tasks"][0]["id"]
    lead = login(base, "after_sales_leads1")
    assert call(base, "POST", f"{API}/tasks/{task_id}/claim", token=lead)[0] == 409
    assert call(base, "POST", f"{API}/tasks/{task_id}/unclaim", token=owner)[0] == 200
    status, tasks = call(base, "GET", f"{API}/tasks?process_instance_id={instance['id']}", token=lead)
    assert [t["id"] for t in tasks] == [task_id]
    status, body = call(base, "POST", f"{API}/tasks/{task_id}/claim", token=lead)
    assert status == 200 and body["assignee"] == "after_sales_leads1"


def test_other_users_instances_and_tasks_look_absent(base: str) -> None:
    instance = _start(base, login(base, "after_sales1"))
    outsider = login(base, "engineers1")
    assert call(base, "GET", f"{API}/process-instances/{instance['id']}", token=outsider)[0] == 404
    assert call(base, "GET", f"{API}/tasks/{instance['open_tasks'][0]['id']}", token=outsider)[0] == 404


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", "validation_failed"),
        (b"[1, 2]", "validation_failed"),
        (b"[" * 5000 + b"]" * 5000, "validation_failed"),
        (b'{"data": "not an object"}', "validation_failed"),
    ],
)
def test_malformed_bodies_get_a_400_not_a_500(base: str, raw: bytes, code: str) -> None:
    token = login(base, "after_sales1")
    task_id = _start(base, token)["open_tasks"][0]["id"]
    status, body = call(base, "POST", f"{API}/tasks/{task_id}/complete", token=token, raw=raw)
    assert status == 400
    assert body["error"]["code"] == code


def test_data_keys_that_shadow_script_helpers_are_refused(base: str) -> None:
    token = login(base, "after_sales1")
    start = {"process_id": "complaint_handling", "data": {"_getattr_": 1, "math": 2}}
    status, body = call(base, "POST", f"{API}/process-instances", start, token, headers={"Accept-Language": "en"})
    assert status == 400
    assert body["error"]["message"].endswith("_getattr_, math")


def test_unknown_process_is_a_404_in_the_callers_language(base: str) -> None:
    token = login(base, "after_sales1")
    status, body = call(
        base, "POST", f"{API}/process-instances", {"process_id": "nope"}, token, headers={"Accept-Language": "en"}
    )
    assert status == 404
    assert body["error"]["message"] == "No deployed process nope."


def test_hostile_diagram_upload_is_a_400_with_reasons(base: str) -> None:
    token = login(base, "process_owners1")
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    status, answer = upload(base, f"{API}/process-definitions", "evil.bpmn", evil, token)
    assert status == 400
    assert answer["problems"][0]["code"] == "xml_doctype"
    assert "root:" not in json.dumps(answer)


def test_only_process_owners_deploy(base: str) -> None:
    status, _ = upload(base, f"{API}/process-definitions", "p.bpmn", PARTS.read_bytes(), login(base, "engineers1"))
    assert status == 403


def test_message_reaches_the_waiting_instance_by_correlation_p5(base: str) -> None:
    status, body = upload(
        base, f"{API}/process-definitions", "p.bpmn", PARTS.read_bytes(), login(base, "process_owners1")
    )
    assert status in (200, 201), body
    token = login(base, "after_sales1")
    started = {}
    for order in ("A-1", "A-2"):
        status, started[order] = call(
            base,
            "POST",
            f"{API}/process-instances",
            {"process_id": "parts_arrival", "data": {"order_no": order}},
            token,
        )
        assert status == 201 and started[order]["open_tasks"] == []
    message = {"correlation": {"order_no": "A-2"}, "payload": {"parts": ["TN-1"]}}
    status, body = call(base, "POST", f"{API}/messages/parts_arrived", message, token)
    assert status == 200 and body["delivered_to"] == [started["A-2"]["id"]]
    status, instance = call(base, "GET", f"{API}/process-instances/{started['A-2']['id']}", token=token)
    assert instance["data"]["parts"] == ["TN-1"]
    [task] = instance["open_tasks"]
    assert task["name"] == "install_parts"
    status, detail = call(base, "GET", f"{API}/tasks/{task['id']}", token=token)
    assert detail["form"] is None  # no form: a plain complete
    assert call(base, "POST", f"{API}/tasks/{task['id']}/complete", {"data": {}}, token)[0] == 200
    assert call(base, "POST", f"{API}/messages/parts_arrived", message, token)[0] == 404
    assert call(base, "POST", f"{API}/messages/parts_arrived", {"payload": {}}, token)[0] == 400  # no broadcast
    bad = {"correlation": {"process_instance_id": "1 OR 1=1"}}
    assert call(base, "POST", f"{API}/messages/parts_arrived", bad, token)[0] == 400
    outsider = {"correlation": {"order_no": "A-1"}}
    assert call(base, "POST", f"{API}/messages/parts_arrived", outsider, login(base, "engineers1"))[0] == 404
    status, history = call(base, "GET", f"{API}/process-instances/{started['A-2']['id']}/history", token=token)
    assert [e["action"] for e in history] == [
        "instance_started",
        "message_received",
        "task_completed",
        "instance_completed",
    ]


def test_endless_script_fails_the_step_and_loses_nothing(base: str) -> None:
    diagram = (Path(__file__).parents[1] / "fixtures" / "endless_script.bpmn").read_bytes()
    status, body = upload(base, f"{API}/process-definitions", "e.bpmn", diagram, login(base, "process_owners1"))
    assert status in (200, 201), body
    token = login(base, "after_sales1")
    status, instance = call(base, "POST", f"{API}/process-instances", {"process_id": "endless_script"}, token)
    task_id = instance["open_tasks"][0]["id"]
    status, body = call(
        base, "POST", f"{API}/tasks/{task_id}/complete", {"data": {}}, token, headers={"Accept-Language": "en"}
    )
    assert status == 422
    assert body["error"]["code"] == "process_error"
    assert "ran longer than" in body["error"]["message"]
    status, after = call(base, "GET", f"{API}/process-instances/{instance['id']}", token=token)
    assert [t["id"] for t in after["open_tasks"]] == [task_id]  # nothing was saved: the task is still open
