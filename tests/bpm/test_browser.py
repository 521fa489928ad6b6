"""The web UI in headless Chromium (Debian's chromium and chromedriver)."""

from __future__ import annotations

import json

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from harness.browser import api_complete, click_and_wait, log_in, policy_violations
from harness.http_client import call, login
from harness.servers import LiveServer

pytestmark = pytest.mark.browser


def test_login_complete_register_and_see_it_in_history(browser: webdriver.Chrome, live_server: LiveServer) -> None:
    base = live_server.url
    browser.get(f"{base}/")
    assert "/login" in browser.current_url
    log_in(browser, base, "after_sales1")
    assert "我的待办" in browser.page_source  # Chinese by default

    browser.get(f"{base}/start")
    click_and_wait(browser, By.ID, "start-complaint_handling")
    assert "客户投诉登记表" in browser.page_source

    # Quality fields appear only for quality complaints.
    Select(browser.find_element(By.ID, "input-complaint_class")).select_by_value("other")
    assert not browser.find_element(By.ID, "field-order_no").is_displayed()
    Select(browser.find_element(By.ID, "input-complaint_class")).select_by_value("quality")
    assert browser.find_element(By.ID, "field-order_no").is_displayed()

    browser.find_element(By.ID, "input-customer").send_keys("市第一医院")
    click_and_wait(browser, By.ID, "complete-task")
    errors = browser.find_element(By.ID, "field-contact_name").find_elements(By.CLASS_NAME, "field-error")
    assert [e.text for e in errors] == ["此项为必填项。"]
    assert browser.find_element(By.ID, "input-customer").get_attribute("value") == "市第一医院"  # nothing lost

    fill = {
        "contact_name": "王主任",
        "contact_phone": "13800000000",
        "description": "复印机频繁卡纸",
        "customer_demand": "更换硒鼓",
        "order_no": "SO-2026-001",
        "part_no": "TN-1",
        "quantity": "10",
        "defective_quantity": "3",
    }
    for name, value in fill.items():
        browser.find_element(By.ID, f"input-{name}").send_keys(value)
    Select(browser.find_element(By.ID, "input-channel")).select_by_value("phone")
    browser.execute_script("document.getElementById('input-ship_date').value = '2026-10-15'")
    click_and_wait(browser, By.ID, "complete-task")

    problems = [e.text for e in browser.find_elements(By.CLASS_NAME, "field-error")]
    assert problems == []
    assert "任务已完成" in browser.page_source
    rows = browser.find_elements(By.CSS_SELECTOR, "#history tr.event")
    assert [r.get_attribute("data-action") for r in rows] == ["instance_started", "task_completed"]
    assert "after_sales1" in rows[1].text and "SO-2026-001" in rows[1].text
    assert "第一时间联系客户" in browser.find_element(By.ID, "open-tasks").text

    # The diagram, drawn by bpmn-js served from the product, marks what happened (P4).
    WebDriverWait(browser, 15).until(
        lambda b: b.find_element(By.ID, "diagram").get_attribute("data-rendered") is not None
    )
    assert browser.find_element(By.ID, "diagram").get_attribute("data-rendered") == "true"
    done = browser.find_element(By.CSS_SELECTOR, 'g.djs-element[data-element-id="register_complaint"]')
    assert "shouhou-done" in done.get_attribute("class")
    active = browser.find_element(By.CSS_SELECTOR, 'g.djs-element[data-element-id="contact_customer"]')
    assert "shouhou-active" in active.get_attribute("class")
    waiting = browser.find_element(By.CSS_SELECTOR, 'g.djs-element[data-element-id="contact_overdue"]')
    assert "shouhou-waiting" in waiting.get_attribute("class")
    lane = browser.find_element(By.CSS_SELECTOR, 'g.djs-element[data-element-id="after_sales"]')
    assert "售后服务部" in lane.text and "after_sales" not in lane.text  # the lane by its group's name

    click_and_wait(browser, By.ID, "switch-language")
    assert "Current tasks" in browser.page_source
    assert "Contact the customer at once" in browser.find_element(By.ID, "open-tasks").text
    click_and_wait(browser, By.ID, "switch-language")


QC_REVIEW_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "品控复核",
    "type": "object",
    "x-i18n": {"en": {"title": "QC review"}},
    "properties": {"passed": {"type": "boolean", "title": "复核通过", "x-i18n": {"en": {"title": "Passed"}}}},
    "required": ["passed"],
    "additionalProperties": False,
}


