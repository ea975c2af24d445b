"""SQLAlchemy repository of providers: calendars, types, invites and client blocks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.model import (
    AppointmentType,
    CalendarWindow,
    Invite,
    NewProvider,
    Provider,
    ProviderCalendar,
    ProviderOffer,
    ScheduleOverride,
    WeeklyInterval,
)
from storage import mapping, screen_reads
from storage.orm import (
    AppointmentTypeRow,
    ClientBlockRow,
    InviteRow,
    ProviderRow,
    ScheduleOverrideRow,
    WeeklyIntervalRow,
)


class SqlProviderRepository:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self._session = session
        self._now = now
        # The session holds rows weakly; keeping loaded types spares the
        # appointment repository a second SELECT when it needs a capacity.
        self._loaded_types: list[AppointmentTypeRow] = []

    async def add(self, new: NewProvider) -> tuple[Provider, list[AppointmentType]]:
        row = ProviderRow(created_at=self._now)
        mapping.copy_provider(new.provider, row)
        self._session.add(row)
        await self._session.flush()
        await self.set_weekly(row.id, new.weekly)
        for override in new.overrides:
            await self.add_override(row.id, override)
        types = [
            await self.add_type(_with_provider(t, row.id)) for t in new.appointment_types
        ]
        return mapping.provider(row), types

    async def get(self, provider_id: int) -> Provider | None:
        row = await self._session.get(ProviderRow, provider_id, populate_existing=True)
        return None if row is None else mapping.provider(row)

    async def by_telegram_id(self, telegram_user_id: int) -> Provider | None:
        row = await self._session.scalar(
            select(ProviderRow).where(ProviderRow.telegram_user_id == telegram_user_id)
        )
        return None if row is None else mapping.provider(row)

    async def update(self, provider: Provider) -> None:
        row = await self._session.get(ProviderRow, provider.id)
        if row is None:
            raise LookupError(f"provider {provider.id} vanished")
        mapping.copy_provider(provider, row)
        await self._session.flush()

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
            overrides=tuple(mapping.override(o) for o in overrides),
        )

    async def set_weekly(self, provider_id: int, weekly: tuple[WeeklyInterval, ...]) -> None:
        await self._session.execute(
            delete(WeeklyIntervalRow).where(WeeklyIntervalRow.provider_id == provider_id)
        )
        self._session.add_all(
            WeeklyIntervalRow(
                provider_id=provider_id,
                day_of_week=i.day_of_week,
                start_time=i.start,
                end_time=i.end,
                is_active=i.is_active,
            )
            for i in weekly
        )
        await self._session.flush()

    async def add_override(self, provider_id: int, override: ScheduleOverride) -> ScheduleOverride:
        row = ScheduleOverrideRow(
            provider_id=provider_id,
            date=override.date,
            kind=override.kind.value,
            start_time=override.start,
            end_time=override.end,
        )
        self._session.add(row)
        await self._session.flush()
        return mapping.override(row)

    async def remove_override(self, provider_id: int, override_id: int) -> bool:
        result = await self._session.execute(
            delete(ScheduleOverrideRow).where(
                ScheduleOverrideRow.id == override_id,
                ScheduleOverrideRow.provider_id == provider_id,
            )
        )
        return bool(result.rowcount)

    # The catalogue is read on every /book and provider tap, the calendar
    # window on every screen after: one statement each (storage/screen_reads.py).
    async def offers(self) -> list[ProviderOffer]:
        return await screen_reads.offers(self._session)

    async def offer(self, provider_id: int) -> ProviderOffer | None:
        return await screen_reads.offer(self._session, provider_id)

    async def calendar_window(
        self, provider_id: int, type_id: int, busy_from: datetime, busy_to: datetime
    ) -> CalendarWindow:
        return await screen_reads.calendar_window(
            self._session, provider_id, type_id, busy_from, busy_to
        )

    async def appointment_type(self, type_id: int) -> AppointmentType | None:
        row = await self._session.get(AppointmentTypeRow, type_id)
        if row is None:
            return None
        self._loaded_types.append(row)
        return mapping.appointment_type(row)

    async def types(self, provider_id: int) -> list[AppointmentType]:
        rows = await self._session.scalars(
            select(AppointmentTypeRow)
            .where(AppointmentTypeRow.provider_id == provider_id)
            .order_by(AppointmentTypeRow.id)
        )
        return [mapping.appointment_type(r) for r in rows]

    async def add_type(self, appt_type: AppointmentType) -> AppointmentType:
        row = AppointmentTypeRow(provider_id=appt_type.provider_id)
        mapping.copy_type(appt_type, row)
        self._session.add(row)
        await self._session.flush()
        return mapping.appointment_type(row)

    async def update_type(self, appt_type: AppointmentType) -> None:
        row = await self._session.get(AppointmentTypeRow, appt_type.id)
        if row is None:
            raise LookupError(f"appointment type {appt_type.id} vanished")
        mapping.copy_type(appt_type, row)
        await self._session.flush()

    async def add_invite(self, invite: Invite) -> Invite:
        row = InviteRow(
            provider_id=invite.provider_id,
            token_hash=invite.token_hash,
            created_at=invite.created_at,
            expires_at=invite.expires_at,
        )
        self._session.add(row)
        await self._session.flush()
        return mapping.invite(row)

    async def invite_by_hash(self, token_hash: str) -> Invite | None:
        row = await self._session.scalar(select(InviteRow).where(InviteRow.token_hash == token_hash))
        return None if row is None else mapping.invite(row)

    async def save_invite(self, invite: Invite) -> None:
        row = await self._session.get(InviteRow, invite.id)
        if row is None:
            raise LookupError(f"invite {invite.id} vanished")
        row.used_at, row.used_by = invite.used_at, invite.used_by
        await self._session.flush()

    async def blocked_client_ids(self, provider_id: int) -> set[int]:
        rows = await self._session.scalars(
            select(ClientBlockRow.client_id).where(ClientBlockRow.provider_id == provider_id)
        )
        return set(rows)

    async def set_client_blocked(self, provider_id: int, client_id: int, blocked: bool) -> None:
        existing = await self._session.get(ClientBlockRow, (provider_id, client_id))
        if blocked and existing is None:
            self._session.add(ClientBlockRow(provider_id=provider_id, client_id=client_id))
        elif not blocked and existing is not None:
            await self._session.delete(existing)
        await self._session.flush()

    async def claim_digest(self, provider_id: int, day: date) -> bool:
        # One conditional UPDATE: of two processes, exactly one sees a row change.
        result = await self._session.execute(
            update(ProviderRow)
            .where(
                ProviderRow.id == provider_id,
                or_(ProviderRow.digest_sent_on.is_(None), ProviderRow.digest_sent_on < day),
            )
            .values(digest_sent_on=day)
        )
        return result.rowcount == 1

    async def release_digest(self, provider_id: int, day: date) -> None:
        # Only that day's claim: a later day's (another process, a later poll) stays.
        await self._session.execute(
            update(ProviderRow)
            .where(ProviderRow.id == provider_id, ProviderRow.digest_sent_on == day)
            .values(digest_sent_on=None)
        )

    async def with_digest(self) -> list[Provider]:
        rows = await self._session.scalars(
            select(ProviderRow).where(
                ProviderRow.digest_time.is_not(None), ProviderRow.telegram_user_id.is_not(None)
            )
        )
        return [mapping.provider(r) for r in rows]


def _with_provider(appt_type: AppointmentType, provider_id: int) -> AppointmentType:
    return replace(appt_type, provider_id=provider_id)
