"""The handover in headless Chromium: the customer signs the handover form on the engineer's
screen (unsigned it is refused, nothing lost), and the instance offers its PDF."""

from __future__ import annotations

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from harness.browser import click_and_wait, log_in
from harness.servers import LiveServer
from harness.walks import done, open_tasks, start
from tests.processes.handover.test_walks import new_unit

pytestmark = pytest.mark.browser


def test_the_customer_signs_the_handover_form(browser: webdriver.Chrome, live_server: LiveServer, app: Flask) -> None:
    base = live_server.url
    new_unit(base, app, "SN-HOB-0001")
    instance = start(base, "after_sales1", "handover")
    done(base, "after_sales1", instance, "check_unit", {"unit": "SN-HOB-0001"})
    done(base, "engineers1", instance, "record_state", {"condition": "good", "state_notes": "运行正常"})
    [task] = open_tasks(base, "engineers1", instance)
    log_in(browser, base, "engineers1")
    browser.get(f"{base}/tasks/{task['id']}")
    assert 'id="no-open-requests"' in browser.page_source  # beside the form: nothing open
    browser.execute_script("document.getElementById('input-handed_over_on').value = '2026-12-20'")
    browser.find_element(By.ID, "input-signer_name").send_keys("王老师")
    click_and_wait(browser, By.ID, "complete-task")  # unsigned: refused, nothing lost
    errors = browser.find_element(By.ID, "field-customer_signature").find_elements(By.CLASS_NAME, "field-error")
    assert [e.text for e in errors] == ["此项为必填项。"]
    assert browser.find_element(By.ID, "input-signer_name").get_attribute("value") == "王老师"
    canvas = browser.find_element(By.CSS_SELECTOR, ".signature-pad canvas")
    ActionChains(browser).move_to_element_with_offset(canvas, -150, 0).click_and_hold().move_by_offset(
        60, -30
    ).move_by_offset(60, 50).move_by_offset(80, -40).release().perform()
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source
    browser.get(f"{base}/instances/{instance}")
    assert f"/handovers/{instance}/handover.pdf" in browser.page_source
