"""The invariants a randomised session checks after every step.

Cheap enough to run each time: one read of the appointments (plus their clients' and
providers' Telegram ids), the stand-in's records and the log records since the step began.

The status rule: an appointment may change (status, start or end) or appear only when
the step was the tap that asks for exactly that, by the person allowed to, or the text
typed right after that person tapped "cancel with a reason" for exactly that appointment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Self

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations import callbacks as cb
from conversations.i18n import SUPPORTED_LOCALES, texts_for
from conversations.texts import something_went_wrong

ACTIVE = {"PENDING", "CONFIRMED"}
GENERIC_ERRORS = {something_went_wrong(texts_for(locale)) for locale in {"en", *SUPPORTED_LOCALES}}
# Editing to identical content: Telegram refuses, the bot treats it as done (PITFALLS.md).
# A stale "show this day" tap on a message already showing that day cannot avoid it.
TOLERATED_ERRORS = ("Bad Request: message is not modified",)


@dataclass(frozen=True)
class Row:
    id: int
    provider_id: int
    client_tg: int | None  # the client's Telegram id
    provider_tg: int | None  # the provider's linked Telegram id
    client_id: int
    start: datetime
    end: datetime
    status: str
    seat_group: str | None
    series_id: int | None = None  # a session of a weekly series (issue #14)


async def appointments(engine: AsyncEngine) -> dict[int, Row]:
    query = text(
        "SELECT a.id, a.provider_id, c.telegram_user_id, p.telegram_user_id, a.client_id, "
        "a.starts_at, a.ends_at, a.status, a.seat_group, a.series_id FROM appointments a "
        "LEFT JOIN clients c ON c.id = a.client_id LEFT JOIN providers p ON p.id = a.provider_id"
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return {r[0]: Row(*r[:5], _instant(r[5]), _instant(r[6]), *r[7:]) for r in rows}


def _instant(value: datetime | str) -> datetime:
    """SQLite hands a textual query's timestamps back as text."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def overlaps(rows: dict[int, Row]) -> list[str]:
    """Active appointments of one provider sharing time (a seat group may share)."""
    found = []
    active = sorted((r for r in rows.values() if r.status in ACTIVE), key=lambda r: (r.provider_id, r.start))
    for i, a in enumerate(active):
        for b in active[i + 1 :]:
            if b.provider_id != a.provider_id or b.start >= a.end:
                break
            if a.seat_group is None or a.seat_group != b.seat_group:
                found.append(f"provider {a.provider_id}: #{a.id} {a.start:%F %R}-{a.end:%R} "
                             f"and #{b.id} {b.start:%F %R}-{b.end:%R} both active")
    return found


@dataclass
class Move:
    """What a step did, as far as the status rule cares."""

    actor: int
    is_admin: bool
    button: cb.Callback | None = None  # the decoded data of a tap
    typed: bool = False  # a plain text message (not a command)
    reason_for: tuple[str, int] | None = None  # ("client"|"provider", id) the actor was asked about


def unexplained(
    before: dict[int, Row], after: dict[int, Row], move: Move | list[Move]
) -> list[str]:
    """What changed that no move of the step explains (several moves: taps at once)."""
    moves = move if isinstance(move, list) else [move]
    problems = []
    for appointment_id, now in after.items():
        was = before.get(appointment_id)
        if was is None:
            if not any(_creates(m, now) for m in moves):
                problems.append(f"#{appointment_id} appeared ({now.status}, client {now.client_tg}, "
                                f"provider {now.provider_id}) without a booking tap by its client")
        elif (was.status, was.start, was.end) != (now.status, now.start, now.end) and not any(
            _explains(m, was) or _explains_series(m, was, before) for m in moves
        ):
            problems.append(f"#{appointment_id} {was.status} {was.start:%F %R} -> {now.status} "
                            f"{now.start:%F %R} without its confirming tap")
    for appointment_id, was in before.items():
        if appointment_id not in after and not any(_is_forget_me(m, was) for m in moves):
            problems.append(f"#{appointment_id} vanished without its client's /forgetme")
    return problems


