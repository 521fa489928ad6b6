"""The dashboard in Chromium (issue 16): a lead opens it, every chart is drawn on a canvas
with no console error and no Content-Security-Policy violation, and a click on a bar opens
the list behind its number."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from app.aftersales.reports.warranty import STATUSES
from harness.browser import log_in
from harness.servers import LiveServer

pytestmark = pytest.mark.browser

FIRST_BAR = """
const el = document.querySelector('#section-warranty .chart');
const chart = echarts.getInstanceByDom(el);
const values = chart.getOption().series[0].data;
const i = values.findIndex(v => v > 0);
const [x, y] = chart.convertToPixel({seriesIndex: 0}, [i, values[i] / 2]);
return [i, x - el.clientWidth / 2, y - el.clientHeight / 2];
"""


def test_dashboard_draws_every_chart_and_a_bar_opens_its_list(
    browser: webdriver.Chrome, live_server: LiveServer
) -> None:
    base = live_server.url
    log_in(browser, base, "after_sales_leads1")
    browser.find_element(By.LINK_TEXT, "管理报表").click()
    WebDriverWait(browser, 15).until(lambda b: "/reports" in b.current_url)
    charts = browser.find_elements(By.CSS_SELECTOR, ".chart")
    assert len(charts) >= 10
    WebDriverWait(browser, 15).until(
        lambda b: all(c.find_elements(By.TAG_NAME, "canvas") for c in b.find_elements(By.CSS_SELECTOR, ".chart"))
    )
    assert "本月" in browser.page_source and "客户投诉" in browser.page_source
    logged = browser.get_log("browser")  # type: ignore[no-untyped-call]
    assert [e["message"] for e in logged if e["level"] == "SEVERE" or "Content Security Policy" in e["message"]] == []

    index, dx, dy = browser.execute_script(FIRST_BAR)
    chart = browser.find_element(By.CSS_SELECTOR, "#section-warranty .chart")
    ActionChains(browser).move_to_element_with_offset(chart, int(dx), int(dy)).click().perform()
    WebDriverWait(browser, 15).until(lambda b: "/reports/warranty/units" in b.current_url)
    assert f"status={STATUSES[index]}" in browser.current_url
    assert browser.find_elements(By.CSS_SELECTOR, "#table-list tbody a")  # the units, each linking to its page
