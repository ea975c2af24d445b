"""SQLAlchemy repositories of clients and appointments: rows in, dataclasses out."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

import asyncpg
from sqlalchemy import func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import SlotTaken
from core.model import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentType,
    BusyPeriod,
    Client,
)
from storage import mapping, screen_reads
from storage.driver_sql import DriverStatement, sqlstate, transaction_connection
from storage.orm import AppointmentRow, AppointmentTypeRow, ClientRow

_ACTIVE = [s.value for s in ACTIVE_STATUSES]
# SQLSTATE of an exclusion-constraint violation: the database's own guard
# against overlapping appointments, reported like any lost race.
_EXCLUSION_VIOLATION = "23P01"


class SqlClientRepository:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self._session = session
        self._now = now

    async def get(self, client_id: int) -> Client | None:
        row = await self._session.get(ClientRow, client_id)
        return None if row is None else mapping.client(row)

    async def by_telegram_id(self, telegram_user_id: int) -> Client | None:
        # Once for every update (who is asking): one statement to the driver.
        return await screen_reads.client_by_telegram_id(self._session, telegram_user_id)

    async def add(self, client: Client) -> Client:
        row = ClientRow(
            telegram_user_id=client.telegram_user_id,
            name=client.name,
            language=client.language,
            timezone=client.timezone,
            created_at=self._now,
        )
        self._session.add(row)
        await self._session.flush()
        return mapping.client(row)

    async def of_provider(self, provider_id: int) -> list[Client]:
        rows = await self._session.scalars(
            select(ClientRow)
            .where(
                ClientRow.id.in_(
                    select(AppointmentRow.client_id).where(
                        AppointmentRow.provider_id == provider_id
                    )
                )
            )
            .order_by(ClientRow.name, ClientRow.id)
        )
        return [mapping.client(r) for r in rows]

    async def mark_unreachable(self, client_id: int, now: datetime) -> None:
        row = await self._session.get(ClientRow, client_id)
        if row is not None and row.unreachable_at is None:
            row.unreachable_at = now
            await self._session.flush()

    async def anonymise(self, client_id: int) -> None:
        """Keep the row (appointments point at it) but nothing that tells who it was."""
        row = await self._session.get(ClientRow, client_id)
        if row is not None:
            # Negative: never a Telegram user id, and unique like the real one.
            row.telegram_user_id = -client_id
            row.name = row.language = row.timezone = None
            row.unreachable_at = None
            await self._session.flush()

    async def update(self, client: Client) -> None:
        row = await self._session.get(ClientRow, client.id)
        if row is None:
            raise LookupError(f"client {client.id} vanished")
        row.name = client.name
        row.language = client.language
        row.timezone = client.timezone
        row.unreachable_at = client.unreachable_at
        await self._session.flush()


class SqlAppointmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def erase_client_texts(self, client_id: int, *, now: datetime | None = None) -> None:
        """A forgotten client's own words (notes, cancellation reasons) go; times and states stay.

        With ``now``, the rows count as changed then: the provider's calendar feed
        shows their name and note, and its subscribers replace an event only when
        its LAST-MODIFIED moves.
        """
        values: dict[str, object] = {"notes": None, "cancel_reason": None}
        if now is not None:
            values["updated_at"] = now
        await self._session.execute(
            update(AppointmentRow).where(AppointmentRow.client_id == client_id).values(**values)
        )

    async def get(self, appointment_id: int) -> Appointment | None:
        row = await self._session.get(AppointmentRow, appointment_id, populate_existing=True)
        return None if row is None else mapping.appointment(row)

    async def busy_between(
        self, provider_id: int, start: datetime, end: datetime, *, exclude_id: int | None = None
    ) -> list[BusyPeriod]:
        # Appointments and calendar busy times in one range read of their indexes
        # (storage/packed_rows.BUSY), as the screens and the booking read them.
        return list(await screen_reads.busy_between(self._session, provider_id, start, end, exclude_id))

    async def active_for_client_at(
        self, client_id: int, provider_id: int, type_id: int, start: datetime
    ) -> Appointment | None:
        row = await self._session.scalar(
            select(AppointmentRow).where(
                AppointmentRow.client_id == client_id,
                AppointmentRow.provider_id == provider_id,
                AppointmentRow.type_id == type_id,
                AppointmentRow.starts_at == start,
                AppointmentRow.status.in_(_ACTIVE),
            )
        )
        return None if row is None else mapping.appointment(row)

    async def add(
        self, appointment: Appointment, *, appt_type: AppointmentType | None = None
    ) -> Appointment:
        # A Core INSERT ... RETURNING: one statement, and no ORM row to track
        # (a booking never touches the row again in its transaction).
        values = mapping.appointment_values(appointment)
        if appt_type is None or appt_type.id != appointment.type_id:
            values["seat_group"] = await self._seat_group(appointment)
        else:
            values["seat_group"] = _seat_group(appointment, appt_type.max_participants)
        try:
            row = await _INSERT.fetchone(await transaction_connection(self._session), **values)
        except (IntegrityError, asyncpg.IntegrityConstraintViolationError, sqlite3.IntegrityError) as exc:
            _raise_slot_taken_if_excluded(exc)
            raise
        assert row is not None
        appointment.id = row[0]
        return appointment

    async def save(self, appointment: Appointment) -> None:
        row = await self._session.get(AppointmentRow, appointment.id)
        if row is None:
            raise LookupError(f"appointment {appointment.id} vanished")
        if is_revision(row, appointment):
            # The feed's SEQUENCE (core/calendar_export.py): every change of time or
            # status comes through here, whichever service made it, and the row in
            # hand still holds what is stored, so the bump rides on the same UPDATE.
            # Writers hold the provider's lock, so two bumps never read the same value.
            row.sequence += 1
        await self._copy(appointment, row)
        await self._flush()

    async def for_provider(
        self, provider_id: int, start: datetime, end: datetime
    ) -> Sequence[Appointment]:
        rows = await self._session.scalars(
            select(AppointmentRow)
            .where(
                AppointmentRow.provider_id == provider_id,
                AppointmentRow.starts_at >= start,
                AppointmentRow.starts_at < end,
            )
            .order_by(AppointmentRow.starts_at, AppointmentRow.id)
        )
        return [mapping.appointment(r) for r in rows]

    async def count_active_future(self, client_id: int, provider_id: int, now: datetime) -> int:
        count = await self._session.scalar(
            select(func.count()).where(
                AppointmentRow.client_id == client_id,
                AppointmentRow.provider_id == provider_id,
                AppointmentRow.starts_at > now,
                AppointmentRow.status.in_(_ACTIVE),
            )
        )
        return count or 0

    async def confirmed_starting_between(
        self,
        start: datetime,
        end: datetime,
        after: tuple[datetime, int] | None = None,
        limit: int | None = None,
    ) -> Sequence[Appointment]:
        query = select(AppointmentRow).where(
            AppointmentRow.status == "CONFIRMED",
            AppointmentRow.starts_at > start,
            AppointmentRow.starts_at <= end,
        )
        if after is not None:
            query = query.where(tuple_(AppointmentRow.starts_at, AppointmentRow.id) > tuple_(*after))
        query = query.order_by(AppointmentRow.starts_at, AppointmentRow.id)
        rows = await self._session.scalars(query if limit is None else query.limit(limit))
        return [mapping.appointment(r) for r in rows]

    async def for_client(self, client_id: int, *, since: datetime) -> Sequence[Appointment]:
        rows = await self._session.scalars(
            select(AppointmentRow)
            .where(AppointmentRow.client_id == client_id, AppointmentRow.ends_at > since)
            .order_by(AppointmentRow.starts_at)
        )
        return [mapping.appointment(r) for r in rows]

    async def _flush(self) -> None:
        try:
            await self._session.flush()
        except IntegrityError as exc:
            _raise_slot_taken_if_excluded(exc)
            raise

    async def _copy(self, appointment: Appointment, row: AppointmentRow) -> None:
        mapping.copy_appointment(appointment, row)
        row.seat_group = await self._seat_group(appointment)

    async def _seat_group(self, appointment: Appointment) -> str | None:
        """Bookings of one group session share a key the exclusion constraint lets overlap."""
        appt_type = await self._session.get(AppointmentTypeRow, appointment.type_id)
        return None if appt_type is None else _seat_group(appointment, appt_type.max_participants)


def is_revision(row: AppointmentRow, appointment: Appointment) -> bool:
    """Whether saving ``appointment`` over ``row`` changes what SEQUENCE counts (RFC 5545
    3.8.7.4: start, end, status); notes and other details do not."""
    return (
        row.starts_at != appointment.start
        or row.ends_at != appointment.end
        or row.status != appointment.status.value
    )


def _seat_group(appointment: Appointment, max_participants: int) -> str | None:
    if max_participants <= 1:
        return None
    return f"{appointment.type_id}@{appointment.start.isoformat()}"


def _raise_slot_taken_if_excluded(exc: Exception) -> None:
    if sqlstate(exc) == _EXCLUSION_VIOLATION:
        raise SlotTaken("the slot was taken by a concurrent booking") from exc


_TABLE = AppointmentRow.__table__
# Sent to the driver (storage/driver_sql.py): the one write of every booking.
_INSERT_COLUMNS = (
    "provider_id", "client_id", "type_id", "starts_at", "ends_at", "status", "notes", "created_at",
    "updated_at", "cancelled_at", "cancel_reason", "cancelled_by", "late_cancel", "start_set_at",
    "series_id", "seat_group",
)
_INSERT = DriverStatement(
    f"INSERT INTO appointments ({', '.join(_INSERT_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _INSERT_COLUMNS)}) RETURNING id",
    **{c: _TABLE.c[c].type for c in _INSERT_COLUMNS},
)
