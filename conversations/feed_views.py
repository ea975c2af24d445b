"""/calendar's texts and keyboards, and the notices a provider's calendars send: pure functions.

A feed's URL is a secret (whoever has it reads the calendar): only its host is ever
shown. Why a feed failed is stored in English (core and bot write it); it is shown
in the provider's language by :func:`feed_reason`, which knows every reason those
modules give and shows any other as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from conversations import callbacks as cb
from conversations.i18n import Texts
from conversations.markup import LIST_NAME_LIMIT, NOTE_LIMIT, escape, fit, label
from conversations.provider_texts import client_name
from core.calendar_conflicts import ConflictNotice
from core.model import CalendarFeed, Provider

HOST_LIMIT = 60  # a host in a line of the list: the real ones are shorter

Reason = Callable[[Texts, dict[str, str]], str]


def _host(text: str) -> str:
    return escape(text, HOST_LIMIT)


def _reasons() -> list[tuple[re.Pattern[str], Reason]]:
    """The English reasons of bot/feed_addresses.py, bot/feed_fetch.py, core/calendar_feed.py
    and core/calendar_sync.py, most specific first, each with its translation."""
    table: list[tuple[str, Reason]] = [
        (r"the host ['\"](?P<host>.*)['\"] cannot be found",
         lambda t, m: t._("the host {host} cannot be found").format(host=_host(m["host"]))),
        (r"this is not a web address", lambda t, m: t._("this is not a web address")),
        (r"only https:// addresses can be fetched",
         lambda t, m: t._("only https:// (or webcal://) addresses can be used")),
        (r"addresses with a user name or password in them are not used",
         lambda t, m: t._("addresses with a user name or password in them are not used")),
        (r"(?P<host>.+) points to a private or local address",
         lambda t, m: t._("{host} points to a private or local address").format(
             host=_host(m["host"]))),
        (r"the address redirects more than (?P<n>\d+) times",
         lambda t, m: t.ngettext("the address redirects more than {n} time",
                                 "the address redirects more than {n} times",
                                 int(m["n"])).format(n=m["n"])),
        (r"no answer within (?P<s>[\d.]+) s",
         lambda t, m: t._("no answer within {seconds} seconds").format(seconds=m["s"])),
        (r"the server answered (?P<status>\d+) without saying where to go",
         lambda t, m: t._("the server answered {status} without saying where to go").format(
             status=m["status"])),
        (r"the server answered (?P<status>\d+)",
         lambda t, m: t._("the server answered {status}").format(status=m["status"])),
        (r"the feed redirects elsewhere and (?P<rest>.+)",
         lambda t, m: t._("the address redirects elsewhere, and there {reason}").format(
             reason=feed_reason(t, m["rest"]))),
        (r"the server redirects to something that is not a web address",
         lambda t, m: t._("the server redirects to something that is not a web address")),
        (r"the calendar is larger than (?P<size>.+)",
         lambda t, m: t._("the calendar is larger than {size}").format(size=escape(m["size"]))),
        (r"the certificate of (?P<host>.+) is not valid",
         lambda t, m: t._("the certificate of {host} is not valid").format(host=_host(m["host"]))),
        (r"no secure connection to (?P<host>.+) could be made",
         lambda t, m: t._("no secure connection to {host} could be made").format(
             host=_host(m["host"]))),
        (r"(?P<host>.+) cannot be reached",
         lambda t, m: t._("{host} cannot be reached").format(host=_host(m["host"]))),
        (r"(?P<host>.+) broke off the connection",
         lambda t, m: t._("{host} broke off the connection").format(host=_host(m["host"]))),
        (r"the calendar could not be downloaded from (?P<host>.+)",
         lambda t, m: t._("the calendar could not be downloaded from {host}").format(
             host=_host(m["host"]))),
        (r"this calendar is added already", lambda t, m: t._("this calendar is added already")),
        (r"more than (?P<n>\d+) busy times in the booking horizon",
         lambda t, m: t._("more than {n} busy times within your booking horizon").format(
             n=m["n"])),
        (r"the calendar could not be read", lambda t, m: t._("the calendar could not be read")),
        (r"not an iCalendar feed: .*", lambda t, m: t._("this is not an iCalendar calendar")),
        (r"cannot expand the feed's events: .*",
         lambda t, m: t._("its repeating events cannot be read")),
        (r"the calendar was removed", lambda t, m: t._("the calendar was removed")),
        (r"another sync of this calendar is under way",
         lambda t, m: t._("it is being read right now; try again in a minute")),
    ]
    return [(re.compile(pattern, re.DOTALL), render) for pattern, render in table]


_REASONS = _reasons()


def feed_reason(t: Texts, reason: str) -> str:
    """Why a feed failed or was refused, in ``t``'s language (HTML-escaped)."""
    for pattern, render in _REASONS:
        found = pattern.fullmatch(reason)
        if found is not None:
            return render(t, found.groupdict())
    return escape(reason, NOTE_LIMIT)


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(label(text), callback_data=cb.encode(callback))


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
) -> tuple[str, InlineKeyboardMarkup]:
    """``can_add``: this bot reads calendars (and the provider has room for one more);
    ``link_base``: SLOTBOT_PUBLIC_URL, without which there is no calendar link."""
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


def feed_failed(t: Texts, feed: CalendarFeed) -> str:
    """Pushed once when a calendar starts failing."""
    reason = feed_reason(t, feed.last_error or "")
    return "\n".join([
        "⚠️ " + t._("I cannot read your calendar {host}: {reason}.").format(
            host=f"<b>{_host(feed.host)}</b>", reason=reason),
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
