"""The monthly review lists exactly last month's complaints, by the office's calendar (R16):
a complaint received at 2027-01-31T23:30+08:00 is January's, one at 2027-02-01T00:10+08:00
is February's although it is still January in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.aftersales.reports.complaints import complaint_figures, last_month, month_period
from app.bpm import instances, tasks
from app.processes.complaint_review import service as reviews
from harness.apps import user
from harness.data import REGISTER


def _complaint(session: Session, received: str, department: str, customer: str) -> int:
    """Registered, contacted, confirmed and analysed ten minutes after it was received."""
    at = datetime.fromisoformat(received)
    now = at.astimezone(UTC) + timedelta(minutes=10)
    desk, technical = user(session, "after_sales1"), user(session, "technical1")
    instance = instances.start_instance(session, desk, "complaint_handling", now=now)
    steps: list[tuple[Any, dict[str, Any]]] = [
        (desk, {**REGISTER, "customer": customer, "received_at": received}),
        (desk, {"contacted_at": received, "contact_method": "phone", "contact_notes": "已联系"}),
        (desk, {"confirmed": True, "confirmation_notes": "属实"}),
        (
            technical,
            {
                "cause": "老化",
                "responsible_department": department,
                "our_responsibility": True,
                "severity": "minor",
                "evidence": "报告",
            },
        ),
    ]
    for who, data in steps:
        [task] = [t for t in instances.open_tasks(session, instance.id) if t.element_id != "escalate_contact"]
        tasks.complete(session, who, task.id, data, "zh_CN", now=now)
    return instance.id


def test_a_month_holds_exactly_the_complaints_received_in_it_in_office_time(session: Session) -> None:
    before = _complaint(session, "2026-12-31T23:50:00+08:00", "sales", "跨年客户")  # 2026-12-31 15:50 UTC
    first = _complaint(session, "2027-01-01T00:05:00+08:00", "sales", "元旦客户")  # 2026-12-31 16:05 UTC
    last = _complaint(session, "2027-01-31T23:30:00+08:00", "technical", "月末客户")  # 15:30 UTC
    after = _complaint(session, "2027-02-01T00:10:00+08:00", "production", "月初客户")  # 2027-01-31 16:10 UTC

    january = reviews.figures_of_month(session, "2027-01", datetime(2027, 2, 2, tzinfo=UTC))
    assert [c.instance_id for c in january.cases] == [first, last]
    assert january.by_department == {"sales": 1, "technical": 1}
    assert [c.instance_id for c in january.cases_of("sales")] == [first]
    assert [c.instance_id for c in january.cases_of("technical")] == [last]
    assert reviews.concerned(january) == ["sales", "technical"]
    assert january.by_class == {"quality": 2} and january.by_severity == {"minor": 2}
    assert january.open == 2 and january.closed == 0 and january.median_days_to_close is None

    february = reviews.figures_of_month(session, "2027-02", datetime(2027, 3, 2, tzinfo=UTC))
    assert [c.instance_id for c in february.cases] == [after]
    december = complaint_figures(session, *month_period("2026-12"))
    assert before in [c.instance_id for c in december.cases] and first not in [c.instance_id for c in december.cases]


def test_each_case_carries_its_duration_against_its_clocks(session: Session) -> None:
    case = _complaint(session, "2027-01-10T09:00:00+08:00", "qc", "超时客户")
    figures = reviews.figures_of_month(session, "2027-01", datetime(2027, 1, 20, 1, 0, tzinfo=UTC))
    [found] = figures.cases_of("qc")
    assert found.instance_id == case and found.status == "open"
    assert found.days_open == 10.0  # received 01:00 UTC on the 10th, read at 01:00 UTC on the 20th
    # the minor record's one-day clock ran out while it stayed open: a late step
    assert [s.element_id for s in found.late_steps] == ["record_minor_complaint"]


def test_last_month_and_the_first_working_day() -> None:
    assert last_month(datetime(2027, 1, 5).date()) == "2026-12"
    assert month_period("2027-02") == (datetime(2027, 2, 1).date(), datetime(2027, 2, 28).date())
    assert reviews.first_working_day(2026, 10).isoformat() == "2026-10-08"  # after the National Day week
    data = {"obligation": {"kind": "complaint_review", "period": "2027-03-01/2027-03-31"}}
    assert reviews.review_month(data, datetime(2027, 3, 2, tzinfo=UTC)) == "2027-02"
