"""The provider side of weekly series (issue #14): pure texts and keyboards.

Occurrence lines lead with the provider's own time and add the client's in brackets when
their zone differs (``series_texts.occurrence_line``). Labels are plain text, cut by
``markup.label``; names in messages are escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from conversations import callbacks as cb
from conversations import markup
from conversations import provider_texts as ptexts
from conversations.i18n import Texts
from conversations.markup import LIST_NAME_LIMIT, escape, fit
from conversations.series_texts import occurrence_line
from core.model import AgendaItem, Provider

#: Sessions a question lists before "… and n more" (a series has at most 52).
LISTED = 20


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(markup.label(text), callback_data=cb.encode(callback))


def _lines(t: Texts, provider: Provider, client_zone: str | None, starts: Sequence[datetime]) -> list[str]:
    lines = ["• " + occurrence_line(t, s, provider.timezone, client_zone) for s in starts[:LISTED]]
    if len(starts) > LISTED:
        lines.append(ptexts.and_more(t, len(starts) - LISTED))
    return lines


def series_cancel_question(
    t: Texts, provider: Provider, item: AgendaItem, starts: Sequence[datetime]
) -> str:
    """Asked before "Cancel the series from this date": what goes, and how to answer."""
    who = ptexts.client_name(t, item, LIST_NAME_LIMIT)
    lines = [
        t.ngettext(
            "Cancel this session of {client}'s weekly series ({type})?",
            "Cancel these {n} sessions of {client}'s weekly series ({type})?",
            len(starts),
        ).format(n=len(starts), client=who, type=escape(item.appt_type.name, LIST_NAME_LIMIT)),
        *_lines(t, provider, item.client.timezone, starts),
        "",
        t._("Type the reason for the client, or cancel without one (/cancel keeps them)."),
    ]
    return fit("\n".join(lines))


def series_cancel_keyboard(t: Texts, appointment: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [_button("❌ " + t._("Cancel them without a reason"), cb.SeriesCancelNow(appointment))],
        [_button("« " + t._("No, keep them"), cb.AgendaEntry(appointment))],
    ])


def series_cancel_button(t: Texts, appointment: int) -> InlineKeyboardButton:
    """On an agenda entry that belongs to a series and has not started."""
    return _button("🔁 " + t._("Cancel the series from this date"), cb.SeriesCancelFrom(appointment))


def series_cancelled(t: Texts, cancelled: int) -> str:
    return t.ngettext(
        "Cancelled {n} session of the series; the client was told.",
        "Cancelled {n} sessions of the series; the client was told.",
        cancelled,
    ).format(n=cancelled)
