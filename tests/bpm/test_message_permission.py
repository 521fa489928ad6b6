"""Who may send a message to a waiting instance (issue 12): an integration account, or a member
of the lane that waits for it (`can_send_message`); reading an instance is not sending to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.http_client import call, login, upload
from harness.servers import LiveServer

API = "/api/v1"
PARTS = Path(__file__).parents[1] / "fixtures" / "parts_arrival.bpmn"


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    url = live_server.url
    owner = login(url, "process_owners1")
    status, body = upload(url, f"{API}/process-definitions", "p.bpmn", PARTS.read_bytes(), owner)
    assert status in (200, 201), body
    return url


def _waiting(base: str, order: str) -> int:
    body = {"process_id": "parts_arrival", "data": {"order_no": order}}
    status, started = call(base, "POST", f"{API}/process-instances", body, login(base, "after_sales1"))
    assert status == 201
    return int(started["id"])


def _send(base: str, username: str, order: str) -> tuple[int, object]:
    message = {"correlation": {"order_no": order}, "payload": {"parts": ["TN-1"]}}
    return call(base, "POST", f"{API}/messages/parts_arrived", message, login(base, username))


def _history(base: str, instance_id: int) -> list[tuple[str, str]]:
    _, events = call(base, "GET", f"{API}/process-instances/{instance_id}/history", token=login(base, "auditors1"))
    return [(e["action"], e["actor"]) for e in events]


@pytest.mark.parametrize("username", ["auditors1", "process_owners1"])
def test_readers_who_work_in_no_waiting_lane_are_refused(base: str, username: str) -> None:
    instance_id = _waiting(base, f"READ-{username}")
    status, body = _send(base, username, f"READ-{username}")
    assert status == 403, body
    assert ("message_received", username) not in _history(base, instance_id)
    _, instance = call(base, "GET", f"{API}/process-instances/{instance_id}", token=login(base, "after_sales1"))
    assert instance["open_tasks"] == []  # still waiting


def test_someone_elses_instance_looks_like_none(base: str) -> None:
    _waiting(base, "OTHER-1")
    assert _send(base, "engineers1", "OTHER-1")[0] == 404


@pytest.mark.parametrize("username", ["integrations1", "after_sales1"])
def test_an_integration_account_or_the_waiting_lane_sends_and_is_recorded(base: str, username: str) -> None:
    instance_id = _waiting(base, f"SEND-{username}")
    status, body = _send(base, username, f"SEND-{username}")
    assert status == 200 and body == {"delivered_to": [instance_id], "failed": [], "started": []}
    assert ("message_received", username) in _history(base, instance_id)  # who sent it
