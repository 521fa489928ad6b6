"""A key-customer visit in headless Chromium: planned, its findings added per department and
model, recorded; the year's report drafted from it, and approved by a lead who did not write it."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness.browser import click_and_wait, log_in, log_out, open_task
from harness.servers import LiveServer

pytestmark = pytest.mark.browser


def test_visit_a_key_customer_and_have_the_report_approved(browser: webdriver.Chrome, live_server: LiveServer) -> None:
    base = live_server.url
    log_in(browser, base, "after_sales1")
    browser.get(f"{base}/start")
    click_and_wait(browser, By.ID, "start-follow_up")
    assert "确定回访对象与方式" in browser.find_element(By.TAG_NAME, "h1").text  # the starter's own first task
    crumb = browser.find_element(By.CSS_SELECTOR, ".crumbs a").get_attribute("href")
    instance_id = crumb.rstrip("/").rsplit("/", 1)[-1]
    Select(browser.find_element(By.ID, "input-mode")).select_by_value("visit")
    Select(browser.find_element(By.ID, "input-customer")).select_by_value("C-0001")
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source

    open_task(browser, base, instance_id, "重点客户走访记录")
    browser.execute_script("arguments[0].value = '2026-10-15'", browser.find_element(By.ID, "input-visited_on"))
    browser.find_element(By.ID, "input-visitors").send_keys("售后服务部1")
    browser.find_element(By.ID, "input-met_persons").send_keys("财务科刘科长")
    click_and_wait(browser, By.ID, "add-finding")  # nothing chosen: refused beside the fields, on the task page
    assert browser.find_elements(By.CSS_SELECTOR, "#finding-form .field-error")
    assert browser.find_element(By.ID, "complete-task")  # the task's form is still there ...
    assert browser.find_element(By.ID, "input-visitors").get_attribute("value") == "售后服务部1"  # ... as typed
    Select(browser.find_element(By.ID, "finding-department")).select_by_visible_text("财务科")
    Select(browser.find_element(By.ID, "finding-model")).select_by_visible_text("黑白激光打印机 LP-800")
    browser.find_element(By.ID, "finding-text").send_keys("打印机噪音偏大")
    click_and_wait(browser, By.ID, "add-finding")
    assert "打印机噪音偏大" in browser.find_element(By.ID, "visit-findings").text and "/tasks/" in browser.current_url
    # what was typed in the task's form came back with it (kept as the task's draft)
    assert browser.find_element(By.ID, "input-visited_on").get_attribute("value") == "2026-10-15"
    assert browser.find_element(By.ID, "input-met_persons").get_attribute("value") == "财务科刘科长"
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source

    click_and_wait(browser, By.LINK_TEXT, "走访报告")
    Select(browser.find_element(By.ID, "report-customer")).select_by_visible_text("市第一人民医院")
    year = browser.find_element(By.ID, "report-year")
    year.clear()
    year.send_keys("2026")
    click_and_wait(browser, By.ID, "draft-report")
    draft = browser.find_element(By.ID, "report-body").get_attribute("value")
    assert "财务科刘科长" in draft and "【财务科】" in draft and "打印机噪音偏大" in draft
    browser.find_element(By.ID, "report-body").send_keys("\n建议：更换静音组件。")
    click_and_wait(browser, By.ID, "save-report")
    assert browser.find_element(By.ID, "report-status").text == "草稿"
    assert browser.find_elements(By.ID, "approve-hint") and 'id="approve-report"' not in browser.page_source
    report_url = browser.current_url
    log_out(browser)

    log_in(browser, base, "after_sales_leads1")
    browser.get(report_url)
    click_and_wait(browser, By.ID, "approve-report")
    assert browser.find_element(By.ID, "report-status").text == "已批准"
    assert "售后主管" in browser.find_element(By.ID, "report-approver").text
    assert "更换静音组件" in browser.find_element(By.ID, "report-text").text
