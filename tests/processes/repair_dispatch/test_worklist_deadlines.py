"""Repair rows in the worklist carry the request's running clock (issue 13): arrival, repair and
filing tasks have no due time of their own, so the plugin answers with the clock due soonest,
for a whole page at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.bpm import tasks
from app.bpm.tasks import WorklistQuery
from app.processes.repair_dispatch import service as requests_service
from app.processes.repair_dispatch.plugin import row_deadlines
from app.processes.repair_dispatch.service import FaultReport
from harness.apps import user
from tests.bpm.test_worklist import counted

from .test_service import T0, complete, open_task, unit_id


def _dispatched(session: Session, at: datetime = T0) -> int:
    """A request reported at `at` whose engineer now has to arrive on site (instance id)."""
    unit = unit_id(session, "SN-C3000-0004")  # in warranty
    request = requests_service.report_fault(
        session, user(session, "after_sales1"), FaultReport(unit, "phone", "卡纸"), now=at
    )
    instance_id = request.instance_id
    assert instance_id is not None
    done = {"contact_summary": "需上门", "resolved_remotely": False}
    complete(session, "engineers1", instance_id, "remote_support", done, at + timedelta(minutes=10))
    dispatch = {"engineer": "engineers1", "extra_staff_needed": False}
    complete(session, "after_sales1", instance_id, "dispatch_engineer", dispatch, at + timedelta(minutes=20))
    return instance_id


def test_the_arrival_row_shows_the_arrival_clock_and_its_time_left(session: Session) -> None:
    instance_id = _dispatched(session)
    arrive = open_task(session, instance_id, "arrive_on_site")
    assert arrive.due_at is None  # the task has no due time of its own
    engineer = user(session, "engineers1")
    page = tasks.worklist_page(session, engineer, WorklistQuery(per_page=200), now=T0 + timedelta(minutes=30))
    [row] = [r for r in page.rows if r.task.id == arrive.id]
    assert row.deadline is not None
    assert row.deadline.label == "到场" and row.deadline.due_at == T0 + timedelta(hours=2)
    assert row.deadline.remaining_seconds == 90 * 60 and not row.deadline.overdue
    assert row.deadline.warn_at == T0 + timedelta(hours=1, minutes=30)
    late = tasks.worklist_page(
        session, engineer, WorklistQuery(overdue=True, per_page=200), now=T0 + timedelta(hours=3)
    )
    [row] = [r for r in late.rows if r.task.id == arrive.id]
    assert row.deadline is not None and row.deadline.overdue and row.deadline.remaining_seconds == -3600
    english = tasks.worklist_page(session, engineer, WorklistQuery(per_page=200), T0, "en")
    assert {r.deadline.label for r in english.rows if r.task.id == arrive.id and r.deadline} == {"On site"}


def test_overdue_repair_rows_come_before_later_ones(session: Session) -> None:
    first, second = _dispatched(session, T0 + timedelta(minutes=30)), _dispatched(session)
    first_task, second_task = open_task(session, first, "arrive_on_site"), open_task(session, second, "arrive_on_site")
    page = tasks.worklist_page(
        session, user(session, "engineers1"), WorklistQuery(per_page=200), T0 + timedelta(hours=3)
    )
    order = [r.task.id for r in page.rows]
    overdue = [r for r in page.rows if r.deadline and r.deadline.overdue]
    assert {first_task.id, second_task.id} <= {r.task.id for r in overdue}
    assert order[: len(overdue)] == [r.task.id for r in overdue]  # overdue first
    dues = [r.deadline.due_at for r in page.rows if r.deadline]
    assert dues == sorted(dues)
    assert order.index(second_task.id) < order.index(first_task.id)  # reported earlier, due earlier


def test_the_plugin_answers_a_batch_of_instances_with_one_query(session: Session) -> None:
    ids = [_dispatched(session) for _ in range(3)]
    with counted(session) as statements:
        found = row_deadlines(session, ids, T0 + timedelta(minutes=30), "zh_CN")
    assert set(found) == set(ids) and len(statements) == 1
    assert row_deadlines(session, [], T0, "zh_CN") == {}
