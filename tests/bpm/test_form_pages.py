"""What any process's pages show of its form and data, whatever the process: the start page's
link to its intake page, options kept as numbers chosen, a field named `action` kept, and no
row ids in the readable history."""

from __future__ import annotations

import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app, product_modules
from app.bpm import definitions, history_text, instances, tasks
from app.bpm.db import db
from app.bpm.forms import FormInvalid, field_views, load_form
from app.bpm.models import HumanTask, ProcessInstance
from app.bpm.modules import Module
from app.bpm.plugins import Choices, ProcessPlugin, StepContext, plain_process
from app.bpm.policies import CONSOLE
from app.cli import upgrade_database
from app.config import Config
from app.demo import seed_demo
from harness.apps import user
from harness.servers import LiveServer
from harness.web_client import WebClient

SHANGHAI = ZoneInfo("Asia/Shanghai")

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="form_drill_defs"
  targetNamespace="https://shouhou.example/bpmn">
  <bpmn:process id="form_drill" name="表单演练" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="after_sales" name="after_sales">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>fill</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="fill" name="填写演练表单">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="form_drill_fill.schema.json" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
""".encode()


def _form(**extra: dict[str, object]) -> dict[str, object]:
    return {
        "schema": {
            "type": "object",
            "title": "演练表单",
            "properties": {
                "action": {"type": "string", "title": "处理措施", "maxLength": 200},
                "customer_id": {"type": "integer", "title": "客户"},
                "urgent": {"type": "boolean", "title": "加急"},
                **extra,
            },
            "required": ["action", "customer_id"],
        },
        "ui": {"customer_id": {"ui:widget": "select"}},
    }


def _customers(step: StepContext) -> Choices:
    return {"customer_id": [("3", "某医院"), ("4", "某工厂")]}


DRILL_MESSAGES = {
    "form_drill.obligation": {"zh_CN": "承诺周期", "en": "Obligation"},
    "form_drill.kind": {"zh_CN": "类别", "en": "Kind"},
    "form_drill.due_on": {"zh_CN": "到期日", "en": "Due on"},
    "form_drill.unit": {"zh_CN": "设备", "en": "Unit"},
}
FORM_DRILL = ProcessPlugin(
    process_id="form_drill",
    requires={"fill": "userTask"},
    case=lambda ctx: ctx,
    choices={"fill": _customers},
    # named or not, a row id is not shown as a number (the process's own pages show the unit)
    data_labels={
        "obligation": "form_drill.obligation",
        "kind": "form_drill.kind",
        "due_on": "form_drill.due_on",
        "unit_id": "form_drill.unit",
    },
)
# A process only its own intake page starts, which names no label: the start page says "发起".
INTAKE_DRILL = ProcessPlugin(
    process_id="parts_arrival", requires={}, case=lambda ctx: None, intake_endpoint="web.worklist"
)
OBLIGATION = {"kind": "inspection", "period_id": 5, "due_on": "2026-12-31"}


@pytest.fixture(scope="module")
def drill_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from pathlib import Path

    upgrade_database(database_url)
    config = Config(database_url=database_url, secret_key="test", testing=True)
    modules = [
        *product_modules(),
        Module(name="form_drill", plugin=FORM_DRILL, messages=DRILL_MESSAGES),
        Module(name="intake_drill", plugin=INTAKE_DRILL),
    ]
    app = create_app(config, str(tmp_path_factory.mktemp("form_drill")), modules=modules)
    root = Path(__file__).resolve().parents[2]
    with app.app_context():
        session = db.session()
        seed_demo(session)
        from app.bpm.forms import read_forms_dir

        forms = read_forms_dir(config.forms_dir)
        for name in ("repair_dispatch", "feedback_card", "complaint_handling"):
            definitions.deploy(session, (root / "bpmn" / f"{name}.bpmn").read_bytes(), forms, CONSOLE, f"{name}.bpmn")
        parts = (root / "tests" / "fixtures" / "parts_arrival.bpmn").read_bytes()
        definitions.deploy(session, parts, {}, CONSOLE, "parts_arrival.bpmn")
        definitions.deploy(session, DIAGRAM, {"form_drill_fill": _form()}, CONSOLE, "form_drill.bpmn")
    yield app
    app.extensions["shouhou_db"].engine.dispose()


@pytest.fixture(scope="module")
def drill_server(drill_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(drill_app) as server:
        yield server


def _start_link(page: str, process_id: str) -> str:
    found = re.search(rf'<a [^>]*id="start-{process_id}">([^<]*)</a>', page)
    assert found, process_id
    return found.group(1)


def test_the_start_page_names_each_intake_link_by_its_own_process(drill_server: LiveServer) -> None:
    desk = WebClient(drill_server.url)
    desk.login("after_sales1")
    status, page = desk.get("/start")
    assert status == 200
    assert _start_link(page, "repair_dispatch") == "登记报修"
    assert _start_link(page, "feedback_card") == "登记反馈卡"  # not the repair process's text
    assert _start_link(page, "parts_arrival") == "发起"  # a process that names no label
    assert plain_process("x").intake_label == "start.submit"


def _block(page: str, name: str) -> str:
    start = page.index(f'id="field-{name}"')
    ends = [i for i in (page.find('<div class="field', start + 1), page.find('<div class="buttons', start)) if i > 0]
    return page[start : min(ends)]


def _begin(app: Flask) -> tuple[int, str]:
    """An instance as the calendar starts one: its data carries row ids."""
    with app.app_context():
        session = db.session()
        data = {"customer_id": 3, "unit_id": 7, "obligation": OBLIGATION, "urgent": True}
        instance_id = instances.begin_instance(session, None, "form_drill", data).id
        session.commit()
        task_id = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == instance_id)).one()
    return instance_id, task_id


def test_a_select_shows_a_number_kept_in_the_data_as_chosen(drill_app: Flask, drill_server: LiveServer) -> None:
    _, task_id = _begin(drill_app)
    desk = WebClient(drill_server.url)
    desk.login("after_sales1")
    status, page = desk.get(f"/tasks/{task_id}")
    assert status == 200
    assert '<option value="3" selected>某医院</option>' in page  # 3 kept as a number, "3" in the page
    assert 'value="true" checked' in _block(page, "urgent")


def test_a_field_named_action_keeps_its_value_on_the_task_page(drill_app: Flask, drill_server: LiveServer) -> None:
    instance_id, task_id = _begin(drill_app)
    desk = WebClient(drill_server.url)
    desk.login("after_sales1")
    page_path = f"/tasks/{task_id}"
    page = desk.get(page_path)[1]
    assert 'name="action"' in _block(page, "action")  # the field
    assert 'name="action"' not in page.replace(_block(page, "action"), "")  # no button of the page takes it
    assert '<button name="_task_action" value="draft">' in page
    assert '<button name="_task_action" value="complete"' in page
    assert desk.post(page_path, {"_task_action": "claim"}, csrf_from=page_path)[0] == 200
    fields = {"action": "更换主板", "customer_id": "4", "urgent": "false"}  # as the page's draft button posts
    status, page = desk.post(page_path, {**fields, "_task_action": "draft"}, csrf_from=page_path)
    assert status == 200 and "草稿已保存" in page, page
    page = desk.get(page_path)[1]
    assert 'value="更换主板"' in _block(page, "action")  # the draft kept what was typed
    assert '<option value="4" selected>某工厂</option>' in page
    status, page = desk.post(page_path, {**fields, "_task_action": "complete"}, csrf_from=page_path)
    assert status == 200, page
    with drill_app.app_context():
        done = db.session().get(ProcessInstance, instance_id)
        assert done is not None and done.status == "completed"
        assert done.data["action"] == "更换主板" and done.data["customer_id"] == 4


def test_the_readable_history_shows_no_row_ids(drill_app: Flask, drill_server: LiveServer) -> None:
    instance_id, task_id = _begin(drill_app)
    with drill_app.app_context():
        session = db.session()
        desk = user(session, "after_sales1")
        tasks.claim(session, desk, task_id)
        session.commit()
        tasks.complete(session, desk, task_id, {"action": "更换主板", "customer_id": 4, "urgent": False}, "zh_CN")
        shown = history_text.readable_history(session, instances.history(session, instance_id), "zh_CN", SHANGHAI)
    started, completed = shown[0], next(e for e in shown if e.event.action == "task_completed")
    assert {c.label: c.new for c in started.changes} == {  # no customer 3, no unit 7
        "承诺周期": "到期日: 2026-12-31；类别: inspection",  # without its period_id 5
        "加急": "是",
    }
    assert {c.label: (c.old, c.new) for c in completed.changes} == {  # the customer 3 -> 4 is no reading
        "处理措施": (None, "更换主板"),
        "加急": ("是", "否"),
    }
    web = WebClient(drill_server.url)
    web.login("after_sales1")
    status, page = web.get(f"/instances/{instance_id}")
    assert status == 200 and "到期日: 2026-12-31；类别: inspection" in page and "period_id" not in page


def test_options_are_compared_as_text_in_selects_radios_and_checkboxes() -> None:
    form = load_form(
        "form_drill_fill",
        _form(parts={"type": "array", "title": "备件", "items": {"type": "string", "enum": ["1", "2"]}})["schema"],
    )
    values = {"customer_id": 3, "urgent": "false", "parts": [2]}
    views = {v.name: v for v in field_views(form, "zh_CN", values, {}, SHANGHAI, {"customer_id": [("3", "某医院")]})}
    assert views["customer_id"].chosen("3") and not views["customer_id"].chosen("4")
    assert views["customer_id"].label_of(3) == "某医院"
    assert views["urgent"].chosen("false") and not views["urgent"].chosen("true")
    assert views["parts"].chosen("2") and not views["parts"].chosen("1")
    assert not views["action"].chosen("")


def test_a_form_field_may_not_take_a_name_the_pages_post_beside_it() -> None:
    with pytest.raises(FormInvalid, match="csrf_token"):
        load_form("form_drill_fill", _form(csrf_token={"type": "string", "title": "令牌"})["schema"])
