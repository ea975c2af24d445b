"""The provider's Mini App in a real browser against the real bot.

Headless Chromium (Debian's, through chromedriver; scripts/install-browser) opens the page
the bot's own HTTP server serves, signed in with initData signed by the Bot API stand-in's
token for María López (the demo clinic's Madrid provider, who confirms requests by hand),
and does what she would: paints working hours on Tuesday, blocks Friday afternoon over a
booking (cancelling it and telling the client), confirms a pending request and opens the
figures. Then the database and the clients' chats must show it. Screenshots of the week
(light and dark) and of the figures go to $SLOTBOT_SCREENSHOTS or the test's tmp folder.

Clock: Wednesday 2026-11-25 12:00 UTC (13:00 in Madrid); the week is Nov 23-29.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time
from urllib.parse import quote

import pytest

from conversations.i18n import texts_for
from core.model import AppointmentStatus, OverrideKind
from tests.browser.conftest import save_screenshot
from tests.browser.page_actions import drag_on_day, find, tap, tap_and_wait_for_redraw, wait_for
from tests.e2e.miniapp_harness import MARIA, running_miniapp

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
EN = texts_for("en")
TOM, EVA = 701, 703
FRI_TEN_MADRID = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
FRI_FOUR_MADRID = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
FRIDAY = date(2026, 11, 27)


def page_url(server, theme: str) -> str:
    init_data = server.init_data(MARIA)
    return f"{server.base}/app/?theme={theme}#dev={quote(init_data, safe='')}"


def open_week(driver, url: str) -> None:
    driver.get(url)
    wait_for(driver, "document.body.dataset.state === 'ready'", timeout=20)


def play_maria(driver, server, tom_request: int, eva_request: int, screenshots) -> dict:
    """Selenium's part, in a thread of its own while the event loop serves the page."""
    shots = {}
    open_week(driver, page_url(server, "light"))
    assert find(driver, "week-view").get_attribute("data-start") == "2026-11-23"
    assert find(driver, f"appointment-{tom_request}").get_attribute("data-status") == "PENDING"
    assert not driver.find_elements("css selector", "[data-test^='hours-1-']")

    # Working hours on Tuesday, 10:00-13:00 (María has none on Tuesdays).
    drag_on_day(driver, 1, "10:00", "13:00")
    wait_for(driver, "document.querySelector('.sheet.open [data-test=range-sheet]')")
    tap_and_wait_for_redraw(driver, "add-hours")
    tuesday = find(driver, "hours-1-0")
    assert (tuesday.get_attribute("data-start"), tuesday.get_attribute("data-end")) == (
        "10:00", "13:00")

    # Friday afternoon blocked: Eva's request is in it; the page asks, María cancels it.
    drag_on_day(driver, 4, "16:00", "20:00")
    tap(driver, "add-block")
    wait_for(driver, "document.querySelector('.sheet.open [data-test=conflict-sheet]')")
    assert "Eva" in find(driver, f"conflict-{eva_request}").text
    tap_and_wait_for_redraw(driver, "conflict-cancel")
    assert driver.find_elements("css selector", "[data-test=day-4] .block")
    assert find(driver, f"appointment-{eva_request}").get_attribute("data-status") == "CANCELLED"

    # Tom's pending request, confirmed from its sheet.
    tap(driver, f"appointment-{tom_request}")
    wait_for(driver, "document.querySelector('.sheet.open [data-test=action-confirm]')")
    tap_and_wait_for_redraw(driver, "action-confirm")
    assert find(driver, f"appointment-{tom_request}").get_attribute("data-status") == "CONFIRMED"
    shots["week light"] = save_screenshot(driver, screenshots, "week-light")

    open_week(driver, page_url(server, "dark"))
    assert driver.execute_script("return document.documentElement.dataset.theme") == "dark"
    shots["week dark"] = save_screenshot(driver, screenshots, "week-dark")

    tap(driver, "tab-figures")
    wait_for(driver, "document.querySelector('#figures-view').dataset.state === 'ready'")
    assert find(driver, "figures").is_displayed()
    assert find(driver, "total-bookings").text.split()[0] == "2"  # Tom's and Eva's
    shots["figures"] = save_screenshot(driver, screenshots, "figures")
    return shots


async def test_maria_edits_her_week_and_answers_a_request_in_the_browser(
        browser, screenshots, engine, clock):
    async with running_miniapp(engine, clock) as server:
        tom_request = await server.book(server.maria, 0, FRI_TEN_MADRID, TOM, "Tom")
        eva_request = await server.book(server.maria, 0, FRI_FOUR_MADRID, EVA, "Eva")
        assert tom_request.status is AppointmentStatus.PENDING
        tom, eva = server.bot.user(TOM, "Tom"), server.bot.user(EVA, "Eva")

        shots = await asyncio.to_thread(
            play_maria, browser, server, tom_request.id, eva_request.id, screenshots)

        async with server.bot.uow() as unit:
            calendar = await unit.providers.calendar(server.maria)
            tom_now = await unit.appointments.get(tom_request.id)
            eva_now = await unit.appointments.get(eva_request.id)
        tuesdays = [(i.start, i.end) for i in calendar.weekly if i.day_of_week == 1 and i.is_active]
        assert tuesdays == [(time(10), time(13))]
        assert [(o.start, o.end) for o in calendar.overrides
                if o.date == FRIDAY and o.kind is OverrideKind.UNAVAILABLE] == [
            (time(16), time(20))]
        assert tom_now.status is AppointmentStatus.CONFIRMED
        assert eva_now.status is AppointmentStatus.CANCELLED
        # The clients heard it in their chats, as from the chat's own buttons.
        assert tom.last.text.startswith(EN._("✅ Your appointment is confirmed:"))
        assert any(message.text.startswith(
            EN._("Sorry, the provider had to cancel your appointment:"))
            for message in eva.messages)
    for name, path in shots.items():
        assert path.stat().st_size > 10_000, name
        print(f"{name}: {path}")


def refused_page_text(driver, url: str) -> str:
    driver.get(url)
    wait_for(driver, "document.body.dataset.state === 'error'", timeout=20)
    return find(driver, "error").text


async def test_a_refused_sign_in_is_explained_in_the_persons_language(browser, engine, clock):
    """Someone who runs no calendar (403) reads why in Telegram's language of theirs: the
    words come from the catalogs before any sign-in (GET /app/signin-texts)."""
    ru = texts_for("ru")
    async with running_miniapp(engine, clock) as server:
        stranger = server.init_data(TOM, language="ru")
        url = f"{server.base}/app/#dev={quote(stranger, safe='')}"
        text = await asyncio.to_thread(refused_page_text, browser, url)
    assert text.splitlines()[-1] == ru._("This page is for providers.") != "This page is for providers."
