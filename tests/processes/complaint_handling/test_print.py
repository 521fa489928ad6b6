"""客户投诉处理表 on paper: a complaint's instance as a PDF drawn on the server, every step's
fields labelled by its forms, read back with poppler's pdftotext (issue 13)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.bpm import instances, tasks
from app.bpm.models import utcnow
from harness.apps import user
from harness.data import REGISTER
from harness.pdf import pdf_text
from harness.servers import LiveServer
from harness.web_client import WebClient


def test_a_complaint_prints_as_its_handling_form(live_server: LiveServer, committed_session: Session) -> None:
    session, now = committed_session, utcnow().replace(microsecond=0)
    desk = user(session, "after_sales1")
    instance = instances.start_instance(session, desk, "complaint_handling", now=now)
    received = now - timedelta(hours=2)
    [register] = instances.open_tasks(session, instance.id)
    tasks.complete(session, desk, register.id, {**REGISTER, "received_at": received.isoformat()}, "zh_CN", now=now)
    [contact] = instances.open_tasks(session, instance.id)
    contacted = {"contacted_at": now.isoformat(), "contact_method": "visit", "contact_notes": "定影器老化"}
    tasks.complete(session, desk, contact.id, contacted, "zh_CN", now=now)
    web = WebClient(live_server.url)
    web.login("after_sales1")
    status, page = web.get(f"/instances/{instance.id}")
    assert status == 200 and f"/instances/{instance.id}/complaint.pdf" in page and "data-print" in page

    with web.opener.open(f"{live_server.url}/instances/{instance.id}/complaint.pdf", timeout=60) as response:
        pdf, headers = response.read(), response.headers
    assert headers["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF-")
    assert headers["Content-Disposition"] == f'inline; filename="complaint-{instance.id}.pdf"'
    assert headers["X-Content-Type-Options"] == "nosniff"
    text = pdf_text(pdf)
    assert "客户投诉处理表" in text and "售后服务部" in text and f"投诉编号：{instance.id}" in text
    for label in ("登记客户投诉", "客户名称", "投诉分类", "投诉内容", "不良数量", "第一时间联系客户", "联系方式"):
        assert label in text, label
    assert (
        "市第一医院" in text and "复印机卡纸" in text and "质量异常" in text and "上门" in text
    )  # option labels, not keys
    assert "定影器老化" in text
    office = ZoneInfo("Asia/Shanghai")
    assert received.astimezone(office).strftime("%Y-%m-%d %H:%M") in text  # the office's time, not UTC
    assert "第1页/共1页" in text.replace(" ", "")

    outsider = WebClient(live_server.url)
    outsider.login("engineers1")  # in none of the complaint's lanes
    assert outsider.get(f"/instances/{instance.id}/complaint.pdf")[0] == 404
