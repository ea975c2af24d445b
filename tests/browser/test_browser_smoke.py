"""The browser itself works: headless Chromium opens a local page and takes a screenshot."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import save_screenshot

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>smoke</title></head>
<body style="margin:0;background:#2481cc">
<p data-test="greeting" style="color:white;font:24px sans-serif;padding:16px"></p>
<script>document.querySelector('[data-test=greeting]').textContent =
  'Hello from ' + window.innerWidth + 'x' + window.innerHeight;</script>
</body></html>"""


def test_headless_chromium_runs_script_and_takes_a_screenshot(browser, screenshots, tmp_path):
    page = tmp_path / "smoke.html"
    page.write_text(PAGE, encoding="utf-8")
    browser.get(page.as_uri())

    greeting = browser.find_element("css selector", "[data-test=greeting]").text
    # The script ran, in the phone-sized viewport the Mini App tests rely on.
    assert greeting == "Hello from 390x844"
    shot = save_screenshot(browser, screenshots, "smoke")
    png = Path(shot).read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert width == 390 * 2  # drawn at the phone's density of 2
