"""Journeys a randomised session takes on purpose, so that deep screens are reached.

Pure random taps rarely get through provider → type → day → time → confirm, and
without bookings there is nothing to confirm, cancel or move. A journey starts with a
command and then taps, mostly, the button that leads furthest (by its decoded data,
not its label), sometimes any other; odd notes and reasons are typed when asked. Each
tap and text is an ordinary checked step.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import text

from conversations import callbacks as cb
from tests.e2e import session_inputs as inputs

if TYPE_CHECKING:
    from tests.e2e.sessions import Actor, Session

# Towards a booking: earlier is closer to it.
BOOKING = [cb.ConfirmBooking, cb.AddNote, cb.PickSlot, cb.JoinWaitlist, cb.ShowDay, cb.ShowMonth,
           cb.PickProvider, cb.ProviderPage, cb.SetTimeZone, cb.KeepTimeZoneUnset]  # fmt: skip
# Towards a weekly series (the client's Repeat): through its preview's swaps and skips.
SERIES = [cb.SeriesConfirm, cb.SeriesSwapTo, cb.SeriesSkip, cb.SeriesSwap, cb.SeriesCount,
          cb.SeriesUntilAsk, cb.SeriesEvery, cb.SeriesRepeat, cb.PickSlot, cb.ShowDay,
          cb.ShowMonth, cb.PickProvider, cb.ProviderPage, cb.SetTimeZone,
          cb.KeepTimeZoneUnset]  # fmt: skip
# What a provider does with an appointment, and what a client does with theirs.
MANAGING = [cb.ProviderConfirm, cb.ProviderDecline, cb.ProviderCancel, cb.ProviderComplete,
            cb.ProviderNoShow, cb.ClientBlockToggle, cb.ClientCard, cb.AgendaEntry,
            cb.AgendaDay]  # fmt: skip
OWN = [cb.ConfirmCancel, cb.CancelWithReason, cb.ConfirmBooking, cb.PickSlot, cb.ShowDay,
       cb.Reschedule, cb.AskCancel, cb.CalendarFile, cb.LeaveWaitlist, cb.MyAppointment,
       cb.ClaimOffer, cb.ReminderAck, cb.ConfirmCancelRest, cb.AskCancelRest,
       cb.MySeries]  # fmt: skip
# The bot asks for a text after these.
TEXT_AFTER = (cb.AddNote, cb.CancelWithReason, cb.ProviderCancel, cb.SeriesCancelFrom,
              cb.SeriesUntilAsk)


def forward(actor: Actor, order: list[type]) -> list[tuple[int, str, str, int]]:
    """(rank, label, data, message id) of the latest keyboard's buttons that ``order`` ranks."""
    for message in reversed(actor.user.bot_messages):
        if not message.buttons:
            continue
        found = []
        for row in message.buttons:
            for label, data in row:
                button = cb.decode(data) if data else None
                if type(button) in order and "✕" not in label:
                    found.append((order.index(type(button)), label, data, message.message_id))
        return found
    return []


async def journey(session: Session, actor: Actor, opening: str, order: list[type], taps: int) -> None:
    await session.send(actor, opening)
    for _ in range(taps):
        choices = forward(actor, order)
        if not choices:
            return
        best = min(c[0] for c in choices)
        if session.rng.random() < 0.8:
            choices = [c for c in choices if c[0] == best]
        rank, label, data, message_id = session.rng.choice(choices)
        await session.tap(actor, data, message_id, f"taps {label!r}")
        if order[rank] in TEXT_AFTER:
            await answer_the_question(session, actor)
        if order[rank] in (cb.ConfirmBooking, cb.SeriesConfirm):
            return


async def answer_the_question(session: Session, actor: Actor) -> None:
    """Type what was asked; or first run another command (of either role), which must end
    the question, and type anyway; or walk away and leave it pending."""
    roll = session.rng.random()
    if roll < 0.3:
        command = session.rng.choice(["/timezone", "/book", "/my", "/types", "/settings", "/help"])
        await session.send(actor, command)
    if roll < 0.85:
        await session.send(actor, inputs.odd_text(session.rng, session.hints))


async def book(session: Session, actor: Actor) -> None:
    providers = session.hints["providers"]
    opening = "/book" if session.rng.random() < 0.8 else f"/start p{session.rng.choice(providers)}"
    if session.rng.random() < 0.3 and providers:
        # Through the link of a provider onboarded here, whose type allows series.
        await journey(session, actor, f"/start p{session.rng.choice(providers)}", SERIES, 14)
    else:
        await journey(session, actor, opening, BOOKING, 8)


async def manage(session: Session, actor: Actor) -> None:
    """A provider's (or an admin's, acting) agenda, or a client's own appointments."""
    if actor.role == "client":
        return await journey(session, actor, "/my", OWN, 5)
    if actor.role == "admin" and session.rng.random() < 0.5:
        await session.send(actor, f"/act {session.rng.choice(session.hints['providers'])}")
    today = session.bot.clock().date()  # type: ignore[attr-defined]
    day = today + timedelta(days=session.rng.randrange(0, 12))
    await journey(session, actor, f"/agenda {day:%Y-%m-%d}", MANAGING, 4)


async def fresh_client_books(session: Session, actor: Actor) -> bool:
    """/book, then the most promising untried button each time, until a booking exists."""
    await session.send(actor, "/book")
    tried: set[str] = set()
    for _ in range(40):
        choices = [c for c in forward(actor, BOOKING) if c[2] not in tried and c[0] != 1]  # no note
        if not choices:
            return False
        rank, label, data, message_id = min(choices, key=lambda c: (c[0], "Ana Petrova" not in c[1]))
        tried.add(data)
        await session.tap(actor, data, message_id, f"taps {label!r}")
        if rank == 0 and await has_booking(session, actor.id):
            return True
    return False


async def has_booking(session: Session, telegram_id: int) -> bool:
    async with session.engine.connect() as connection:  # type: ignore[attr-defined]
        found = await connection.execute(text(
            "SELECT a.id FROM appointments a JOIN clients c ON c.id = a.client_id "
            "WHERE c.telegram_user_id = :tg AND a.status IN ('PENDING', 'CONFIRMED')"
        ), {"tg": telegram_id})  # fmt: skip
        return found.first() is not None
