"""/calendar: a provider's own calendars block their slots, and their bookings as a link.

One screen lists the provider's calendar feeds (host, last read in the provider's
zone, busy times, the error of a failing one) with "Add a calendar" (the secret
address is the one typed step, ``FEED_URL``), "Remove" (asked first), "Sync now" and
the calendar link (made only when SLOTBOT_PUBLIC_URL is set). A refused address
keeps the question open, with the reason, as /settings does for a typed value.

A feed added here is read at once in the background (the reply does not wait for
a slow calendar server); what that read finds is told like any sync's
(``feed_notices.after_sync``). Feed ids in buttons are re-checked against the
provider: a stale, foreign or forged one is "This menu has expired."
"""

from __future__ import annotations

import contextvars
import logging

from telegram import Update
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations import feed_notices
from conversations import feed_views as views
from conversations.common import answer, pressed, services, show
from conversations.provider_common import acting, provider_only
from conversations.states import BROWSING, FEED_URL
from core.calendar_subscription import has_feed_link, new_feed_link
from core.calendar_sync import (
    MAX_FEEDS_PER_PROVIDER,
    FeedLimitReached,
    FeedRefused,
    SyncOutcome,
    add_feed,
    list_feeds,
    remove_feed,
    sync_feed,
    sync_feeds,
)
from core.errors import NotFound
from core.feed_failures import claim_failure_notice
from core.feed_urls import feed_url

log = logging.getLogger(__name__)
#: A typed address longer than this is no calendar's (Google's are about 150 characters).
URL_MAX_CHARS = 2000


async def show_calendar_screen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, head: str | None = None,
    *, new_message: bool = False,
) -> None:
    who = acting(context)
    svc = services(context)
    provider_id = who.provider.id
    assert provider_id is not None
    feeds = await list_feeds(svc.uow(), provider_id)  # CalDAV calendars' rows left out
    linked = svc.public_url is not None and await has_feed_link(svc.uow(), provider_id)
    can_add = svc.feeds is not None and len(feeds) < MAX_FEEDS_PER_PROVIDER
    caldav = None
    if svc.caldav is not None:
        from core.caldav_sync import list_accounts  # icalendar: only for a bot with CalDAV

        caldav = next(iter(await list_accounts(svc.uow(), provider_id)), None)
    can_connect = svc.caldav is not None and svc.caldav.cipher is not None
    text, markup = views.calendar_screen(
        who.texts, who.provider, feeds, can_add, svc.public_url, linked, caldav, can_connect
    )
    await show(update, text if head is None else f"{head}\n\n{text}", markup,
               new_message=new_message)


