"""Driving the web UI in headless Chromium (Debian's chromium and chromedriver), for tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness.http_client import call, login


def chromium(user_data_dir: Path) -> webdriver.Chrome:
    chromedriver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1600",
    ):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP violations are logged here
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.implicitly_wait(5)
    return driver


def policy_violations(browser: webdriver.Chrome) -> list[str]:
    """The Content-Security-Policy violations the browser logged since the last call."""
    entries = browser.get_log("browser")  # type: ignore[no-untyped-call]
    return [e["message"] for e in entries if "Content Security Policy" in e["message"]]


def click_and_wait(browser: webdriver.Chrome, by: str, value: str) -> None:
    """Click something that loads a new page, and wait until the new page is there."""
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(by, value).click()

    def replaced(_driver: webdriver.Chrome) -> bool:
        # Chromium reports an element of an unloaded page either as stale or, mid-navigation,
        # as "does not belong to the document": both mean the new page is there.
        try:
            page.is_enabled()
        except WebDriverException:  # StaleElementReferenceException is one of these
            return True
        return False

    WebDriverWait(browser, 15).until(replaced)


def log_in(browser: webdriver.Chrome, base: str, username: str) -> None:
    browser.get(f"{base}/login")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys("shouhou-demo")
    click_and_wait(browser, By.CSS_SELECTOR, "button[type=submit].primary")
    assert username in browser.find_element(By.ID, "current-user").text


def log_out(browser: webdriver.Chrome) -> None:
    click_and_wait(browser, By.CSS_SELECTOR, ".session form button")


def open_task(browser: webdriver.Chrome, base: str, instance_id: str, title: str) -> None:
    browser.get(f"{base}/instances/{instance_id}")
    click_and_wait(browser, By.LINK_TEXT, title)


def api_complete(base: str, username: str, instance_id: str, name: str, data: dict) -> None:  # type: ignore[type-arg]
    token = login(base, username)
    _, tasks = call(base, "GET", f"/api/v1/tasks?process_instance_id={instance_id}", token=token)
    task = next((t for t in tasks if t["name"] == name), None)
    assert task is not None, f"{name} not among {username}'s tasks of instance {instance_id}: {tasks}"
    status, body = call(base, "POST", f"/api/v1/tasks/{task['id']}/complete", {"data": data}, token=token)
    assert status == 200, body