def _runs(move: Move, row: Row) -> bool:
    """The actor may act for the appointment's provider (linked, or an admin with /act)."""
    return move.is_admin or (row.provider_tg is not None and row.provider_tg == move.actor)


def _creates(move: Move, row: Row) -> bool:
    if isinstance(move.button, cb.SeriesBook):  # the provider books a series for their client
        return move.button.client == row.client_id and _runs(move, row)
    # A client's own booking: one slot, a claimed offer, or the sessions of a Repeat preview.
    own_booking = (cb.ConfirmBooking, cb.ClaimOffer, cb.SeriesConfirm)
    return isinstance(move.button, own_booking) and row.client_tg == move.actor


def _explains_series(move: Move, row: Row, before: dict[int, Row]) -> bool:
    """A session of a weekly series changed by what was done to the whole series: its
    client cancelling it from one session on; its provider cancelling it from a date
    (typed reason or "without a reason"), confirming or declining it all."""
    if row.series_id is None:
        return False
    button = move.button
    if isinstance(button, cb.ConfirmCancelRest) and row.client_tg == move.actor:
        # The client's "cancel this and all later" from one of their own sessions.
        origin = before.get(button.appointment)
        return origin is not None and origin.series_id == row.series_id and origin.start <= row.start
    if not _runs(move, row):
        return False
    if isinstance(button, cb.SeriesDecision):
        return button.series == row.series_id
    tapped = button.appointment if isinstance(button, cb.SeriesCancelNow) else None
    if move.typed and move.reason_for is not None and move.reason_for[0] == "series":
        tapped = move.reason_for[1]
    origin = before.get(tapped) if tapped is not None else None
    return origin is not None and origin.series_id == row.series_id


def _is_forget_me(move: Move, row: Row) -> bool:
    return isinstance(move.button, cb.ForgetMe) and move.button.confirm and row.client_tg == move.actor


def _explains(move: Move, row: Row) -> bool:
    button, own = move.button, row.client_tg == move.actor
    if move.typed and move.reason_for is not None:
        side, appointment_id = move.reason_for
        return appointment_id == row.id and (own if side == "client" else _runs(move, row))
    if isinstance(button, (cb.ProviderConfirm, cb.ProviderDecline, cb.ProviderComplete, cb.ProviderNoShow)):
        return button.appointment == row.id and _runs(move, row)
    if isinstance(button, cb.ConfirmCancel):
        return button.appointment == row.id and own
    if isinstance(button, cb.ConfirmBooking):
        return button.appointment == row.id and own
    if isinstance(button, cb.BlockDecision):
        return button.cancel_hit and _runs(move, row)
    if isinstance(button, cb.ConflictDecision):  # "Cancel it" under a calendar busy time
        return button.cancel and _runs(move, row)
    if isinstance(button, cb.ClientBlockToggle):
        return button.block and button.client == row.client_id and _runs(move, row)
    return _is_forget_me(move, row) or _zone_change_explains(move, row)


def _zone_change_explains(move: Move, row: Row) -> bool:
    """/settings' time-zone change: "Cancel them" for the bookings outside the new hours.

    Those buttons are SetSetting("<decision>+<zone>", stamp); which decision cancels is
    the settings screen's business, so either may, for the provider's own appointments.
    """
    button = move.button
    return isinstance(button, cb.SetSetting) and "+" in button.name and _runs(move, row)


def asks_for_reason(button: cb.Callback | None) -> tuple[str, int] | None:
    """The taps after which the next typed text may cancel that appointment."""
    if isinstance(button, cb.CancelWithReason):
        return ("client", button.appointment)
    if isinstance(button, cb.ProviderCancel):
        return ("provider", button.appointment)
    if isinstance(button, cb.SeriesCancelFrom):
        return ("series", button.appointment)
    return None


class ErrorLog(logging.Handler):
    """Collects ERROR records from every logger while a session runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def describe(self, record: logging.LogRecord) -> str:
        message = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            message += f" [{type(error).__name__}: {error}]"
        return message[:400]

    def __enter__(self) -> Self:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)
