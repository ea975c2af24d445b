"""SQLAlchemy implementations of the core's repositories: rows in, dataclasses out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import SlotTaken
from core.model import (
    ACTIVE_STATUSES,
    MAX_APPOINTMENT_LENGTH,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    BusyPeriod,
    CancelledBy,
    Client,
    NewProvider,
    OverrideKind,
    Provider,
    ProviderCalendar,
    ProviderOffer,
    ProviderSettings,
    ProviderType,
    ScheduleOverride,
    WeeklyInterval,
)
from storage.orm import (
    AppointmentRow,
    AppointmentTypeRow,
    ClientRow,
    ProviderRow,
    ScheduleOverrideRow,
    WeeklyIntervalRow,
)

_ACTIVE = [s.value for s in ACTIVE_STATUSES]
# SQLSTATE of an exclusion-constraint violation: the database's own guard
# against overlapping appointments, reported like any lost race.
_EXCLUSION_VIOLATION = "23P01"


def _provider(row: ProviderRow) -> Provider:
    return Provider(
        id=row.id,
        name=row.name,
        email=row.email,
        type=ProviderType(row.type),
        timezone=row.timezone,
        settings=ProviderSettings(
            buffer_minutes_between_appointments=row.buffer_minutes,
            max_advance_days=row.max_advance_days,
            min_notice_hours=row.min_notice_hours,
            auto_confirm=row.auto_confirm,
        ),
        telegram_user_id=row.telegram_user_id,
        is_active=row.is_active,
        address=row.address,
    )


def _appointment_type(row: AppointmentTypeRow) -> AppointmentType:
    return AppointmentType(
        id=row.id,
        provider_id=row.provider_id,
        name=row.name,
        duration_minutes=row.duration_minutes,
        is_virtual=row.is_virtual,
        price=row.price,
        currency=row.currency,
        max_participants=row.max_participants,
        is_active=row.is_active,
    )


def _appointment(row: AppointmentRow) -> Appointment:
    return Appointment(
        id=row.id,
        provider_id=row.provider_id,
        client_id=row.client_id,
        type_id=row.type_id,
        start=row.starts_at,
        end=row.ends_at,
        status=AppointmentStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        notes=row.notes,
        cancelled_at=row.cancelled_at,
        cancel_reason=row.cancel_reason,
        cancelled_by=CancelledBy(row.cancelled_by) if row.cancelled_by else None,
        late_cancel=row.late_cancel,
    )


def _client(row: ClientRow) -> Client:
    return Client(
        id=row.id,
        telegram_user_id=row.telegram_user_id,
        name=row.name,
        language=row.language,
        timezone=row.timezone,
    )


class SqlProviderRepository:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self._session = session
        self._now = now
        self._loaded_types: list[AppointmentTypeRow] = []

    async def add(self, new: NewProvider) -> tuple[Provider, list[AppointmentType]]:
        p = new.provider
        row = ProviderRow(
            name=p.name,
            email=p.email,
            type=p.type.value,
            timezone=p.timezone,
            buffer_minutes=p.settings.buffer_minutes_between_appointments,
            max_advance_days=p.settings.max_advance_days,
            min_notice_hours=p.settings.min_notice_hours,
            auto_confirm=p.settings.auto_confirm,
            telegram_user_id=p.telegram_user_id,
            is_active=p.is_active,
            address=p.address,
            created_at=self._now,
        )
        self._session.add(row)
        await self._session.flush()
        self._session.add_all(
            WeeklyIntervalRow(
                provider_id=row.id,
                day_of_week=i.day_of_week,
                start_time=i.start,
                end_time=i.end,
                is_active=i.is_active,
            )
            for i in new.weekly
        )
        self._session.add_all(
            ScheduleOverrideRow(
                provider_id=row.id,
                date=o.date,
                kind=o.kind.value,
                start_time=o.start,
                end_time=o.end,
            )
            for o in new.overrides
        )
        type_rows = [
            AppointmentTypeRow(
                provider_id=row.id,
                name=t.name,
                duration_minutes=t.duration_minutes,
                is_virtual=t.is_virtual,
                price=t.price,
                currency=t.currency,
                max_participants=t.max_participants,
                is_active=t.is_active,
            )
            for t in new.appointment_types
        ]
        self._session.add_all(type_rows)
        await self._session.flush()
        return _provider(row), [_appointment_type(t) for t in type_rows]

    async def get(self, provider_id: int) -> Provider | None:
        row = await self._session.get(ProviderRow, provider_id)
        return None if row is None else _provider(row)

    async def calendar(self, provider_id: int) -> ProviderCalendar | None:
        provider = await self.get(provider_id)
        if provider is None:
            return None
        weekly = await self._session.scalars(
            select(WeeklyIntervalRow)
            .where(WeeklyIntervalRow.provider_id == provider_id)
            .order_by(WeeklyIntervalRow.day_of_week, WeeklyIntervalRow.start_time)
        )
        overrides = await self._session.scalars(
            select(ScheduleOverrideRow)
            .where(ScheduleOverrideRow.provider_id == provider_id)
            .order_by(ScheduleOverrideRow.date, ScheduleOverrideRow.id)
        )
        return ProviderCalendar(
            provider=provider,
            weekly=tuple(
                WeeklyInterval(w.day_of_week, w.start_time, w.end_time, w.is_active)
                for w in weekly
            ),
            overrides=tuple(
                ScheduleOverride(o.date, OverrideKind(o.kind), o.start_time, o.end_time)
                for o in overrides
            ),
        )

    async def offers(self) -> list[ProviderOffer]:
        providers = await self._session.scalars(
            select(ProviderRow).where(ProviderRow.is_active.is_(True)).order_by(ProviderRow.id)
        )
        types = await self._session.scalars(
            select(AppointmentTypeRow)
            .join(ProviderRow, ProviderRow.id == AppointmentTypeRow.provider_id)
            .where(AppointmentTypeRow.is_active.is_(True), ProviderRow.is_active.is_(True))
            .order_by(AppointmentTypeRow.id)
        )
        by_provider: dict[int, list[AppointmentType]] = {}
        for row in types:
            by_provider.setdefault(row.provider_id, []).append(_appointment_type(row))
        return [
            ProviderOffer(_provider(p), tuple(by_provider.get(p.id, ()))) for p in providers
        ]

    async def appointment_type(self, type_id: int) -> AppointmentType | None:
        row = await self._session.get(AppointmentTypeRow, type_id)
        if row is None:
            return None
        # The session holds rows weakly; keeping this one spares the appointment
        # repository a second SELECT when it needs the type's capacity.
        self._loaded_types.append(row)
        return _appointment_type(row)


class SqlClientRepository:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self._session = session
        self._now = now

    async def get(self, client_id: int) -> Client | None:
        row = await self._session.get(ClientRow, client_id)
        return None if row is None else _client(row)

    async def by_telegram_id(self, telegram_user_id: int) -> Client | None:
        row = await self._session.scalar(
            select(ClientRow).where(ClientRow.telegram_user_id == telegram_user_id)
        )
        return None if row is None else _client(row)

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
        return _client(row)

    async def update(self, client: Client) -> None:
        row = await self._session.get(ClientRow, client.id)
        if row is None:
            raise LookupError(f"client {client.id} vanished")
        row.name = client.name
        row.language = client.language
        row.timezone = client.timezone
        await self._session.flush()


class SqlAppointmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, appointment_id: int) -> Appointment | None:
        row = await self._session.get(AppointmentRow, appointment_id, populate_existing=True)
        return None if row is None else _appointment(row)

    async def busy_between(
        self, provider_id: int, start: datetime, end: datetime, *, exclude_id: int | None = None
    ) -> list[BusyPeriod]:
        # A UTC range on the (provider_id, starts_at) index: never DATE(), which
        # needs a time zone the database does not know. No appointment is longer
        # than MAX_APPOINTMENT_LENGTH, which bounds the index range from below
        # (without it every older row of the provider would be read).
        query = select(
            AppointmentRow.starts_at, AppointmentRow.ends_at, AppointmentRow.type_id
        ).where(
            AppointmentRow.provider_id == provider_id,
            AppointmentRow.starts_at >= start - MAX_APPOINTMENT_LENGTH,
            AppointmentRow.starts_at < end,
            AppointmentRow.ends_at > start,
            AppointmentRow.status.in_(_ACTIVE),
        )
        if exclude_id is not None:
            query = query.where(AppointmentRow.id != exclude_id)
        rows = await self._session.execute(query)
        return [BusyPeriod(s, e, t) for s, e, t in rows]

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
        return None if row is None else _appointment(row)

    async def add(self, appointment: Appointment) -> Appointment:
        row = AppointmentRow()
        await self._copy(appointment, row)
        self._session.add(row)
        await self._flush()
        appointment.id = row.id
        return appointment

    async def save(self, appointment: Appointment) -> None:
        row = await self._session.get(AppointmentRow, appointment.id)
        if row is None:
            raise LookupError(f"appointment {appointment.id} vanished")
        await self._copy(appointment, row)
        await self._flush()

    async def for_client(self, client_id: int, *, since: datetime) -> Sequence[Appointment]:
        rows = await self._session.scalars(
            select(AppointmentRow)
            .where(AppointmentRow.client_id == client_id, AppointmentRow.ends_at > since)
            .order_by(AppointmentRow.starts_at)
        )
        return [_appointment(r) for r in rows]

    async def _flush(self) -> None:
        try:
            await self._session.flush()
        except IntegrityError as exc:
            if getattr(exc.orig, "sqlstate", None) == _EXCLUSION_VIOLATION:
                raise SlotTaken("the slot was taken by a concurrent booking") from exc
            raise

    async def _copy(self, appointment: Appointment, row: AppointmentRow) -> None:
        if not appointment.start < appointment.end <= appointment.start + MAX_APPOINTMENT_LENGTH:
            raise ValueError(f"appointment length out of range: {appointment.start}..{appointment.end}")
        row.provider_id = appointment.provider_id
        row.client_id = appointment.client_id
        row.type_id = appointment.type_id
        row.starts_at = appointment.start
        row.ends_at = appointment.end
        row.status = appointment.status.value
        row.notes = appointment.notes
        row.created_at = appointment.created_at
        row.updated_at = appointment.updated_at
        row.cancelled_at = appointment.cancelled_at
        row.cancel_reason = appointment.cancel_reason
        row.cancelled_by = appointment.cancelled_by.value if appointment.cancelled_by else None
        row.late_cancel = appointment.late_cancel
        row.seat_group = await self._seat_group(appointment)

    async def _seat_group(self, appointment: Appointment) -> str | None:
        """Bookings of one group session share a key the exclusion constraint lets overlap."""
        appt_type = await self._session.get(AppointmentTypeRow, appointment.type_id)
        if appt_type is None or appt_type.max_participants <= 1:
            return None
        return f"{appointment.type_id}@{appointment.start.isoformat()}"
