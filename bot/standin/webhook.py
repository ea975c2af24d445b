"""Webhook delivery for the stand-in: updates POSTed to the bot, as Telegram does.

After ``setWebhook`` every new update is POSTed as JSON to the webhook URL with
the ``X-Telegram-Bot-Api-Secret-Token`` header; a 2xx answer counts as
processed (the bot answers after handling it), anything else is retried a few
times, like Telegram. ``targets`` stands for a load balancer in front of the one
public URL: deliveries go round-robin to those addresses. ``redeliver`` sends an
update again, as Telegram does after a timeout.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from bot.standin.server import BotApiStandIn

log = logging.getLogger(__name__)
RETRIES = 3
RETRY_DELAY = 0.2


@dataclass
class Delivery:
    update_id: int
    target: str
    status: int | None  # None: no answer (connection refused, timeout)


@dataclass
class WebhookPush:
    url: str = ""
    secret: str | None = None
    targets: list[str] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    _round: itertools.cycle | None = None  # type: ignore[type-arg]
    _session: aiohttp.ClientSession | None = None
    _tasks: set[asyncio.Task] = field(default_factory=set)  # type: ignore[type-arg]

    @property
    def active(self) -> bool:
        return bool(self.url)

    def set(self, url: str, secret: str | None) -> None:
        self.url, self.secret = url, secret

    def clear(self) -> None:
        self.url, self.secret = "", None

    def spread_over(self, targets: list[str]) -> None:
        """Deliver round-robin to these addresses instead of the registered URL."""
        self.targets = list(targets)
        self._round = itertools.cycle(self.targets)

    def _next_target(self) -> str:
        return next(self._round) if self._round is not None else self.url

    def push(self, standin: BotApiStandIn, update: dict[str, Any]) -> asyncio.Task[None]:
        """Deliver in the background; await the task to know the bot has answered."""
        task = asyncio.get_running_loop().create_task(self._deliver(standin, update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _deliver(self, standin: BotApiStandIn, update: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.secret
        body = json.dumps(update)
        for attempt in range(RETRIES):
            target = self._next_target()
            try:
                async with self._session.post(target, data=body, headers=headers) as response:
                    status: int | None = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.info("webhook delivery of update %s to %s failed: %s", update["update_id"], target, exc)
                status = None
            self.deliveries.append(Delivery(update["update_id"], target, status))
            if status is not None and 200 <= status < 300:
                standin.mark_processed(update["update_id"])
                return
            if attempt + 1 < RETRIES:
                await asyncio.sleep(RETRY_DELAY * (attempt + 1))  # Telegram backs off too
        standin.mark_processed(update["update_id"])  # given up: let the waiting user see it

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None
