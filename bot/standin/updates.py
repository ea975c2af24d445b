"""The update queue behind getUpdates, and the "bot has processed update N" handshake.

Telegram keeps an update until the bot confirms it by asking for a higher ``offset``; a long
poll (``timeout``) waits for the first update and returns the moment one arrives. The queue
here behaves the same, so PTB's Updater runs unchanged.

Completion is the part Telegram has no notion of: the bot calls ``mark_processed(update_id)``
(via ``NotifyingUpdateProcessor``) when its handlers are done, and ``wait_processed`` lets the
simulated user continue exactly then, with a diagnosis when that never happens.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from bot.standin.records import ApiError

# Update types Telegram does not send unless allowed_updates asks for them explicitly.
_OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}


class UpdateDropped(TimeoutError):
    """The update will never reach the bot (its allowed_updates exclude the type)."""


class UpdateQueue:
    """Pending updates, long polls waiting for them, and processed-notifications."""

    def __init__(self, next_id: Callable[[], int]):
        self._next_id = next_id
        self.pending: list[dict[str, Any]] = []  # not yet confirmed via offset
        self.log: dict[int, dict[str, Any]] = {}  # every update ever, for diagnostics
        self.allowed_updates: list[str] | None = None  # as last set by getUpdates
        self.waiting_polls = 0  # getUpdates requests parked in a long poll right now
        self.stopping = False
        self._processed: dict[int, asyncio.Event] = {}
        self._generation = 0
        self._wakeup = asyncio.Event()  # replaced after each set(): a broadcast "something moved"
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the serving loop so ``mark_processed`` can be called from other threads."""
        self._loop = loop

    # ---------------------------------------------------------------- waking waiters

    def wake(self) -> None:
        """Wake every waiter (long polls, console) so it re-checks the state."""
        event, self._wakeup = self._wakeup, asyncio.Event()
        event.set()

    async def sleep_until_woken(self, timeout: float | None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout)

    # ---------------------------------------------------------------- producing and polling

    def enqueue(self, kind: str, payload: dict[str, Any], summary: str) -> int:
        """Queue an update for getUpdates and return its update_id."""
        update_id = self._next_id()
        update = {"update_id": update_id, kind: payload}
        self.log[update_id] = {"update": update, "summary": summary, "kind": kind}
        self._processed.setdefault(update_id, asyncio.Event())
        self.pending.append(update)
        self.wake()
        return update_id

    def take(self, update_id: int) -> dict[str, Any]:
        """Remove a pending update to deliver it another way (a webhook)."""
        update = self.log[update_id]["update"]
        self.pending = [u for u in self.pending if u["update_id"] != update_id]
        self.log[update_id]["delivered"] = True
        return update

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getUpdates with Telegram's ``offset``/``limit``/``timeout``/``allowed_updates``."""
        offset = params.get("offset")
        if offset is not None:
            if offset < 0:  # "-N": keep only the last N updates, forget the others
                self.pending = self.pending[offset:]
            else:  # confirms every update with a smaller id
                self.pending = [u for u in self.pending if u["update_id"] >= offset]
        if "allowed_updates" in params:  # [] means "the default set"
            self.allowed_updates = params["allowed_updates"] or None
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(float(params.get("timeout") or 0), 0)

        # A newer getUpdates terminates an older one, as on Telegram. It also releases the
        # orphaned long poll PTB leaves behind when it cancels polling (aiohttp keeps running a
        # handler whose client went away), so stop() never waits for it.
        self._generation += 1
        generation = self._generation
        self.wake()
        while True:
            if generation != self._generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            batch = self._deliverable()[:limit]
            remaining = deadline - loop.time()
            if batch or self.stopping or remaining <= 0:
                for update in batch:
                    self.log[update["update_id"]]["delivered"] = True
                return batch
            self.waiting_polls += 1
            try:
                await self.sleep_until_woken(remaining)
            finally:
                self.waiting_polls -= 1

    def _deliverable(self) -> list[dict[str, Any]]:
        """Pending updates the bot asked for; the others are dropped like Telegram does."""
        allowed = set(self.allowed_updates) if self.allowed_updates else None
        kept = []
        for update in self.pending:
            entry = self.log[update["update_id"]]
            kind = entry["kind"]
            if (kind in allowed) if allowed is not None else (kind not in _OPT_IN_UPDATES):
                kept.append(update)
            else:
                entry["dropped"] = f"allowed_updates {self.allowed_updates} exclude {kind!r}"
                self._processed[update["update_id"]].set()  # wake its waiter: fail fast
        self.pending = kept
        return kept

    # ---------------------------------------------------------------- processed handshake

    def mark_processed(self, update_id: int) -> None:
        """Called by the bot when it has finished handling ``update_id`` (thread-safe)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if self._loop is not None and running is not self._loop:
            self._loop.call_soon_threadsafe(self.mark_processed, update_id)
            return
        self._processed.setdefault(update_id, asyncio.Event()).set()

    async def wait_processed(self, update_id: int, timeout: float, base_url: str) -> None:
        event = self._processed.setdefault(update_id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(self._stall_report(update_id, timeout, base_url)) from None
        if self.log.get(update_id, {}).get("dropped"):
            raise UpdateDropped(self._stall_report(update_id, timeout, base_url))

    def _stall_report(self, update_id: int, timeout: float, base_url: str) -> str:
        entry = self.log.get(update_id)
        if entry is None:
            return f"update {update_id} was never created by this stand-in"
        what = f"update {update_id} ({entry['summary']})"
        if entry.get("dropped"):
            return f"{what} was dropped: {entry['dropped']}"
        if not entry.get("delivered"):
            return (
                f"{what} was never fetched via getUpdates within {timeout}s: is the "
                f"Application polling {base_url}... (updater.start_polling())?"
            )
        return (
            f"{what} was delivered to the bot but not reported processed within {timeout}s: "
            "the handler is stuck or slow, or standin.processed_hook is not wired into the "
            "Application's update processor (bot.standin.processing.NotifyingUpdateProcessor)"
        )
