"""The inspection process over real HTTP (R27): every branch a user can take. No fault: the
sheet signed and filed. A fault: a service request opened with its number kept and shown. An
incomplete sheet returned (否) and a customer refusing to sign (否): never filed."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.aftersales.archive.models import EquipmentUnit
from app.bpm.db import db
from app.bpm.forms.signature import DATA_URL_PREFIX
from harness.http_client import call, login
from harness.pdf import pdf_images, pdf_text
from harness.servers import LiveServer
from harness.web_client import WebClient
from tests.bpm.test_signature import canvas

API = "/api/v1"
SIGNATURE = DATA_URL_PREFIX + base64.b64encode(canvas()).decode()


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def task_of(base: str, token: str, instance_id: int, name: str) -> dict[str, Any]:
    status, tasks = call(base, "GET", f"{API}/tasks?process_instance_id={instance_id}", token=token)
    assert status == 200
    found = [t for t in tasks if t["name"] == name]
    assert found, f"{name} not among {[t['name'] for t in tasks]}"
    return dict(found[0])


def complete(base: str, token: str, instance_id: int, name: str, data: dict[str, Any]) -> tuple[int, Any]:
    task = task_of(base, token, instance_id, name)
    return call(base, "POST", f"{API}/tasks/{task['id']}/complete", {"data": data}, token=token)


def scheduled(base: str, serial: str) -> tuple[int, str]:
    """An inspection started by hand, its unit picked at the first task, given to engineers1."""
    desk = login(base, "after_sales1")
    status, started = call(base, "POST", f"{API}/process-instances", {"process_id": "inspection"}, token=desk)
    assert status == 201, started
    instance_id = int(started["id"])
    task = task_of(base, desk, instance_id, "schedule_inspection")
    _, described = call(base, "GET", f"{API}/tasks/{task['id']}", token=desk)
    assert serial in described["form"]["schema"]["properties"]["unit"]["enum"]
    status, body = complete(
        base, desk, instance_id, "schedule_inspection", {"engineer": "engineers1", "planned_on": "2026-12-03"}
    )
    assert status == 400 and "unit" in body["errors"]  # started by hand: the unit must be picked
    data = {"unit": serial, "engineer": "engineers1", "planned_on": "2026-12-03"}
    status, body = complete(base, desk, instance_id, "schedule_inspection", data)
    assert status == 200, body
    return instance_id, login(base, "engineers1")


def fill(base: str, token: str, instance_id: int, faults: dict[str, str]) -> tuple[int, Any]:
    _, inspection = call(base, "GET", f"{API}/inspections/{instance_id}", token=token)
    items = [
        {"code": i["code"], "result": "fault" if i["code"] in faults else "ok", "note": faults.get(i["code"], "")}
        for i in inspection["items"]
    ]
    return call(base, "PUT", f"{API}/inspections/{instance_id}/checklist", {"items": items}, token=token)


def test_no_fault_the_signed_sheet_is_filed(base: str) -> None:
    instance_id, engineer = scheduled(base, "SN-GATE-0005")
    status, inspection = call(base, "GET", f"{API}/inspections/{instance_id}", token=engineer)
    codes = [i["code"] for i in inspection["items"]]
    assert status == 200 and {"field_status", "power_line"} <= set(codes)  # field equipment: status, power lines
    assert inspection["engineer"] == "engineers1" and inspection["status"] == "scheduled"

    status, body = complete(base, engineer, instance_id, "perform_inspection", {"findings": "运行正常"})
    assert status == 400 and "findings" in body["errors"]  # not every item checked yet
    other = login(base, "engineers2")
    assert fill(base, other, instance_id, {})[0] == 403  # not the engineer it was given to
    status, body = fill(base, engineer, instance_id, {"power_line": ""})
    assert status == 400 and "power_line" in body["errors"]  # a fault needs its note
    status, body = fill(base, engineer, instance_id, {})
    assert status == 200 and all(i["result"] == "ok" for i in body["items"])
    status, body = complete(base, engineer, instance_id, "perform_inspection", {"findings": "运行正常"})
    assert status == 200, body

    status, body = complete(
        base, engineer, instance_id, "sign_feedback_sheet", {"customer_signed": True, "signer_name": "张主任"}
    )
    assert status == 400 and "customer_signature" in body["errors"]
    sign = {
        "customer_signed": True,
        "signer_name": "张主任",
        "customer_signature": SIGNATURE,
        "customer_opinion": "满意",
    }
    assert complete(base, engineer, instance_id, "sign_feedback_sheet", sign)[0] == 200
    desk = login(base, "after_sales1")
    # what 信息单完整，已有客户负责人签字？ asks about is beside the filing task: signer, opinion,
    # conclusion, and the drawn signature served to whoever may see the instance
    desk_web = WebClient(base)
    desk_web.login("after_sales1")
    status, page = desk_web.get(f"/tasks/{task_of(base, desk, instance_id, 'file_feedback_sheet')['id']}")
    facts = page[page.index('id="case-facts"') :]
    assert status == 200 and "张主任" in facts and "满意" in facts and "运行正常" in facts
    assert f'src="/inspections/{instance_id}/signature.png"' in page
    with desk_web.opener.open(f"{base}/inspections/{instance_id}/signature.png", timeout=60) as response:
        assert response.headers["Content-Type"] == "image/png" and response.read().startswith(b"\x89PNG")
    stranger = WebClient(base)
    stranger.login("production1")
    assert stranger.get(f"/inspections/{instance_id}/signature.png")[0] == 404  # may not see the instance
    status, body = complete(base, desk, instance_id, "file_feedback_sheet", {"sheet_complete": True})
    assert status == 400 and "archive_number" in body["errors"]
    status, body = complete(
        base, desk, instance_id, "file_feedback_sheet", {"sheet_complete": True, "archive_number": "XJ-2026-001"}
    )
    assert status == 200, body
    _, state = call(base, "GET", f"{API}/process-instances/{instance_id}", token=desk)
    assert state["status"] == "completed"
    assert state["data"]["customer_id"] and state["data"]["unit_id"]  # what the obligations read
    _, inspection = call(base, "GET", f"{API}/inspections/{instance_id}", token=desk)
    assert inspection["status"] == "filed" and inspection["archive_number"] == "XJ-2026-001"
    assert inspection["service_request"] is None and inspection["signer_name"] == "张主任"

    web = WebClient(base)
    web.login("after_sales1")
    with web.opener.open(f"{base}/inspections/{instance_id}/sheet.pdf", timeout=60) as response:
        pdf = response.read()
    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF-") and "巡查反馈信息单" in text and "张主任" in text and "XJ-2026-001" in text
    assert len(pdf_images(pdf)) >= 1  # the drawn signature
    _, unit = call(base, "GET", f"{API}/equipment/{inspection['unit_id']}", token=desk)
    assert [i["process_instance_id"] for i in unit["inspections"]][:1] == [instance_id]
    status, page = web.get(f"/equipment/{inspection['unit_id']}")
    assert status == 200 and 'id="unit-inspections"' in page


def test_a_fault_opens_a_service_request_and_an_incomplete_or_refused_sheet_is_not_filed(base: str) -> None:
    instance_id, engineer = scheduled(base, "SN-C3000-0004")
    assert fill(base, engineer, instance_id, {"print_quality": "输出有竖条纹"})[0] == 200
    status, body = complete(base, engineer, instance_id, "perform_inspection", {"findings": "输出质量差"})
    assert status == 200, body
    _, inspection = call(base, "GET", f"{API}/inspections/{instance_id}", token=engineer)
    number = inspection["service_request"]["number"]
    assert inspection["fault_found"] and number.startswith("BX")
    desk = login(base, "after_sales1")
    _, request = call(base, "GET", f"{API}/service-requests/{inspection['service_request']['id']}", token=desk)
    assert request["number"] == number and request["channel"] == "visit" and "竖条纹" in request["description"]
    task = task_of(base, engineer, instance_id, "sign_feedback_sheet")
    _, described = call(base, "GET", f"{API}/tasks/{task['id']}", token=engineer)
    assert any(number in str(fact) for fact in described["case"]["facts"])  # shown beside the task

    sign = {"customer_signed": True, "signer_name": "王科长", "customer_signature": SIGNATURE}
    assert complete(base, engineer, instance_id, "sign_feedback_sheet", sign)[0] == 200
    status, body = complete(
        base, desk, instance_id, "file_feedback_sheet", {"sheet_complete": False, "return_reason": "缺客户意见"}
    )
    assert status == 200, body  # 否: back to the engineer, not filed
    _, inspection = call(base, "GET", f"{API}/inspections/{instance_id}", token=desk)
    assert inspection["status"] == "returned" and inspection["filed_at"] is None
    refused = {"customer_signed": False, "refusal_reason": "负责人出差，拒绝代签"}
    assert complete(base, engineer, instance_id, "sign_feedback_sheet", refused)[0] == 200
    _, state = call(base, "GET", f"{API}/process-instances/{instance_id}", token=desk)
    assert state["status"] == "completed"
    _, inspection = call(base, "GET", f"{API}/inspections/{instance_id}", token=desk)
    assert (
        inspection["status"] == "unsigned" and inspection["filed_at"] is None and inspection["archive_number"] is None
    )
    assert inspection["service_request"]["number"] == number


def test_only_accepted_units_within_their_maintenance_period_are_offered(app: Flask, base: str) -> None:
    with app.app_context():
        session = db.session()
        gate = session.scalars(select(EquipmentUnit).where(EquipmentUnit.serial == "SN-GATE-0005")).one()
        session.add(EquipmentUnit(serial="SN-GATE-0099", model=gate.model, customer=gate.customer, accepted_on=None))
        session.commit()
    desk = login(base, "after_sales1")
    _, started = call(base, "POST", f"{API}/process-instances", {"process_id": "inspection"}, token=desk)
    instance_id = int(started["id"])
    task = task_of(base, desk, instance_id, "schedule_inspection")
    _, described = call(base, "GET", f"{API}/tasks/{task['id']}", token=desk)
    offered = described["form"]["schema"]["properties"]["unit"]["enum"]
    assert "SN-GATE-0005" in offered and "SN-LP800-0006" in offered  # accepted, within maintenance
    assert "SN-GATE-0099" not in offered  # never accepted
    assert "SN-C3000-0001" not in offered  # accepted 2022-04-10, two years' maintenance: over
    for serial in ("SN-GATE-0099", "SN-C3000-0001"):  # posted anyway: refused beside the field
        data = {"unit": serial, "engineer": "engineers1", "planned_on": "2026-12-03"}
        status, body = complete(base, desk, instance_id, "schedule_inspection", data)
        assert status == 400 and "unit" in body["errors"], body
