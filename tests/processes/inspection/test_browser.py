"""The inspection in headless Chromium: scheduled, checked item by item (a fault opens a
service request), signed by the customer's person in charge, filed, and printable."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness.browser import api_complete, click_and_wait, log_in, log_out, open_task
from harness.servers import LiveServer

pytestmark = pytest.mark.browser


def test_inspect_a_unit_find_a_fault_and_have_the_sheet_signed(
    browser: webdriver.Chrome, live_server: LiveServer
) -> None:
    base = live_server.url
    log_in(browser, base, "after_sales1")
    browser.get(f"{base}/start")
    click_and_wait(browser, By.ID, "start-inspection")
    assert "安排巡检并指派工程师" in browser.find_element(By.TAG_NAME, "h1").text  # the starter's own first task
    crumb = browser.find_element(By.CSS_SELECTOR, ".crumbs a").get_attribute("href")
    instance_id = crumb.rstrip("/").rsplit("/", 1)[-1]
    Select(browser.find_element(By.ID, "input-unit")).select_by_value("SN-GATE-0005")
    Select(browser.find_element(By.ID, "input-engineer")).select_by_value("engineers1")
    planned = browser.find_element(By.ID, "input-planned_on")
    browser.execute_script("arguments[0].value = '2026-12-05'", planned)
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source
    log_out(browser)

    log_in(browser, base, "engineers1")
    open_task(browser, base, instance_id, "现场巡检（逐项检查）")
    browser.find_element(By.ID, "input-findings").send_keys("供电线路接头松动")
    click_and_wait(browser, By.ID, "complete-task")  # the checklist is not filled yet: refused, nothing lost
    errors = browser.find_element(By.ID, "field-findings").find_elements(By.CLASS_NAME, "field-error")
    assert errors and "检查表尚未填完" in errors[0].text
    assert browser.find_element(By.ID, "input-findings").get_attribute("value") == "供电线路接头松动"
    rows = browser.find_elements(By.CSS_SELECTOR, "#checklist tbody tr")
    assert "外场设备运行状态" in rows[0].text and "供电线路" in rows[1].text  # field equipment's items
    for row in rows:
        row.find_element(By.CSS_SELECTOR, 'input[value="ok"]').click()
    browser.find_element(By.CSS_SELECTOR, '#item-power_line input[value="fault"]').click()
    browser.find_element(By.ID, "input-findings").clear()
    browser.find_element(By.ID, "input-findings").send_keys("东门供电线路接头松动")
    click_and_wait(browser, By.ID, "save-checklist")  # a fault without its note: refused beside it, on the task
    assert "故障项目请填写说明" in browser.find_element(By.ID, "item-power_line").text
    assert browser.find_element(By.ID, "complete-task")  # the task page itself, its form there
    assert browser.find_element(By.ID, "input-findings").get_attribute("value") == "东门供电线路接头松动"
    assert browser.find_element(By.CSS_SELECTOR, '#item-power_line input[value="fault"]').is_selected()
    browser.find_element(By.ID, "note-power_line").send_keys("东门接线盒接头松动")
    click_and_wait(browser, By.ID, "save-checklist")
    assert "检查表已保存" in browser.page_source and "/tasks/" in browser.current_url
    # the conclusion typed before saving the checklist is kept (the task's draft)
    assert browser.find_element(By.ID, "input-findings").get_attribute("value") == "东门供电线路接头松动"
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source

    open_task(browser, base, instance_id, "《巡查反馈信息单》客户负责人签字")
    number = browser.find_element(By.ID, "inspection-request").text
    assert "BX" in number  # the service request the fault opened
    browser.find_element(By.CSS_SELECTOR, '#field-customer_signed input[value="true"]').click()
    browser.find_element(By.ID, "input-signer_name").send_keys("赵主任")
    canvas = browser.find_element(By.CSS_SELECTOR, ".signature-pad canvas")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)  # the strokes stay in view
    ActionChains(browser).move_to_element_with_offset(canvas, -150, 0).click_and_hold().move_by_offset(
        60, -30
    ).move_by_offset(60, 50).move_by_offset(80, -40).release().perform()
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source
    log_out(browser)

    api_complete(
        base, "after_sales1", instance_id, "file_feedback_sheet", {"sheet_complete": True, "archive_number": "XJ-9"}
    )
    log_in(browser, base, "after_sales1")
    browser.get(f"{base}/instances/{instance_id}")
    assert "信息单已存档" in browser.find_element(By.ID, "case-facts").text
    assert browser.find_element(By.ID, "work-context-pdf").get_attribute("href").endswith("/sheet.pdf")