async def _expired(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await show(update, acting(context).texts._("This menu has expired."))
    return BROWSING


@provider_only
async def cmd_calendar(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await show_calendar_screen(update, context)
    return BROWSING


@provider_only
async def on_calendar_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await answer(update)
    await show_calendar_screen(update, context)
    return BROWSING


@provider_only
async def on_feed_add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await answer(update)
    who = acting(context)
    if services(context).feeds is None:  # a button from a bot that read calendars then
        return await _expired(update, context)
    if len(await list_feeds(services(context).uow(), who.provider.id)) >= MAX_FEEDS_PER_PROVIDER:
        await show_calendar_screen(update, context, views.too_many_feeds(who.texts, MAX_FEEDS_PER_PROVIDER))
        return BROWSING
    await show(update, views.ask_feed_url(who.texts), new_message=True)
    return FEED_URL


@provider_only
async def on_feed_url(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    who = acting(context)
    svc = services(context)
    t = who.texts
    if svc.feeds is None:
        return await _expired(update, context)
    text = (update.effective_message.text or "").strip()  # type: ignore[union-attr]
    if len(text) > URL_MAX_CHARS:
        await show(update, views.feed_refused(t, "this is not a web address"))
        return FEED_URL
    try:
        # The address check looks the host up in DNS, in a thread (bot/feed_access.py).
        feed = await add_feed(
            svc.uow(), who.provider.id, text, now=svc.clock(),  # type: ignore[arg-type]
            check_url=svc.feeds.check_url,
        )
    except FeedRefused as refused:
        await show(update, views.feed_refused(t, refused.reason))
        return FEED_URL  # the question stays open: another address, or /cancel
    except FeedLimitReached as full:
        await show_calendar_screen(update, context, views.too_many_feeds(t, full.limit))
        return BROWSING
    except NotFound:
        return await _expired(update, context)
    assert feed.id is not None
    # In a context of its own: a task copies this update's context variables, among them
    # the chat it replies to (bot/rate_limits.py), and what the read finds is pushed,
    # paced like every pushed message, not sent as a reply. The application awaits it
    # when it stops.
    contextvars.Context().run(
        context.application.create_task,
        _first_read(context, feed.id), name=f"calendar-feed-{feed.id}-first-read",
    )
    await show_calendar_screen(update, context, views.feed_added(t, feed))
    return BROWSING


async def _first_read(context: ContextTypes.DEFAULT_TYPE, feed_id: int) -> None:
    """Read a feed just added, then tell what the read found (an error, a conflict)."""
    svc = services(context)
    assert svc.feeds is not None
    try:
        result = await sync_feed(svc.uow(), feed_id, svc.feeds.fetch, now=svc.clock())
        await feed_notices.after_sync(context, [result])
    except Exception:  # noqa: BLE001 - no update waits for it: the next timed run retries
        log.exception("the first read of calendar feed %s failed", feed_id)


@provider_only
async def on_feed_remove(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.FeedRemove)
    await answer(update)
    who = acting(context)
    svc = services(context)
    if not button.confirm:
        feeds = await list_feeds(svc.uow(), who.provider.id)
        feed = next((f for f in feeds if f.id == button.feed), None)
        if feed is None:
            return await _expired(update, context)
        await show(update, *views.remove_question(who.texts, feed))
        return BROWSING
    try:
        removed = await remove_feed(svc.uow(), button.feed, provider_id=who.provider.id)
    except NotFound:
        return await _expired(update, context)
    await show_calendar_screen(update, context, views.feed_removed(who.texts, removed))
    return BROWSING


@provider_only
async def on_feed_sync(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await answer(update, acting(context).texts._("Reading your calendars…"))
    who = acting(context)
    svc = services(context)
    if svc.feeds is None:
        return await _expired(update, context)
    results = await sync_feeds(svc.uow, svc.feeds.fetch, clock=svc.clock,
                               provider_id=who.provider.id)
    failed = [r for r in results if r.outcome is SyncOutcome.FAILED]
    user = update.effective_user
    if user is not None and user.id == who.provider.telegram_user_id:
        # The provider reads the errors on this screen: they count as told. (An admin
        # acting for them is not the provider: after_sync tells the provider then.)
        for result in failed:
            await claim_failure_notice(svc.uow(), result.feed_id, svc.clock())
    await feed_notices.after_sync(context, results)
    await show_calendar_screen(update, context, views.synced(who.texts, len(failed)))
    return BROWSING


@provider_only
async def on_feed_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.FeedLink)
    await answer(update)
    who = acting(context)
    svc = services(context)
    if svc.public_url is None:  # the setting went since the screen was shown
        await show_calendar_screen(update, context)
        return BROWSING
    provider_id = who.provider.id
    assert provider_id is not None
    if not button.confirm and await has_feed_link(svc.uow(), provider_id):
        await show(update, *views.link_question(who.texts))  # the old link would stop
        return BROWSING
    token = await new_feed_link(svc.uow(), provider_id)
    await show_calendar_screen(update, context)
    # A message of its own, below the screen: the screen changes, the link stays readable.
    await show(update, views.link_message(who.texts, feed_url(svc.public_url, token)),
               new_message=True)
    return BROWSING
