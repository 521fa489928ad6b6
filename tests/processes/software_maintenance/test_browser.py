"""Software maintenance in headless Chromium: a campaign planned for a whole model on its page
(a refusal keeps what was typed), each unit's progress on the campaign page, and the customer
signing off an upgrade on the engineer's screen, after which the unit's page shows the new
version."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness.browser import click_and_wait, log_in, log_out
from harness.servers import LiveServer
from harness.walks import done, open_tasks
from tests.processes.software_maintenance.test_walks import new_unit, plan

pytestmark = pytest.mark.browser
NAME = "浏览器测试固件"


def test_a_campaign_planned_on_its_page_and_an_upgrade_signed_off(
    browser: webdriver.Chrome, live_server: LiveServer, app: Flask
) -> None:
    base = live_server.url
    unit = new_unit(base, app, "SN-SWB-0001", date.today() - timedelta(days=60), version="2.0", name=NAME)
    log_in(browser, base, "after_sales1")
    browser.get(f"{base}/software-campaigns")
    browser.find_element(By.ID, "input-software_name").send_keys(NAME)
    browser.find_element(By.ID, "input-target_version").send_keys("2.1")
    click_and_wait(browser, By.ID, "start-campaign")  # no model chosen: refused, nothing lost
    errors = browser.find_element(By.ID, "field-model").find_elements(By.CLASS_NAME, "field-error")
    assert [e.text for e in errors] == ["请选择设备型号。"]
    assert browser.find_element(By.ID, "input-software_name").get_attribute("value") == NAME
    Select(browser.find_element(By.ID, "input-model")).select_by_value("LP-800")
    click_and_wait(browser, By.ID, "start-campaign")
    assert "已为 1 台设备发起升级。" in browser.page_source
    row = browser.find_element(By.ID, "unit-SN-SWB-0001")
    assert "待安排" in row.text and "2.0" in row.text
    instance = int(str(row.find_element(By.TAG_NAME, "a").get_attribute("href")).rsplit("/", 1)[1])
    log_out(browser)

    done(base, "after_sales1", instance, "plan_upgrade", plan("SN-SWB-0001", "2.1", software_name=NAME))
    performed = {
        "performed_at": "2026-12-10T21:00:00+08:00",
        "test_passed": True,
        "version_after": "2.1",
        "test_notes": "正常",
    }
    done(base, "engineers1", instance, "perform_upgrade", performed)
    [task] = open_tasks(base, "engineers1", instance)
    log_in(browser, base, "engineers1")
    browser.get(f"{base}/tasks/{task['id']}")
    assert "SN-SWB-0001" in browser.page_source  # the case beside the form
    browser.find_element(By.ID, "input-signer_name").send_keys("王老师")
    canvas = browser.find_element(By.CSS_SELECTOR, ".signature-pad canvas")
    ActionChains(browser).move_to_element_with_offset(canvas, -150, 0).click_and_hold().move_by_offset(
        60, -30
    ).move_by_offset(60, 50).move_by_offset(80, -40).release().perform()
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source
    log_out(browser)
    log_in(browser, base, "after_sales1")
    browser.get(f"{base}/equipment/{unit['id']}")
    current = browser.find_element(By.ID, "software-current").text
    assert NAME in current and "2.1" in current
