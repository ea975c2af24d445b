"""A provider's calendar subscription (issue #13, part 2): the secret link and its feed.

The provider gets one secret URL, ``<SLOTBOT_PUBLIC_URL>/calendar/<token>.ics``
(:func:`core.feed_urls.feed_url`), and pastes it into Google, Apple or Outlook,
whose servers fetch it every few minutes to hours. Only the token's hash is stored
(:mod:`core.feed_tokens`), so "new link" replaces it and the old URL stops working at
once; the feed is built by :mod:`core.calendar_export` from the rows storage reads
for :func:`feed_window`.

The same bytes come from the bot's HTTP route (:func:`feed_for_token`) and from
``slotbot calendar export`` (:func:`feed_for_provider`), given the same clock and
host label: the host label is part of every event's UID, so it must come from
configuration (:func:`core.feed_urls.host_label` of SLOTBOT_PUBLIC_URL), never
from the request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from core.calendar_export import FeedBooking, FeedLabels, feed_window, provider_feed
from core.errors import NotFound
from core.feed_tokens import is_feed_token, new_feed_token, token_hash
from core.localtime import require_utc
from core.model import Provider
from core.ports import UnitOfWork

#: The feed's words in the provider's language (core has no gettext: the caller's).
LabelsFor = Callable[[str | None], FeedLabels]


def english_labels(_language: str | None) -> FeedLabels:
    return FeedLabels()


async def new_feed_link(uow: UnitOfWork, provider_id: int) -> str:
    """A fresh secret for the provider's feed; the previous one stops working.

    Returns the token, to be shown once (:func:`core.feed_urls.feed_url`): only its hash
    is kept.

    :raises NotFound: no such provider.
    """
    token = new_feed_token()
    async with uow:
        await uow.begin_write(provider_id)
        if not await uow.subscriptions.set_link_hash(provider_id, token_hash(token)):
            raise NotFound("provider", provider_id)
        await uow.commit()
    return token


async def has_feed_link(uow: UnitOfWork, provider_id: int) -> bool:
    """Whether the provider has a feed link now (so that a new one would replace it)."""
    async with uow:
        return await uow.subscriptions.has_link(provider_id)


async def feed_for_token(
    uow: UnitOfWork,
    token: object,
    now: datetime,
    *,
    host_label: str,
    labels: LabelsFor = english_labels,
) -> bytes | None:
    """The feed of the provider whose current link holds ``token``; ``None`` for any
    other text (malformed, never issued, or replaced by a newer link).

    The stored hash is looked up, not compared: the digest of a guess has no
    relation to the digests stored, so the time the lookup takes tells nothing
    about any real token.
    """
    now = require_utc(now, "now")
    if not isinstance(token, str) or not is_feed_token(token):
        return None  # junk never reaches hashing or the database
    async with uow:
        provider = await uow.subscriptions.provider_by_link(token_hash(token))
        if provider is None:
            return None
        bookings = await _bookings(uow, provider, now)
    return await _build(provider, bookings, now, host_label, labels)


async def feed_for_provider(
    uow: UnitOfWork,
    provider_id: int,
    now: datetime,
    *,
    host_label: str,
    labels: LabelsFor = english_labels,
) -> bytes:
    """The provider's feed, as its link serves it (for ``slotbot calendar export``).

    :raises NotFound: no such provider.
    """
    now = require_utc(now, "now")
    async with uow:
        provider = await uow.providers.get(provider_id)
        if provider is None:
            raise NotFound("provider", provider_id)
        bookings = await _bookings(uow, provider, now)
    return await _build(provider, bookings, now, host_label, labels)


async def _bookings(uow: UnitOfWork, provider: Provider, now: datetime) -> list[FeedBooking]:
    assert provider.id is not None
    rows = await uow.subscriptions.feed_bookings(provider.id, feed_window(now))
    # In person, the place is the provider's address; a video call has no link
    # stored, and the builder then says "video call".
    return [
        b if b.is_virtual or not provider.address else replace(b, place=provider.address)
        for b in rows
    ]


async def _build(
    provider: Provider, bookings: list[FeedBooking], now: datetime, host: str, labels: LabelsFor
) -> bytes:
    # Outside the unit of work, so the connection is back in the pool, and in a
    # worker thread: a busy provider's three months take icalendar a quarter of a
    # second (about 0.3 ms an event), which on the event loop would hold up every chat.
    return await asyncio.to_thread(
        provider_feed, provider.name, provider.timezone, bookings, now,
        host_label=host, labels=labels(provider.language),
    )