def test_process_owner_adds_a_qc_review_in_the_modeler_and_deploys(
    browser: webdriver.Chrome, live_server: LiveServer
) -> None:
    """Issue 4's walk-through: load the complaint diagram in the modeler, add a QC review task
    with a new form written in the form editor, deploy; new complaints run the new version while
    a running one stays on its own."""
    base = live_server.url
    owner = login(base, "process_owners1")
    _, before = call(base, "GET", "/api/v1/process-definitions", token=owner)
    old_version = max(d["version"] for d in before if d["process_id"] == "complaint_handling")
    desk = login(base, "after_sales1")
    _, running = call(base, "POST", "/api/v1/process-instances", {"process_id": "complaint_handling"}, token=desk)

    log_in(browser, base, "process_owners1")
    browser.get(f"{base}/processes")
    click_and_wait(browser, By.ID, "model-complaint_handling")
    WebDriverWait(browser, 20).until(lambda b: b.find_element(By.ID, "modeler").get_attribute("data-loaded"))
    assert browser.find_element(By.ID, "modeler").get_attribute("data-loaded") == "true"
    # the modeler speaks the reader's language: palette, panel groups and element kinds in Chinese
    palette = browser.find_element(By.CSS_SELECTOR, '.djs-palette [data-action="create.start-event"]')
    assert palette.get_attribute("aria-label") == "创建开始事件"
    browser.execute_script(
        "window.shouhouModeler.get('selection').select(window.shouhouModeler.get('elementRegistry').get('prevent_recurrence'))"
    )
    panel = browser.find_element(By.ID, "modeler-properties").text
    assert "常规" in panel and "用户任务" in panel and "General" not in panel

    # the form editor: a new form, previewed as a task page shows it, kept for the deploy
    browser.find_element(By.ID, "form-editor-name").send_keys("qc_review")
    schema = browser.find_element(By.ID, "form-editor-schema")
    browser.execute_script("arguments[0].value = arguments[1]", schema, json.dumps(QC_REVIEW_FORM, ensure_ascii=False))
    browser.find_element(By.ID, "form-editor-keep").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#form-editor-preview #field-passed"))
    assert "qc_review" in browser.find_element(By.ID, "form-editor-kept").text
    assert policy_violations(browser) == []  # the modeler and its editor work under the CSP

    # the diagram: a QC review between preventing recurrence and closing
    browser.execute_script(
        """
        const m = window.shouhouModeler, reg = m.get('elementRegistry'), modeling = m.get('modeling');
        const source = reg.get('prevent_recurrence'), target = reg.get('close_complaint');
        modeling.removeElements([reg.get('flow_prevent_recurrence_to_close_complaint')]);
        const task = modeling.createShape({type: 'bpmn:UserTask'},
          {x: source.x + source.width / 2 + 160, y: source.y + source.height / 2}, source.parent);
        modeling.updateProperties(task, {id: 'qc_review', name: '品控复核'});
        modeling.connect(source, task);
        modeling.connect(task, target);
        m.get('selection').select(task);
        """
    )
    # a stray task nothing leads to: refused, and the problem is shown on that element
    browser.execute_script(
        """
        const m = window.shouhouModeler, reg = m.get('elementRegistry'), modeling = m.get('modeling');
        const anchor = reg.get('close_complaint');
        const stray = modeling.createShape({type: 'bpmn:Task'}, {x: anchor.x + 40, y: anchor.y + 160}, anchor.parent);
        modeling.updateProperties(stray, {id: 'stray_task', name: '孤立任务'});
        """
    )
    browser.find_element(By.ID, "modeler-deploy").click()
    WebDriverWait(browser, 20).until(lambda b: b.find_element(By.ID, "modeler").get_attribute("data-deployed"))
    assert browser.find_element(By.ID, "modeler").get_attribute("data-deployed") == "failed"
    badge = browser.find_element(By.CSS_SELECTOR, '[data-container-id="stray_task"] .shouhou-problem-badge')
    assert "元素无法到达" in badge.get_attribute("title")  # the problem's kind in the user's language
    assert browser.find_elements(By.CSS_SELECTOR, '.djs-element.shouhou-problem[data-element-id="stray_task"]')
    browser.execute_script(
        "const m = window.shouhouModeler, reg = m.get('elementRegistry');"
        "m.get('modeling').removeElements([reg.get('stray_task')]);"
    )
    browser.execute_script("document.getElementById('modeler').removeAttribute('data-deployed')")
    m_selected = (
        "window.shouhouModeler.get('selection').select(window.shouhouModeler.get('elementRegistry').get('qc_review'))"
    )
    browser.execute_script(m_selected)

    # the product's own properties: pick the new form for the task
    header = browser.find_element(By.CSS_SELECTOR, '[data-group-id="group-shouhou"] .bio-properties-panel-group-header')
    header.click()
    Select(browser.find_element(By.ID, "bio-properties-panel-shouhou-form")).select_by_value("qc_review")
    browser.find_element(By.ID, "modeler-deploy").click()
    WebDriverWait(browser, 20).until(lambda b: b.find_element(By.ID, "modeler").get_attribute("data-deployed"))
    messages = browser.find_element(By.ID, "modeler-messages").text
    assert browser.find_element(By.ID, "modeler").get_attribute("data-deployed") == str(old_version + 1), messages

    _, created = call(base, "POST", "/api/v1/process-instances", {"process_id": "complaint_handling"}, token=desk)
    assert created["version"] == old_version + 1
    _, still = call(base, "GET", f"/api/v1/process-instances/{running['id']}", token=desk)
    assert still["version"] == old_version  # running instances finish on their own version
    _, versions = call(base, "GET", "/api/v1/process-definitions", token=owner)
    assert any(d["process_id"] == "complaint_handling" and d["version"] == old_version + 1 for d in versions)
    # the versions page compares the two: the new task is marked on the new diagram
    browser.get(f"{base}/processes/complaint_handling/diff?old={old_version}&new={old_version + 1}")
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "diff-new").get_attribute("data-rendered"))
    added = browser.find_element(By.CSS_SELECTOR, '#diff-new g.djs-element[data-element-id="qc_review"]')
    assert "shouhou-added" in added.get_attribute("class")
    assert browser.find_elements(By.CSS_SELECTOR, 'tr.diff-added[data-element-id="qc_review"]')
    assert policy_violations(browser) == []


