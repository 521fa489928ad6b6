"""Delivery and acceptance in headless Chromium: started by hand, the unit picked from those not
yet accepted, the checks passed, and the acceptance form signed on screen by the acceptor and the
unit head (a missing drawing refused with nothing typed lost); the unit's page then shows it accepted."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy.orm import Session

from harness.browser import api_complete, click_and_wait, log_in, log_out, open_task
from harness.http_client import call, login
from harness.servers import LiveServer

from .helpers import API, DELIVERED, GOODS_OK, INSTALLED, INTACT, PROCESS, new_unit

pytestmark = pytest.mark.browser


def draw(browser: webdriver.Chrome, field: str) -> None:
    canvas = browser.find_element(By.CSS_SELECTOR, f'[data-signature-for="input-{field}"] canvas')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", canvas)  # actions do not scroll
    ActionChains(browser).move_to_element_with_offset(canvas, -150, 0).click_and_hold().move_by_offset(
        60, -30
    ).move_by_offset(60, 50).move_by_offset(80, -40).release().perform()
    assert browser.find_element(By.ID, f"input-{field}").get_attribute("value").startswith("data:image/png;base64,")


def test_deliver_check_and_sign_the_acceptance_form(
    browser: webdriver.Chrome, live_server: LiveServer, committed_session: Session
) -> None:
    base = live_server.url
    unit_id, _customer_id, serial = new_unit(committed_session, tag="B")
    log_in(browser, base, "after_sales1")
    browser.get(f"{base}/start")
    click_and_wait(browser, By.ID, f"start-{PROCESS}")  # the first task is the starter's
    Select(browser.find_element(By.ID, "input-unit_id")).select_by_value(str(unit_id))
    browser.find_element(By.ID, "input-contact_name").send_keys("采购科张科长")
    browser.find_element(By.ID, "input-contact_phone").send_keys("0759-2222333")
    browser.execute_script("arguments[0].value = '2026-12-10'", browser.find_element(By.ID, "input-agreed_date"))
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source
    status, found = call(
        base, "GET", f"{API}/process-instances?process_id={PROCESS}", token=login(base, "after_sales1")
    )
    assert status == 200
    instance_id = str(found[0]["id"])
    for username, name, data in [
        ("after_sales1", "deliver_goods", DELIVERED),
        ("after_sales1", "check_packaging", INTACT),
        ("after_sales1", "check_goods", GOODS_OK),
        ("installation1", "install_and_commission", INSTALLED),
        ("installation1", "acceptance_test", {"test_passed": True, "test_report": "全部测试通过"}),
    ]:
        api_complete(base, username, instance_id, name, data)
    log_out(browser)

    # on site: the acceptor and the unit head sign on the installer's screen
    log_in(browser, base, "installation1")
    open_task(browser, base, instance_id, "签署验收单（验收人、单位负责人签字）")
    assert serial in browser.find_element(By.ID, "case-facts").text  # the case beside the form
    browser.find_element(By.ID, "input-acceptor_name").send_keys("李验收")
    browser.find_element(By.ID, "input-head_name").send_keys("王院长")
    draw(browser, "acceptor_signature")
    click_and_wait(browser, By.ID, "complete-task")  # the unit head has not signed: refused, nothing lost
    errors = browser.find_element(By.ID, "field-head_signature").find_elements(By.CLASS_NAME, "field-error")
    assert [e.text for e in errors] == ["此项为必填项。"]
    assert browser.find_element(By.ID, "input-acceptor_name").get_attribute("value") == "李验收"
    assert browser.find_element(By.ID, "input-head_name").get_attribute("value") == "王院长"
    if not browser.find_element(By.ID, "input-acceptor_signature").get_attribute("value"):
        draw(browser, "acceptor_signature")  # a canvas starts blank on a new page
    draw(browser, "head_signature")
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source

    browser.get(f"{base}/equipment/{unit_id}")
    section = browser.find_element(By.ID, "unit-deliveries").text
    assert "已验收" in section and "李验收" in section and "王院长" in section
    for signer in ("acceptor", "head"):
        image = browser.find_element(By.CSS_SELECTOR, f'img[id$="-{signer}-signature"]')
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 0
