"""The page against a stand-in of its API (contract shapes): what it draws and what it sends.

Fast and without a database; the real server is driven in test_miniapp.py.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser.conftest import save_screenshot
from tests.browser.page_actions import drag_on_day, find, tap, tap_and_wait_for_redraw, wait_for
from tests.browser.stub_api import INIT_DATA, RunningStub

pytestmark = pytest.mark.usefixtures("browser")


@pytest.fixture
def stub():
    with RunningStub() as running:
        yield running


def open_page(driver, stub, theme: str = "light") -> None:
    driver.get(f"{stub.base_url}/app/?theme={theme}#dev={quote(INIT_DATA, safe='')}")
    wait_for(driver, "document.body.dataset.state === 'ready'")


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
    assert find(browser, "appointment-status").text == "Waiting for your confirmation"
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


def test_dragging_on_tuesday_adds_those_working_hours_every_tuesday(browser, stub):
    open_page(browser, stub)
    drag_on_day(browser, 1, "10:00", "13:00")
    wait_for(browser, "document.querySelector('.sheet.open [data-test=range-sheet]')")
    assert "10:00" in find(browser, "range-sheet").text
    tap_and_wait_for_redraw(browser, "add-hours")
    assert ("PUT", "hours/1", {"intervals": [{"start": "10:00", "end": "13:00"}]}) in stub.calls
    hours = find(browser, "hours-1-0")
    assert (hours.get_attribute("data-start"), hours.get_attribute("data-end")) == (
        "10:00", "13:00")


def test_a_block_over_a_booking_asks_and_cancels_it_when_told(browser, stub):
    open_page(browser, stub)
    drag_on_day(browser, 4, "13:00", "18:00")
    tap(browser, "add-block")
    wait_for(browser, "document.querySelector('.sheet.open [data-test=conflict-sheet]')")
    assert "Maria" in find(browser, "conflict-14").text
    tap_and_wait_for_redraw(browser, "conflict-cancel")
    sent = [body for method, path, body in stub.calls if path == "blocks"]
    assert sent == [
        {"date": "2027-03-19", "start": "13:00", "end": "18:00", "decision": None},
        {"date": "2027-03-19", "start": "13:00", "end": "18:00", "decision": "cancel"},
    ]
    assert browser.find_elements("css selector", "[data-test=block-70]")


def test_tapping_hours_removes_them_and_copying_sends_the_weekdays(browser, stub):
    open_page(browser, stub)
    find(browser, "hours-0-1").click()
    tap(browser, "copy-hours")
    tap(browser, "copy-to-1")
    tap(browser, "copy-to-5")
    tap(browser, "copy-submit")
    wait_for(browser, "document.querySelector('[data-test=toast]')?.textContent === 'Saved.'")
    assert ("POST", "hours/copy", {"from": 0, "to": [1, 5]}) in stub.calls
    find(browser, "hours-0-1").click()
    tap_and_wait_for_redraw(browser, "remove-hours")
    assert ("PUT", "hours/0", {"intervals": [{"start": "09:00", "end": "12:30"}]}) in stub.calls


def test_the_figures_draw_four_charts_and_the_totals(browser, stub, screenshots):
    open_page(browser, stub)
    tap(browser, "tab-figures")
    wait_for(browser, "document.querySelector('#figures-view').dataset.state === 'ready'")
    assert find(browser, "total-bookings").text.startswith("115")
    assert find(browser, "total-refilled").text.startswith("12 / 17")
    for chart in ("chart-bookings", "chart-rates", "chart-booked-share", "chart-refilled"):
        assert find(browser, chart).find_elements("css selector", "rect, polyline")
    save_screenshot(browser, screenshots, "stub-figures")
