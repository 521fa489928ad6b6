"""Service layer against a real database: transactions, permissions, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.bpm import audit, definitions, history_text, instances, tasks, timers
from app.bpm.errors import Conflict, DeploymentRejected, Forbidden, FormRejected, NotFound
from app.bpm.models import AuditEvent, HumanTask, ProcessInstance, ProcessTimer
from app.bpm.policies import CONSOLE
from harness.apps import user
from harness.data import REGISTER

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def _start(session: Session, now: datetime = T0) -> tuple[int, HumanTask]:
    instance = instances.start_instance(session, user(session, "after_sales1"), "complaint_handling", now=now)
    [task] = instances.open_tasks(session, instance.id)
    return instance.id, task


def test_starter_gets_the_register_task_p2(session: Session) -> None:
    _, task = _start(session)
    assert task.element_id == "register_complaint"
    assert task.assignee_id == user(session, "after_sales1").id
    assert task.candidate_group == "after_sales"


def test_invalid_form_is_rejected_and_nothing_changes(session: Session) -> None:
    _instance_id, task = _start(session)
    with pytest.raises(FormRejected) as info:
        tasks.complete(
            session,
            user(session, "after_sales1"),
            task.id,
            {"customer": "x", "complaint_class": "quality", "quantity": "ten"},
            "zh_CN",
        )
    assert info.value.errors["quantity"] == ["格式不正确。"]
    assert info.value.errors["order_no"] == ["此项为必填项。"]  # required for quality complaints (R12)
    assert session.get(HumanTask, task.id).status == "ready"  # type: ignore[union-attr]


def test_quality_complaint_register_is_stored_and_audited_r12(session: Session) -> None:
    instance_id, task = _start(session)
    instance = tasks.complete(session, user(session, "after_sales1"), task.id, REGISTER, "en", now=T0).instance
    assert instance.data["defective_quantity"] == 2
    [next_task] = instances.open_tasks(session, instance_id)
    assert next_task.element_id == "contact_customer"
    assert next_task.due_at == T0 + timedelta(hours=1)
    events = instances.history(session, instance_id)
    assert [e.action for e in events] == ["instance_started", "task_completed"]
    assert events[1].data_after["order_no"] == "SO-1"  # type: ignore[index]
    assert events[1].actor_name == "after_sales1"


def test_other_group_cannot_see_or_complete(session: Session) -> None:
    _, task = _start(session)
    with pytest.raises(NotFound):
        tasks.complete(session, user(session, "sales1"), task.id, REGISTER, "en")


def test_someone_elses_claimed_task_is_a_conflict(session: Session) -> None:
    _instance_id, task = _start(session)
    lead = user(session, "after_sales_leads1")  # also in after_sales
    with pytest.raises(Conflict):
        tasks.claim(session, lead, task.id)
    with pytest.raises(Conflict):
        tasks.complete(session, lead, task.id, REGISTER, "en")


def test_release_and_claim_are_audited(session: Session) -> None:
    instance_id, task = _start(session)
    owner = user(session, "after_sales1")
    tasks.release(session, owner, task.id)
    tasks.claim(session, user(session, "after_sales_leads1"), task.id)
    with pytest.raises(Forbidden):
        tasks.release(session, user(session, "auditors1"), task.id)
    actions = [e.action for e in instances.history(session, instance_id)]
    assert actions[-2:] == ["task_released", "task_claimed"]


def test_completed_task_cannot_be_completed_again(session: Session) -> None:
    _, task = _start(session)
    tasks.complete(session, user(session, "after_sales1"), task.id, REGISTER, "en")
    with pytest.raises(Conflict):
        tasks.complete(session, user(session, "after_sales1"), task.id, REGISTER, "en")


def test_a_draft_keeps_the_forms_fields_and_refuses_others(session: Session) -> None:
    _, task = _start(session)
    worker = user(session, "after_sales1")
    tasks.save_draft(session, worker, task.id, {"customer": "半填"})
    with pytest.raises(FormRejected) as refused:
        tasks.save_draft(session, worker, task.id, {"customer": "改过", "evil": "x"}, "en")
    assert refused.value.errors == {"evil": ["Unknown field."]}
    view = tasks.task_view(session, worker, task.id)
    assert view.data["customer"] == "半填"  # the refused draft kept nothing
    assert "evil" not in view.data


def test_timer_fires_once_and_escalates_to_leads_p5(session: Session) -> None:
    instance_id, task = _start(session, now=T0)
    tasks.complete(session, user(session, "after_sales1"), task.id, REGISTER, "en", now=T0)
    assert timers.fire_due(session, T0 + timedelta(minutes=30)).fired == 0
    report = timers.fire_due(session, T0 + timedelta(hours=2))
    assert report.fired >= 1
    assert timers.fire_due(session, T0 + timedelta(hours=2)).fired == 0
    groups = {t.candidate_group for t in instances.open_tasks(session, instance_id)}
    assert groups == {"after_sales", "after_sales_leads"}
    fired = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.instance_id == instance_id, AuditEvent.action == "timer_fired")
    )
    assert fired == 1
    rows = session.scalars(select(ProcessTimer).where(ProcessTimer.instance_id == instance_id)).all()
    assert [r.status for r in rows] == ["fired"]


def test_deploying_the_same_content_again_creates_no_version(session: Session, app) -> None:  # type: ignore[no-untyped-def]
    from app.bpm.forms import read_forms_dir

    config = app.config["SHOUHOU"]
    content = (config.bpmn_dir / "complaint_handling.bpmn").read_bytes()
    result = definitions.deploy(session, content, read_forms_dir(config.forms_dir), user(session, "process_owners1"))
    assert not result.created
    with pytest.raises(Forbidden):
        definitions.deploy(session, content, read_forms_dir(config.forms_dir), user(session, "engineers1"))


def test_diagram_with_unknown_group_and_form_is_refused_by_element(session: Session, app) -> None:  # type: ignore[no-untyped-def]
    from app.bpm.forms import read_forms_dir

    config = app.config["SHOUHOU"]
    content = (config.bpmn_dir / "complaint_handling.bpmn").read_text()
    content = content.replace('<bpmn:lane id="qc" name="qc">', '<bpmn:lane id="qc" name="quality_police">')
    content = content.replace('value="close_complaint.schema.json"', 'value="no_such_form.schema.json"')
    content = content.replace('name="dueIn" value="P5D"', 'name="dueIn" value="five days"')
    with pytest.raises(DeploymentRejected) as info:
        definitions.deploy(session, content.encode(), read_forms_dir(config.forms_dir), CONSOLE)
    codes = {(p["code"], p["element_id"]) for p in info.value.problems}
    assert ("unknown_group", "prevent_recurrence") in codes
    assert ("unknown_form", "close_complaint") in codes
    assert ("due_in", "prevent_recurrence") in codes


def test_worklist_puts_overdue_first_and_undated_last_p2(session: Session) -> None:
    owner, lead = user(session, "after_sales1"), user(session, "after_sales_leads1")
    early = T0 - timedelta(days=1)
    _, first = _start(session, now=early)
    tasks.complete(session, owner, first.id, REGISTER, "en", now=early)
    _, second = _start(session, now=T0)
    tasks.complete(session, owner, second.id, REGISTER, "en", now=T0)
    _, undated = _start(session)
    tasks.release(session, owner, undated.id)  # register has no due interval
    ids = [t.id for t in tasks.worklist(session, lead, limit=500)]
    contact = [t.id for t in tasks.worklist(session, lead, limit=500) if t.element_id == "contact_customer"]
    assert ids.index(contact[0]) < ids.index(undated.id)
    due = [t.due_at for t in tasks.worklist(session, lead, limit=500) if t.due_at is not None]
    assert due == sorted(due)
    assert all(t.due_at is None for t in tasks.worklist(session, lead, limit=500)[len(due) :])
    mine = tasks.worklist(session, owner, limit=500)
    assert all(t.assignee_id in (None, owner.id) for t in mine)
    assert all(t.candidate_group in owner.group_ids for t in mine if t.assignee_id is None)


def test_a_diagram_that_is_not_utf8_is_refused_with_advice(session: Session, app) -> None:  # type: ignore[no-untyped-def]
    from app.bpm.forms import read_forms_dir

    config = app.config["SHOUHOU"]
    text = (config.bpmn_dir / "complaint_handling.bpmn").read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    with pytest.raises(DeploymentRejected) as info:
        definitions.deploy(session, text.encode("utf-16"), read_forms_dir(config.forms_dir), CONSOLE)
    assert info.value.problems[0]["code"] == "encoding"


def test_one_failing_instance_does_not_spoil_its_timer_batch_or_the_audit_chain(session: Session, app) -> None:  # type: ignore[no-untyped-def]
    """Instances fire in one transaction with a savepoint each; the audit events of the ones that
    fired commit and are sealed into an intact chain, even when another instance of the batch
    failed."""
    from pathlib import Path

    content = (Path(__file__).parents[1] / "fixtures" / "failing_timer.bpmn").read_bytes()
    definitions.deploy(session, content, {}, CONSOLE, "failing_timer.bpmn")
    owner = user(session, "after_sales1")
    good = []
    for _ in range(2):
        instance_id, task = _start(session, now=T0)
        tasks.complete(session, owner, task.id, REGISTER, "en", now=T0)
        good.append(instance_id)
    bad = instances.start_instance(session, owner, "failing_timer", now=T0)
    first = instances.open_tasks(session, bad.id)[0]
    tasks.complete(session, owner, first.id, {}, "en", now=T0)
    report = timers.fire_due(session, T0 + timedelta(hours=2))
    assert report.failed == 1 and report.fired >= 2
    session.expire_all()
    assert session.get(ProcessInstance, bad.id).status == "error"  # type: ignore[union-attr]
    for instance_id in good:
        groups = {t.candidate_group for t in instances.open_tasks(session, instance_id)}
        assert "after_sales_leads" in groups
    audit.seal(session)
    assert audit.verify(session).intact


def _rows(session: Session, instance_id: int) -> tuple[dict[str, str], dict[str, str]]:
    """(element id -> status) of the instance's task rows and of its timer rows."""
    session.expire_all()
    task_rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)).all()
    timer_rows = session.scalars(select(ProcessTimer).where(ProcessTimer.instance_id == instance_id)).all()
    return {t.element_id: t.status for t in task_rows}, {t.element_id: t.status for t in timer_rows}


