"""Why a calendar failed, in the provider's language, and what the /calendar views share.

Reasons are stored in English (core and bot write them); :func:`feed_reason` knows
every reason the feed and CalDAV modules give, most specific first, and shows any
other as it is, escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from telegram import InlineKeyboardButton

from conversations import callbacks as cb
from conversations.i18n import Texts
from conversations.markup import NOTE_LIMIT, escape, label

HOST_LIMIT = 60  # a host in a line of the list: the real ones are shorter

Reason = Callable[[Texts, dict[str, str]], str]


def host(text: str) -> str:
    """A calendar's host (or a CalDAV calendar's name), escaped and cut for a line."""
    return escape(text, HOST_LIMIT)


def _reasons() -> list[tuple[re.Pattern[str], Reason]]:
    """The English reasons of bot/feed_addresses.py, bot/feed_fetch.py, core/calendar_feed.py
    and core/calendar_sync.py, most specific first, each with its translation."""
    table: list[tuple[str, Reason]] = [
        (r"the host ['\"](?P<host>.*)['\"] cannot be found",
         lambda t, m: t._("the host {host} cannot be found").format(host=host(m["host"]))),
        (r"this is not a web address", lambda t, m: t._("this is not a web address")),
        (r"only https:// addresses can be fetched",
         lambda t, m: t._("only https:// (or webcal://) addresses can be used")),
        (r"addresses with a user name or password in them are not used",
         lambda t, m: t._("addresses with a user name or password in them are not used")),
        (r"(?P<host>.+) points to a private or local address",
         lambda t, m: t._("{host} points to a private or local address").format(
             host=host(m["host"]))),
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
         lambda t, m: t._("the certificate of {host} is not valid").format(host=host(m["host"]))),
        (r"no secure connection to (?P<host>.+) could be made",
         lambda t, m: t._("no secure connection to {host} could be made").format(
             host=host(m["host"]))),
        (r"(?P<host>.+) cannot be reached",
         lambda t, m: t._("{host} cannot be reached").format(host=host(m["host"]))),
        (r"(?P<host>.+) broke off the connection",
         lambda t, m: t._("{host} broke off the connection").format(host=host(m["host"]))),
        (r"the calendar could not be downloaded from (?P<host>.+)",
         lambda t, m: t._("the calendar could not be downloaded from {host}").format(
             host=host(m["host"]))),
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
        # bot/caldav_client.py and core/caldav_sync.py: a CalDAV calendar's reasons.
        (r"the server refused the user name or app password",
         lambda t, m: t._("the server refused the user name or app password")),
        (r"the server does not let this user write to the calendar",
         lambda t, m: t._("the server does not let this user write to the calendar")),
        (r"the calendar server did not answer in time",
         lambda t, m: t._("the calendar server did not answer in time")),
        (r"the address is refused: (?P<rest>.+)",
         lambda t, m: feed_reason(t, m["rest"])),
        (r"the calendar server asks to slow down \(429\)",
         lambda t, m: t._("the calendar server asks to slow down")),
        (r"the calendar was not found on the server",
         lambda t, m: t._("the calendar was not found on the server")),
        (r"the calendar server answered (?P<status>\d+|with an error)",
         lambda t, m: t._("the calendar server answered {status}").format(status=m["status"])
         if m["status"].isdigit() else t._("the calendar server answered with an error")),
        (r"the calendar server cannot be reached",
         lambda t, m: t._("the calendar server cannot be reached")),
        (r"the calendar server could not be used",
         lambda t, m: t._("the calendar server could not be used")),
        (r"the server answered (?P<status>\d+) to writing an event",
         lambda t, m: t._("the server answered {status} to writing an event").format(
             status=m["status"])),
        (r"the server answered (?P<status>\d+) to removing an event",
         lambda t, m: t._("the server answered {status} to removing an event").format(
             status=m["status"])),
        (r"SLOTBOT_SECRET_KEY is not set: .*",
         lambda t, m: t._("the bot has no secret key to keep passwords with; tell the "
                          "administrator")),
        (r"a user name and an app password are needed",
         lambda t, m: t._("a user name and an app password are needed")),
        (r"the server shows this user no calendar for events",
         lambda t, m: t._("the server shows this user no calendar for events")),
        (r"the stored password cannot be read with this SLOTBOT_SECRET_KEY: connect again",
         lambda t, m: t._("the stored password can no longer be read: connect again")),
        (r"the CalDAV calendar was disconnected",
         lambda t, m: t._("the calendar was disconnected")),
        (r"an event in the calendar could not be read",
         lambda t, m: t._("an event in the calendar could not be read")),
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


def button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(label(text), callback_data=cb.encode(callback))
