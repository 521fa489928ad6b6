"""The complaint process's own checks: more defective pieces than pieces, a contact or a
receipt in the future, a measure due in the past are refused on the field, in the user's
language; the yes-path of each still completes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from app.bpm import instances, tasks
from app.bpm.errors import FormRejected
from app.bpm.plugins import StepContext, registry_of
from harness.apps import user
from harness.data import REGISTER

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 09:00 in the office


def _register_task(session: Session) -> tuple[int, str]:
    instance = instances.start_instance(session, user(session, "after_sales1"), "complaint_handling", now=T0)
    [task] = instances.open_tasks(session, instance.id)
    return instance.id, task.id


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"quantity": 20, "defective_quantity": 30}, "defective_quantity", "不良数量不能超过数量（20）"),
        ({"received_at": "2026-11-28T09:00:00+08:00"}, "received_at", "不能晚于现在"),
    ],
)
def test_register_refuses_what_cannot_be(session: Session, change: dict[str, object], field: str, message: str) -> None:
    _, task_id = _register_task(session)
    with pytest.raises(FormRejected) as refused:
        tasks.complete(session, user(session, "after_sales1"), task_id, {**REGISTER, **change}, "zh_CN", now=T0)
    assert refused.value.errors == {field: [message]}


def test_a_contact_in_the_future_is_refused_and_one_just_made_is_taken(session: Session) -> None:
    desk = user(session, "after_sales1")
    instance_id, task_id = _register_task(session)
    tasks.complete(session, desk, task_id, {**REGISTER, "defective_quantity": 10}, "en", now=T0)  # equal is fine
    [contact] = instances.open_tasks(session, instance_id)
    later = {"contacted_at": "2026-11-27T10:00:00+08:00", "contact_method": "phone", "contact_notes": "已联系"}
    with pytest.raises(FormRejected) as refused:
        tasks.complete(session, desk, contact.id, later, "en", now=T0)
    assert refused.value.errors == {"contacted_at": ["Cannot be later than now"]}
    tasks.complete(session, desk, contact.id, {**later, "contacted_at": "2026-11-27T09:02:00+08:00"}, "en", now=T0)


def test_measures_cannot_be_due_before_today(session: Session) -> None:
    instance_id, _ = _register_task(session)
    instance = instances.get_instance(session, user(session, "after_sales1"), instance_id)
    plugin = registry_of(session).for_process("complaint_handling")

    def prepare(due: str) -> dict[str, object]:
        data = {"improvement_measures": "改进包装", "owner_department": "production", "due_date": due}
        ctx = StepContext(session, instance, None, T0, "zh_CN", data, element_id="prevent_recurrence")
        return plugin.prepare_completion(ctx)

    with pytest.raises(FormRejected) as refused:
        prepare("2026-11-26")
    assert refused.value.errors == {"due_date": ["不能早于今天"]}
    assert prepare("2026-11-27")["due_date"] == "2026-11-27"  # today in the office is fine
