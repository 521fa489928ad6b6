"""The repair process in headless Chromium: a fault reported, dispatched, repaired and signed."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness.browser import api_complete, click_and_wait, log_in, log_out, open_task
from harness.servers import LiveServer

pytestmark = pytest.mark.browser


def test_report_a_fault_and_follow_it_to_the_signed_record(browser: webdriver.Chrome, live_server: LiveServer) -> None:
    """Issue 3's walk-through: the service desk reports a fault for a demo unit, the engineer
    gets it dispatched, and the customer signs the service record on the engineer's screen."""
    base = live_server.url
    log_in(browser, base, "after_sales1")
    click_and_wait(browser, By.LINK_TEXT, "报修")
    click_and_wait(browser, By.ID, "new-service-request")
    browser.find_element(By.ID, "unit-search").send_keys("SN-C3000-0004")
    click_and_wait(browser, By.ID, "search-units")
    Select(browser.find_element(By.ID, "input-unit")).select_by_index(1)
    Select(browser.find_element(By.ID, "input-channel")).select_by_value("phone")
    browser.find_element(By.ID, "input-description").send_keys("复印机卡纸，面板报错 E-201")
    browser.find_element(By.ID, "input-contact-name").send_keys("王老师")
    click_and_wait(browser, By.ID, "report-fault")
    assert "已登记报修单 BX" in browser.page_source
    assert "计时中" in browser.find_element(By.ID, "clock-response").text
    instance_id = browser.find_element(By.ID, "process-link").text.lstrip("#")
    request_url = browser.current_url

    api_complete(
        base,
        "engineers1",
        instance_id,
        "remote_support",
        {"contact_summary": "电话指导无效", "resolved_remotely": False},
    )
    open_task(browser, base, instance_id, "派工")
    assert "复印机卡纸，面板报错 E-201" in browser.find_element(By.ID, "case-facts").text  # the case beside the form
    Select(browser.find_element(By.ID, "input-engineer")).select_by_value("engineers1")
    browser.find_element(By.CSS_SELECTOR, '#field-extra_staff_needed input[value="false"]').click()
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source
    api_complete(base, "engineers1", instance_id, "arrive_on_site", {"findings": "搓纸轮磨损"})
    api_complete(
        base, "engineers1", instance_id, "repair_on_site", {"work_done": "更换搓纸轮", "repair_outcome": "repaired"}
    )
    log_out(browser)

    # The engineer's screen: the customer signs with a finger (here: the mouse)
    log_in(browser, base, "engineers1")
    open_task(browser, base, instance_id, "填写《售后服务记录》并由客户签字")
    browser.find_element(By.ID, "input-work_summary").send_keys("更换搓纸轮，测试复印 20 张正常")
    browser.find_element(By.ID, "input-signer_name").send_keys("王老师")
    click_and_wait(browser, By.ID, "complete-task")  # unsigned: refused, nothing lost
    errors = browser.find_element(By.ID, "field-customer_signature").find_elements(By.CLASS_NAME, "field-error")
    assert [e.text for e in errors] == ["此项为必填项。"]
    assert browser.find_element(By.ID, "input-signer_name").get_attribute("value") == "王老师"
    canvas = browser.find_element(By.CSS_SELECTOR, ".signature-pad canvas")
    ActionChains(browser).move_to_element_with_offset(canvas, -150, 0).click_and_hold().move_by_offset(
        60, -30
    ).move_by_offset(60, 50).move_by_offset(80, -40).release().perform()
    assert (
        browser.find_element(By.ID, "input-customer_signature")
        .get_attribute("value")
        .startswith("data:image/png;base64,")
    )
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source
    log_out(browser)

    log_in(browser, base, "after_sales1")
    open_task(browser, base, instance_id, "服务记录交售后存档")
    browser.find_element(By.CSS_SELECTOR, '#field-checked input[value="false"]').click()  # 否: the reason
    assert browser.find_element(By.ID, "input-return_reason").is_displayed()
    assert not browser.find_element(By.ID, "input-archive_number").is_displayed()
    browser.find_element(By.CSS_SELECTOR, '#field-checked input[value="true"]').click()  # 是: the number
    assert not browser.find_element(By.ID, "input-return_reason").is_displayed()
    browser.find_element(By.ID, "input-archive_number").send_keys("SH-2026-0101")
    click_and_wait(browser, By.ID, "complete-task")
    browser.get(request_url)
    record = browser.find_element(By.ID, "service-record").text
    assert "服务内容" in record and "故障描述" not in record  # the record reads right
    assert "王老师" in browser.find_element(By.ID, "record-signer").text
    assert "SH-2026-0101" in browser.find_element(By.ID, "record-filed").text
    signature = browser.find_element(By.ID, "record-signature")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", signature) == 560
    assert "clock-met" in browser.find_element(By.ID, "clock-resolution").get_attribute("class")
    assert browser.find_element(By.ID, "request-status").text == "已结案"  # repaired, signed, filed
