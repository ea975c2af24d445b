"""An update processor that tells someone when the bot has finished an update.

PTB runs each update's handlers inside ``BaseUpdateProcessor.process_update``; wrapping that
is the one place that knows when *all* (blocking) handler work for an update is done. The
stand-in's ``processed_hook`` plugs in here so simulated users can wait for the bot instead of
sleeping::

    processor = NotifyingUpdateProcessor(1, on_done=standin.processed_hook)
    app = ApplicationBuilder().token(T).base_url(...).concurrent_updates(processor).build()

Caveat: handlers registered with ``block=False`` (and tasks they spawn) run as separate tasks
that PTB does not await here, so they may still be running when the hook fires.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import BaseUpdateProcessor

_LOGGER = logging.getLogger(__name__)


class NotifyingUpdateProcessor(BaseUpdateProcessor):
    """Awaits each update like PTB's SimpleUpdateProcessor, then calls ``on_done(update_id)``.

    ``on_done`` is also called when processing raised (PTB normally routes handler errors to
    error handlers, so that is rare), but not when it was cancelled during shutdown: a
    cancelled update was not processed.
    """

    __slots__ = ("on_done",)

    def __init__(
        self, max_concurrent_updates: int = 1, on_done: Callable[[int], None] | None = None
    ):
        super().__init__(max_concurrent_updates)
        self.on_done = on_done  # may be set later, e.g. once the stand-in exists

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        cancelled = False
        try:
            await coroutine
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            if not cancelled:
                self._notify(update)

    def _notify(self, update: object) -> None:
        update_id = getattr(update, "update_id", None)  # custom queue items have none
        if self.on_done is None or not isinstance(update_id, int):
            return
        try:
            self.on_done(update_id)
        except Exception:  # a broken hook must not break the bot's update loop
            _LOGGER.exception("on_done hook failed for update %s", update_id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
