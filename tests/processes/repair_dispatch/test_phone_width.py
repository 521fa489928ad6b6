"""The engineer's phone (issue 13): the worklist, the signing task, the service request and the
instance page at 390×844 in headless Chromium, a phone's device pixel ratio of 3.

Each page: no sideways scrolling of the document, a compact header whose menu opens and shows
the navigation, tables that never wrap a word character by character. The signing task: its
first field above the fold, the signature pad nearly as wide as the content, its drawing
resolution that of the screen (a stroke lands under the finger), and the PNG it sends is the one
the service record keeps. Screenshots of each page go to `SHOUHOU_SCREENSHOTS` when set."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness.browser import api_complete, click_and_wait, log_in
from harness.http_client import call, login
from harness.servers import LiveServer

pytestmark = pytest.mark.browser

PHONE = (390, 844)
DESKTOP = (1280, 1600)
HEADER_MAX = 64  # px: the brand, the open-task count and the menu button on one line
SIGN_TASK = "填写《售后服务记录》并由客户签字"
BOX = "var b = arguments[0].getBoundingClientRect(); return [b.width, b.height];"

# Per table cell: (its text's length, the number of lines it takes). A cell that takes more
# than one line must hold at least MIN_PER_LINE characters on each.
CELL_LINES = """
return Array.from(document.querySelectorAll('main th, main td')).filter(function (cell) {
  return cell.offsetParent !== null && cell.textContent.trim();
}).map(function (cell) {
  var tops = new Set(), walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT), node;
  while ((node = walker.nextNode())) {
    var range = document.createRange();
    range.selectNodeContents(node);
    Array.from(range.getClientRects()).forEach(function (r) { if (r.width > 0) { tops.add(Math.round(r.top)); } });
  }
  return [cell.textContent.trim().replace(/\\s+/g, ' ').slice(0, 40), cell.textContent.trim().length, tops.size];
});
"""
MIN_PER_LINE = 4


def shot(browser: webdriver.Chrome, name: str) -> None:
    folder = os.environ.get("SHOUHOU_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(folder) / f"{name}.png"))  # what the screen shows
        width, height = js(browser, "return [innerWidth, document.documentElement.scrollHeight]")
        for part, top in enumerate(range(0, height, 1000)):  # the whole page, 1000 px at a time
            clip = {"x": 0, "y": top, "width": width, "height": min(1000, height - top), "scale": 0.5}
            image = browser.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True, "clip": clip})
            (Path(folder) / f"{name}-{part + 1}.png").write_bytes(base64.b64decode(image["data"]))


def as_phone(browser: webdriver.Chrome) -> None:
    browser.set_window_size(*PHONE)
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 3, "mobile": True},
    )


def as_desktop(browser: webdriver.Chrome) -> None:
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.set_window_size(*DESKTOP)


def js(browser: webdriver.Chrome, script: str, *args: Any) -> Any:
    return browser.execute_script(script, *args)


def check_phone_page(browser: webdriver.Chrome, name: str) -> None:
    """What every page must be at phone width."""
    assert js(browser, "return window.innerWidth") == PHONE[0]
    assert js(browser, "return window.devicePixelRatio") == 3
    shot(browser, f"phone-{name}")
    assert js(browser, "return document.documentElement.scrollWidth") <= PHONE[0], f"{name} scrolls sideways"
    header = js(browser, "return document.querySelector('header.topbar').getBoundingClientRect().height")
    assert header <= HEADER_MAX, f"{name}: the header is {header} px tall"
    squeezed = [
        (text, lines) for text, length, lines in js(browser, CELL_LINES) if lines > 1 and length / lines < MIN_PER_LINE
    ]
    assert squeezed == [], f"{name}: table cells wrapped character by character"


def sign_task_ready(base: str) -> tuple[str, int]:
    """A repair request (instance id, request id) whose engineer has the signing task."""
    token = login(base, "after_sales1")
    _, units = call(base, "GET", "/api/v1/equipment?q=SN-C3000-0004", token=token)
    body = {
        "equipment_id": units[0]["id"],
        "channel": "phone",
        "description": "复印机卡纸，面板报错 E-201，纸盒二无法进纸",
        "contact_name": "王老师",
        "contact_phone": "13800000000",
    }
    status, created = call(base, "POST", "/api/v1/service-requests", body, token=token)
    assert status == 201, created
    instance_id = str(created["process_instance_id"])
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("engineers1", "remote_support", {"contact_summary": "电话指导无效", "resolved_remotely": False}),
        ("after_sales1", "dispatch_engineer", {"engineer": "engineers1", "extra_staff_needed": False}),
        ("engineers1", "arrive_on_site", {"findings": "搓纸轮磨损"}),
        ("engineers1", "repair_on_site", {"work_done": "更换搓纸轮", "repair_outcome": "repaired"}),
    ]
    for user, task, data in steps:
        api_complete(base, user, instance_id, task, data)
    return instance_id, int(created["id"])


@pytest.fixture
def phone(browser: webdriver.Chrome) -> Iterator[webdriver.Chrome]:
    yield browser
    as_desktop(browser)


def test_the_engineer_works_a_repair_on_a_phone(phone: webdriver.Chrome, live_server: LiveServer) -> None:
    browser, base = phone, live_server.url
    instance_id, request_id = sign_task_ready(base)
    log_in(browser, base, "engineers1")
    as_phone(browser)

    browser.get(f"{base}/")
    check_phone_page(browser, "worklist")
    assert not browser.find_element(By.CSS_SELECTOR, "header nav").is_displayed()  # behind the menu button
    menu = browser.find_element(By.ID, "menu-button")
    assert menu.get_attribute("aria-expanded") == "false" and "1" in menu.text  # the open-task count shows
    menu.click()
    assert browser.find_element(By.CSS_SELECTOR, "header nav").is_displayed()
    assert menu.get_attribute("aria-expanded") == "true"
    assert "engineers1" in browser.find_element(By.ID, "current-user").text
    shot(browser, "phone-worklist-menu")
    browser.find_element(By.ID, "menu-button").click()
    assert not browser.find_element(By.CSS_SELECTOR, "header nav").is_displayed()

    click_and_wait(browser, By.LINK_TEXT, SIGN_TASK)
    check_phone_page(browser, "sign-task")
    first_field = js(browser, "return document.querySelector('#task-form .field').getBoundingClientRect().top")
    assert first_field < PHONE[1], f"the form's first field starts at {first_field} px"
    facts = js(browser, "return document.getElementById('case-facts').getBoundingClientRect().bottom")
    assert facts < first_field  # the case's facts, then the form
    canvas = browser.find_element(By.CSS_SELECTOR, ".signature-pad canvas")
    content = js(
        browser,
        "var m = getComputedStyle(document.querySelector('main'));"
        "return document.querySelector('main').clientWidth - parseFloat(m.paddingLeft) - parseFloat(m.paddingRight);",
    )
    shown = js(browser, BOX, canvas)
    assert shown[0] >= 0.9 * content, f"the pad is {shown[0]} px of {content}"
    drawn = js(browser, "return [arguments[0].width, arguments[0].height];", canvas)
    assert abs(drawn[0] - 3 * shown[0]) <= 3 and abs(drawn[1] - 3 * shown[1]) <= 3  # the screen's pixels

    browser.find_element(By.ID, "input-work_summary").send_keys("更换搓纸轮，测试复印 20 张正常")
    browser.find_element(By.ID, "input-signer_name").send_keys("王老师")
    js(browser, "arguments[0].scrollIntoView({block: 'center'})", canvas)
    # A stroke from the pad's left third to its middle, across its vertical centre
    start = -int(shown[0] // 4)
    ActionChains(browser).move_to_element_with_offset(canvas, start, 0).click_and_hold().move_by_offset(
        40, 0
    ).move_by_offset(int(shown[0] // 4) - 40, 0).release().perform()
    inked = (
        "var c = arguments[0], x = arguments[1], r = window.devicePixelRatio;"
        "var px = c.getContext('2d').getImageData(Math.round(x * r) - 4, Math.round(c.clientHeight / 2 * r) - 4, 9, 9);"
        "return Array.from(px.data).filter(function (v, i) { return i % 4 === 3 && v > 0; }).length;"
    )
    assert js(browser, inked, canvas, shown[0] / 4 + 20) > 0, "the stroke is not where the finger went"
    assert js(browser, inked, canvas, shown[0] * 3 / 4) == 0, "ink where the finger did not go"
    signature = browser.find_element(By.ID, "input-customer_signature").get_attribute("value")
    assert signature is not None and signature.startswith("data:image/png;base64,")
    shot(browser, "phone-sign-task-signed")

    # Turned sideways and back: the pad follows its new size at the screen's density, the signature stays
    for width, height in (PHONE[::-1], PHONE):
        metrics = {"width": width, "height": height, "deviceScaleFactor": 3, "mobile": True}
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        WebDriverWait(browser, 5).until(
            lambda b: js(b, "var c = arguments[0]; return Math.abs(c.width - 3 * c.clientWidth) <= 3;", canvas)
        )
        assert js(browser, inked, canvas, js(browser, "return arguments[0].clientWidth", canvas) * 3 / 8) > 0
    assert browser.find_element(By.ID, "input-customer_signature").get_attribute("value") != signature
    drawn = js(browser, "return [arguments[0].width, arguments[0].height];", canvas)
    click_and_wait(browser, By.ID, "complete-task")
    assert "任务已完成" in browser.page_source

    browser.get(f"{base}/service-requests/{request_id}")
    check_phone_page(browser, "service-request")
    stored = browser.find_element(By.ID, "record-signature")
    assert js(browser, "return arguments[0].complete && arguments[0].naturalWidth", stored) == drawn[0]
    assert js(browser, "return arguments[0].getBoundingClientRect().right", stored) <= PHONE[0]

    browser.get(f"{base}/service-requests")
    check_phone_page(browser, "service-requests")

    browser.get(f"{base}/instances/{instance_id}")
    check_phone_page(browser, "instance")


def test_the_same_pages_at_desktop_width(browser: webdriver.Chrome, live_server: LiveServer) -> None:
    """At desktop width nothing is folded away: the navigation shows, no menu button, the pad is
    560×180 as before. Printed, the request and instance pages keep only themselves."""
    base = live_server.url
    instance_id, request_id = sign_task_ready(base)
    log_in(browser, base, "engineers1")
    browser.get(f"{base}/")
    assert js(browser, "return window.innerWidth") == DESKTOP[0]
    shot(browser, "desktop-worklist")
    assert browser.find_element(By.CSS_SELECTOR, "header nav").is_displayed()
    assert not browser.find_element(By.ID, "menu-button").is_displayed()
    assert js(browser, "return document.querySelector('header.topbar').getBoundingClientRect().height") <= HEADER_MAX
    click_and_wait(browser, By.LINK_TEXT, SIGN_TASK)
    shot(browser, "desktop-sign-task")
    canvas = browser.find_element(By.CSS_SELECTOR, ".signature-pad canvas")
    assert js(browser, BOX, canvas) == [560, 180]
    assert js(browser, "return [arguments[0].width, arguments[0].height];", canvas) == [560, 180]
    browser.get(f"{base}/service-requests/{request_id}")
    shot(browser, "desktop-service-request")
    with printing(browser):  # on paper: the request without the site around it, black on white
        assert not browser.find_element(By.ID, "topbar").is_displayed()
        assert not browser.find_element(By.ID, "print-page").is_displayed()
        assert not browser.find_element(By.ID, "parts-form").is_displayed()
        assert browser.find_element(By.ID, "request-status").is_displayed()
        assert js(browser, PAPER) == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
    assert browser.find_element(By.ID, "topbar").is_displayed()
    browser.get(f"{base}/instances/{instance_id}")
    shot(browser, "desktop-instance")
    assert js(browser, "return document.documentElement.scrollWidth") <= DESKTOP[0]
    with printing(browser):
        assert not browser.find_element(By.ID, "diagram-section").is_displayed()
        assert not browser.find_element(By.CSS_SELECTOR, "#history form.filters").is_displayed()
        assert browser.find_element(By.ID, "work-context").is_displayed()


PAPER = "var s = getComputedStyle(document.body); return [s.color, s.backgroundColor];"


@contextmanager
def printing(browser: webdriver.Chrome) -> Iterator[None]:
    """The page as the print stylesheet lays it out (Chromium's print media emulation)."""
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        yield
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
