"""The real Application, polling the Bot API stand-in, on a real database, with a clock we set."""

from __future__ import annotations

import socket

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import build_application
from bot.rate_limits import PerChatRateLimiter
from bot.demo import DEMO_CLINIC
from bot.standin import BotApiStandIn
from bot.telegram_run import running
from conversations.common import Services

def free_port() -> int:
    """A TCP port nobody listens on right now, for a server under test."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fast_rate_limiter() -> PerChatRateLimiter:
    """The per-chat limit is unit-tested; here it would only make every step wait."""
    return PerChatRateLimiter(per_chat_rate=1000, per_chat_burst=1000)
from core.providers import register_provider
from storage.engine import session_factory
from storage.unit_of_work import unit_of_work_factory
from tests.conftest import Clock


ADMIN_ID = 9000


@dataclass
class Bot:
    standin: BotApiStandIn
    clock: Clock
    uow: object
    provider_ids: list[int]
    type_ids: list[list[int]]
    application: object = None

    def user(self, user_id: int, first_name: str, language_code: str | None = "en"):
        return self.standin.user(user_id, first_name, language_code=language_code)


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    """A Bot API stand-in on its own, for tests that run the bot as a real process."""
    server = BotApiStandIn()
    await server.start()
    yield server
    await server.stop()


@asynccontextmanager
async def running_demo_bot(
    engine, clock, *, api_url: Callable[[BotApiStandIn], Awaitable[str]] | None = None,
    **services: Any,
) -> AsyncIterator[Bot]:
    """The real Application on ``engine`` with the demo clinic, polling a fresh stand-in.

    ``api_url`` (given the stand-in) may put something between the bot and it, e.g. a relay;
    ``services``: more of :class:`Services` (``public_url``, ``feeds``).
    """
    uow = unit_of_work_factory(session_factory(engine), clock)
    provider_ids, type_ids = [], []
    for provider in DEMO_CLINIC:
        registered, types = await register_provider(uow(), provider)
        provider_ids.append(registered.id)
        type_ids.append([t.id for t in types])
    standin = BotApiStandIn()
    await standin.start()
    try:
        base_url = await api_url(standin) if api_url is not None else standin.base_url
        application = build_application(
            standin.token,
            Services(uow, clock, frozenset({ADMIN_ID}), **services),
            api_url=base_url,
            on_update_done=standin.processed_hook,
            poll_jobs=False,
            rate_limiter=fast_rate_limiter(),
        )
        async with running(application):
            yield Bot(standin, clock, uow, provider_ids, type_ids, application)
    finally:
        await standin.stop()


@pytest.fixture
async def bot(engine, clock) -> AsyncIterator[Bot]:
    async with running_demo_bot(engine, clock) as running_bot:
        yield running_bot
