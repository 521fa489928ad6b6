"""The handover obligation (缺陷责任期结束…签订移交手续): a unit owes its signed handover from
exactly 60 days before its warranty's last day (not 61), the calendar starts the handover for
it, and the signed handover meets it; a unit past its warranty without one is overdue and
escalated. Only the `handover` kind is on in this module, so the calendar is what is tested."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.aftersales.archive.models import Contract, EquipmentModel, EquipmentUnit
from app.aftersales.obligations.models import Obligation, ObligationKind, ObligationPeriod
from app.aftersales.obligations.service import ensure_kinds, run_pass
from app.aftersales.rules.recurrence import DEFAULT_RULES, ObligationRule, RuleError
from app.bpm import instances, tasks
from app.bpm.db import db
from app.bpm.forms.signature import DATA_URL_PREFIX
from app.bpm.models import ProcessInstance
from app.processes.handover.service import warranty_end
from harness.apps import user
from tests.bpm.test_signature import canvas

SHANGHAI = ZoneInfo("Asia/Shanghai")
SIGNATURE = DATA_URL_PREFIX + base64.b64encode(canvas()).decode()


@pytest.fixture(scope="module", autouse=True)
def handover_kind_only(app: Flask) -> Iterator[None]:
    with app.app_context():
        session = db.session()
        ensure_kinds(session)
        session.execute(update(ObligationKind).where(ObligationKind.code != "handover").values(active=False))
        session.commit()
    yield


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), SHANGHAI)


def a_unit(session: Session, serial: str, accepted_on: date) -> EquipmentUnit:
    contract = session.scalars(select(Contract).where(Contract.number == "HT-2025-003")).one()  # 2 years' warranty
    model = session.scalars(select(EquipmentModel).where(EquipmentModel.code == "LP-800")).one()
    unit = EquipmentUnit(
        serial=serial, model=model, customer_id=contract.customer_id, contract=contract, accepted_on=accepted_on
    )
    session.add(unit)
    session.commit()
    return unit


def obligation_of(session: Session, unit: EquipmentUnit) -> Obligation:
    return session.scalars(select(Obligation).where(Obligation.kind == "handover", Obligation.unit_id == unit.id)).one()


def test_owed_from_exactly_60_days_before_the_warranty_ends_and_met_by_the_signed_handover(session: Session) -> None:
    unit = a_unit(session, "SN-HO-0001", date(2027, 3, 20))
    last_day = warranty_end(unit)
    assert last_day == date(2029, 3, 19)
    run_pass(session, noon(last_day - timedelta(days=61)))
    obligation = obligation_of(session, unit)
    assert obligation.current_period_id is None and obligation.next_opens_on == last_day - timedelta(days=60)
    assert session.scalars(select(ObligationPeriod).where(ObligationPeriod.obligation_id == obligation.id)).all() == []

    run_pass(session, noon(last_day - timedelta(days=60)))
    session.refresh(obligation)
    period = session.get(ObligationPeriod, obligation.current_period_id)
    assert period is not None and period.status == "due"
    assert (period.starts_on, period.due_on) == (last_day - timedelta(days=60), last_day)
    assert obligation.next_opens_on is None  # one handover, not a series
    started = session.get(ProcessInstance, period.opened_instance_id)
    assert started is not None and started.process_id == "handover" and started.data["unit_id"] == unit.id

    when = noon(last_day - timedelta(days=30))
    desk, engineer = user(session, "after_sales1"), user(session, "engineers1")
    [check] = instances.open_tasks(session, started.id)
    assert tasks.task_view(session, desk, check.id).data["unit"] == "SN-HO-0001"  # the calendar's unit
    tasks.complete(session, desk, check.id, {"unit": "SN-HO-0001"}, "zh_CN", now=when)
    [state] = instances.open_tasks(session, started.id)
    assert state.element_id == "record_state"  # nothing open on the unit
    tasks.complete(session, engineer, state.id, {"condition": "good", "state_notes": "运行正常"}, "zh_CN", now=when)
    [sign] = instances.open_tasks(session, started.id)
    signed = {"handed_over_on": "2029-02-17", "signer_name": "王老师", "customer_signature": SIGNATURE}
    tasks.complete(session, engineer, sign.id, signed, "zh_CN", now=when)
    session.refresh(period)
    assert period.status == "met" and period.met_instance_id == started.id


def test_a_unit_past_its_warranty_without_a_handover_is_overdue(session: Session) -> None:
    unit = a_unit(session, "SN-HO-0002", date(2020, 1, 6))  # its warranty ended on 2022-01-05
    run_pass(session, noon(date(2026, 12, 2)))
    period = session.get(ObligationPeriod, obligation_of(session, unit).current_period_id)
    assert period is not None and period.status == "overdue" and period.due_on == date(2022, 1, 5)
    assert period.escalated_to == "after_sales_leads" and period.escalation_instance_id is not None
    escalation = session.get(ProcessInstance, period.escalation_instance_id)
    assert escalation is not None and escalation.data["obligation_kind"] == "handover"


def test_a_window_once_counts_its_period_in_days() -> None:
    with pytest.raises(RuleError, match="days or weeks"):
        ObligationRule.from_data({**DEFAULT_RULES["handover"], "every": "P2M"}, "handover")
    rule = ObligationRule.from_data(DEFAULT_RULES["handover"], "handover")
    assert rule.once_starts(date(2029, 3, 20)) == date(2029, 1, 18)  # 60 days before the last day, 19 March
