"""Every complaint task shows its case: the customer and the complaint, then what the earlier
steps decided that this step builds on, labelled by the forms, in the user's language."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.bpm import instances, tasks
from app.bpm.plugins import StepContext, registry_of
from harness.apps import user
from harness.data import REGISTER
from harness.http_client import call, login
from harness.servers import LiveServer

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
API = "/api/v1"


def _facts(context: object) -> dict[str, str]:
    return {f.label: f.value for f in getattr(context, "facts", ())}


def test_the_contact_task_shows_who_complains_about_what(session: Session) -> None:
    desk = user(session, "after_sales1")
    instance = instances.start_instance(session, desk, "complaint_handling", now=T0)
    [register] = instances.open_tasks(session, instance.id)
    assert tasks.task_view(session, desk, register.id).context is None  # nothing registered yet
    tasks.complete(session, desk, register.id, REGISTER, "zh_CN", now=T0)
    [contact] = instances.open_tasks(session, instance.id)
    view = tasks.task_view(session, desk, contact.id, "zh_CN")
    assert view.context is not None and view.context.label == "客户投诉 · 市第一医院"
    facts = _facts(view.context)
    assert facts["联系电话"] == "13800000000" and facts["投诉内容"] == "复印机卡纸"
    assert facts["投诉分类"] == "质量异常"  # the option's label, never its key
    assert facts["不良数量"] == "2"  # a quality complaint shows the goods
    english = tasks.task_view(session, desk, contact.id, "en").context
    assert english is not None and english.label.startswith("Complaint · ")


def test_a_new_negotiation_round_shows_the_solution_and_what_the_customer_objected(session: Session) -> None:
    desk = user(session, "after_sales1")
    instance = instances.start_instance(session, desk, "complaint_handling", now=T0)
    plugin = registry_of(session).for_process("complaint_handling")
    data = {
        **REGISTER,
        "our_responsibility": True,
        "technical_measures": {"measures": "更换定影组件", "estimated_days": 3},
        "solution": "免费更换并延保半年",
        "negotiation_notes": "客户要求当天更换",
        "approval_sales": {"approved": False, "comment": "延保需业务部同意"},
    }
    context = plugin.context_of(
        StepContext(session, instance, desk, T0, "zh_CN", data, element_id="negotiate_with_customer")
    )
    facts = _facts(context)
    assert facts["解决办法"] == "免费更换并延保半年"
    assert facts["协商记录"] == "客户要求当天更换"  # the objection of the last round
    assert facts["技术部提出解决措施 · 解决措施"] == "更换定影组件"
    assert any(label.startswith("业务部审批") and value == "延保需业务部同意" for label, value in facts.items())
    approval = _facts(
        plugin.context_of(StepContext(session, instance, desk, T0, "zh_CN", data, element_id="approve_technical"))
    )
    assert approval["解决办法"] == "免费更换并延保半年" and "原因分析" not in approval


def test_the_api_task_object_carries_the_case(live_server: LiveServer) -> None:
    base = live_server.url
    token = login(base, "after_sales1")
    _, instance = call(base, "POST", f"{API}/process-instances", {"process_id": "complaint_handling"}, token)
    register = instance["open_tasks"][0]["id"]
    assert call(base, "POST", f"{API}/tasks/{register}/complete", {"data": REGISTER}, token)[0] == 200
    _, now = call(base, "GET", f"{API}/process-instances/{instance['id']}", token=token)
    _, task = call(base, "GET", f"{API}/tasks/{now['open_tasks'][0]['id']}", token=token)
    assert task["case"]["label"] == "客户投诉 · 市第一医院"
    assert {"label": "客户要求", "value": "更换硒鼓"} in task["case"]["facts"]
