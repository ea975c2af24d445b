"""Headless Chromium for the Mini App tests: Debian's /usr/bin/chromium driven by Selenium.

``scripts/install-browser`` installs the browser (``.ci/run`` calls it). Where it is missing
the browser tests skip, unless ``SLOTBOT_REQUIRE_BROWSER=1`` (CI sets it): then they fail,
so a CI machine without a browser can never pass them by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("SLOTBOT_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("SLOTBOT_CHROMEDRIVER", "/usr/bin/chromedriver"))
REQUIRE_BROWSER = os.environ.get("SLOTBOT_REQUIRE_BROWSER", "").lower() in ("1", "true", "yes")

# A phone: the size of an iPhone 12-15 screen in CSS pixels, drawn at twice the density so
# the screenshots are sharp.
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is missing: run scripts/install-browser"
    return None


def require_browser() -> None:
    reason = browser_missing()
    if reason is None:
        return
    if REQUIRE_BROWSER:
        pytest.fail(f"SLOTBOT_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def browser() -> Iterator[object]:
    """A headless Chromium with a phone-sized viewport (390x844 CSS pixels)."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--window-size=390,844",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    # The explicit driver path keeps Selenium Manager from trying to download a driver.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
        # The page honours reduced motion: sheets appear at once, where Selenium can tap them
        # (mid-slide a button is not where Selenium measured it).
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
            "features": [{"name": "prefers-reduced-motion", "value": "reduce"}]})
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where the screenshots go: $SLOTBOT_SCREENSHOTS when set, else the test's tmp folder."""
    folder = Path(os.environ.get("SLOTBOT_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_screenshot(driver, folder: Path, name: str) -> Path:
    """Saves a PNG of the viewport, prints its path (pytest -s shows it) and returns it."""
    path = folder / f"{name}.png"
    if not driver.save_screenshot(str(path)):
        raise AssertionError(f"Chromium could not write the screenshot {path}")
    print(f"screenshot: {path}")
    return path
