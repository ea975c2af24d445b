"""/calendar's texts and keyboards, and the notices a provider's calendars send: pure functions.

A feed's URL is a secret (whoever has it reads the calendar): only its host is ever
shown. Why a feed failed is stored in English (core and bot write it); it is shown
in the provider's language by :func:`feed_reason`, which knows every reason those
modules give and shows any other as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from conversations import caldav_views
from conversations import callbacks as cb
from conversations.calendar_reasons import button as _button
from conversations.calendar_reasons import feed_reason
from conversations.calendar_reasons import host as _host
from conversations.i18n import Texts
from conversations.markup import LIST_NAME_LIMIT, escape, fit
from conversations.provider_texts import client_name
from core.caldav_model import AccountView
from core.calendar_conflicts import ConflictNotice
from core.model import CalendarFeed, Provider


def feed_line(t: Texts, feed: CalendarFeed, provider: Provider) -> str:
    """One calendar in the list: its host, when it was last read, what it blocks, its error."""
    lines = [f"• <b>{_host(feed.host)}</b>"]
    if feed.last_sync_at is None:
        lines.append("  " + t._("not read yet"))
    else:
        when = t.format_datetime(feed.last_sync_at, provider.timezone, "medium")
        busy = t.ngettext("{n} busy time", "{n} busy times", feed.busy_count).format(
            n=feed.busy_count)
        lines.append("  " + t._("read {when}; {busy}").format(when=when, busy=busy))
    if feed.last_error is not None:
        since = feed.error_since or feed.last_attempt_at
        reason = feed_reason(t, feed.last_error)
        if since is None:
            lines.append("  ⚠️ " + t._("failing: {reason}").format(reason=reason))
        else:
            lines.append("  ⚠️ " + t._("failing since {when}: {reason}").format(
                when=t.format_datetime(since, provider.timezone, "medium"), reason=reason))
    return "\n".join(lines)


def calendar_screen(
    t: Texts,
    provider: Provider,
    feeds: Sequence[CalendarFeed],
    can_add: bool,
    link_base: str | None,
    has_link: bool,
    caldav: AccountView | None = None,
    can_connect: bool = False,
) -> tuple[str, InlineKeyboardMarkup]:
    """``can_add``: this bot reads calendars (and the provider has room for one more);
    ``link_base``: SLOTBOT_PUBLIC_URL, without which there is no calendar link;
    ``caldav``: the connected CalDAV calendar; ``can_connect``: one can be connected here
    (the bot has SLOTBOT_SECRET_KEY)."""
    lines = [t._("<b>Your calendars</b>"),
             t._("Busy times in these calendars block your slots, as bookings do.")]
    lines += [feed_line(t, feed, provider) for feed in feeds]
    if not feeds:
        lines.append(t._(
            "None yet. Add the secret iCal address of your Google, Apple or Outlook calendar."))
    rows = []
    if can_add:
        rows.append([_button("➕ " + t._("Add a calendar"), cb.FeedAdd())])
    for feed in feeds:
        assert feed.id is not None
        remove = t._("Remove {host}").format(host=feed.host)
        rows.append([_button("🗑 " + remove, cb.FeedRemove(feed.id, False))])
    if feeds:
        rows.append([_button("🔄 " + t._("Sync now"), cb.FeedSync())])
    section = caldav_views.caldav_section(t, provider, caldav, can_connect)
    if section is not None:
        lines.append(section)
    rows += caldav_views.caldav_rows(t, caldav, can_connect)
    lines.append("")
    lines.append(t._("<b>Your bookings as a calendar</b>"))
    if link_base is None:
        lines.append(t._(
            "To see your bookings in Google, Apple or Outlook, the administrator has to set "
            "SLOTBOT_PUBLIC_URL first."))
    elif has_link:
        lines.append(t._(
            "You have a calendar link. I cannot show it again; a new one replaces it."))
        rows.append([_button("🔗 " + t._("New link"), cb.FeedLink(False))])
    else:
        lines.append(t._("A link to subscribe to in Google, Apple or Outlook."))
        rows.append([_button("🔗 " + t._("Get my calendar link"), cb.FeedLink(False))])
    return fit("\n".join(lines)), InlineKeyboardMarkup(rows)


def ask_feed_url(t: Texts) -> str:
    return "\n".join([
        t._("Send me the secret iCal address of your calendar (https:// or webcal://)."),
        t._("Google Calendar: Settings → the calendar → Integrate calendar → "
            "“Secret address in iCal format”."),
        t._("Apple iCloud: share the calendar → Public Calendar → copy the link."),
        t._("Outlook.com: Settings → Calendar → Shared calendars → Publish a calendar → "
            "the ICS link."),
        t._("The address is a password to your calendar: I keep it to myself and show only "
            "its host. /cancel adds nothing."),
    ])


def feed_refused(t: Texts, reason: str) -> str:
    return t._("I cannot use that address: {reason}.").format(reason=feed_reason(t, reason)) + (
        "\n" + t._("Send another one, or /cancel."))


def too_many_feeds(t: Texts, limit: int) -> str:
    return t.ngettext(
        "You have {n} calendar already, the most I read. Remove one first.",
        "You have {n} calendars already, the most I read. Remove one first.", limit,
    ).format(n=limit)


def feed_added(t: Texts, feed: CalendarFeed) -> str:
    return t._(
        "Added {host}. I am reading it now; its busy times block your slots within a minute."
    ).format(host=f"<b>{_host(feed.host)}</b>")


def remove_question(t: Texts, feed: CalendarFeed) -> tuple[str, InlineKeyboardMarkup]:
    assert feed.id is not None
    text = t._("Remove {host}? Its busy times stop blocking your slots.").format(
        host=f"<b>{_host(feed.host)}</b>")
    rows = [[_button(t._("Yes, remove it"), cb.FeedRemove(feed.id, True))],
            [_button("« " + t._("Back"), cb.CalendarMenu())]]
    return text, InlineKeyboardMarkup(rows)


def feed_removed(t: Texts, feed: CalendarFeed) -> str:
    return t._("Removed {host}.").format(host=f"<b>{_host(feed.host)}</b>")


def link_question(t: Texts) -> tuple[str, InlineKeyboardMarkup]:
    text = t._(
        "A new link replaces the one you have: calendars subscribed to the old link stop "
        "updating, and you subscribe to the new one instead. Make a new link?")
    rows = [[_button(t._("Make a new link"), cb.FeedLink(True))],
            [_button("« " + t._("Back"), cb.CalendarMenu())]]
    return text, InlineKeyboardMarkup(rows)


def link_message(t: Texts, url: str) -> str:
    # Never shortened: a cut link is no link. A real one is about a hundred characters.
    return fit("\n".join([
        t._("<b>Your calendar link</b> (any link you had before has stopped working):"),
        f"<code>{escape(url, len(url))}</code>",
        t._("Subscribe to it: Google Calendar on the web, Other calendars + → From URL; Apple "
            "Calendar, File → New Calendar Subscription; Outlook, Add calendar → Subscribe "
            "from web."),
        t._("Keep it like a password: whoever has it sees your clients' names and notes. "
            "Those calendars refresh every few hours; /agenda is always up to date."),
    ]))


def synced(t: Texts, failed: int) -> str:
    if not failed:
        return t._("Read just now.")
    return t.ngettext("Read just now; {n} calendar failed.", "Read just now; {n} calendars failed.",
                      failed).format(n=failed)


def feed_failed(t: Texts, feed: CalendarFeed, shown_as: str | None = None) -> str:
    """Pushed once when a calendar starts failing; ``shown_as``: its name, if not its host
    (a CalDAV calendar's)."""
    reason = feed_reason(t, feed.last_error or "")
    return "\n".join([
        "⚠️ " + t._("I cannot read your calendar {host}: {reason}.").format(
            host=f"<b>{_host(shown_as or feed.host)}</b>", reason=reason),
        t._("Its last busy times still block your slots, and I keep trying. /calendar shows it."),
    ])


def conflict_notice(t: Texts, notice: ConflictNotice) -> tuple[str, InlineKeyboardMarkup]:
    """Pushed once: a busy time of the provider's calendar falls on a booking."""
    assert notice.conflict.id is not None
    text = "\n".join([
        "⚠️ " + t._("Your calendar {host} is busy during a booking:").format(
            host=f"<b>{_host(notice.host)}</b>"),
        _booking(t, notice),
        t._("Keep it, or cancel it (the client is told and offered a new time)?"),
    ])
    conflict_id = notice.conflict.id
    # In context: /forgetme's "Keep it" (my data) reads differently in Spanish.
    keep = t.pgettext("booking", "Keep it")
    rows = [[_button("✅ " + keep, cb.ConflictDecision(conflict_id, False))],
            [_button("❌ " + t._("Cancel it (the client is told)"),
                     cb.ConflictDecision(conflict_id, True))]]
    return text, InlineKeyboardMarkup(rows)


def conflict_decided(t: Texts, notice: ConflictNotice, cancel: bool) -> str:
    head = t._("❌ Cancelled; the client was told:") if cancel else t._("✅ Kept:")
    return head + "\n" + _booking(t, notice)


def _booking(t: Texts, notice: ConflictNotice) -> str:
    item = notice.item
    when = t.format_datetime(item.appointment.start, notice.provider.timezone, "full")
    return (f"<b>{client_name(t, item, LIST_NAME_LIMIT)}</b> — "
            f"{escape(item.appt_type.name, LIST_NAME_LIMIT)}\n{when}")
