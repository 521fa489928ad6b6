"""The modeler's server side over real HTTP (issue 4): who may model, the JSON deploy with
problems by element, the form preview, a new process from a blank diagram."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from harness.http_client import call, login
from harness.servers import LiveServer
from harness.web_client import WebClient

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture
def owner(base: str) -> WebClient:
    web = WebClient(base)
    web.login("process_owners1")
    return web


def test_only_process_owners_model(base: str) -> None:
    web = WebClient(base)
    web.login("after_sales1")
    assert web.get("/modeler/complaint_handling")[0] == 403
    assert web.get("/modeler/complaint_handling/diagram.bpmn")[0] == 403
    assert web.post_json("/modeler/complaint_handling/deploy", {"xml": "<x/>"}, csrf_from="/")[0] == 403


def test_modeler_page_and_its_assets(owner: WebClient) -> None:
    status, page = owner.get("/modeler/complaint_handling")
    assert status == 200 and '"forms": [' in page and "complaint_register" in page and '"after_sales_leads"' in page
    status, xml = owner.get("/modeler/complaint_handling/diagram.bpmn")
    assert status == 200 and 'id="complaint_handling"' in xml
    status, bundle = owner.get("/vendor/modeler/modeler.js")
    assert status == 200 and len(bundle) > 100_000  # built from the npm packages by the set-up
    assert owner.get("/vendor/modeler/properties-panel.css")[0] == 200
    assert owner.get("/vendor/modeler/../../app/config.py")[0] == 404


def test_deploy_reports_problems_by_element_and_needs_the_csrf_token(owner: WebClient) -> None:
    xml = (ROOT / "bpmn" / "complaint_handling.bpmn").read_text(encoding="utf-8")
    broken = xml.replace(
        'formJsonSchemaFilename" value="confirm_complaint.schema.json"',
        'formJsonSchemaFilename" value="nope.schema.json"',
    )
    status, body = owner.post_json(
        "/modeler/complaint_handling/deploy", {"xml": broken}, csrf_from="/modeler/complaint_handling"
    )
    answer = json.loads(body)
    assert status == 400 and answer["problems"][0]["element_id"] == "confirm_complaint"
    assert "nope" in answer["problems"][0]["message"]
    hostile = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    status, body = owner.post_json(
        "/modeler/complaint_handling/deploy", {"xml": hostile}, csrf_from="/modeler/complaint_handling"
    )
    assert status == 400 and "root:" not in body
    assert owner.post_json("/modeler/complaint_handling/deploy", {"xml": xml}, csrf_from=None)[0] == 400  # no token
    status, body = owner.post_json(
        "/modeler/complaint_handling/deploy", {"xml": xml}, csrf_from="/modeler/complaint_handling"
    )
    assert status == 200 and json.loads(body)["created"] is False  # unchanged: same version


def test_form_preview_renders_or_lists_the_problems(owner: WebClient) -> None:
    schema = {"type": "object", "title": "复核", "properties": {"ok": {"type": "boolean", "title": "通过"}}}
    status, body = owner.post_json(
        "/modeler/forms/preview", {"name": "x", "schema": schema}, csrf_from="/modeler/complaint_handling"
    )
    assert status == 200 and 'id="field-ok"' in json.loads(body)["html"]
    bad = {"type": "object", "properties": {"Bad Name": {"type": "object"}}}
    status, body = owner.post_json(
        "/modeler/forms/preview", {"name": "x", "schema": bad}, csrf_from="/modeler/complaint_handling"
    )
    assert status == 400 and json.loads(body)["problems"]


def test_a_new_process_from_a_blank_diagram(base: str, owner: WebClient) -> None:
    status, page = owner.get("/modeler?process_id=9bad&name=x")
    assert status == 400 and "流程编号" in page
    status, page = owner.get("/modeler?process_id=site_survey&name=%E7%8E%B0%E5%9C%BA%E5%8B%98%E5%AF%9F")
    assert status == 200
    diagram_url = re.search(r'"diagramUrl": "([^"]+)"', page)
    assert diagram_url is not None
    status, xml = owner.get(diagram_url.group(1).replace("\\u0026", "&"))
    assert status == 200 and 'id="site_survey"' in xml and "现场勘察" in xml
    # a blank diagram is not yet a process: the deploy says why
    status, body = owner.post_json("/modeler/deploy", {"xml": xml}, csrf_from="/modeler?process_id=site_survey")
    assert status == 400 and json.loads(body)["problems"]
    assert call(base, "GET", "/api/v1/process-definitions", token=login(base, "process_owners1"))[0] == 200


def test_versions_diff_retire_and_reinstate(base: str, owner: WebClient) -> None:
    """A second version with one task renamed and one added: the diff names both; retiring it
    sends new instances back to version 1 while its own instances keep it."""
    xml = (ROOT / "bpmn" / "complaint_handling.bpmn").read_text(encoding="utf-8")
    changed = xml.replace('name="确认投诉问题"', 'name="确认投诉问题（新）"', 1)
    extra = '<bpmn:endEvent id="spare_end" name="备用" /></bpmn:process>'
    assert changed != xml
    changed = changed.replace("</bpmn:process>", extra)
    status, body = owner.post_json(
        "/modeler/complaint_handling/deploy", {"xml": changed}, csrf_from="/modeler/complaint_handling"
    )
    assert status == 400 and "spare_end" in body  # unreachable: refused
    changed = changed.replace(extra, "</bpmn:process>")
    status, body = owner.post_json(
        "/modeler/complaint_handling/deploy", {"xml": changed}, csrf_from="/modeler/complaint_handling"
    )
    assert status == 200, body
    new = json.loads(body)["version"]
    status, page = owner.get(f"/processes/complaint_handling/diff?old={new - 1}&new={new}")
    assert status == 200 and 'data-element-id="confirm_complaint"' in page and "确认投诉问题（新）" in page
    assert page.count('<tr class="diff-') == 1  # only that element changed
    assert '<span class="diff-what">(名称)</span>' in page  # which property changed (issue 13)
    assert owner.get(f"/processes/complaint_handling/versions/{new}/diagram.bpmn")[1].count("确认投诉问题（新）") == 1

    desk = login(base, "after_sales1")
    _, on_new = call(base, "POST", "/api/v1/process-instances", {"process_id": "complaint_handling"}, token=desk)
    assert on_new["version"] == new
    token = login(base, "process_owners1")
    assert (
        call(base, "POST", f"/api/v1/process-definitions/complaint_handling/versions/{new}/retire", token=desk)[0]
        == 403
    )
    status, row = call(
        base, "POST", f"/api/v1/process-definitions/complaint_handling/versions/{new}/retire", token=token
    )
    assert status == 200 and row["retired"] is True
    _, started = call(base, "POST", "/api/v1/process-instances", {"process_id": "complaint_handling"}, token=desk)
    assert started["version"] == new - 1  # new instances: the newest version not retired
    _, still = call(base, "GET", f"/api/v1/process-instances/{on_new['id']}", token=desk)
    assert still["version"] == new and still["status"] == "running"
    status, page = owner.post(
        f"/processes/complaint_handling/versions/{new}/retire", {"retired": "false"}, csrf_from="/processes"
    )
    assert status == 200 and "已恢复" in page
    _, started = call(base, "POST", "/api/v1/process-instances", {"process_id": "complaint_handling"}, token=desk)
    assert started["version"] == new


def test_running_instances_move_to_a_new_version_after_a_dry_run(base: str, owner: WebClient) -> None:
    from harness.data import REGISTER

    desk = login(base, "after_sales1")

    def start_and_do(names: list[tuple[str, dict[str, object]]]) -> int:
        _, instance = call(base, "POST", "/api/v1/process-instances", {"process_id": "complaint_handling"}, token=desk)
        for name, data in names:
            _, tasks = call(base, "GET", f"/api/v1/tasks?process_instance_id={instance['id']}", token=desk)
            task = next(t for t in tasks if t["name"] == name)
            assert call(base, "POST", f"/api/v1/tasks/{task['id']}/complete", {"data": data}, token=desk)[0] == 200
        return int(instance["id"])

    contact = {"contacted_at": "2026-11-27T09:00:00+08:00", "contact_method": "phone", "contact_notes": "已联系"}
    movable = start_and_do([("register_complaint", REGISTER)])
    stuck = start_and_do([("register_complaint", REGISTER), ("contact_customer", contact)])
    _, tasks = call(base, "GET", f"/api/v1/tasks?process_instance_id={movable}", token=desk)
    draft = {"data": {"contact_notes": "草稿：已留言"}}
    assert call(base, "POST", f"/api/v1/tasks/{tasks[0]['id']}/draft", draft, token=desk)[0] == 200
    _, before = call(base, "GET", f"/api/v1/process-instances/{movable}", token=desk)

    # the new version drops the confirmation step: an instance waiting there cannot move
    xml = _without_confirmation((ROOT / "bpmn" / "complaint_handling.bpmn").read_bytes())
    status, body = owner.post_json(
        "/modeler/complaint_handling/deploy", {"xml": xml}, csrf_from="/modeler/complaint_handling"
    )
    assert status == 200, body
    target = json.loads(body)["version"]
    status, page = owner.get(f"/processes/complaint_handling/migrate?to={target}")
    assert status == 200
    assert re.search(rf'data-instance-id="{movable}" class="can-move"', page)
    assert re.search(rf'data-instance-id="{stuck}" class="cannot-move"', page)
    assert "confirm_complaint: open here, not in the target version" in page
    fields = [("to", str(target)), ("instance", str(movable)), ("instance", str(stuck))]
    status, page = owner.post_pairs(
        "/processes/complaint_handling/migrate", fields, csrf_from=f"/processes/complaint_handling/migrate?to={target}"
    )
    assert status == 200 and "已迁移 1 个实例" in page
    _, after = call(base, "GET", f"/api/v1/process-instances/{movable}", token=desk)
    assert after["version"] == target and after["data"] == before["data"]
    assert [t["name"] for t in after["open_tasks"]] == ["contact_customer"]
    _, task = call(base, "GET", f"/api/v1/tasks/{after['open_tasks'][0]['id']}", token=desk)
    assert task["data"]["contact_notes"] == "草稿：已留言" and task["assignee"] == "after_sales1"
    assert task["due_at"] == before["open_tasks"][0]["due_at"]
    _, unchanged = call(base, "GET", f"/api/v1/process-instances/{stuck}", token=desk)
    assert unchanged["version"] == before["version"]
    _, history = call(base, "GET", f"/api/v1/process-instances/{movable}/history?action=instance_migrated", token=desk)
    assert len(history) == 1
    status, page = WebClient(base).get(f"/processes/complaint_handling/migrate?to={target}")
    assert status == 200 and 'name="password"' in page and 'id="migrate' not in page  # sent to log in first
    clerk = WebClient(base)
    clerk.login("after_sales1")
    assert clerk.get(f"/processes/complaint_handling/migrate?to={target}")[0] == 403


def _without_confirmation(content: bytes) -> str:
    """The complaint diagram without 确认投诉问题: contact leads straight to the gateway."""
    root = etree.fromstring(content)
    doomed = {"confirm_complaint", "flow_confirm_complaint_to_gw_confirmed"}
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if element.get("id") in doomed or element.get("bpmnElement") in doomed or (element.text or "") in doomed:
            element.getparent().remove(element)
    for element in root.iter():
        if element.get("id") == "flow_contact_customer_to_confirm_complaint":
            element.set("targetRef", "gw_confirmed")
        if element.get("id") == "gw_confirmed":
            incoming = etree.SubElement(element, "{http://www.omg.org/spec/BPMN/20100524/MODEL}incoming")
            incoming.text = "flow_contact_customer_to_confirm_complaint"
            element.insert(0, incoming)
    return etree.tostring(root, encoding="unicode")
