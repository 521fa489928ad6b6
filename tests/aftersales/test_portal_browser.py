"""The customer portal on a phone (390×844, device pixel ratio 3) in headless Chromium: the
contact opens the link from their mail, reports a fault, sees the request with its clocks, and
signs a service record waiting for them with a finger on the canvas; no sideways scrolling,
no Content-Security-Policy violation on the way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.processes.repair_dispatch.models import ServiceRecord
from harness.browser import click_and_wait, policy_violations
from harness.servers import LiveServer
from tests.processes.repair_dispatch.test_phone_width import PHONE, as_desktop, as_phone, js, shot

from .portal_steps import contact_with_email, signing_waits, staff_sends_link

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser: webdriver.Chrome) -> Iterator[webdriver.Chrome]:
    as_phone(browser)
    yield browser
    as_desktop(browser)


def no_sideways_scroll(browser: webdriver.Chrome) -> None:
    width = js(browser, "return document.documentElement.scrollWidth")
    assert width <= PHONE[0], f"the page is {width} px wide"


def test_a_contact_reports_follows_and_signs_on_a_phone(
    phone: webdriver.Chrome, live_server: LiveServer, committed_session: Session
) -> None:
    browser, base, session = phone, live_server.url, committed_session
    contact_id, customer_id = contact_with_email(session, "C-0002", "phone@gov.example")
    link = staff_sends_link(base, session, contact_id, customer_id, "phone@gov.example")
    _, request_id = signing_waits(base, "SN-GATE-0005", "更换闸机电机，开合测试 50 次正常")

    browser.get(base + link)
    no_sideways_scroll(browser)
    click_and_wait(browser, By.ID, "enter-portal")
    assert browser.find_element(By.ID, "report-fault").is_displayed()
    no_sideways_scroll(browser)
    shot(browser, "portal-home")

    click_and_wait(browser, By.ID, "report-fault")
    Select(browser.find_element(By.ID, "input-unit_id")).select_by_index(1)
    browser.find_element(By.ID, "input-description").send_keys("复印机卡纸，纸盒二无法进纸")
    click_and_wait(browser, By.ID, "send-report")
    assert "已收到报修" in browser.page_source
    clocks = browser.find_elements(By.CSS_SELECTOR, "#clocks .portal-clocks li")
    assert {"响应", "到场"} <= {c.find_element(By.CLASS_NAME, "clock-name").text for c in clocks}
    no_sideways_scroll(browser)
    shot(browser, "portal-request")

    browser.get(f"{base}/portal/")
    click_and_wait(browser, By.CSS_SELECTOR, f'#to-sign a[href="/portal/requests/{request_id}/sign"]')
    assert "更换闸机电机" in browser.find_element(By.ID, "work-summary").text
    canvas = browser.find_element(By.CSS_SELECTOR, ".signature-pad canvas")
    shown = js(browser, "var b = arguments[0].getBoundingClientRect(); return [b.width, b.height];", canvas)
    assert shown[0] >= 0.85 * PHONE[0] - 64  # nearly the width of the phone
    js(browser, "arguments[0].scrollIntoView({block: 'center'})", canvas)
    ActionChains(browser).move_to_element_with_offset(canvas, -int(shown[0] // 4), 0).click_and_hold().move_by_offset(
        60, 10
    ).move_by_offset(60, -20).release().perform()
    signature = browser.find_element(By.ID, "input-customer_signature").get_attribute("value")
    assert signature and signature.startswith("data:image/png;base64,")
    no_sideways_scroll(browser)
    shot(browser, "portal-sign")
    click_and_wait(browser, By.ID, "send-signature")
    assert "服务记录已签字" in browser.page_source and "在线签字" in browser.page_source
    assert policy_violations(browser) == []

    session.rollback()
    record = session.scalars(select(ServiceRecord).where(ServiceRecord.request_id == request_id)).one()
    assert record.signed_via == "portal" and record.signature_png
    session.rollback()
