"""The feedback card in headless Chromium: the lead edits the questions (a new version), the
desk types in a paper card with a poor rating (refused first for a missing rating, nothing
typed lost), and chooses a service request as its follow-up."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness.browser import click_and_wait, log_in, open_task
from harness.servers import LiveServer

pytestmark = pytest.mark.browser


def test_edit_the_questions_record_a_poor_card_and_open_a_service_request(
    browser: webdriver.Chrome, live_server: LiveServer
) -> None:
    base = live_server.url
    log_in(browser, base, "after_sales_leads1")
    click_and_wait(browser, By.LINK_TEXT, "质量反馈卡")
    click_and_wait(browser, By.ID, "edit-questions")
    first = browser.find_element(By.ID, "text-zh-0")
    first.clear()
    first.send_keys("设备运行是否稳定？")
    browser.find_element(By.ID, "text-zh-5").send_keys("配件供应是否及时？")  # a blank row: a new question
    click_and_wait(browser, By.ID, "save-questions")
    assert "已保存问卷第 2 版" in browser.page_source

    browser.get(f"{base}/feedback-cards/new")
    browser.find_element(By.ID, "unit-search").send_keys("SN-C3000-0004")
    click_and_wait(browser, By.ID, "search-units")
    Select(browser.find_element(By.ID, "input-unit")).select_by_index(1)
    Select(browser.find_element(By.ID, "input-source")).select_by_value("paper")
    questions = browser.find_elements(By.CSS_SELECTOR, "#ratings .field")
    assert len(questions) == 6 and "设备运行是否稳定？" in questions[0].text
    for n, question in enumerate(questions[:-1]):
        question.find_element(By.CSS_SELECTOR, f'input[value="{1 if n == 0 else 4}"]').click()
    browser.find_element(By.ID, "input-comment").send_keys("经常死机")
    click_and_wait(browser, By.ID, "submit-card")  # the last question unrated: refused beside it
    last = browser.find_elements(By.CSS_SELECTOR, "#ratings .field")[-1]
    assert [e.text for e in last.find_elements(By.CLASS_NAME, "field-error")] == ["请打 1 到 5 分。"]
    assert browser.find_element(By.ID, "input-comment").get_attribute("value") == "经常死机"
    last.find_element(By.CSS_SELECTOR, 'input[value="5"]').click()
    click_and_wait(browser, By.ID, "submit-card")
    assert "已登记反馈卡" in browser.page_source
    assert browser.find_element(By.ID, "card-version").text == "2"
    assert "评分差" in browser.find_element(By.ID, "card-answers").text
    link = browser.find_element(By.ID, "process-link")
    instance_id = str(link.get_attribute("data-instance-id"))
    assert link.text == f"流程 #{instance_id}"  # the process named, not a bare number beside the card's
    card_url = browser.current_url

    open_task(browser, base, instance_id, "选择跟进方式")
    assert "经常死机" in browser.find_element(By.ID, "case-facts").text
    Select(browser.find_element(By.ID, "input-follow_up_action")).select_by_value("service_request")
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source
    browser.get(card_url)
    assert "报修 BX" in browser.find_element(By.ID, "card-action").text
