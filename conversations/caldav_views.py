"""/calendar's CalDAV part: a connected calendar's lines and buttons, the three questions
of connecting it, and the notices it sends. Pure functions.

The server's address and the user name are the provider's own and shown back as typed
(escaped); the app password is never shown, asked for only in a message of its own
that the bot deletes at once.
"""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from conversations import callbacks as cb
from conversations.calendar_reasons import button, feed_reason, host
from conversations.i18n import Texts
from conversations.markup import escape
from core.caldav_model import AccountView, CalDavAccount
from core.model import Provider

USER_LIMIT = 60  # a user name shown back: real ones (an email) are shorter


def calendar_label(account: CalDavAccount) -> str:
    """"Work (caldav.example.org)", escaped: what a CalDAV calendar is called in a message."""
    if account.calendar_name:
        return f"{host(account.calendar_name)} ({host(account.host)})"
    return host(account.host)


def _when(t: Texts, provider: Provider, at: datetime | None) -> str:
    return t._("never") if at is None else t.format_datetime(at, provider.timezone, "medium")


def caldav_section(t: Texts, provider: Provider, caldav: AccountView | None,
                   can_connect: bool) -> str | None:
    """The CalDAV part of the /calendar screen (None when it cannot be connected here)."""
    if caldav is None:
        if not can_connect:
            return None
        return "\n".join(["", t._("<b>CalDAV</b>"), t._(
            "Connect a CalDAV calendar (iCloud, Nextcloud, Fastmail …): your bookings are "
            "written there, and its events block your slots.")])
    account, feed, pushes = caldav.account, caldav.feed, caldav.pushes
    lines = ["", t._("<b>CalDAV</b>"), f"• <b>{calendar_label(account)}</b>",
             "  " + t._("written {when}; read {read}").format(
                 when=_when(t, provider, account.last_push_at),
                 read=_when(t, provider, None if feed is None else feed.last_sync_at))]
    if pushes.pending or pushes.failed:
        lines.append("  " + t._("waiting to be written: {pending}; given up: {failed}").format(
            pending=pushes.pending, failed=pushes.failed))
    for error, since in ((account.last_error, account.error_since),
                         (None if feed is None else feed.last_error,
                          None if feed is None else feed.error_since)):
        if error is not None:
            lines.append("  ⚠️ " + t._("failing since {when}: {reason}").format(
                when=_when(t, provider, since), reason=feed_reason(t, error)))
    return "\n".join(lines)


def caldav_rows(t: Texts, caldav: AccountView | None,
                can_connect: bool) -> list[list[InlineKeyboardButton]]:
    if caldav is not None:
        return [[button("🔌 " + t._("Disconnect CalDAV"), cb.CalDavDisconnect(False))]]
    if can_connect:
        return [[button("📅 " + t._("Connect a CalDAV calendar"), cb.CalDavConnect())]]
    return []


def ask_caldav_url(t: Texts) -> str:
    return "\n".join([
        t._("Send me the address of your CalDAV server (1 of 3)."),
        t._("iCloud: https://caldav.icloud.com · Fastmail: https://caldav.fastmail.com/dav/ · "
            "Nextcloud: https://your-cloud/remote.php/dav"),
        t._("/cancel connects nothing."),
    ])


def ask_caldav_user(t: Texts) -> str:
    return "\n".join([
        t._("Now your user name there (2 of 3), often your email address."),
        t._("/cancel connects nothing."),
    ])


def ask_caldav_password(t: Texts, user: str) -> str:
    return "\n".join([
        t._("Last, an app password for {user} (3 of 3) — never your account's own password. "
            "iCloud: appleid.apple.com → Sign-In and Security → App-Specific Passwords.").format(
            user=f"<b>{escape(user, USER_LIMIT)}</b>"),
        t._("I delete your message as soon as I have read it and keep the password only "
            "encrypted. /cancel connects nothing."),
    ])


def caldav_connecting(t: Texts) -> str:
    return t._("Connecting to your calendar…")


def caldav_connected(t: Texts, account: CalDavAccount) -> str:
    return t._("Connected {calendar}. Your bookings are written there within a minute, and "
               "its events block your slots.").format(
        calendar=f"<b>{calendar_label(account)}</b>")


def caldav_refused(t: Texts, reason: str) -> str:
    return t._("I could not connect the calendar: {reason}. Nothing was changed.").format(
        reason=feed_reason(t, reason))


def disconnect_question(t: Texts, account: CalDavAccount) -> tuple[str, InlineKeyboardMarkup]:
    text = t._("Disconnect {calendar}? I stop writing your bookings there and its events stop "
               "blocking your slots; the events I wrote stay in it.").format(
        calendar=f"<b>{calendar_label(account)}</b>")
    rows = [[button(t._("Yes, disconnect it"), cb.CalDavDisconnect(True))],
            [button("« " + t._("Back"), cb.CalendarMenu())]]
    return text, InlineKeyboardMarkup(rows)


def caldav_disconnected(t: Texts, account: CalDavAccount) -> str:
    return t._("Disconnected {calendar}.").format(calendar=f"<b>{calendar_label(account)}</b>")


def writes_failed(t: Texts, account: CalDavAccount, failed: int) -> str:
    """Pushed once when bookings could not be written after every retry."""
    reason = feed_reason(t, account.last_error or "")
    return "\n".join([
        "⚠️ " + t.ngettext(
            "I gave up writing {n} booking to your calendar {calendar}: {reason}.",
            "I gave up writing {n} bookings to your calendar {calendar}: {reason}.", failed,
        ).format(n=failed, calendar=f"<b>{calendar_label(account)}</b>", reason=reason),
        t._("Connecting it again (/calendar) retries them."),
    ])
