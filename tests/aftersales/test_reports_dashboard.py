"""The management figures on the dashboard (issue 16): warranty counts on a date, computed by
hand at the boundaries (ending exactly in 90 days, ending today, ended yesterday); complaint
recurrence by part number; every contributed section in order; each table exported as CSV
and XLSX and read back; readers only (403 for everyone else, on the API and the pages)."""

from __future__ import annotations

import io
import re
import urllib.request
from datetime import date

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Contract, Customer, EquipmentModel, EquipmentUnit
from app.aftersales.reports import service as reports
from app.aftersales.reports.complaints import ComplaintCase, ComplaintFigures
from app.aftersales.reports.own_sections import complaint_cases, complaint_tables
from app.aftersales.reports.warranty import warranty_figures
from app.bpm.errors import Forbidden
from harness.apps import user
from harness.http_client import call
from harness.servers import LiveServer
from harness.walks import API, token
from harness.web_client import WebClient

ON = date(2027, 6, 15)


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def _archive(session: Session) -> Customer:
    """Units whose warranty (2 years) and maintenance (3 years) end around ON, by hand:
    accepted 2025-09-14 -> warranty to 2027-09-13 = ON + 90 days (on the call list);
    2025-09-15 -> 2027-09-14 = ON + 91 (in warranty, not on it); 2025-06-16 -> 2027-06-15 = ON
    (last day covered: on it, 0 days left); 2025-06-15 -> 2027-06-14, ended yesterday (out of
    warranty, still in maintenance to 2028-06-14); not accepted (neither); no contract,
    accepted 2027-01-01 (no warranty, no maintenance)."""
    model = session.query(EquipmentModel).first()
    assert model is not None
    customer = Customer(code="T-WAR", name="质保测试医院", category="hospital")
    contract = Contract(
        number="HT-T-WAR", customer=customer, signed_on=date(2025, 1, 1), warranty_years=2, maintenance_years=3
    )
    accepted = {
        "W-90": date(2025, 9, 14),
        "W-91": date(2025, 9, 15),
        "W-TODAY": date(2025, 6, 16),
        "W-YESTERDAY": date(2025, 6, 15),
        "W-NONE": None,
    }
    for serial, on in accepted.items():
        session.add(EquipmentUnit(serial=serial, model=model, customer=customer, contract=contract, accepted_on=on))
    session.add(EquipmentUnit(serial="W-NOCONTRACT", model=model, customer=customer, accepted_on=date(2027, 1, 1)))
    session.flush()
    return customer


def test_warranty_figures_at_the_boundaries(session: Session) -> None:
    before = warranty_figures(session, ON)
    _archive(session)
    after = warranty_figures(session, ON)
    added = {k: after.counts[k] - before.counts[k] for k in after.counts}
    assert after.units - before.units == 6
    assert added == {
        "in_warranty": 3,  # W-90, W-91, W-TODAY
        "out_of_warranty": 2,  # W-YESTERDAY, W-NOCONTRACT
        "not_accepted": 1,
        "in_maintenance": 4,  # the three in warranty and W-YESTERDAY
        "ending_soon": 2,  # W-TODAY (0 days left) and W-90 (exactly 90)
    }
    calls = [(u.serial, u.warranty_end, u.contract) for u in after.call_list if u.customer == "质保测试医院"]
    assert calls == [("W-TODAY", date(2027, 6, 15), "HT-T-WAR"), ("W-90", date(2027, 9, 13), "HT-T-WAR")]

    reader = user(session, "auditors1")
    body = reports.warranty_json(session, reader, ON)
    mine = [c for c in body["call_list"] if c["customer"] == "质保测试医院"]
    assert [(c["serial"], c["days_left"]) for c in mine] == [("W-TODAY", 0), ("W-90", 90)]
    assert body["ending_within_90_days"] == after.counts["ending_soon"]
    with pytest.raises(Forbidden):
        reports.warranty_json(session, user(session, "engineers1"), ON)
    # the list behind a bar: the units it counts
    table, total = reports.warranty_unit_list(session, reader, ON, "not_accepted", "zh_CN")
    assert total == before.counts["not_accepted"] + 1 and "W-NONE" in [row[0] for row in table.rows]


def _case(n: int, part: str | None, status: str = "open") -> ComplaintCase:
    from datetime import UTC, datetime

    return ComplaintCase(
        instance_id=n,
        received_at=datetime(2027, 3, n, 2, tzinfo=UTC),
        customer="客户",
        complaint_class="quality",
        severity="minor",
        department="technical",
        status=status,
        closed_at=None,
        days_open=1.0,
        steps=0,
        part_no=part,
    )


