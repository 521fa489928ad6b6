"""What readers of the repair process see around it: a unit's history (R2) lists a service
request, and its instance, only for readers of the request itself; the intake is offered only to
who may report; a repair task shows the fault and whom to call."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive import service as archive
from app.aftersales.archive.models import EquipmentUnit
from app.bpm import instances, tasks
from app.bpm.errors import NotFound
from app.processes.repair_dispatch import service as requests_service
from app.processes.repair_dispatch.service import FaultReport
from harness.apps import user
from harness.http_client import call, login
from harness.servers import LiveServer
from harness.web_client import WebClient

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def test_a_reader_outside_the_repair_process_sees_no_request_of_the_unit(session: Session) -> None:
    unit = session.scalars(select(EquipmentUnit).where(EquipmentUnit.serial == "SN-C3000-0004")).one()
    desk = user(session, "after_sales1")
    request = requests_service.report_fault(session, desk, FaultReport(unit.id, "phone", "卡纸"), now=T0)
    sources = [requests_service.unit_section]

    for_desk = archive.unit_history(session, desk, unit.id, sources)
    assert request.instance_id in {i.id for i in for_desk.instances}
    assert request.id in {r.id for r in for_desk.sections[0].values["requests"]}
    assert request.number in {r["number"] for r in for_desk.sections[0].api["service_requests"]}

    qc = user(session, "qc1")
    with pytest.raises(NotFound):  # the request's own page refuses QC...
        requests_service.get_request(session, qc, request.id)
    for_qc = archive.unit_history(session, qc, unit.id, sources)  # ...and so does the unit's history
    assert request.instance_id not in {i.id for i in for_qc.instances}
    assert for_qc.sections[0].values["requests"] == [] and for_qc.sections[0].api["service_requests"] == []
    assert for_qc.view.unit.serial == "SN-C3000-0004"  # the unit itself is archive data anyone may read


def test_only_who_may_report_a_fault_is_offered_the_intake(live_server: LiveServer) -> None:
    """QC neither sees the 登记报修 buttons nor gets the intake form; the service desk does."""
    qc = WebClient(live_server.url)
    qc.login("qc1")
    assert 'id="report-fault-for-unit"' not in qc.get("/equipment/4")[1]
    assert 'id="new-service-request"' not in qc.get("/service-requests")[1]
    assert 'id="edit-unit"' not in qc.get("/equipment/4")[1]
    assert qc.get("/service-requests/new")[0] == 403
    assert qc.get("/equipment/4/edit")[0] == 403
    desk = WebClient(live_server.url)
    desk.login("after_sales1")
    page = desk.get("/equipment/4")[1]
    assert 'id="report-fault-for-unit"' in page and 'id="edit-unit"' in page
    assert desk.get("/service-requests/new")[0] == 200


def test_a_repair_task_shows_the_fault_and_whom_to_call(session: Session) -> None:
    desk = user(session, "after_sales1")
    unit = session.scalars(select(EquipmentUnit).where(EquipmentUnit.serial == "SN-C3000-0004")).one()
    report = FaultReport(unit.id, "phone", "卡纸，无法复印", "王老师", "0759-1234567")
    request = requests_service.report_fault(session, desk, report, now=T0)
    assert request.instance_id is not None
    [task] = instances.open_tasks(session, request.instance_id)
    view = tasks.task_view(session, user(session, "engineers1"), task.id, "zh_CN")
    assert view.context is not None and view.context.label.startswith(request.number)
    facts = {f.label: f.value for f in view.context.facts}
    assert facts["故障描述"] == "卡纸，无法复印" and facts["联系电话"] == "0759-1234567"
    assert "SN-C3000-0004" in facts["设备"]


def test_links_to_the_contract_page_are_shown_only_to_who_may_read_its_terms(live_server: LiveServer) -> None:
    """QC saw 质保金台账 on a unit's page and engineers on a request's, and got 403 following it:
    the link is there only for readers of contract terms (`can_read_contract_terms`)."""
    deposit_link = re.compile(r'href="/contracts/\d+/deposit"')
    qc = WebClient(live_server.url)
    qc.login("qc1")
    sales = WebClient(live_server.url)
    sales.login("sales1")
    status, page = qc.get("/equipment/4")  # SN-C3000-0004, on contract HT-2023-045
    assert status == 200 and "HT-2023-045" in page and not deposit_link.search(page)
    status, page = sales.get("/equipment/4")
    link = deposit_link.search(page)
    assert status == 200 and link is not None
    assert sales.get(link.group(0)[6:-1])[0] == 200 and qc.get(link.group(0)[6:-1])[0] == 403
    token = login(live_server.url, "after_sales1")
    body = {"equipment_id": 4, "channel": "phone", "description": "卡纸"}
    status, created = call(live_server.url, "POST", "/api/v1/service-requests", body, token=token)
    assert status == 201, created
    engineer = WebClient(live_server.url)
    engineer.login("engineers1")
    status, page = engineer.get(f"/service-requests/{created['id']}")
    assert status == 200 and not deposit_link.search(page)
    status, page = sales.get(f"/service-requests/{created['id']}")
    assert status == 200 and deposit_link.search(page)