def test_completing_a_task_cancels_its_boundary_timer_row(session: Session) -> None:
    """The rows follow the engine without being read back first (the step knows what was open)."""
    owner = user(session, "after_sales1")
    instance_id, task = _start(session)
    tasks.complete(session, owner, task.id, REGISTER, "en", now=T0)
    open_rows, timer_rows = _rows(session, instance_id)
    assert open_rows == {"register_complaint": "completed", "contact_customer": "ready"}
    assert timer_rows == {"contact_overdue": "waiting"}
    contact = instances.open_tasks(session, instance_id)[0]
    tasks.complete(
        session,
        owner,
        contact.id,
        {"contacted_at": "2026-11-27T09:10:00+08:00", "contact_method": "phone", "contact_notes": "已联系"},
        "en",
        now=T0 + timedelta(minutes=20),
    )
    _, timer_rows = _rows(session, instance_id)
    assert timer_rows == {"contact_overdue": "cancelled"}
    assert timers.fire_due(session, T0 + timedelta(hours=2)).fired == 0


def test_an_interrupting_timer_cancels_the_task_row_and_keeps_the_other_branch(session: Session) -> None:
    from pathlib import Path

    content = (Path(__file__).parents[1] / "fixtures" / "interrupting_timer.bpmn").read_bytes()
    definitions.deploy(session, content, {}, CONSOLE, "interrupting_timer.bpmn")
    owner = user(session, "after_sales1")
    instance = instances.start_instance(session, owner, "interrupting_timer", now=T0)
    assert _rows(session, instance.id) == ({"answer": "ready", "note": "ready"}, {"too_late": "waiting"})
    assert timers.fire_due(session, T0 + timedelta(hours=2)).fired == 1
    task_rows, timer_rows = _rows(session, instance.id)
    assert task_rows == {"answer": "cancelled", "note": "ready", "chase": "ready"}
    assert timer_rows == {"too_late": "fired"}
    assert {t.element_id for t in instances.open_tasks(session, instance.id)} == {"note", "chase"}
    note = next(t for t in instances.open_tasks(session, instance.id) if t.element_id == "note")
    owner = user(session, "after_sales1")  # (a timer pass leaves the session empty)
    done = tasks.complete(session, owner, note.id, {}, "en", now=T0 + timedelta(hours=3))
    assert [t.element_id for t in done.open_tasks] == ["chase"]  # the still-open row comes back


