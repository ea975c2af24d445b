"""Log lines carry the update and user ids, as JSON when asked, and no message text."""

from __future__ import annotations

import json
import logging

import pytest

from bot import logs


@pytest.fixture
def captured(capsys):
    previous = logging.getLogger().handlers[:], logging.getLogger().level
    yield capsys
    logging.getLogger().handlers[:], level = previous
    logging.getLogger().setLevel(level)


def test_json_lines_carry_the_ids_of_the_update_being_handled(captured):
    logs.configure("INFO", "json")
    tokens = logs.UPDATE_ID.set(41), logs.USER_ID.set(7)
    try:
        logging.getLogger("slotbot.test").warning("booking failed: %s", "SlotTaken")
    finally:
        logs.USER_ID.reset(tokens[1])
        logs.UPDATE_ID.reset(tokens[0])
    logging.getLogger("slotbot.test").warning("outside any update")
    first, second = (json.loads(line) for line in captured.readouterr().err.splitlines())
    assert first["update_id"] == 41 and first["user_id"] == 7
    assert first["message"] == "booking failed: SlotTaken" and first["level"] == "WARNING"
    assert "update_id" not in second


def test_text_lines_and_quiet_request_loggers(captured):
    logs.configure("INFO", "text")
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot123:SECRET/sendMessage")
    token = logs.UPDATE_ID.set(5)
    try:
        logging.getLogger("slotbot.test").info("hello")
    finally:
        logs.UPDATE_ID.reset(token)
    err = captured.readouterr().err
    assert "SECRET" not in err  # httpx would print the token in URLs: it is kept at WARNING
    assert err.strip() == "INFO slotbot.test: hello [update_id=5]"


def test_errors_keep_their_traceback_in_json(captured):
    logs.configure("INFO", "json")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("slotbot.test").exception("failed")
    entry = json.loads(captured.readouterr().err)
    assert "RuntimeError: boom" in entry["error"]
