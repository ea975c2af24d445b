"""The Mini App by finger and by the day's heading, in a real browser against the real bot:
a long-press drag adds working hours (a finger that moves at once would scroll), a whole
day is blocked from its heading and the block is removed by tapping it. The database is
checked after each, as the chat's /hours, /block and /unblock would leave it.
"""

from __future__ import annotations

import asyncio
from datetime import date, time

import pytest

from core.model import OverrideKind
from tests.browser.page_actions import drag_on_day, find, tap, tap_and_wait_for_redraw, wait_for
from tests.browser.test_miniapp import open_week, page_url
from tests.e2e.miniapp_harness import MARIA, running_miniapp

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
THURSDAY = date(2026, 11, 26)


def hours_by_finger(driver, server) -> None:
    open_week(driver, page_url(server, "light"))
    drag_on_day(driver, 1, "14:00", "16:00", finger=True)
    wait_for(driver, "document.querySelector('.sheet.open [data-test=range-sheet]')")
    tap_and_wait_for_redraw(driver, "add-hours")
    added = find(driver, "hours-1-0")
    assert (added.get_attribute("data-start"), added.get_attribute("data-end")) == ("14:00", "16:00")


def block_thursday(driver) -> str:
    tap(driver, "day-head-3")
    wait_for(driver, "document.querySelector('.sheet.open [data-test=day-sheet]')")
    tap_and_wait_for_redraw(driver, "block-day")
    whole = driver.find_elements("css selector", "[data-test=day-3] .block.whole")
    assert len(whole) == 1
    return whole[0].get_attribute("data-test")


def remove(driver, test: str) -> None:
    driver.execute_script(f"document.querySelector(\"[data-test='{test}']\").scrollIntoView()")
    tap(driver, test)
    wait_for(driver, "document.querySelector('.sheet.open [data-test=block-sheet]')")
    tap_and_wait_for_redraw(driver, "remove-block")
    assert not driver.find_elements("css selector", "[data-test=day-3] .block")


async def _overrides(server) -> list:
    async with server.bot.uow() as unit:
        calendar = await unit.providers.calendar(server.maria)
    return [o for o in calendar.overrides if o.date == THURSDAY]


async def test_a_finger_paints_hours_and_the_heading_blocks_a_whole_day(browser, engine, clock):
    async with running_miniapp(engine, clock) as server:
        await asyncio.to_thread(hours_by_finger, browser, server)
        async with server.bot.uow() as unit:
            calendar = await unit.providers.calendar(server.maria)
        assert [(i.start, i.end) for i in calendar.weekly if i.day_of_week == 1] == [
            (time(14), time(16))]

        block = await asyncio.to_thread(block_thursday, browser)
        (whole,) = await _overrides(server)
        assert whole.kind is OverrideKind.UNAVAILABLE and whole.is_whole_day

        await asyncio.to_thread(remove, browser, block)
        assert await _overrides(server) == []