def test_a_token_names_its_active_user_with_groups_until_it_expires(session: Session) -> None:
    from app.bpm import users
    from app.bpm.models import User

    token = users.issue_token(session, user(session, "after_sales1"), timedelta(hours=8), now=T0)
    session.expunge_all()  # a request's fresh session
    found = users.user_for_token(session, token, now=T0 + timedelta(hours=1))
    assert found is not None and found.username == "after_sales1" and "after_sales" in found.group_ids
    assert found.password_hash.startswith(("scrypt:", "pbkdf2:"))  # not carried by the token's row: loads
    assert {g.name("zh_CN") for g in found.groups} >= {"售后服务部"}
    assert users.user_for_token(session, token, now=T0 + timedelta(hours=9)) is None  # expired
    assert users.user_for_token(session, token + "x", now=T0) is None
    loner = users.ensure_user(session, "no_groups1", "无组", "pw-123456", [])
    session.commit()
    lonely = users.issue_token(session, loner, timedelta(hours=1), now=T0)
    session.expunge_all()
    found = users.user_for_token(session, lonely, now=T0)
    assert found is not None and found.group_ids == set()
    session.get(User, found.id).active = False  # type: ignore[union-attr]
    session.commit()
    assert users.user_for_token(session, lonely, now=T0) is None  # deactivated


