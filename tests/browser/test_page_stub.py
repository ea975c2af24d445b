"""The page against a stand-in of its API (contract shapes): what it draws and what it sends.

Fast and without a database; the real server is driven in test_miniapp.py.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser.conftest import save_screenshot
from tests.browser.stub_api import INIT_DATA, RunningStub

pytestmark = pytest.mark.usefixtures("browser")


@pytest.fixture
def stub():
    with RunningStub() as running:
        yield running


def wait_for(driver, script: str, timeout: float = 10):
    """Waits until the JavaScript expression is truthy (no sleeps: Selenium polls)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout).until(
            lambda d: d.execute_script(f"return {script}"))
    except TimeoutException:
        state = driver.execute_script(
            "return [document.body.dataset.state, document.querySelector('.sheet')?.innerText,"
            " document.querySelector('[data-test=toast]')?.textContent]")
        raise AssertionError(f"waited in vain for {script}; page (state, sheet, toast): {state}")


def open_page(driver, stub, theme: str = "light") -> None:
    driver.get(f"{stub.base_url}/app/?theme={theme}#dev={quote(INIT_DATA, safe='')}")
    wait_for(driver, "document.body.dataset.state === 'ready'")


def find(driver, test: str):
    return driver.find_element("css selector", f"[data-test='{test}']")


def test_the_week_shows_hours_blocks_and_appointments_in_the_providers_zone(
        browser, stub, screenshots):
    open_page(browser, stub)
    title = find(browser, "week-title").text
    assert "Mar" in title and "15" in title and "21" in title and "2027" in title
    # 09:00Z on Monday is 10:00 in Berlin (UTC+1 in March).
    anna = find(browser, "appointment-11")
    assert "10:00" in anna.text
    # A client's name is text, never markup.
    assert "Anna <b>Lee</b>" in anna.text
    assert find(browser, "appointment-12").get_attribute("data-status") == "PENDING"
    assert "off" in find(browser, "day-5").get_attribute("class")
    assert not browser.find_elements("css selector", "[data-test^='hours-1-']")
    save_screenshot(browser, screenshots, "stub-week-light")
    open_page(browser, stub, "dark")
    assert browser.execute_script("return document.documentElement.dataset.theme") == "dark"
    save_screenshot(browser, screenshots, "stub-week-dark")


def test_a_page_without_init_data_says_to_open_it_from_the_bot(browser, stub):
    browser.get(f"{stub.base_url}/app/")
    wait_for(browser, "document.body.dataset.state === 'error'")
    assert "Open my week" in find(browser, "error").text
    assert stub.calls == []


def test_confirming_a_pending_request_posts_confirm_and_redraws_it(browser, stub):
    open_page(browser, stub)
    find(browser, "appointment-12").click()
    wait_for(browser, "document.querySelector('.sheet.open [data-test=action-confirm]')")
    assert find(browser, "appointment-status").text == "Pending"
    assert not browser.find_elements("css selector", "[data-test=action-cancel]")
    renders = find(browser, "week-view").get_attribute("data-renders")
    find(browser, "action-confirm").click()
    wait_for(browser, f"document.querySelector('#week-view').dataset.renders !== '{renders}'")
    assert ("POST", "appointments/12/confirm", {}) in stub.calls
    assert find(browser, "appointment-12").get_attribute("data-status") == "CONFIRMED"


def test_cancelling_asks_a_reason_and_sends_it(browser, stub):
    open_page(browser, stub)
    find(browser, "appointment-14").click()
    wait_for(browser, "document.querySelector('.sheet.open [data-test=action-cancel]')")
    find(browser, "action-cancel").click()
    find(browser, "reason").send_keys("Ill today")
    find(browser, "reason-submit").click()
    wait_for(browser, "document.querySelector('[data-test=appointment-14]')"
                      "?.dataset.status === 'CANCELLED'")
    assert ("POST", "appointments/14/cancel", {"reason": "Ill today"}) in stub.calls
