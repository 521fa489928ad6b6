"""The modeler's server side over real HTTP (issue 4): who may model, the JSON deploy with
problems by element, the form preview, a new process from a blank diagram."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import LiveServer
from .http_client import call, login
from .web_client import WebClient

ROOT = Path(__file__).resolve().parent.parent


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
