"""A follow-up the calendar starts (no user; customer, unit and mode given) and the visit
report's rules: who may write, who may approve."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales import policies
from app.aftersales.archive.models import EquipmentUnit
from app.bpm import instances, tasks
from app.bpm.models import Group, HumanTask, User
from app.processes.follow_up import service as follow_ups
from harness.apps import user

AT = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def open_task(session: Session, instance_id: int, element_id: str) -> HumanTask:
    query = select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.element_id == element_id, HumanTask.status == "ready"
    )
    return session.scalars(query).one()


def test_phone_follow_up_started_by_the_calendar(session: Session) -> None:
    unit = session.scalars(select(EquipmentUnit).where(EquipmentUnit.serial == "SN-C2000-0002")).one()
    obligation = {"kind": "phone_follow_up", "period_id": 3, "due_on": "2026-12-31", "period": "2026-10-01/2026-12-31"}
    data = {"customer_id": unit.customer_id, "unit_id": unit.id, "mode": "phone", "obligation": obligation}
    instance = instances.begin_instance(session, None, "follow_up", data, now=AT)
    desk = user(session, "after_sales1")
    task = open_task(session, instance.id, "plan_follow_up")
    view = tasks.task_view(session, desk, task.id, "zh_CN")
    assert view.data["mode"] == "phone"  # the form shows the calendar's mode
    # ... and its customer and unit as chosen: the options' values (code, serial), not the ids
    assert (view.data["customer"], view.data["unit"]) == (unit.customer.code, unit.serial)
    assert [v for v, _ in view.choices["unit"]] == [unit.serial] and len(view.choices["customer"]) == 1
    tasks.complete(session, desk, task.id, {"mode": "phone"}, "zh_CN", now=AT)  # the calendar's customer and unit
    follow_up = follow_ups.follow_up_for_instance(session, instance.id)
    assert follow_up is not None and follow_up.unit_id == unit.id and follow_up.customer_id == unit.customer_id
    done = {"contact_name": "周老师", "running_status": "正常", "quality_problem": False}
    tasks.complete(session, desk, open_task(session, instance.id, "phone_follow_up").id, done, "zh_CN", now=AT)
    session.refresh(instance)
    assert instance.status == "completed"
    assert (instance.data["customer_id"], instance.data["unit_id"], instance.data["mode"]) == (
        unit.customer_id,
        unit.id,
        "phone",
    )


def person(*groups: str, user_id: int = 1) -> User:
    return User(id=user_id, username=f"u{user_id}", groups=[Group(id=g) for g in groups])


@pytest.mark.parametrize(
    ("rule", "allowed", "refused"),
    [
        (policies.can_write_visit_report, person("after_sales"), person("engineers")),
        (
            lambda u: policies.can_approve_visit_report(u, 1),
            person("after_sales_leads", user_id=2),
            person("after_sales", user_id=2),
        ),
        (lambda u: policies.can_approve_visit_report(u, 1), person("admins", user_id=2), person("after_sales_leads")),
    ],
)
def test_visit_report_rules(rule: object, allowed: User, refused: User) -> None:
    assert callable(rule)
    assert rule(allowed) is True
    assert rule(refused) is False
