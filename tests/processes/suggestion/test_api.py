"""The suggestion process (R22) over real HTTP: registered from any channel, routed to one or
more departments (each its own task), each department accepts or returns it with a response,
the sender is replied to in a step of its own (never skipped), and good suggestions are marked
for the monthly review (`marked_suggestions`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.bpm.case_facts import office_tz
from app.bpm.models import utcnow
from app.processes.suggestion.service import marked_suggestions
from harness.http_client import call, login
from harness.servers import LiveServer

API = "/api/v1"


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="module")
def desk(base: str) -> str:
    return login(base, "after_sales1")


@pytest.fixture(scope="module")
def customer_id(base: str, desk: str) -> int:
    status, customers = call(base, "GET", f"{API}/customers", token=desk)
    assert status == 200 and customers
    return int(customers[0]["id"])


def open_tasks(base: str, token: str, instance_id: int) -> list[dict[str, Any]]:
    status, found = call(base, "GET", f"{API}/tasks?process_instance_id={instance_id}", token=token)
    assert status == 200
    return list(found)


def complete(base: str, token: str, instance_id: int, name: str, data: dict[str, Any]) -> tuple[int, Any]:
    found = [t for t in open_tasks(base, token, instance_id) if t["name"] == name]
    assert len(found) == 1, open_tasks(base, token, instance_id)
    return call(base, "POST", f"{API}/tasks/{found[0]['id']}/complete", {"data": data}, token=token)


def instance(base: str, token: str, instance_id: int) -> dict[str, Any]:
    status, body = call(base, "GET", f"{API}/process-instances/{instance_id}", token=token)
    assert status == 200
    return dict(body)


def registered(base: str, desk: str, customer_id: int, channel: str, content: str) -> int:
    status, started = call(
        base, "POST", f"{API}/process-instances", {"process_id": "suggestion", "data": {}}, token=desk
    )
    assert status == 201, started
    instance_id = int(started["id"])
    status, body = complete(
        base,
        desk,
        instance_id,
        "register_suggestion",
        {
            "customer_id": customer_id,
            "channel": channel,
            "sender_name": "张科长",
            "sender_contact": "0759-2222333",
            "received_at": utcnow().isoformat(),
            "content": content,
        },
    )
    assert status == 200, body
    return instance_id


def test_routed_to_two_departments_one_accepts_one_returns_and_the_sender_is_replied_to(
    base: str, desk: str, customer_id: int, committed_session: Session
) -> None:
    instance_id = registered(base, desk, customer_id, "branch", "建议增加夜间值班电话")
    status, body = complete(base, desk, instance_id, "route_suggestion", {"departments": []})
    assert status == 400 and "departments" in body["errors"]  # at least one department
    status, _ = complete(base, desk, instance_id, "route_suggestion", {"departments": ["sales", "qc"]})
    assert status == 200
    sales, qc, technical = login(base, "sales1"), login(base, "qc1"), login(base, "technical1")
    assert [t["name"] for t in open_tasks(base, technical, instance_id)] == []  # not routed there
    assert [t["name"] for t in open_tasks(base, sales, instance_id)] == ["review_sales"]
    assert [t["name"] for t in open_tasks(base, qc, instance_id)] == ["review_qc"]
    status, _ = complete(base, sales, instance_id, "review_sales", {"decision": "accepted", "response": "下月起开通"})
    assert status == 200
    assert [t["name"] for t in open_tasks(base, desk, instance_id)] == []  # the reply waits for every department
    status, _ = complete(base, qc, instance_id, "review_qc", {"decision": "returned", "response": "不属品控范围"})
    assert status == 200

    # the reply cannot be skipped: the process waits for it, and it needs its text and how it was sent
    body = instance(base, desk, instance_id)
    assert body["status"] == "running" and [t["name"] for t in body["open_tasks"]] == ["reply_to_sender"]
    status, refused = complete(base, desk, instance_id, "reply_to_sender", {"mark_for_review": True})
    assert status == 400 and {"reply_text", "reply_via"} <= set(refused["errors"])
    status, task = call(base, "GET", f"{API}/tasks/{open_tasks(base, desk, instance_id)[0]['id']}", token=desk)
    facts = " ".join(f"{f['label']} {f['value']}" for f in task["case"]["facts"])
    assert "下月起开通" in facts and "不属品控范围" in facts  # the departments' answers beside the reply
    reply = {"reply_text": "已开通夜间值班电话", "reply_via": "phone", "mark_for_review": True, "review_note": "好建议"}
    status, _ = complete(base, desk, instance_id, "reply_to_sender", reply)
    assert status == 200
    done = instance(base, desk, instance_id)
    assert done["status"] == "completed" and done["data"]["customer_id"] == customer_id

    month = utcnow().astimezone(office_tz()).date()
    marked = [m for m in marked_suggestions(committed_session, month.strftime("%Y-%m")) if m.instance_id == instance_id]
    committed_session.rollback()
    assert len(marked) == 1
    entry = marked[0]
    assert entry.channel == "branch" and entry.reply_via == "phone" and entry.review_note == "好建议"
    assert entry.departments == ("sales", "qc")
    assert [(r["department"], r["decision"], r["answered_by"]) for r in entry.responses] == [
        ("sales", "accepted", "sales1"),
        ("qc", "returned", "qc1"),
    ]
    next_month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    assert instance_id not in [m.instance_id for m in marked_suggestions(committed_session, next_month)]
    committed_session.rollback()


def test_started_with_its_customer_and_not_marked_for_the_review(
    base: str, desk: str, customer_id: int, committed_session: Session
) -> None:
    status, started = call(
        base,
        "POST",
        f"{API}/process-instances",
        {"process_id": "suggestion", "data": {"customer_id": customer_id}},
        token=desk,
    )
    assert status == 201
    instance_id = int(started["id"])
    task = open_tasks(base, desk, instance_id)[0]
    status, detail = call(base, "GET", f"{API}/tasks/{task['id']}", token=desk)
    assert detail["data"]["customer_id"] == customer_id  # the first task finds its customer
    register = {
        "customer_id": 999999,
        "channel": "web",
        "sender_name": "王工",
        "received_at": utcnow().isoformat(),
        "content": "网站希望增加配件查询",
    }
    status, refused = complete(base, desk, instance_id, "register_suggestion", register)
    assert status == 400 and "customer_id" in refused["errors"]
    status, _ = complete(base, desk, instance_id, "register_suggestion", register | {"customer_id": customer_id})
    assert status == 200
    status, _ = complete(base, desk, instance_id, "route_suggestion", {"departments": ["technical"]})
    technical = login(base, "technical1")
    status, _ = complete(base, technical, instance_id, "review_technical", {"decision": "accepted", "response": "排期"})
    assert status == 200
    reply = {"reply_text": "已转技术中心排期", "reply_via": "email", "mark_for_review": False}
    status, _ = complete(base, desk, instance_id, "reply_to_sender", reply)
    assert status == 200 and instance(base, desk, instance_id)["status"] == "completed"
    month = utcnow().astimezone(office_tz()).strftime("%Y-%m")
    assert instance_id not in [m.instance_id for m in marked_suggestions(committed_session, month)]
    committed_session.rollback()
