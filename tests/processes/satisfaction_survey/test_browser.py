"""The survey in headless Chromium: a campaign opened for the schools, the survey sent by
phone and the answers recorded, the figures on the survey page, the analysis drafted by
after-sales and approved by a lead."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness.browser import click_and_wait, log_in, log_out
from harness.servers import LiveServer

pytestmark = pytest.mark.browser


def test_a_campaign_answered_analysed_and_approved(browser: webdriver.Chrome, live_server: LiveServer) -> None:
    base = live_server.url
    log_in(browser, base, "after_sales1")
    click_and_wait(browser, By.LINK_TEXT, "满意度调查")
    year = browser.find_element(By.ID, "campaign-year")
    year.clear()
    year.send_keys("2026")
    browser.find_element(By.CSS_SELECTOR, 'input[name="categories"][value="school"]').click()
    sample = browser.find_element(By.ID, "campaign-sample")
    sample.send_keys("abc")
    click_and_wait(browser, By.ID, "open-campaign")  # a bad sample size: refused beside it, nothing lost
    assert "抽样数量至少为 1。" in browser.find_element(By.ID, "campaign").text
    assert browser.find_element(By.CSS_SELECTOR, 'input[name="categories"][value="school"]').is_selected()
    browser.find_element(By.ID, "campaign-sample").clear()
    click_and_wait(browser, By.ID, "open-campaign")
    assert "已开启调查，共 1 家客户。" in browser.page_source
    assert "实验中学" in browser.find_element(By.ID, "campaigns").text

    browser.get(f"{base}/")
    click_and_wait(browser, By.PARTIAL_LINK_TEXT, "发送满意度调查")
    assert Select(browser.find_element(By.ID, "input-customer_id")).first_selected_option.text == "实验中学"
    Select(browser.find_element(By.ID, "input-channel")).select_by_value("phone")
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source
    browser.get(f"{base}/")
    click_and_wait(browser, By.PARTIAL_LINK_TEXT, "登记客户答卷")
    for field, score in (("service", 4), ("response", 3), ("quality", 5), ("attitude", 4), ("overall", 4)):
        browser.find_element(By.ID, f"input-q_{field}").send_keys(str(score))
    Select(browser.find_element(By.ID, "input-answered_via")).select_by_value("phone")
    browser.find_element(By.ID, "input-comment").send_keys("希望增加培训")
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source

    browser.get(f"{base}/satisfaction?year=2026")
    assert browser.find_element(By.ID, "responses").text == "1"
    assert "4.0" in browser.find_element(By.ID, "question-overall").text
    assert "学校" in browser.find_element(By.ID, "by-category").text
    assert "希望增加培训" in browser.find_element(By.ID, "comments-promoters").text
    click_and_wait(browser, By.ID, "draft-analysis")
    text = browser.find_element(By.ID, "analysis-text")
    assert "共收回 1 份答卷" in text.get_attribute("value")
    text.send_keys("\n建议：每季度组织一次培训。")
    click_and_wait(browser, By.ID, "save-analysis")
    assert not browser.find_elements(By.ID, "approve-analysis")  # the writer does not approve
    log_out(browser)

    log_in(browser, base, "after_sales_leads1")
    browser.get(f"{base}/satisfaction?year=2026")
    click_and_wait(browser, By.ID, "approve-analysis")
    assert "已批准" in browser.find_element(By.ID, "analysis-status").text
    assert "每季度组织一次培训" in browser.find_element(By.ID, "analysis-approved").text
