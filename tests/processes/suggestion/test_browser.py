"""The suggestion in headless Chromium: the desk registers a phone suggestion and routes it to
two departments, they answer, and the desk replies to the sender and marks it for the review."""

from __future__ import annotations

import re

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness.browser import api_complete, click_and_wait, log_in, open_task
from harness.servers import LiveServer

pytestmark = pytest.mark.browser


def test_register_route_answer_and_reply(browser: webdriver.Chrome, live_server: LiveServer) -> None:
    base = live_server.url
    log_in(browser, base, "after_sales1")
    browser.get(f"{base}/start")
    click_and_wait(browser, By.ID, "start-suggestion")
    found = re.search(r"/instances/(\d+)", browser.current_url + browser.page_source)
    assert found is not None
    instance_id = found.group(1)
    if "/tasks/" not in browser.current_url:
        click_and_wait(browser, By.LINK_TEXT, "登记客户建议/意见")
    Select(browser.find_element(By.ID, "input-customer_id")).select_by_index(1)
    Select(browser.find_element(By.ID, "input-channel")).select_by_value("phone")
    browser.find_element(By.ID, "input-sender_name").send_keys("张科长")
    browser.execute_script("document.getElementById('input-received_at').value = '2026-11-30T09:30'")
    browser.find_element(By.ID, "input-content").send_keys("建议提供上门培训")
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source

    open_task(browser, base, instance_id, "分送相关部门")
    assert "建议提供上门培训" in browser.find_element(By.ID, "case-facts").text
    for department in ("sales", "technical"):
        browser.find_element(By.CSS_SELECTOR, f'#field-departments input[value="{department}"]').click()
    click_and_wait(browser, By.ID, "complete-task")
    api_complete(base, "sales1", instance_id, "review_sales", {"decision": "accepted", "response": "纳入服务包"})
    api_complete(base, "technical1", instance_id, "review_technical", {"decision": "returned", "response": "人手不足"})

    open_task(browser, base, instance_id, "答复建议人")
    facts = browser.find_element(By.ID, "case-facts").text
    assert "纳入服务包" in facts and "人手不足" in facts
    browser.find_element(By.ID, "input-reply_text").send_keys("已纳入明年服务包")
    Select(browser.find_element(By.ID, "input-reply_via")).select_by_value("phone")
    browser.find_element(By.CSS_SELECTOR, '#field-mark_for_review input[value="true"]').click()
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source
    browser.get(f"{base}/instances/{instance_id}")
    assert "已完成" in browser.page_source
