"""Fixtures: a running stand-in and the tiny echo bot (tests/standin/echo_bot.py) polling it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.standin import BotApiStandIn
from tests.standin.echo_bot import build_app


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    server = BotApiStandIn()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def app(standin: BotApiStandIn) -> AsyncIterator[Application]:
    """The echo bot, initialised and polling the stand-in."""
    application = build_app(standin)
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0.0)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
