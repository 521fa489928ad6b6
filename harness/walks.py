"""API walks shared by the process tests: complete a task of an instance by its element id,
and the complaint forms filled in up to a chosen point."""

from __future__ import annotations

from typing import Any

from harness.data import REGISTER
from harness.http_client import call, login

API = "/api/v1"
_TOKENS: dict[tuple[str, str], str] = {}


def token(base: str, username: str) -> str:
    if (base, username) not in _TOKENS:
        _TOKENS[(base, username)] = login(base, username)
    return _TOKENS[(base, username)]


def open_tasks(base: str, username: str, instance_id: int) -> list[dict[str, Any]]:
    status, tasks = call(base, "GET", f"{API}/tasks?process_instance_id={instance_id}", token=token(base, username))
    assert status == 200, tasks
    return list(tasks)


def step(base: str, username: str, instance_id: int, name: str, data: dict[str, Any]) -> tuple[int, Any]:
    """Complete the user's open task `name` of the instance: (status, body)."""
    tasks = open_tasks(base, username, instance_id)
    task = next((t for t in tasks if t["name"] == name), None)
    assert task is not None, f"{name} not among {username}'s tasks of instance {instance_id}: {tasks}"
    return call(base, "POST", f"{API}/tasks/{task['id']}/complete", {"data": data}, token=token(base, username))


def done(base: str, username: str, instance_id: int, name: str, data: dict[str, Any]) -> dict[str, Any]:
    status, body = step(base, username, instance_id, name, data)
    assert status == 200, body
    return dict(body)


def start(base: str, username: str, process_id: str, data: dict[str, Any] | None = None) -> int:
    body = {"process_id": process_id, "data": data or {}}
    status, created = call(base, "POST", f"{API}/process-instances", body, token(base, username))
    assert status in (200, 201), created
    return int(created["id"])


def complaint_to_analysis(
    base: str, received_at: str, department: str, severity: str = "minor", customer: str = "市第一医院"
) -> int:
    """A complaint registered, contacted, confirmed and analysed: our responsibility."""
    instance = start(base, "after_sales1", "complaint_handling")
    done(
        base,
        "after_sales1",
        instance,
        "register_complaint",
        {**REGISTER, "customer": customer, "received_at": received_at},
    )
    contact = {"contacted_at": received_at, "contact_method": "phone", "contact_notes": "已联系"}
    done(base, "after_sales1", instance, "contact_customer", contact)
    done(base, "after_sales1", instance, "confirm_complaint", {"confirmed": True, "confirmation_notes": "属实"})
    analysis = {
        "cause": "定影组件老化",
        "responsible_department": department,
        "our_responsibility": True,
        "severity": severity,
        "evidence": "检测报告",
    }
    done(base, "technical1", instance, "analyse_complaint", analysis)
    return instance