def _finished_complaint(base: str) -> str:
    """A complaint taken to its end over the API (not our fault: explained and closed)."""
    from harness.data import REGISTER

    token = login(base, "after_sales1")
    _, instance = call(base, "POST", "/api/v1/process-instances", {"process_id": "complaint_handling"}, token=token)
    steps = [
        ("after_sales1", "register_complaint", REGISTER),
        (
            "after_sales1",
            "contact_customer",
            {"contacted_at": "2026-11-27T09:00:00+08:00", "contact_method": "phone", "contact_notes": "已联系"},
        ),
        ("after_sales1", "confirm_complaint", {"confirmed": True, "confirmation_notes": "属实"}),
        (
            "technical1",
            "analyse_complaint",
            {
                "cause": "纸张受潮",
                "responsible_department": "customer",
                "our_responsibility": False,
                "severity": "minor",
                "evidence": "现场检查",
            },
        ),
        (
            "after_sales1",
            "explain_to_customer",
            {"explanation": "请使用干燥纸张", "customer_response": "接受", "next_step": "close"},
        ),
    ]
    for username, name, data in steps:
        api_complete(base, username, str(instance["id"]), name, data)
    return str(instance["id"])


def test_auditor_traces_a_finished_complaint_on_its_diagram_and_exports_it(
    browser: webdriver.Chrome, live_server: LiveServer
) -> None:
    """Issue 4: the auditor reads everything, changes nothing."""
    base = live_server.url
    instance_id = _finished_complaint(base)
    log_in(browser, base, "auditors1")
    browser.get(f"{base}/instances?q=SO-1&status=completed")
    click_and_wait(browser, By.LINK_TEXT, f"#{instance_id}")
    WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "diagram").get_attribute("data-rendered"))
    for element_id in ("register_complaint", "analyse_complaint", "explain_to_customer"):
        shape = browser.find_element(By.CSS_SELECTOR, f'g.djs-element[data-element-id="{element_id}"]')
        assert "shouhou-done" in shape.get_attribute("class")
    assert not browser.find_elements(By.CSS_SELECTOR, "g.shouhou-active")  # nothing left open
    assert policy_violations(browser) == []  # the diagram viewer works under the CSP
    Select(browser.find_element(By.NAME, "task")).select_by_value("analyse_complaint")
    click_and_wait(browser, By.CSS_SELECTOR, "#history form button[type=submit]")
    rows = browser.find_elements(By.CSS_SELECTOR, "#history tr.event")
    assert rows and all("technical1" in r.text for r in rows) and "纸张受潮" in rows[-1].text
    export = browser.find_element(By.ID, "export-csv").get_attribute("href")
    assert "task=analyse_complaint" in export
    text = browser.execute_script(
        "return fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text())", export
    )
    assert text.splitlines()[0].lstrip("\ufeff").startswith("序号,流程实例") and "纸张受潮" in text
    # read-only: no way to start, claim or complete anything
    browser.get(f"{base}/")
    assert "/login" not in browser.current_url
    status, _ = call(
        base, "POST", "/api/v1/process-instances", {"process_id": "complaint_handling"}, token=login(base, "auditors1")
    )
    assert status == 403
