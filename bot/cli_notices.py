"""What ``slotbot book``, ``cancel`` and ``reschedule`` tell people, as the chat would.

The provider gets the chat's own notices (``conversations/notifications.py``: a new
booking with Confirm / Decline when they confirm by hand, a cancellation, a move);
the client, who did not tap anything, gets the screen the chat would have shown
them after doing it themselves. Time a change freed goes to the waitlist at once:
the offers were made in the change's own transaction (``core/booking.py``) and
are sent from here through ``conversations/waitlist_offers.py``, which claims each
in the database first, so a running bot polling at the same time sends none twice.

Why the CLI sends itself, with the bot's token, rather than leaving messages in an
outbox for the running bot: the outbox is the reminders' (the bot works out what
is due from the appointments), and a second kind of message there would need the
bot to render it; sending right after the commit is immediate and needs no bot
running. It is at most once: each notice is one request, after the change is
committed, never retried once it may have reached Telegram (a CLI that dies
between the commit and the send loses the notice: a miss, never a double), and a
repeated ``book`` of a booking already held (``created`` false) tells nobody again.
Without a token nobody can be told: the command still succeeds and says so.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, CallbackContext

from bot.bootstrap import App
from bot.rate_limits import PerChatRateLimiter
from bot.settings import Settings
from conversations import keyboards, notifications, texts, waitlist_offers
from conversations.common import Services
from conversations.i18n import Texts, resolve_locale, texts_for
from core.appointments import details_of
from core.model import AppointmentDetails

log = logging.getLogger(__name__)

Context = CallbackContext[Any, Any, Any, Any]


@dataclass(frozen=True)
class Change:
    """What a command did: ``booked``, ``cancelled`` or ``moved``, and to which appointment."""

    event: str
    appointment_id: int


def _warn(message: str) -> None:
    print(f"slotbot: warning: {message}", file=sys.stderr)


async def tell(settings: Settings, app: App, change: Change | None) -> bool:
    """Tell the client and the provider about ``change``; whether Telegram was reached.

    ``None`` (nothing changed) tells nobody. A failure here is a warning on stderr:
    the change itself is committed and stays.
    """
    if change is None:
        return True
    return await tell_with(
        settings, app, lambda context: _NOTICES[change.event](context, change.appointment_id),
        freed_time=change.event in ("cancelled", "moved"),
    )


async def tell_with(
    settings: Settings, app: App, send: Callable[[Context], Awaitable[None]], *, freed_time: bool
) -> bool:
    """Run ``send`` with a bot of the token (each of its sends logs its own failure);
    with ``freed_time``, the waitlist's offers of the time a change freed go out too."""
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value().strip():
        _warn(
            "SLOTBOT_TELEGRAM_TOKEN is not set, so nobody was told "
            "(a running bot sends the waitlist's offers on its next poll)"
        )
        return False
    application = _application(settings, app)
    try:
        await application.initialize()  # asks Telegram who the bot is: checks the token
    except TelegramError as exc:
        _warn(f"Telegram could not be reached ({type(exc).__name__}: {exc}), so nobody was told")
        return False
    try:
        context = CallbackContext(application)
        await send(context)
        if freed_time:
            await waitlist_offers.publish(context)  # the freed time's offers go out now
    finally:
        await application.shutdown()
    return True


def _application(settings: Settings, app: App) -> Application:
    token = settings.telegram_token.get_secret_value().strip()  # type: ignore[union-attr]
    builder = (
        ApplicationBuilder()
        .token(token)
        .updater(None)
        .job_queue(None)
        .rate_limiter(PerChatRateLimiter())  # what the bot pushes unasked is paced, here too
    )
    if settings.telegram_api_url:
        builder = builder.base_url(settings.telegram_api_url)
    application = builder.build()
    application.bot_data["services"] = Services(app.uow, app.clock, settings.admin_ids)
    return application


Render = Callable[[Texts, AppointmentDetails, "str | None"], str]


async def _to_client(context: Context, appointment_id: int, render: Render) -> None:
    async with context.bot_data["services"].uow() as unit:
        appointment = await unit.appointments.get(appointment_id)
        client = None if appointment is None else await unit.clients.get(appointment.client_id)
        details = None if appointment is None else await details_of(unit, appointment)
    if details is None or client is None or client.telegram_user_id is None:
        return  # gone, or a client who asked to be forgotten
    t = texts_for(resolve_locale(client.language, None))
    try:
        await context.bot.send_message(
            client.telegram_user_id, render(t, details, client.timezone),
            parse_mode=ParseMode.HTML, reply_markup=keyboards.after_booking(t),
        )
    except TelegramError as exc:
        log.warning("notice to client %s not delivered: %s", client.id, exc)


def _cancelled_text(t: Texts, details: AppointmentDetails, zone: str | None) -> str:
    late = details.appointment.late_cancel
    return texts.cancelled(t, late) + "\n\n" + texts.my_appointment(t, details, zone)


async def _booked(context: Context, appointment_id: int) -> None:
    await notifications.booking_made(context, appointment_id)
    await _to_client(context, appointment_id, lambda t, d, z: texts.booked(t, d, z, True))


async def _cancelled(context: Context, appointment_id: int) -> None:
    await notifications.booking_cancelled_by_client(context, appointment_id)
    await _to_client(context, appointment_id, _cancelled_text)


async def _moved(context: Context, appointment_id: int) -> None:
    await notifications.booking_moved_by_client(context, appointment_id)
    await _to_client(context, appointment_id, texts.rescheduled)


_NOTICES: dict[str, Callable[[Context, int], Awaitable[None]]] = {
    "booked": _booked,
    "cancelled": _cancelled,
    "moved": _moved,
}
