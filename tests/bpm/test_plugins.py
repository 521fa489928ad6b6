"""The plugin contract: a process's code declares the elements it relies on (checked at
deploy), hooks are tables, and a fault in one instance's hooks stops only that instance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import create_app, product_modules
from app.bpm import definitions, instances, messages, timers
from app.bpm.db import db
from app.bpm.errors import Conflict, DeploymentRejected, Forbidden
from app.bpm.forms import read_forms_dir
from app.bpm.models import AuditEvent, InstanceStatus, ProcessInstance, ProcessTimer
from app.bpm.modules import Module
from app.bpm.plugins import PluginInvalid, PluginRegistry, ProcessPlugin, StepContext, registry_of
from app.bpm.policies import CONSOLE
from app.cli import upgrade_database
from app.config import Config
from app.demo import seed_demo
from app.processes.repair_dispatch.plugin import REQUIRES
from harness.apps import user
from harness.servers import LiveServer
from harness.web_client import WebClient

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent.parent
T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def _faulty_when_marked(step: StepContext) -> None:
    raise RuntimeError("the drill's hook fails for this instance")


def _marked(ctx: StepContext) -> StepContext | None:
    return ctx if ctx.instance.business_key == "faulty" else None


DRILL = ProcessPlugin(
    process_id="interrupting_timer",
    requires={"too_late": "boundaryEvent"},
    case=_marked,
    after_passing={"too_late": _faulty_when_marked},
)


MESSAGE_DRILL = ProcessPlugin(
    process_id="parts_arrival",
    requires={"wait_parts": "intermediateCatchEvent"},
    case=_marked,
    after_passing={"wait_parts": _faulty_when_marked},
)


@pytest.fixture(scope="module")
def drill_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The product with one more module: a plugin for tests/fixtures/interrupting_timer.bpmn."""
    upgrade_database(database_url)
    config = Config(database_url=database_url, secret_key="test", testing=True)
    modules = [
        *product_modules(),
        Module(name="drill", plugin=DRILL),
        Module(name="message_drill", plugin=MESSAGE_DRILL),
    ]
    app = create_app(config, str(tmp_path_factory.mktemp("drill")), modules=modules)
    with app.app_context():
        session = db.session()
        seed_demo(session)
        for name in ("interrupting_timer", "parts_arrival"):
            definitions.deploy(session, (FIXTURES / f"{name}.bpmn").read_bytes(), {}, CONSOLE, f"{name}.bpmn")
    yield app
    app.extensions["shouhou_db"].engine.dispose()


def test_a_hook_fault_stops_only_its_instance_and_an_admin_can_retry_it(drill_app: Flask) -> None:
    with drill_app.app_context():
        session = db.session()
        owner = user(session, "after_sales1")
        good = [instances.start_instance(session, owner, "interrupting_timer", now=T0).id for _ in range(3)]
        bad = instances.start_instance(session, owner, "interrupting_timer", business_key="faulty", now=T0).id
        report = timers.fire_due(session, T0 + timedelta(hours=2))
        assert (report.fired, report.failed) == (3, 1)
        session.expire_all()
        for instance_id in good:  # the rest of the batch went on
            assert {t.element_id for t in instances.open_tasks(session, instance_id)} == {"note", "chase"}
        failed = session.get(ProcessInstance, bad)
        assert failed is not None and failed.status == InstanceStatus.ERROR
        assert failed.error is not None and "the drill's hook fails" in failed.error
        timer = session.scalars(select(ProcessTimer).where(ProcessTimer.instance_id == bad)).one()
        assert timer.status == "waiting"  # kept for after a fix
        assert {t.element_id for t in instances.open_tasks(session, bad)} == {"answer", "note"}
        assert timers.fire_due(session, T0 + timedelta(hours=3)).failed == 0  # not claimed again while failed

        with pytest.raises(Forbidden):
            instances.retry(session, owner, bad)
        admin = user(session, "admins1")
        with pytest.raises(Conflict):
            instances.retry(session, admin, good[0])
        instances.retry(session, admin, bad)
        assert session.get(ProcessInstance, bad).status == InstanceStatus.RUNNING  # type: ignore[union-attr]
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.instance_id == bad)).all()
        assert "instance_failed" in actions and "instance_retried" in actions
        assert timers.fire_due(session, T0 + timedelta(hours=3)).failed == 1  # the hook still fails: marked again


