"""Messages one side gets when the other acts. Sent after the change is committed.

A failed send (the person blocked the bot, a network error) is logged and never
undoes the booking nor reaches the person who acted.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations.common import services
from conversations.delivery import send_failure
from conversations.i18n import Texts, resolve_locale, texts_for
from conversations.provider_texts import client_label
from conversations.texts import when
from core.appointments import details_of
from core.localtime import local_date, zone
from core.model import AppointmentDetails, Client

log = logging.getLogger(__name__)


async def _send(bot: Bot, chat_id: int | None, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    if chat_id is None or chat_id <= 0:  # a forgotten client keeps -id: nobody's chat
        return
    try:
        await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as exc:
        # Never resent: a notice that may have arrived must not arrive twice.
        log.warning("notice to chat %s: %s (%r)", chat_id, send_failure(exc).value, exc)


async def _load(context: ContextTypes.DEFAULT_TYPE, appointment_id: int) -> tuple[AppointmentDetails, Client] | None:
    async with services(context).uow() as unit:
        appointment = await unit.appointments.get(appointment_id)
        if appointment is None:
            return None
        client = await unit.clients.get(appointment.client_id)
        details = await details_of(unit, appointment)
    assert client is not None
    return details, client


def _provider_texts(details: AppointmentDetails) -> Texts:
    return texts_for(resolve_locale(details.provider.language, None))


def _client_texts(client: Client) -> Texts:
    return texts_for(resolve_locale(client.language, None))


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.encode(callback))


def _request_buttons(t: Texts, appointment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[
            _button("✅ " + t._("Confirm"), cb.ProviderConfirm(appointment_id)),
            _button("✖️ " + t._("Decline"), cb.ProviderDecline(appointment_id)),
        ]]
    )


def _summary_for_provider(t: Texts, details: AppointmentDetails, client: Client) -> str:
    a = details.appointment
    name = escape(client_label(t, client))
    lines = [
        f"<b>{name}</b> — {escape(details.appt_type.name)}",
        t.format_datetime(a.start, details.provider.timezone, "full"),
    ]
    if a.notes:
        lines.append(t._("Client's note: {note}").format(note=escape(a.notes)))
    return "\n".join(lines)


async def booking_made(context: ContextTypes.DEFAULT_TYPE, appointment_id: int) -> None:
    """Tell the provider; a PENDING request comes with Confirm and Decline."""
    loaded = await _load(context, appointment_id)
    if loaded is None:
        return
    details, client = loaded
    t = _provider_texts(details)
    pending = details.appointment.status.value == "PENDING"
    head = t._("🆕 New request — please confirm:") if pending else t._("🆕 New booking:")
    markup = _request_buttons(t, appointment_id) if pending else None
    text = head + "\n" + _summary_for_provider(t, details, client)
    await _send(context.bot, details.provider.telegram_user_id, text, markup)


async def booking_cancelled_by_client(context: ContextTypes.DEFAULT_TYPE, appointment_id: int) -> None:
    loaded = await _load(context, appointment_id)
    if loaded is None:
        return
    details, client = loaded
    t = _provider_texts(details)
    a = details.appointment
    head = t._("❌ Cancelled by the client:")
    if a.late_cancel:
        head = t._("❌ Cancelled late by the client (inside your minimum notice):")
    text = head + "\n" + _summary_for_provider(t, details, client)
    if a.cancel_reason:
        text += "\n" + t._("Reason: {reason}").format(reason=escape(a.cancel_reason))
    await _send(context.bot, details.provider.telegram_user_id, text)


async def booking_moved_by_client(context: ContextTypes.DEFAULT_TYPE, appointment_id: int) -> None:
    loaded = await _load(context, appointment_id)
    if loaded is None:
        return
    details, client = loaded
    t = _provider_texts(details)
    text = t._("🔁 Moved by the client to:") + "\n" + _summary_for_provider(t, details, client)
    markup = None
    if details.appointment.status.value == "PENDING":
        markup = _request_buttons(t, appointment_id)
    await _send(context.bot, details.provider.telegram_user_id, text, markup)


async def client_told(context: ContextTypes.DEFAULT_TYPE, appointment_id: int, event: str) -> None:
    """Tell the client what the provider did.

    ``event``: ``confirmed``, ``declined``, ``cancelled`` (with a button to pick a
    new time) or ``unavailable`` (cancelled because the provider blocked them).
    """
    loaded = await _load(context, appointment_id)
    if loaded is None:
        return
    details, client = loaded
    t = _client_texts(client)
    a = details.appointment
    heads = {
        "confirmed": t._("✅ Your appointment is confirmed:"),
        "declined": t._("Sorry, the provider could not accept your request:"),
        "cancelled": t._("Sorry, the provider had to cancel your appointment:"),
        "unavailable": t._(
            "Your appointment was cancelled, and booking with this provider is no longer "
            "available to you:"
        ),
    }
    lines = [
        heads[event],
        f"<b>{escape(details.appt_type.name)}</b> — {escape(details.provider.name)}",
        when(t, a.start, client.timezone, details.provider, details.appt_type),
    ]
    if event in ("declined", "cancelled") and a.cancel_reason:
        lines.append(t._("Reason: {reason}").format(reason=escape(a.cancel_reason)))
    markup = None
    if event in ("declined", "cancelled"):
        day = local_date(services(context).clock(), zone(details.provider.timezone))
        markup = InlineKeyboardMarkup(
            [[
                _button(
                    t._("Pick a new time"),
                    cb.ShowMonth(details.provider.id, details.appt_type.id, day.year, day.month),  # type: ignore[arg-type]
                )
            ]]
        )
    await _send(context.bot, client.telegram_user_id, "\n".join(lines), markup)
