"""The recurring promises kept as data (issue 14, R21/R27/R28, issue 15 R19): moving time with
`flask timers fire-due --now` opens each period once on its (working) day and starts its
process; any completed qualifying instance meets the period, whatever started it; an unmet
period goes overdue and puts an escalation task in the responsible group's worklist; the page and
`GET /obligations` show due, met and overdue with the evidence.

The kinds here are rules stored as data for a small test process (tests/fixtures/obligations),
so the calendar is what is under test; the seed's kinds are switched off in this module."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Contract, Customer, EquipmentModel, EquipmentUnit
from app.aftersales.obligations.models import Obligation, ObligationKind, ObligationPeriod
from app.bpm import definitions, instances, tasks
from app.bpm.db import db
from app.bpm.errors import FormRejected
from app.bpm.forms import read_forms_dir
from app.bpm.models import HumanTask, ProcessInstance
from app.bpm.policies import CONSOLE
from harness.apps import user
from harness.http_client import call, login
from harness.servers import LiveServer
from harness.web_client import WebClient

SHANGHAI = ZoneInfo("Asia/Shanghai")
PROBE = Path(__file__).parents[1] / "fixtures" / "obligations" / "obligation_probe.bpmn"
PROBE_RULE = {
    "subject": "unit",
    "applies_to": "maintenance",
    "every": "P3M",
    "met_by": [{"process_id": "obligation_probe"}],
    "opens": "obligation_probe",
    "responsible_group": "after_sales",
    "label": {"zh_CN": "测试巡查", "en": "Test inspection"},
}
VISIT_RULE = {
    "subject": "customer",
    "applies_to": "key_customers",
    "every": "P1Y",
    "window": "rolling",
    "open_ahead": "P1M",
    "met_by": [{"process_id": "obligation_probe", "mode": "visit"}],
    "opens": None,
    "responsible_group": "after_sales_leads",
    "label": {"zh_CN": "测试走访", "en": "Test visit"},
}
_serials = itertools.count(1)


@pytest.fixture(scope="module", autouse=True)
def probe_kinds(app: Flask) -> Iterator[None]:
    """The test process deployed, the seed's kinds off, the test kinds on (committed)."""
    with app.app_context():
        session = db.session()
        definitions.deploy(session, PROBE.read_bytes(), read_forms_dir(app.config["SHOUHOU"].forms_dir), CONSOLE)
        from app.aftersales.obligations.service import ensure_kinds

        ensure_kinds(session)
        session.execute(update(ObligationKind).values(active=False))
        session.add_all(
            [ObligationKind(code="probe", rule=PROBE_RULE), ObligationKind(code="probe_visit", rule=VISIT_RULE)]
        )
        session.commit()
    yield


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def fire(app: Flask, when: datetime) -> str:
    """`flask timers fire-due --now`: the operator's (and drills') way of moving time."""
    result = app.test_cli_runner().invoke(args=["timers", "fire-due", "--now", when.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def new_unit(session: Session, accepted_on: date, customer_code: str = "C-0003") -> EquipmentUnit:
    customer = session.scalars(select(Customer).where(Customer.code == customer_code)).one()
    contract = session.scalars(select(Contract).where(Contract.customer_id == customer.id)).first()
    model = session.scalars(select(EquipmentModel).where(EquipmentModel.code == "LP-800")).one()
    unit = EquipmentUnit(
        serial=f"SN-OBL-{next(_serials):04d}-{accepted_on:%y%m%d}",
        model_id=model.id,
        customer_id=customer.id,
        contract_id=contract.id if contract else None,
        location="测试楼",
        accepted_on=accepted_on,
    )
    session.add(unit)
    session.commit()
    return unit


def obligation_of(session: Session, kind: str, subject_key: str) -> Obligation:
    session.expire_all()
    return session.scalars(
        select(Obligation).where(Obligation.kind == kind, Obligation.subject_key == subject_key)
    ).one()


def periods_of(session: Session, obligation: Obligation) -> list[ObligationPeriod]:
    return list(
        session.scalars(
            select(ObligationPeriod)
            .where(ObligationPeriod.obligation_id == obligation.id)
            .order_by(ObligationPeriod.starts_on)
        )
    )


def ready_task(session: Session, instance_id: int) -> HumanTask:
    return session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "ready")
    ).one()