def test_the_failed_instance_page_shows_the_reason_and_only_admins_retry_it(drill_app: Flask) -> None:
    with drill_app.app_context():
        session = db.session()
        owner = user(session, "after_sales1")
        bad = instances.start_instance(session, owner, "interrupting_timer", business_key="faulty", now=T0).id
        assert timers.fire_due(session, T0 + timedelta(hours=2)).failed == 1
    with LiveServer(drill_app) as server:
        clerk = WebClient(server.url)
        clerk.login("after_sales1")
        status, page = clerk.get(f"/instances/{bad}")
        assert status == 200 and 'id="instance-error"' in page and "the drill&#39;s hook fails" in page
        assert 'id="retry-instance"' not in page
        assert clerk.post(f"/instances/{bad}/retry", {}, csrf_from=f"/instances/{bad}")[0] == 403
        admin = WebClient(server.url)
        admin.login("admins1")
        assert 'id="retry-instance"' in admin.get(f"/instances/{bad}")[1]
        status, page = admin.post(f"/instances/{bad}/retry", {}, csrf_from=f"/instances/{bad}")
        assert status == 200 and 'id="instance-error"' not in page and 'id="retry-instance"' not in page


def test_a_hook_fault_on_a_message_stops_only_that_instance_and_keeps_the_message(drill_app: Flask) -> None:
    with drill_app.app_context():
        session = db.session()
        owner = user(session, "after_sales1")
        data = {"order_no": "DRILL-1"}
        good = instances.start_instance(session, owner, "parts_arrival", data, now=T0).id
        bad = instances.start_instance(session, owner, "parts_arrival", data, business_key="faulty", now=T0).id
        delivery = messages.deliver(session, owner, "parts_arrived", data, {"parts": ["TN-1"]}, now=T0)
        assert (delivery.reached, delivery.failed) == ([good], [bad])
        session.expire_all()
        assert [t.element_id for t in instances.open_tasks(session, good)] == ["install_parts"]
        failed = session.get(ProcessInstance, bad)
        assert failed is not None and failed.status == InstanceStatus.ERROR
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == bad, AuditEvent.action == "instance_failed")
        ).one()
        assert event.details["payload"] == {"parts": ["TN-1"]}  # what it was given is not lost
        assert instances.open_tasks(session, bad) == []


def test_deploy_refuses_a_diagram_missing_an_element_its_plugin_needs(session: Session) -> None:
    """The modeler's rename of provide_loaner would switch loaner bookkeeping off: refused."""
    content = (ROOT / "bpmn" / "repair_dispatch.bpmn").read_text(encoding="utf-8")
    renamed = content.replace('"provide_loaner"', '"give_loaner"').replace(">provide_loaner<", ">give_loaner<")
    forms = read_forms_dir(ROOT / "forms")
    with pytest.raises(DeploymentRejected) as refused:
        definitions.deploy(session, renamed.encode(), forms, CONSOLE, "repair_dispatch.bpmn")
    problems = {(p["code"], p["element_id"]) for p in refused.value.problems}
    assert ("plugin_element_missing", "provide_loaner") in problems
    assert all(
        "provide_loaner" in p["message"] for p in refused.value.problems if p["code"] == "plugin_element_missing"
    )


def test_deploy_refuses_a_required_element_of_another_kind(session: Session) -> None:
    content = (ROOT / "bpmn" / "repair_dispatch.bpmn").read_text(encoding="utf-8")
    throw = content.index('<bpmn:intermediateThrowEvent id="unit_repaired"')
    end = content.index("</bpmn:intermediateThrowEvent>", throw) + len("</bpmn:intermediateThrowEvent>")
    as_task = content[throw:end].replace("bpmn:intermediateThrowEvent", "bpmn:task")
    changed = content[:throw] + as_task + content[end:]
    with pytest.raises(DeploymentRejected) as refused:
        definitions.deploy(session, changed.encode(), read_forms_dir(ROOT / "forms"), CONSOLE, "repair_dispatch.bpmn")
    found = [p for p in refused.value.problems if p["code"] == "plugin_element_missing"]
    assert [p["element_id"] for p in found] == ["unit_repaired"]
    assert "is a task" in found[0]["message"] and "intermediateThrowEvent" in found[0]["message"]


def test_the_repair_diagram_has_every_element_its_plugin_requires(session: Session) -> None:
    latest = definitions.loaded(definitions.latest(session, "repair_dispatch"))
    assert {e: latest.model.elements.get(e) for e in REQUIRES} == REQUIRES


def test_a_hook_table_naming_an_undeclared_element_is_refused_when_the_app_is_built() -> None:
    with pytest.raises(PluginInvalid, match="provide_loaner"):
        ProcessPlugin(process_id="p", requires={}, case=_marked, after_passing={"provide_loaner": _faulty_when_marked})


def test_two_plugins_for_one_process_are_refused() -> None:
    with pytest.raises(PluginInvalid):
        PluginRegistry([DRILL, DRILL])


def test_a_process_without_a_plugin_gets_a_plain_one(session: Session) -> None:
    plain = registry_of(session).for_process("drawn_in_the_modeler")
    assert plain.requires == {} and plain.intake_endpoint is None


def test_a_session_without_the_apps_plugins_is_an_error(app: Flask) -> None:
    with Session(app.extensions["shouhou_db"].engine) as bare, pytest.raises(RuntimeError):
        registry_of(bare)