def test_history_reads_by_the_forms_titles_types_and_the_office_time(session: Session) -> None:
    """Issue 13: task titles, field titles, option labels, yes/no, local times; no raw keys."""
    instance_id, task = _start(session)
    desk = user(session, "after_sales1")
    tasks.complete(session, desk, task.id, {**REGISTER, "received_at": "2026-11-27T00:30:00Z"}, "zh_CN", now=T0)
    [contact] = instances.open_tasks(session, instance_id)
    contact_data = {"contacted_at": "2026-11-27T09:00:00+08:00", "contact_method": "visit", "contact_notes": "已联系"}
    tasks.complete(session, desk, contact.id, contact_data, "zh_CN", now=T0)
    [confirm] = instances.open_tasks(session, instance_id)
    tasks.complete(session, desk, confirm.id, {"confirmed": True, "confirmation_notes": "属实"}, "zh_CN", now=T0)
    shanghai = ZoneInfo("Asia/Shanghai")
    shown = history_text.readable_history(session, instances.history(session, instance_id), "zh_CN", shanghai)
    registered, contacted, confirmed = (e for e in shown if e.event.action == "task_completed")
    assert registered.task == "登记客户投诉" and contacted.task == "第一时间联系客户"
    fields = {c.label: c.new for c in registered.changes}
    assert fields["投诉分类"] == "质量异常" and fields["接到投诉时间"] == "2026-11-27 08:30"
    assert fields["数量"] == "10" and fields["交运日期"] == "2026-10-01"
    assert "complaint_class" not in fields and "quality" not in fields.values()
    assert {c.label: c.new for c in contacted.changes}["联系时间"] == "2026-11-27 09:00"
    assert {c.label: c.new for c in confirmed.changes}["投诉成立"] == "是"
    assert "True" not in confirmed.changes_text()
    english = history_text.readable_history(session, instances.history(session, instance_id), "en", shanghai)
    assert english[1].task != "登记客户投诉" and "2026-11-27 08:30" in english[1].changes_text()


def test_history_shows_nested_data_as_labelled_local_lists_and_pictures_as_a_marker(session: Session) -> None:
    instance_id, _ = _start(session)
    instance = session.get(ProcessInstance, instance_id)
    assert instance is not None
    labels = {"response": "clock.response"}
    text = history_text.DataText(instance.definition, "zh_CN", ZoneInfo("Asia/Shanghai"), labels)
    sla = {"response": {"starts_at": "2026-11-27T01:00:00+00:00", "due_at": "2026-11-27T02:00:00+00:00"}}
    assert text.label("sla") == "服务时限"
    assert text.value("sla", sla) == "响应（截止时间: 2026-11-27 10:00；开始计时: 2026-11-27 09:00）"
    assert text.value("customer_signature", "data:image/png;base64,iVBORw0KGgo=") == "（签名图片）"
    assert text.value("approval", {"approved": False}).endswith(": 否")


