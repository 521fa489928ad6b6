"""The monthly review in headless Chromium: compiled by after-sales from last month's
complaints, the technical centre's statement, the assessment under the rules, the leads'
sign-off, and the review's page with the department's points."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from app.bpm.case_facts import DEFAULT_TIMEZONE
from harness.browser import click_and_wait, log_in, log_out, open_task
from harness.http_client import call
from harness.servers import LiveServer
from harness.walks import API, complaint_to_analysis, token

pytestmark = pytest.mark.browser


def test_a_month_reviewed_assessed_and_signed_off(browser: webdriver.Chrome, live_server: LiveServer) -> None:
    base = live_server.url
    today = datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()
    last = today.replace(day=1) - timedelta(days=1)
    complaint_to_analysis(base, f"{last.isoformat()}T09:00:00+08:00", "technical")

    log_in(browser, base, "after_sales1")
    browser.get(f"{base}/start")
    click_and_wait(browser, By.ID, "start-complaint_review")
    month = Select(browser.find_element(By.ID, "input-month"))
    assert month.options[1].text == f"{last:%Y-%m}"  # last month offered first
    month.select_by_value(f"{last:%Y-%m}")
    browser.find_element(By.ID, "input-summary").send_keys("一起质量投诉")
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source
    _, reviews = call(base, "GET", f"{API}/complaint-reviews", token=token(base, "after_sales1"))
    [review] = reviews
    instance = str(review["process_instance_id"])
    log_out(browser)

    log_in(browser, base, "technical1")
    open_task(browser, base, instance, "技术中心/技术部说明本部门投诉案件")
    assert "市第一医院" in browser.find_element(By.ID, "case-facts").text  # the department's case beside the form
    click_and_wait(browser, By.ID, "complete-task")  # empty: refused, beside the field
    assert browser.find_element(By.ID, "field-statement").find_elements(By.CLASS_NAME, "field-error")
    browser.find_element(By.ID, "input-statement").send_keys("定影组件批次问题")
    click_and_wait(browser, By.ID, "complete-task")
    log_out(browser)

    log_in(browser, base, "after_sales1")
    open_task(browser, base, instance, "按绩效考核细则考核各部门")
    Select(browser.find_element(By.ID, "input-technical_rule")).select_by_value("responsible_minor")
    browser.find_element(By.ID, "input-technical_note").send_keys("批次未检")
    click_and_wait(browser, By.ID, "complete-task")
    log_out(browser)

    log_in(browser, base, "after_sales_leads1")
    open_task(browser, base, instance, "售后主管审核签发")
    browser.find_element(By.CSS_SELECTOR, '#field-approved input[value="true"]').click()
    click_and_wait(browser, By.ID, "complete-task")
    browser.get(f"{base}/complaint-reviews")
    click_and_wait(browser, By.LINK_TEXT, f"{last:%Y-%m}")
    row = browser.find_element(By.ID, "assessment-technical").text
    assert "技术中心/技术部" in row and "负有责任（情节较轻）" in row and "-5" in row and "定影组件批次问题" in row
    assert "签发" in browser.find_element(By.ID, "review-status").text
