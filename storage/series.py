"""SQLAlchemy repository of appointment series (issue #14, migration 0011)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.model import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentSeries,
    SeriesBookedBy,
    SkippedOccurrence,
)
from storage import mapping
from storage.orm import AppointmentRow, AppointmentSeriesRow

_ROW = AppointmentSeriesRow
_ACTIVE = [s.value for s in ACTIVE_STATUSES]


def _skipped_json(skipped: tuple[SkippedOccurrence, ...]) -> str:
    return json.dumps([
        {"date": s.local_date.isoformat(), "start": s.start.astimezone(UTC).isoformat(),
         "reason": s.reason}
        for s in skipped
    ])


def _skipped(text: str) -> tuple[SkippedOccurrence, ...]:
    return tuple(
        SkippedOccurrence(
            date.fromisoformat(s["date"]), datetime.fromisoformat(s["start"]).astimezone(UTC),
            s["reason"],
        )
        for s in json.loads(text or "[]")
    )


def _series(row: Any) -> AppointmentSeries:
    return AppointmentSeries(
        id=row.id, provider_id=row.provider_id, client_id=row.client_id, type_id=row.type_id,
        first_start=row.first_start, every_weeks=row.every_weeks, count=row.occurrence_count,
        until=row.until_date, booked_by=SeriesBookedBy(row.booked_by),
        created_at=row.created_at, skipped=_skipped(row.skipped),
    )


class SqlSeriesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, series: AppointmentSeries) -> AppointmentSeries:
        new_id = (await self._session.execute(
            insert(_ROW).values(
                provider_id=series.provider_id, client_id=series.client_id,
                type_id=series.type_id, first_start=series.first_start,
                every_weeks=series.every_weeks, occurrence_count=series.count,
                until_date=series.until, booked_by=series.booked_by.value,
                created_at=series.created_at, skipped=_skipped_json(series.skipped),
            ).returning(_ROW.id)
        )).scalar_one()
        return AppointmentSeries(**{**series.__dict__, "id": new_id})

    async def get(self, series_id: int) -> AppointmentSeries | None:
        row = (await self._session.execute(select(_ROW).where(_ROW.id == series_id))).scalar()
        return None if row is None else _series(row)

    async def find(
        self, *, client_id: int, provider_id: int, type_id: int, first_start: datetime,
        every_weeks: int, count: int | None, until: date | None,
    ) -> AppointmentSeries | None:
        live = exists().where(
            AppointmentRow.series_id == _ROW.id, AppointmentRow.status.in_(_ACTIVE)
        )
        row = (await self._session.execute(
            select(_ROW).where(
                _ROW.client_id == client_id, _ROW.provider_id == provider_id,
                _ROW.first_start == first_start, _ROW.type_id == type_id,
                _ROW.every_weeks == every_weeks,
                _ROW.occurrence_count.is_(None) if count is None else _ROW.occurrence_count == count,
                _ROW.until_date.is_(None) if until is None else _ROW.until_date == until,
                live,
            ).order_by(_ROW.id.desc()).limit(1)
        )).scalar()
        return None if row is None else _series(row)

    async def occurrences(self, series_id: int) -> list[Appointment]:
        rows = await self._session.scalars(
            select(AppointmentRow)
            .where(AppointmentRow.series_id == series_id)
            .order_by(AppointmentRow.starts_at, AppointmentRow.id)
        )
        return [mapping.appointment(row) for row in rows]