def test_complaint_tables_count_recurrence_by_part_number() -> None:
    cases = (_case(1, "FUSER-01"), _case(2, " fuser-01 "), _case(3, "DRUM-9"), _case(4, None, "closed"))
    figures = ComplaintFigures(
        start=date(2027, 3, 1),
        end=date(2027, 3, 31),
        cases=cases,
        by_class={"quality": 4},
        by_department={"technical": 4},
        by_severity={"minor": 4},
        open=3,
        closed=1,
        median_days_to_close=1.0,
        recurrence={"FUSER-01": 2},
    )
    tables = {t.key: t for t in complaint_tables(figures, "zh_CN")}
    assert tables["by_class"].rows == (("质量异常", 4), ("非质量异常（人为因素）", 0), ("其它原因", 0))
    assert tables["recurrence"].rows == (("FUSER-01", 2),)
    assert tables["recurrence"].links[0] == "/reports/complaints/cases?from=2027-03-01&to=2027-03-31&part_no=FUSER-01"
    assert tables["status"].rows == (("处理中", 3, None), ("已结案", 1, 1.0))
    behind = complaint_cases(figures, {"part_no": "FUSER-01"}, "zh_CN")
    assert behind.links == ("/instances/1", "/instances/2")


def test_dashboard_sections_in_order_and_readers_only(app: Flask, session: Session) -> None:
    lead = user(session, "after_sales_leads1")
    built = reports.dashboard(session, lead, date(2027, 1, 1), date(2027, 1, 31), "zh_CN")
    assert [s.key for s in built][:3] == ["complaints", "satisfaction", "warranty"]
    assert [s.title for s in built][:3] == ["客户投诉", "客户满意度", "质保情况"]
    for section in built:  # every chart draws one of its section's tables
        assert {c.table for c in section.charts} <= {t.key for t in section.tables}
    with pytest.raises(Forbidden):
        reports.dashboard(session, user(session, "engineers1"), date(2027, 1, 1), date(2027, 1, 31), "zh_CN")


def _download(client: WebClient, path: str) -> tuple[int, str, bytes]:
    try:
        with client.opener.open(urllib.request.Request(client.base + path), timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read()


def test_exports_read_back_and_pages_for_readers_only(base: str, app: Flask) -> None:
    lead = WebClient(base)
    lead.login("after_sales_leads1")
    status, page = lead.get("/reports?from=2026-06-01&to=2026-06-15")
    assert status == 200
    assert page.index('id="section-complaints"') < page.index('id="section-satisfaction"')
    assert page.index('id="section-satisfaction"') < page.index('id="section-warranty"')
    assert page.count('class="chart"') >= 10 and "质保期内" in page and "/vendor/echarts/echarts.min.js" in page
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", page))  # the CSP runs no inline script
    assert not re.search(r"\sstyle\s*=", page)
    with app.app_context():
        from app.bpm.db import db

        expected = warranty_figures(db.session(), date(2026, 6, 15))
    args = "from=2026-06-01&to=2026-06-15"
    status, kind, body = _download(lead, f"/reports/warranty/summary.csv?{args}")
    assert status == 200 and kind.startswith("text/csv")
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "状态,台数"
    assert lines[1] == f"质保期内,{expected.counts['in_warranty']}"
    assert lines[2] == f"已过质保,{expected.counts['out_of_warranty']}"

    status, kind, body = _download(lead, f"/reports/warranty/summary.xlsx?{args}")
    assert status == 200 and kind.startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("状态", "台数")
    assert rows[1] == ("质保期内", expected.counts["in_warranty"])
    assert rows[5] == ("90 天内到期", expected.counts["ending_soon"])
    assert _download(lead, f"/reports/warranty/nope.csv?{args}")[0] == 404

    status, page = lead.get("/reports?from=2026-06-30&to=2026-06-01")  # reversed: shown back with its error
    assert status == 200 and "结束日期不能早于开始日期" in page and 'value="2026-06-30"' in page
    status, page = lead.get("/reports/warranty/units?on=2026-06-15&status=in_warranty")
    assert status == 200 and "/equipment/" in page

    engineer = WebClient(base)
    engineer.login("engineers1")
    assert engineer.get("/reports")[0] == 403
    assert _download(engineer, f"/reports/warranty/summary.csv?{args}")[0] == 403
    assert engineer.get("/reports/monthly")[0] == 403
    assert "/reports" not in engineer.get("/")[1].split("<main")[0]  # no link to a page that says 403

    assert call(base, "GET", f"{API}/reports/warranty?on=2026-06-15", token=token(base, "engineers1"))[0] == 403
    status, body = call(base, "GET", f"{API}/reports/warranty?on=2026-06-15", token=token(base, "office1"))
    assert status == 200 and body["in_warranty"] == expected.counts["in_warranty"]
    status, body = call(base, "GET", f"{API}/reports/warranty?on=15.06.2027", token=token(base, "office1"))
    assert status == 400 and "on" in body["errors"]
