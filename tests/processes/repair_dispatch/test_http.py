"""Service requests over real HTTP: the JSON API of issue 3 and the service desk's pages."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bpm.errors import FormRejected
from app.bpm.forms.signature import DATA_URL_PREFIX, clean_png
from app.bpm.models import utcnow
from app.processes.repair_dispatch.models import ServiceRecord
from app.processes.repair_dispatch.service import FaultReport, report_fault
from harness.apps import user
from harness.http_client import call, login
from harness.servers import LiveServer
from harness.web_client import WebClient
from tests.bpm.test_signature import HOSTILE, canvas, chunk

from .test_service import complete, unit_id

API = "/api/v1"


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def unit(base: str, token: str, serial: str) -> dict[str, Any]:
    status, units = call(base, "GET", f"{API}/equipment?q={serial}", token=token)
    assert status == 200 and len(units) == 1
    return dict(units[0])


def test_report_a_fault_and_follow_its_clocks(base: str) -> None:
    token = login(base, "after_sales1")
    target = unit(base, token, "SN-C2000-0002")
    body = {"equipment_id": target["id"], "channel": "phone", "description": "复印有黑线", "contact_name": "李主任"}
    status, created = call(base, "POST", f"{API}/service-requests", body, token=token)
    assert status == 201, created
    assert created["process_instance_id"] and created["reported_at"] and created["status"] == "open"
    assert created["in_warranty"] is False  # accepted 2022-04-10 on a 2-year contract
    clocks = {c["name"]: c for c in created["sla"]}
    assert set(clocks) == {"response", "arrival", "resolution"}
    assert all({"due_at", "met_at", "breached"} <= c.keys() for c in clocks.values())
    assert clocks["response"]["met_at"] is None and clocks["response"]["breached"] is False

    engineer = login(base, "engineers1")
    status, worklist = call(
        base, "GET", f"{API}/tasks?process_instance_id={created['process_instance_id']}", token=engineer
    )
    assert status == 200 and [t["name"] for t in worklist] == ["remote_support"]
    done = {"data": {"contact_summary": "需上门", "resolved_remotely": False}}
    status, _ = call(base, "POST", f"{API}/tasks/{worklist[0]['id']}/complete", done, token=engineer)
    assert status == 200
    status, current = call(base, "GET", f"{API}/service-requests/{created['id']}", token=token)
    assert status == 200
    response = next(c for c in current["sla"] if c["name"] == "response")
    assert response["met_at"] is not None and response["status"] == "met"
    # out of warranty: sales agrees the paid service before anything else (R9)
    status, sales_tasks = call(
        base, "GET", f"{API}/tasks?process_instance_id={created['process_instance_id']}", token=login(base, "sales1")
    )
    assert [t["name"] for t in sales_tasks] == ["agree_paid_service"]
    # parts at cost, never above the contract price
    status, movement = call(
        base,
        "POST",
        f"{API}/service-requests/{created['id']}/parts",
        {"part_code": "FUSER-C2000", "quantity": 1},
        token=engineer,
    )
    assert status == 201 and movement["charge"] == "950.00"
    status, listed = call(base, "GET", f"{API}/service-requests?status=open", token=token)
    assert status == 200 and created["id"] in [r["id"] for r in listed]
    assert call(base, "GET", f"{API}/service-requests", token=login(base, "qc1"))[1] == []  # not in the process


def test_dispatch_form_offers_the_engineers(base: str) -> None:
    token = login(base, "after_sales1")
    target = unit(base, token, "SN-C3000-0004")  # in warranty
    _, created = call(
        base,
        "POST",
        f"{API}/service-requests",
        {"equipment_id": target["id"], "channel": "web", "description": "无法开机"},
        token=token,
    )
    engineer = login(base, "engineers2")
    _, tasks = call(base, "GET", f"{API}/tasks?process_instance_id={created['process_instance_id']}", token=engineer)
    call(
        base,
        "POST",
        f"{API}/tasks/{tasks[0]['id']}/complete",
        {"data": {"contact_summary": "x", "resolved_remotely": False}},
        token=engineer,
    )
    _, tasks = call(base, "GET", f"{API}/tasks?process_instance_id={created['process_instance_id']}", token=token)
    status, task = call(base, "GET", f"{API}/tasks/{tasks[0]['id']}", token=token)
    assert status == 200 and task["name"] == "dispatch_engineer"
    assert task["form"]["schema"]["properties"]["engineer"]["enum"] == ["engineers1", "engineers2"]
    web = WebClient(base)
    web.login("after_sales1")
    status, page = web.get(f"/tasks/{task['id']}")
    assert status == 200 and 'id="work-context"' in page and created["number"] in page
    assert 'id="clock-arrival"' in page  # the clocks at the point of work
    status, page = web.get(f"/instances/{created['process_instance_id']}")
    assert status == 200 and 'id="work-context-link"' in page
    status, body = call(
        base,
        "POST",
        f"{API}/tasks/{task['id']}/complete",
        {"data": {"engineer": "qc1", "extra_staff_needed": False}},
        token=token,
    )
    assert status == 400 and "engineer" in body["errors"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"equipment_id": 1, "channel": "fax", "description": "x"}, 400, "channel"),
        ({"equipment_id": 1, "channel": "phone"}, 400, "description"),
        ({"equipment_id": "1", "channel": "phone", "description": "x"}, 400, "equipment_id"),
        ({"equipment_id": 1, "channel": "phone", "description": "x" * 4001}, 400, "description"),
        ({"equipment_id": 999999, "channel": "phone", "description": "x"}, 404, None),
    ],
)
def test_bad_fault_reports_get_clear_errors(base: str, body: dict[str, Any], status: int, field: str | None) -> None:
    got, answer = call(base, "POST", f"{API}/service-requests", body, token=login(base, "after_sales1"))
    assert got == status, answer
    assert "error" in answer and (field is None or field in answer["errors"])


def test_the_repair_process_starts_only_through_intake_and_ids_are_no_oracle(base: str) -> None:
    token = login(base, "after_sales1")
    status, body = call(
        base, "POST", f"{API}/process-instances", {"process_id": "repair_dispatch", "data": {}}, token=token
    )
    assert status == 400 and "service-requests" in body["error"]["message"]
    assert call(base, "GET", f"{API}/service-requests/1")[0] == 401
    assert call(base, "GET", f"{API}/service-requests/999999", token=token)[0] == 404
    assert call(base, "GET", f"{API}/contracts/1/deposit", token=login(base, "qc1"))[0] == 403
    status, ledger = call(base, "GET", f"{API}/contracts/1/deposit", token=token)
    assert status == 200 and {"deposit", "balance", "entries"} <= ledger.keys()
    status, parts = call(base, "GET", f"{API}/spare-parts", token=token)
    assert status == 200 and {"code", "on_hand", "minimum", "below_minimum"} <= parts[0].keys()
    status, _ = call(
        base,
        "POST",
        f"{API}/spare-parts/receive",
        {"part_code": "ROLLER-LP800", "quantity": 5},
        token=login(base, "engineers1"),
    )
    assert status == 403


def test_service_desk_pages(base: str) -> None:
    web = WebClient(base)
    web.login("after_sales1")
    status, page = web.get("/service-requests/new?q=SN-LP800-0006")
    assert status == 200 and "SN-LP800-0006" in page
    unit_id = re.search(r'<option value="(\d+)"[^>]*>SN-LP800-0006', page)
    assert unit_id is not None
    fields = {"unit_id": unit_id.group(1), "channel": "letter", "description": ""}
    status, page = web.post("/service-requests", fields, csrf_from="/service-requests/new")
    assert status == 400 and "请填写故障描述" in page  # nothing typed is lost: the unit stays chosen
    assert f'<option value="{unit_id.group(1)}" selected' in page
    status, page = web.post(
        "/service-requests", {**fields, "description": "来函：打印模糊"}, csrf_from="/service-requests/new"
    )
    assert status == 200 and "已登记报修单 BX" in page and 'id="clock-response"' in page
    status, page = web.get("/service-requests")
    assert status == 200 and "打印模糊" not in page and "SN-LP800-0006" in page
    status, page = web.get(f"/equipment/{unit_id.group(1)}")
    assert status == 200 and "来函：打印模糊" in page
    status, page = web.get("/parts")
    assert status == 200 and "LOAN-C3000-01" in page and "FX-GATE" in page
    status, page = web.post("/parts/receive", {"part_code": "ROLLER-LP800", "quantity": "0"}, csrf_from="/parts")
    assert status == 200 and "数量必须是" in page
    status, page = web.get("/start")
    assert status == 200 and "/service-requests/new" in page


def test_the_second_of_two_engineers_gets_what_they_typed_back(base: str) -> None:
    """Two engineers submit the same task: the second sees the conflict and their own input."""
    token = login(base, "after_sales1")
    status, created = call(
        base, "POST", f"{API}/service-requests", {"equipment_id": 4, "channel": "phone", "description": "卡纸"}, token
    )
    assert status == 201
    _, instance = call(base, "GET", f"{API}/process-instances/{created['process_instance_id']}", token=token)
    [task] = instance["open_tasks"]
    first, second = WebClient(base), WebClient(base)
    first.login("engineers1")
    second.login("engineers2")
    page = f"/tasks/{task['id']}"
    token_second = second.csrf_token(page)  # both have the form open
    fields = {"_task_action": "complete", "resolved_remotely": "false"}
    assert first.post(page, {**fields, "contact_summary": "一号已电话联系"}, csrf_from=page)[0] == 200
    status, body = second.post(page, {**fields, "contact_summary": "二号的电话记录", "csrf_token": token_second})
    assert status == 409
    assert 'id="kept-input"' in body and "二号的电话记录" in body and "否" in body  # nothing typed is lost


def test_only_a_real_png_is_kept_as_the_signature_and_it_is_served_as_one(
    base: str, committed_session: Session
) -> None:
    """Issue 12: a PNG header followed by HTML, or a 30000×30000 PNG, was accepted as the
    customer's signature and embedded in the request page."""
    session, now = committed_session, utcnow()
    desk = user(session, "after_sales1")
    request = report_fault(session, desk, FaultReport(unit_id(session, "SN-C3000-0004"), "phone", "卡纸"), now=now)
    instance_id = request.instance_id
    assert instance_id is not None
    for username, element, data in [
        ("engineers1", "remote_support", {"contact_summary": "电话指导无效", "resolved_remotely": False}),
        ("after_sales1", "dispatch_engineer", {"engineer": "engineers2", "extra_staff_needed": False}),
        ("engineers2", "arrive_on_site", {"findings": "定影器故障"}),
        ("engineers2", "repair_on_site", {"work_done": "更换定影器", "repair_outcome": "repaired"}),
    ]:
        complete(session, username, instance_id, element, data, now)
    record = {"work_summary": "更换定影器", "signer_name": "王老师"}
    step = "complete_service_record"
    for name in ("png_header_then_html", "html_after_the_image", "huge_dimensions"):
        drawing = DATA_URL_PREFIX + base64.b64encode(HOSTILE[name]).decode()
        with pytest.raises(FormRejected) as rejected:
            complete(session, "engineers2", instance_id, step, {**record, "customer_signature": drawing}, now)
        assert list(rejected.value.errors) == ["customer_signature"], name
    sent = canvas(extra=chunk(b"tEXt", b"Comment\x00<html><script>alert(1)</script></html>"))
    drawing = DATA_URL_PREFIX + base64.b64encode(sent).decode()
    complete(session, "engineers2", instance_id, step, {**record, "customer_signature": drawing}, now)
    web = WebClient(base)
    web.login("after_sales1")
    with web.opener.open(f"{base}/service-requests/{request.id}/signature.png", timeout=30) as response:
        served, headers = response.read(), response.headers
    assert served == clean_png(sent) and b"<html>" not in served
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Disposition"] == f'inline; filename="signature-{request.id}.png"'
    # a drawing stored before the check is not served at all
    stored = session.scalars(select(ServiceRecord).where(ServiceRecord.request_id == request.id)).one()
    stored.signature_png = HOSTILE["png_header_then_html"]
    session.commit()
    assert web.get(f"/service-requests/{request.id}/signature.png")[0] == 404
