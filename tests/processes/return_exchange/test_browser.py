"""The return process in headless Chromium: the east branch registers a return, finds the
check in its own worklist, refuses it with the reason (否) and sends the unit back."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness.browser import api_complete, click_and_wait, log_in, log_out
from harness.servers import LiveServer

pytestmark = pytest.mark.browser


def test_a_branch_registers_checks_and_refuses_a_return(browser: webdriver.Chrome, live_server: LiveServer) -> None:
    base = live_server.url
    log_in(browser, base, "branch_east1")
    click_and_wait(browser, By.LINK_TEXT, "退换货")
    units = [o.text for o in Select(browser.find_element(By.ID, "input-unit")).options if o.get_attribute("value")]
    assert units and all("区政务服务中心" in u for u in units)  # only the customers this branch serves
    Select(browser.find_element(By.ID, "input-unit")).select_by_visible_text("SN-C3000-0004 · 区政务服务中心")
    Select(browser.find_element(By.ID, "input-wanted")).select_by_value("return")
    click_and_wait(browser, By.ID, "register-return")  # no reason: refused, nothing lost
    assert browser.find_element(By.ID, "field-reason").find_elements(By.CLASS_NAME, "field-error")
    browser.find_element(By.ID, "input-reason").send_keys("打印偏色，要求退货")
    click_and_wait(browser, By.ID, "register-return")
    assert "东区办事处" in browser.page_source
    instance_id = browser.current_url.rstrip("/").rsplit("/", 1)[1]
    browser.get(f"{base}/")
    click_and_wait(browser, By.LINK_TEXT, "办事处检查退换设备")
    assert "打印偏色，要求退货" in browser.page_source  # the case beside the form
    Select(browser.find_element(By.ID, "input-condition")).select_by_value("damaged")
    browser.find_element(By.CSS_SELECTOR, '#field-accessories_complete input[value="false"]').click()
    browser.find_element(By.CSS_SELECTOR, '#field-check_ok input[value="false"]').click()
    click_and_wait(browser, By.ID, "complete-task")  # 否 without its reason
    assert browser.find_element(By.ID, "field-refuse_reason").find_elements(By.CLASS_NAME, "field-error")
    browser.find_element(By.ID, "input-refuse_reason").send_keys("外壳摔裂，非质量问题")
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source
    api_complete(base, "branch_east1", instance_id, "return_to_customer", {"returned_on": "2026-12-04"})
    browser.get(f"{base}/instances/{instance_id}")
    assert "已完成" in browser.page_source
    log_out(browser)
