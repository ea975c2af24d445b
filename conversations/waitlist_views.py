"""Waitlist messages and keyboards: pure functions, testable without Telegram."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from conversations import callbacks as cb
from conversations.i18n import Texts
from conversations.markup import LIST_NAME_LIMIT, escape, fit, label
from conversations.texts import display_zone, when
from core.model import AppointmentType, OfferStatus, Provider
from core.waitlist import WaitlistItem


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(label(text), callback_data=cb.encode(callback))


def join_button(t: Texts, provider_id: int, type_id: int, day: date) -> InlineKeyboardButton:
    return _button("🔔 " + t._("Join the waitlist"), cb.JoinWaitlist(provider_id, type_id, day))


def day_full(t: Texts, day: date, provider: Provider) -> str:
    return t._(
        "{date} is fully booked with {provider}.\n"
        "Join the waitlist and I will message you if a time frees up that day."
    ).format(date=t.format_date(day, "full"), provider=escape(provider.name))


def day_full_keyboard(t: Texts, provider_id: int, type_id: int, day: date) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [join_button(t, provider_id, type_id, day)],
            [_button("« " + t._("Back to the calendar"), cb.ShowMonth(provider_id, type_id, day.year, day.month))],
        ]
    )


def joined(t: Texts, day: date, provider: Provider, appt_type: AppointmentType, created: bool) -> str:
    head = (
        t._("🔔 You are on the waitlist.") if created else t._("🔔 You are already on this waitlist.")
    )
    return "\n".join(
        [
            head,
            f"<b>{escape(appt_type.name)}</b> — {escape(provider.name)}, {t.format_date(day, 'full')}",
            t._(
                "If a time frees up that day, I will message you with a Claim button: "
                "the first to claim gets it. Leave the waitlist any time in /my."
            ),
        ]
    )


def date_closed(t: Texts) -> str:
    return t._("That date is no longer open for booking. Pick another day with /book.")


def too_many_entries(t: Texts, limit: int) -> str:
    return t.ngettext(
        "You are already waiting for {n} date. Leave it in /my to join another.",
        "You are already waiting for {n} dates. Leave one in /my to join another.",
        limit,
    ).format(n=limit)


def offer(
    t: Texts,
    provider: Provider,
    appt_type: AppointmentType,
    start: datetime,
    expires_at: datetime,
    client_zone: str | None,
) -> str:
    lead = display_zone(client_zone, provider, appt_type)
    return "\n".join(
        [
            t._("🔔 A time has freed up!"),
            f"<b>{escape(appt_type.name)}</b> — {escape(provider.name)}",
            when(t, start, client_zone, provider, appt_type),
            t._("Tap Claim to book it: the first to claim gets it. Open until {deadline}.").format(
                deadline=t.format_datetime(expires_at, lead, "short")
            ),
        ]
    )


def offer_keyboard(t: Texts, offer_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button("✅ " + t._("Claim this time"), cb.ClaimOffer(offer_id))]])


def offer_closed(t: Texts, status: OfferStatus) -> str:
    """What an offer's message turns into once it cannot be claimed."""
    if status is OfferStatus.TAKEN:
        return t._(
            "This time was taken by someone else. You are still on the waitlist: "
            "I will message you if another time frees up."
        )
    if status is OfferStatus.EXPIRED:
        return t._(
            "This offer has expired. You are still on the waitlist: "
            "I will message you if another time frees up."
        )
    return t._("This offer is no longer available.")


def entries(t: Texts, items: Sequence[WaitlistItem]) -> str:
    """The /my section listing the dates the client waits for (empty when none)."""
    if not items:
        return ""
    lines = [t._("You are on the waitlist for:")]
    lines += [
        f"• {t.format_date(i.entry.date, 'full')} — {escape(i.appt_type.name, LIST_NAME_LIMIT)}, "
        f"{escape(i.provider.name, LIST_NAME_LIMIT)}"
        for i in items
    ]
    return fit("\n".join(lines))


def leave_buttons(t: Texts, items: Sequence[WaitlistItem]) -> list[list[InlineKeyboardButton]]:
    return [
        [
            _button(
                "🔕 " + t._("Leave: {date} · {type}").format(
                    date=t.format_date(i.entry.date, "short"), type=i.appt_type.name
                ),
                cb.LeaveWaitlist(i.entry.id),  # type: ignore[arg-type]
            )
        ]
        for i in items
    ]


def left(t: Texts, day: date) -> str:
    return t._("You have left the waitlist for {date}.").format(date=t.format_date(day, "medium"))
