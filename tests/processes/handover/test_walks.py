"""The handover over real HTTP: a unit with a request still open waits (the 'no' branch, checked
again until the request is closed through the repair process), its state is recorded with its
software, a request opened meanwhile blocks the signature, and the signed handover is filed with
its PDF and under the unit."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.aftersales.archive.models import Contract
from app.bpm.db import db
from app.bpm.forms.signature import DATA_URL_PREFIX
from harness.http_client import call
from harness.pdf import pdf_images, pdf_text
from harness.servers import LiveServer
from harness.walks import done, open_tasks, start, step, token
from harness.web_client import WebClient
from tests.bpm.test_signature import canvas

API = "/api/v1"
SIGNATURE = DATA_URL_PREFIX + base64.b64encode(canvas()).decode()
SIGNED = {"handed_over_on": "2026-12-20", "signer_name": "王老师", "customer_signature": SIGNATURE}


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def new_unit(base: str, app: Flask, serial: str) -> int:
    with app.app_context():
        contract = db.session().scalars(select(Contract).where(Contract.number == "HT-2025-003")).one()
        contract_id, customer_id = contract.id, contract.customer_id
    body = {
        "serial": serial,
        "model": "LP-800",
        "customer_id": customer_id,
        "contract_id": contract_id,
        "accepted_on": (date.today() - timedelta(days=700)).isoformat(),  # the warranty ends in a month
        "software": [{"name": "打印机固件", "version": "1.8.0"}],
    }
    status, unit = call(base, "POST", f"{API}/equipment", body, token(base, "after_sales1"))
    assert status == 201, unit
    return int(unit["id"])


def report(base: str, unit_id: int, description: str) -> dict[str, Any]:
    body = {"equipment_id": unit_id, "channel": "phone", "description": description}
    status, request = call(base, "POST", f"{API}/service-requests", body, token(base, "after_sales1"))
    assert status == 201, request
    return dict(request)


def close_remotely(base: str, request: dict[str, Any]) -> None:
    """Closed through the repair process itself: resolved by phone, with its record."""
    fixed = {"contact_summary": "电话指导", "resolved_remotely": True, "remote_solution": "重新设置网络"}
    done(base, "engineers1", int(request["process_instance_id"]), "remote_support", fixed)


def handover(base: str, instance_id: int) -> dict[str, Any]:
    status, body = call(base, "GET", f"{API}/handovers/{instance_id}", token=token(base, "after_sales1"))
    assert status == 200, body
    return dict(body)


def test_open_requests_hold_the_handover_until_closed_and_block_the_signature(base: str, app: Flask) -> None:
    unit_id = new_unit(base, app, "SN-HO-0101")
    first = report(base, unit_id, "卡纸")
    instance = start(base, "after_sales1", "handover")
    status, body = step(base, "after_sales1", instance, "check_unit", {"unit": "SN-NO-SUCH"})
    assert status == 400 and "unit" in body["errors"]
    done(base, "after_sales1", instance, "check_unit", {"unit": "SN-HO-0101"})
    assert [t["name"] for t in open_tasks(base, "after_sales1", instance)] == ["wait_for_repairs"]  # the 'no'
    held = handover(base, instance)
    assert held["status"] == "waiting" and [r["number"] for r in held["open_requests"]] == [first["number"]]
    [task] = open_tasks(base, "after_sales1", instance)
    status, view = call(base, "GET", f"{API}/tasks/{task['id']}", token=token(base, "after_sales1"))
    assert first["number"] in str(view["case"]["facts"])  # beside the task: what it waits for
    done(base, "after_sales1", instance, "wait_for_repairs", {"follow_up_notes": "已催办"})
    assert [t["name"] for t in open_tasks(base, "after_sales1", instance)] == ["wait_for_repairs"]  # still open
    close_remotely(base, first)
    done(base, "after_sales1", instance, "wait_for_repairs", {"follow_up_notes": "报修已完结"})
    assert [t["name"] for t in open_tasks(base, "engineers1", instance)] == ["record_state"]
    state = {"condition": "serviceable", "state_notes": "外观良好，打印正常", "documents": "使用手册、维修手册"}
    done(base, "engineers1", instance, "record_state", state)
    assert handover(base, instance)["software"] == [{"name": "打印机固件", "version": "1.8.0", "installed_on": None}]

    second = report(base, unit_id, "缺粉报警")  # a fault reported before the customer signs
    status, body = step(base, "engineers1", instance, "sign_handover", SIGNED)
    assert status == 400 and second["number"] in body["errors"]["customer_signature"][0]
    close_remotely(base, second)
    done(base, "engineers1", instance, "sign_handover", SIGNED)
    signed = handover(base, instance)
    assert (
        signed["status"] == "signed" and signed["signer_name"] == "王老师" and signed["handed_over_on"] == "2026-12-20"
    )
    status, state_now = call(base, "GET", f"{API}/process-instances/{instance}", token=token(base, "after_sales1"))
    assert state_now["status"] == "completed"

    web = WebClient(base)
    web.login("after_sales1")
    with web.opener.open(f"{base}/handovers/{instance}/handover.pdf", timeout=60) as response:
        assert response.headers["Content-Type"] == "application/pdf"
        pdf = response.read()
    text = pdf_text(pdf)
    for words in ("设备移交单", "SN-HO-0101", "可正常使用", "打印机固件 1.8.0", "王老师"):
        assert words in text
    assert len(pdf_images(pdf)) >= 1  # the signature
    status, unit = call(base, "GET", f"{API}/equipment/{unit_id}", token=token(base, "after_sales1"))
    assert [h["process_instance_id"] for h in unit["handovers"]] == [instance]
    status, page = web.get(f"/equipment/{unit_id}")
    assert status == 200 and 'id="unit-handovers"' in page and "移交手续已签订" in page
