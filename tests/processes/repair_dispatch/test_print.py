"""《售后服务记录》 on paper: the filed record of a repair as a PDF drawn on the server, read
back with poppler's pdftotext and pdfimages (issue 13)."""

from __future__ import annotations

import base64
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.bpm.forms.signature import DATA_URL_PREFIX
from app.bpm.models import utcnow
from app.processes.repair_dispatch.service import FaultReport, report_fault
from harness.apps import user
from harness.pdf import pdf_images, pdf_text
from harness.servers import LiveServer
from harness.web_client import WebClient
from tests.bpm.test_signature import canvas

from .test_service import complete, unit_id


def test_the_filed_record_prints_with_its_fields_and_the_customers_signature(
    live_server: LiveServer, committed_session: Session
) -> None:
    session, now = committed_session, utcnow().replace(microsecond=0)
    desk = user(session, "after_sales1")
    report = FaultReport(unit_id(session, "SN-C3000-0004"), "phone", "卡纸，无法复印", "王老师", "0759-1234567")
    request = report_fault(session, desk, report, now=now)
    instance_id = request.instance_id
    assert instance_id is not None
    signature = DATA_URL_PREFIX + base64.b64encode(canvas()).decode()
    record = {"work_summary": "更换定影器", "signer_name": "王老师", "customer_opinion": "满意"}
    record["customer_signature"] = signature
    for username, element, data in [
        ("engineers1", "remote_support", {"contact_summary": "电话指导无效", "resolved_remotely": False}),
        ("after_sales1", "dispatch_engineer", {"engineer": "engineers2", "extra_staff_needed": False}),
        ("engineers2", "arrive_on_site", {"findings": "定影器故障"}),
        ("engineers2", "repair_on_site", {"work_done": "更换定影器", "repair_outcome": "repaired"}),
        ("engineers2", "complete_service_record", record),
        ("after_sales1", "file_service_record", {"archive_number": "SH-2026-077", "checked": True}),
    ]:
        complete(session, username, instance_id, element, data, now + timedelta(minutes=5))
    web = WebClient(live_server.url)
    web.login("after_sales1")
    status, page = web.get(f"/service-requests/{request.id}")
    assert status == 200 and f"/service-requests/{request.id}/record.pdf" in page and "data-print" in page

    with web.opener.open(f"{live_server.url}/service-requests/{request.id}/record.pdf", timeout=60) as response:
        pdf, headers = response.read(), response.headers
    assert headers["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF-")
    assert headers["Content-Disposition"] == f'inline; filename="service-record-{request.number}.pdf"'
    assert headers["X-Content-Type-Options"] == "nosniff"
    text = pdf_text(pdf)
    assert "售后服务部" in text and "售后服务记录" in text and request.number in text  # header, title, number
    for label in ("客户", "故障描述", "服务内容", "客户意见", "客户签字", "存档时间", "存档编号"):
        assert label in text, label
    assert request.unit.customer.name in text and "王老师" in text and "更换定影器" in text and "SH-2026-077" in text
    office = ZoneInfo("Asia/Shanghai")
    assert now.astimezone(office).strftime("%Y-%m-%d %H:%M") in text  # reported, in the office's time
    assert "第1页/共1页" in text.replace(" ", "")  # the footer's page numbers (pdftotext drops the spaces)
    assert len(pdf_images(pdf)) == 1  # the drawn signature, embedded

    # who may not see the request may not print it either; a request without a record has none
    other = WebClient(live_server.url)
    other.login("qc1")
    assert other.get(f"/service-requests/{request.id}/record.pdf")[0] == 404
    unrecorded = report_fault(session, desk, FaultReport(report.unit_id, "web", "无法开机"), now=now)
    assert web.get(f"/service-requests/{unrecorded.id}/record.pdf")[0] == 404
