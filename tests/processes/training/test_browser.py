"""The training process in headless Chromium: planned by the service desk, held by the chosen
trainer, signed on the trainer's screen by the customer's representative."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness.browser import click_and_wait, log_in, log_out
from harness.http_client import call, login
from harness.servers import LiveServer

pytestmark = pytest.mark.browser


def test_plan_hold_and_sign_a_training(browser: webdriver.Chrome, live_server: LiveServer) -> None:
    base = live_server.url
    log_in(browser, base, "after_sales1")
    browser.get(f"{base}/start")
    click_and_wait(browser, By.ID, "start-training")
    assert "安排培训" in browser.page_source
    customer = Select(browser.find_element(By.ID, "input-customer"))
    customer.select_by_visible_text("区政务服务中心 (C-0002)")
    for box in browser.find_elements(By.CSS_SELECTOR, '#field-topics input[type="checkbox"]'):
        box.click()
    Select(browser.find_element(By.ID, "input-trainer")).select_by_value("engineers1")
    browser.execute_script("document.getElementById('input-planned_on').value = '2026-12-10'")
    click_and_wait(browser, By.ID, "complete-task")
    assert [e.text for e in browser.find_elements(By.CLASS_NAME, "field-error")] == []
    assert "任务已完成" in browser.page_source
    log_out(browser)

    token = login(base, "engineers1")
    _, tasks = call(base, "GET", "/api/v1/tasks", token=token)
    task = next(t for t in tasks if t["name"] == "hold_training")
    log_in(browser, base, "engineers1")
    browser.get(f"{base}/tasks/{task['id']}")
    assert "区政务服务中心" in browser.page_source  # the case beside the form
    browser.execute_script("document.getElementById('input-held_on').value = '2026-12-10'")
    browser.find_element(By.ID, "input-attendees").send_keys("张三，综合窗口\n李四，办公室")
    browser.find_element(By.ID, "input-materials").send_keys("操作手册 https://example.com/manual.pdf")
    browser.find_element(By.ID, "input-signer_name").send_keys("王主任")
    click_and_wait(browser, By.ID, "complete-task")  # unsigned: refused, nothing lost
    errors = browser.find_element(By.ID, "field-customer_signature").find_elements(By.CLASS_NAME, "field-error")
    assert [e.text for e in errors] == ["此项为必填项。"]
    assert "李四" in browser.find_element(By.ID, "input-attendees").get_attribute("value")
    canvas = browser.find_element(By.CSS_SELECTOR, ".signature-pad canvas")
    ActionChains(browser).move_to_element_with_offset(canvas, -150, 0).click_and_hold().move_by_offset(
        60, -30
    ).move_by_offset(60, 50).move_by_offset(80, -40).release().perform()
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source
    browser.get(f"{base}/instances/{task['process_instance_id']}")
    assert f"/instances/{task['process_instance_id']}/training.pdf" in browser.page_source
