"""What a provider's fingers do on the Mini App, for Selenium: wait, tap, drag on a day."""

from __future__ import annotations

from typing import Any


def wait_for(driver, script: str, timeout: float = 10) -> Any:
    """Waits until the JavaScript expression is truthy (Selenium polls; no sleeps)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout).until(
            lambda d: d.execute_script(f"return {script}"))
    except TimeoutException:
        state = driver.execute_script(
            "return [document.body.dataset.state, document.querySelector('.sheet')?.innerText,"
            " document.querySelector('[data-test=toast]')?.textContent]")
        raise AssertionError(
            f"waited in vain for {script}; page (state, sheet, toast): {state}") from None


def find(driver, test: str):
    return driver.find_element("css selector", f"[data-test='{test}']")


def renders(driver) -> str:
    return find(driver, "week-view").get_attribute("data-renders")


def tap(driver, test: str) -> None:
    """Taps an element once it is there (sheets open on the next frame)."""
    wait_for(driver, f"document.querySelector(\"[data-test='{test}']\")")
    find(driver, test).click()


def tap_and_wait_for_redraw(driver, test: str) -> None:
    """Taps something that changes the week and waits until the page drew it again."""
    before = renders(driver)
    tap(driver, test)
    wait_for(driver, f"document.querySelector('#week-view').dataset.renders !== '{before}'"
                     " && document.body.dataset.state === 'ready'")


def drag_on_day(driver, weekday: int, start: str, end: str, *, finger: bool = False) -> None:
    """Drags on a day's column from one clock time to another: with the mouse, or with a
    finger that first holds still (a finger that moves at once scrolls the week)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions import interaction
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput

    x, y_from, y_to = driver.execute_script(
        """
        const [weekday, start, end] = arguments;
        const minutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
        const grid = document.querySelector('[data-test=week-grid]');
        const first = Number(grid.dataset.firstHour) * 60;
        const column = document.querySelector(`[data-test=day-${weekday}]`);
        const view = document.querySelector('#week-view');
        const hour = 52;
        // Bring the range into view, then measure.
        view.scrollTop += column.getBoundingClientRect().top
            + (minutes(start) - first) / 60 * hour - view.getBoundingClientRect().top - 40;
        const box = column.getBoundingClientRect();
        const y = (hhmm) => box.top + (minutes(hhmm) - first) / 60 * hour;
        return [box.left + box.width / 2, y(start) + 2, y(end)];
        """, weekday, start, end)
    actions = ActionChains(driver)
    touch = PointerInput(interaction.POINTER_TOUCH, "finger") if finger else None
    builder = ActionBuilder(driver, mouse=touch)
    builder.pointer_action.move_to_location(int(x), int(y_from)).pointer_down()
    if finger:
        builder.pointer_action.pause(0.6)  # part of the gesture: the hold (the page waits 350 ms)
    for step in range(1, 5):  # a few moves, as a hand makes
        builder.pointer_action.move_to_location(
            int(x), int(y_from + (y_to - y_from) * step / 4))
    builder.pointer_action.pointer_up()
    builder.perform()
    actions.reset_actions()