def complete(session: Session, username: str, instance_id: int, when: datetime, data: dict[str, Any]) -> None:
    task = ready_task(session, instance_id)
    tasks.complete(session, user(session, username), task.id, data, "zh_CN", now=when)


def test_a_period_opens_once_its_work_meets_it_and_an_unmet_one_escalates(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        unit = new_unit(session, date(2026, 7, 6))
        output = fire(app, at("2026-07-06T09:00:00"))
        assert "obligations:" in output
        obligation = obligation_of(session, "probe", f"unit:{unit.id}")
        [first] = periods_of(session, obligation)
        assert (first.starts_on, first.ends_on, first.due_on) == (
            date(2026, 7, 6),
            date(2026, 10, 6),
            date(2026, 9, 30),
        )
        assert first.status == "due" and first.opened_instance_id is not None
        opened = session.get(ProcessInstance, first.opened_instance_id)
        assert opened is not None and opened.started_by_id is None  # the calendar started it
        assert opened.data["unit_id"] == unit.id and opened.data["customer_id"] == unit.customer_id
        assert opened.data["obligation"]["due_on"] == "2026-09-30" and opened.data["serial"] == unit.serial

        fire(app, at("2026-07-06T18:00:00"))  # the same day again: nothing opens twice
        assert len(periods_of(session, obligation)) == 1

        complete(session, "after_sales1", opened.id, at("2026-08-03T10:00:00"), {})
        session.commit()
        [first] = periods_of(session, obligation)
        assert first.status == "met" and first.met_instance_id == opened.id
        assert obligation_of(session, "probe", f"unit:{unit.id}").last_met_on == date(2026, 8, 3)

        fire(app, at("2026-10-06T08:00:00"))
        second = periods_of(session, obligation)[1]
        assert (second.starts_on, second.status) == (date(2026, 10, 6), "due")
        assert second.due_on == date(2027, 1, 5)
        fire(app, at("2027-01-05T23:00:00"))  # the due day is not over yet
        assert periods_of(session, obligation)[1].status == "due"

        fire(app, at("2027-01-06T08:00:00"))
        second = periods_of(session, obligation)[1]
        assert second.status == "overdue" and second.escalated_to == "after_sales"
        assert second.escalation_instance_id is not None
        escalation = ready_task(session, second.escalation_instance_id)
        assert (escalation.element_id, escalation.candidate_group) == ("handle_overdue_desk", "after_sales")


def test_the_escalation_task_refuses_a_made_up_date_in_the_past_and_closes_with_a_reason(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        unit = new_unit(session, date(2026, 4, 6))
        fire(app, at("2026-04-06T09:00:00"))
        fire(app, at("2026-07-06T09:00:00"))  # the first quarter passed unmet
        [period, _] = periods_of(session, obligation_of(session, "probe", f"unit:{unit.id}"))
        assert period.status == "overdue" and period.escalation_instance_id is not None
        when = at("2026-07-07T10:00:00")
        with pytest.raises(FormRejected) as refused:
            complete(
                session,
                "after_sales1",
                period.escalation_instance_id,
                when,
                {"overdue_action": "scheduled", "planned_on": "2026-07-01", "overdue_note": "补做巡查"},
            )
        assert "planned_on" in refused.value.errors
        complete(
            session,
            "after_sales1",
            period.escalation_instance_id,
            when,
            {"overdue_action": "scheduled", "planned_on": "2026-07-10", "overdue_note": "已约客户 7 月 10 日"},
        )
        session.commit()
        done = session.get(ProcessInstance, period.escalation_instance_id)
        assert done is not None and done.status == "completed"


def test_an_instance_started_by_hand_meets_the_period_whatever_started_it(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        unit, unit2 = new_unit(session, date(2026, 1, 12)), new_unit(session, date(2026, 1, 12))
        fire(app, at("2026-01-12T09:00:00"))
        by_hand = instances.begin_instance(
            session,
            user(session, "after_sales1"),
            "obligation_probe",
            {"unit_id": unit.id, "customer_id": unit.customer_id},
            now=at("2026-02-02T09:00:00"),
        )
        session.commit()
        complete(session, "after_sales1", by_hand.id, at("2026-02-02T11:00:00"), {})
        session.commit()
        [period] = periods_of(session, obligation_of(session, "probe", f"unit:{unit.id}"))
        assert period.status == "met" and period.met_instance_id == by_hand.id
        assert period.opened_instance_id not in (None, by_hand.id)  # the calendar's own stays open

        # a period whose evidence came before it opened is met at once and starts nothing
        early = instances.begin_instance(
            session,
            user(session, "after_sales1"),
            "obligation_probe",
            {"unit_id": unit2.id},
            now=at("2026-04-13T08:00:00"),
        )
        session.commit()
        complete(session, "after_sales1", early.id, at("2026-04-13T08:30:00"), {})
        session.commit()
        fire(app, at("2026-04-13T09:00:00"))
        met = periods_of(session, obligation_of(session, "probe", f"unit:{unit2.id}"))[-1]
        assert (met.starts_on, met.status, met.met_instance_id, met.opened_instance_id) == (
            date(2026, 4, 12),
            "met",
            early.id,
            None,
        )


def test_a_key_customer_unvisited_for_13_months_escalates_and_a_visit_restarts_the_year(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        key = session.scalars(select(Customer).where(Customer.code == "C-0001")).one()
        fire(app, at("2026-12-01T09:00:00"))
        obligation = obligation_of(session, "probe_visit", f"customer:{key.id}")
        [period] = periods_of(session, obligation)  # written on its first day, due a year on
        anchor = obligation.anchor_on
        assert anchor <= date(2026, 12, 1) and period.starts_on == anchor and period.status == "due"
        assert (period.work_on, period.work_started) == (period.due_on - timedelta(days=30), True)  # starts nothing

        # a phone call is not a visit
        phone = instances.begin_instance(
            session,
            user(session, "after_sales1"),
            "obligation_probe",
            {"customer_id": key.id, "mode": "phone"},
            now=at("2027-06-01T09:00:00"),
        )
        session.commit()
        complete(session, "after_sales1", phone.id, at("2027-06-01T10:00:00"), {})
        session.commit()
        assert obligation_of(session, "probe_visit", f"customer:{key.id}").last_met_on is None

        fire(app, at("2028-01-02T09:00:00"))  # 13 months without a visit
        [period] = periods_of(session, obligation_of(session, "probe_visit", f"customer:{key.id}"))
        assert period.starts_on == anchor and period.status == "overdue"
        assert period.escalated_to == "after_sales_leads"
        assert ready_task(session, period.escalation_instance_id or 0).candidate_group == "after_sales_leads"

        visit = instances.begin_instance(
            session,
            user(session, "after_sales1"),
            "obligation_probe",
            {"customer_id": key.id, "mode": "visit"},
            now=at("2028-01-10T09:00:00"),
        )
        session.commit()
        complete(session, "after_sales1", visit.id, at("2028-01-10T15:00:00"), {})
        session.commit()
        [period] = periods_of(session, obligation_of(session, "probe_visit", f"customer:{key.id}"))
        assert period.status == "met" and period.met_instance_id == visit.id  # met late
        fire(app, at("2028-01-11T09:00:00"))
        [_, following] = periods_of(session, obligation_of(session, "probe_visit", f"customer:{key.id}"))
        assert (following.starts_on, following.status) == (
            date(2028, 1, 10),
            "due",
        )  # the next year runs from the visit
        assert following.ends_on == date(2029, 1, 10)


def test_the_list_shows_due_met_and_overdue_with_evidence_to_those_who_may_read_it(
    app: Flask, live_server: LiveServer
) -> None:
    with app.app_context():
        session = db.session()
        unit = new_unit(session, date(2025, 5, 5), customer_code="C-0002")
        fire(app, at("2025-05-05T09:00:00"))
        fire(app, at("2025-08-05T09:00:00"))
        obligation_id = obligation_of(session, "probe", f"unit:{unit.id}").id
        unit_id, customer_id, serial = unit.id, unit.customer_id, unit.serial
    base = live_server.url
    status, rows = call(base, "GET", f"/api/v1/obligations?unit_id={unit_id}", token=login(base, "after_sales_leads1"))
    assert status == 200
    [overdue_row, row] = [r for r in rows if r["kind"] == "probe"]  # the overdue quarter first
    assert overdue_row["status"] == "overdue" and overdue_row["period"] == "2025-05-05/2025-08-04"
    assert row["id"] == obligation_id and row["customer_id"] == customer_id and row["unit_id"] == unit_id
    assert row["status"] == "due" and row["period"] == "2025-08-05/2025-11-04" and row["last_met_at"] is None
    assert row["due_on"] == "2025-11-04" and row["due_at"] == "2025-11-04T16:00:00+00:00"  # the office day's end
    assert row["opened_instance_id"]
    status, overdue = call(
        base,
        "GET",
        f"/api/v1/obligations?customer_id={customer_id}&status=overdue",
        token=login(base, "auditors1"),
    )
    assert (
        status == 200 and {r["kind"] for r in overdue} == {"probe"} and all(r["status"] == "overdue" for r in overdue)
    )
    status, detail = call(base, "GET", f"/api/v1/obligations/{obligation_id}", token=login(base, "auditors1"))
    assert status == 200 and [p["status"] for p in detail["periods"]] == ["due", "overdue"]
    assert detail["periods"][1]["escalation_instance_id"] and detail["periods"][1]["escalated_to"] == "after_sales"

    assert call(base, "GET", "/api/v1/obligations?status=late", token=login(base, "auditors1"))[0] == 400
    assert call(base, "GET", "/api/v1/obligations", token=login(base, "production1"))[0] == 403
    assert call(base, "GET", "/api/v1/obligations/999999", token=login(base, "auditors1"))[0] == 404

    web = WebClient(base)
    web.login("after_sales1")
    status, page = web.get(f"/obligations?customer_id={customer_id}&status=overdue")
    assert status == 200 and "已逾期" in page and serial in page and "已上报 售后服务部" in page
    status, page = web.get(f"/equipment/{unit_id}")
    assert status == 200 and 'id="unit-obligations"' in page and "待完成" in page
    status, page = web.get(f"/obligations/{obligation_id}")
    assert status == 200 and "2025-05-05" in page and "测试巡查" in page and "obligation." not in page


def test_a_kinds_rule_is_data_an_admin_changes_and_a_broken_one_is_refused_beside_it(
    app: Flask, live_server: LiveServer
) -> None:
    web = WebClient(live_server.url)
    web.login("admins1")
    broken = '{"subject": "unit", "applies_to": "maintenance", "every": "P0D"}'
    status, page = web.post(
        "/obligations/rules", {"code": "probe_visit", "rule": broken, "active": "on"}, csrf_from="/obligations/rules"
    )
    assert status == 400 and 'id="rule-error-probe_visit"' in page and "规则无法使用" in page
    assert "P0D" in page  # what was typed is kept
    changed = {**VISIT_RULE, "responsible_group": "after_sales"}
    status, page = web.post(
        "/obligations/rules",
        {"code": "probe_visit", "rule": json.dumps(changed), "active": "on"},
        csrf_from="/obligations/rules",
    )
    assert status == 200 and "规则已保存" in page
    with app.app_context():
        stored = db.session().get(ObligationKind, "probe_visit")
        assert stored is not None and stored.rule["responsible_group"] == "after_sales"
        stored.rule = VISIT_RULE
        db.session().commit()

    reader = WebClient(live_server.url)
    reader.login("after_sales1")
    status, page = reader.get("/obligations/rules")
    assert status == 200 and "save-rule-probe" not in page and "测试走访" in page
    status, _ = reader.post(
        "/obligations/rules", {"code": "probe", "rule": json.dumps(PROBE_RULE)}, csrf_from="/obligations/rules"
    )
    assert status == 403


def test_the_navigation_leads_only_to_pages_the_reader_may_open(live_server: LiveServer) -> None:
    reader, outsider = WebClient(live_server.url), WebClient(live_server.url)
    reader.login("after_sales1")
    outsider.login("production1")
    assert 'href="/obligations"' in reader.get("/")[1]
    status, page = outsider.get("/")
    assert status == 200 and 'href="/obligations"' not in page and outsider.get("/obligations")[0] == 403
