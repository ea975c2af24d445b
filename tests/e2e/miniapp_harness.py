"""The Mini App's API through the bot's real aiohttp server, next to the real bot
(polling the Bot API stand-in), on a real database, with a clock the test sets.

The demo clinic's Dr. Ana Petrova (Europe/Berlin, auto-confirm) is linked to
Telegram user ANA, María López (Europe/Madrid, confirms by hand) to MARIA. The
clock stands at Wednesday 2026-11-25 12:00 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.http_server import http_app, start_http
from bot.webapp_access import MiniApp
from bot.webapp_auth import dev_init_data
from core.booking import book_appointment
from core.clients import get_or_create_client
from core.model import Appointment
from tests.e2e.conftest import ADMIN_ID, Bot, free_port, running_demo_bot

ANA, MARIA, CLIENT_TOM, STRANGER = 700, 800, 701, 702


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class MiniAppServer:
    bot: Bot
    base: str
    ana: int  # provider ids
    maria: int

    def chat_context(self):
        return self.bot.application.context_types.context(self.bot.application)

    def init_data(self, user_id: int, *, at: datetime | None = None, token: str | None = None,
                  language: str = "en") -> str:
        return dev_init_data(user_id, "Someone", token or self.bot.standin.token,
                             at or self.bot.clock.now, language_code=language)

    async def call(self, method: str, path: str, *, user: int | None = ANA, auth: str | None = None,
                   body: Any = None, raw: bytes | None = None) -> Reply:
        headers = {}
        if auth is not None:
            headers["Authorization"] = auth
        elif user is not None:
            headers["Authorization"] = "tma " + self.init_data(user)
        kwargs: dict[str, Any] = {"headers": headers}
        if raw is not None:
            kwargs["data"] = raw
        elif body is not None:
            kwargs["json"] = body
        async with aiohttp.ClientSession() as session, session.request(
            method, self.base + path, **kwargs
        ) as response:
            text = await response.read()
            try:
                payload: Any = await response.json(content_type=None)
            except ValueError:
                payload = text
            return Reply(response.status, payload, dict(response.headers))

    async def book(self, provider: int, type_index: int, start: datetime,
                   client_user: int = CLIENT_TOM, name: str = "Tom") -> Appointment:
        self.bot.user(client_user, name)  # the client has started the bot: notices reach them
        client = await get_or_create_client(self.bot.uow(), client_user, name=name, language="en")
        index = [self.ana, self.maria].index(provider)
        return await book_appointment(
            self.bot.uow(), provider_id=provider, type_id=self.bot.type_ids[index][type_index],
            client_id=client.id, start=start, now=self.bot.clock.now,
        )


async def _link(bot: Bot, provider_id: int, user_id: int) -> None:
    async with bot.uow() as unit:
        provider = await unit.providers.get(provider_id)
        await unit.providers.update(replace(provider, telegram_user_id=user_id))
        await unit.commit()


class running_miniapp:  # noqa: N801 - used as ``async with running_miniapp(...)``
    def __init__(self, engine, clock, page_dir: Path | None = None, **services: Any) -> None:
        self._demo = running_demo_bot(engine, clock, **services)
        self._engine = engine
        self._page_dir = page_dir
        self._runner = None

    async def __aenter__(self) -> MiniAppServer:
        bot = await self._demo.__aenter__()
        ana, maria = bot.provider_ids[0], bot.provider_ids[1]
        await _link(bot, ana, ANA)
        await _link(bot, maria, MARIA)
        miniapp = MiniApp(bot.application)  # type: ignore[arg-type]
        if self._page_dir is not None:
            miniapp = MiniApp(bot.application, self._page_dir)  # type: ignore[arg-type]
        port = free_port()
        self._runner = await start_http(http_app(self._engine, miniapp=miniapp), "127.0.0.1", port)
        return MiniAppServer(bot, f"http://127.0.0.1:{port}", ana, maria)

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self._demo.__aexit__(*exc)


__all__ = ["ADMIN_ID", "ANA", "CLIENT_TOM", "MARIA", "STRANGER", "MiniAppServer", "running_miniapp"]