_TO_APPROVALS: list[tuple[str, dict[str, object]]] = [
    ("register_complaint", REGISTER),
    (
        "contact_customer",
        {"contacted_at": "2026-11-27T09:00:00+08:00", "contact_method": "phone", "contact_notes": "已联系"},
    ),
    ("confirm_complaint", {"confirmed": True, "confirmation_notes": "属实"}),
    (
        "analyse_complaint",
        {
            "cause": "定影组件老化",
            "responsible_department": "technical",
            "our_responsibility": True,
            "severity": "severe",
            "evidence": "现场检查",
        },
    ),
    ("fill_handling_form", {"problem_summary": "卡纸", "impact": "停机"}),
    ("propose_technical_measures", {"measures": "更换定影组件", "estimated_days": 2}),
    ("propose_production_measures", {"measures": "加强来料检验", "estimated_days": 3}),
    ("agree_solution", {"solution": "免费更换"}),
    ("negotiate_with_customer", {"customer_agreed": True, "negotiation_notes": "同意"}),
]


def _complete_step(session: Session, instance_id: int, element_id: str, data: dict[str, object]) -> AuditEvent:
    [step] = [t for t in instances.open_tasks(session, instance_id) if t.element_id == element_id]
    tasks.complete(session, user(session, f"{step.candidate_group}1"), step.id, data, "zh_CN", now=T0)
    return [e for e in instances.history(session, instance_id) if e.task_id == step.id][-1]


def test_parallel_approvals_each_record_only_their_own_result(session: Session) -> None:
    """Issue 13: a branch's data lacks the other branches' results; its completion must not
    read as if it removed them (nor the join as if it added them again)."""
    instance_id, _ = _start(session)
    for element_id, data in _TO_APPROVALS:
        _complete_step(session, instance_id, element_id, data)
    approval = {"approved": True, "comment": "同意"}
    technical = _complete_step(session, instance_id, "approve_technical", approval)
    assert (technical.data_before, technical.data_after) == ({}, {"approval_technical": approval})
    sales = _complete_step(session, instance_id, "approve_sales", approval)
    assert (sales.data_before, sales.data_after) == ({}, {"approval_sales": approval})
    production = _complete_step(session, instance_id, "approve_production", approval)  # the join fires
    assert production.data_before == {} and set(production.data_after or {}) == {"approval_production"}
    assert audit.step_diff({"a": 1, "b": 2}, {"b": 1}, {"b": 3}) == ({"b": 1}, {"b": 3})
    assert audit.step_diff({"a": 1, "b": 2}, {"a": 1, "b": 2}, {"b": 2}) == ({"a": 1}, {})  # a real removal


def test_version_comparison_ignores_attribute_order_and_whitespace_and_names_the_property(  # type: ignore[no-untyped-def]
    session: Session, app
) -> None:
    """Issue 13: a diagram saved by another tool (attributes reordered, re-indented) changes
    nothing; a changed condition is reported as the condition."""
    from app.bpm.forms import read_forms_dir

    config = app.config["SHOUHOU"]
    forms = read_forms_dir(config.forms_dir)
    xml = (config.bpmn_dir / "complaint_handling.bpmn").read_text(encoding="utf-8")
    flow = 'id="flow_split_approval_to_approve_sales" sourceRef="split_approval" targetRef="approve_sales"'
    condition = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">customer_agreed</bpmn:conditionExpression>'
    reordered = (
        xml.replace(
            flow, 'targetRef="approve_sales" sourceRef="split_approval"   id="flow_split_approval_to_approve_sales"'
        )
        .replace(condition, condition.replace(">customer_agreed<", ">\n        customer_agreed\n      <"))
        .replace(
            '<spiffworkflow:property name="resultKey" value="approval_technical" />',
            '<spiffworkflow:property   value="approval_technical"\n name="resultKey"/>',
        )
    )
    assert reordered != xml
    first = definitions.latest(session, "complaint_handling").version
    second = definitions.deploy(session, reordered.encode(), forms, CONSOLE).definition.version
    assert second == first + 1
    assert definitions.diff_versions(session, "complaint_handling", first, second).changes == []
    changed = reordered.replace("\n        customer_agreed\n", "customer_agreed == True")
    third = definitions.deploy(session, changed.encode(), forms, CONSOLE).definition.version
    [change] = definitions.diff_versions(session, "complaint_handling", second, third).changes
    assert (change.element_id, change.change, change.what) == (
        "flow_gw_customer_agreed_to_split_approval",
        "changed",
        ["condition"],
    )
