"""A client's weekly series as /my shows them (issue #14): one entry per series.

Occurrences are ordinary appointments, so /my reads them with the rest and
:func:`group_series` folds each series' occurrences into one :class:`SeriesEntry`,
placed where its next occurrence would have stood. Reads check ownership: another client's series is
reported as not found, exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from core.appointments import details_of
from core.errors import NotFound
from core.localtime import require_utc
from core.model import AppointmentDetails
from core.ports import UnitOfWork


@dataclass(frozen=True)
class SeriesEntry:
    """A series in /my: its occurrences still to come (active, not ended), by start."""

    series_id: int
    every_weeks: int
    occurrences: tuple[AppointmentDetails, ...]

    @property
    def next(self) -> AppointmentDetails:
        return self.occurrences[0]

    @property
    def left(self) -> int:
        return len(self.occurrences)


#: One line of /my: a single appointment, or a whole series.
MyEntry = AppointmentDetails | SeriesEntry


def group_series(
    items: Sequence[AppointmentDetails], every_weeks: Mapping[int, int]
) -> list[MyEntry]:
    """``items`` (by start) with each series' occurrences folded into one entry.

    ``every_weeks`` maps a series id to its frequency; an occurrence whose series
    is not in it stays a single appointment rather than being lost.
    """
    members: dict[int, list[AppointmentDetails]] = {}
    for d in items:
        series_id = d.appointment.series_id
        if series_id is not None and series_id in every_weeks:
            members.setdefault(series_id, []).append(d)
    entries: list[MyEntry] = []
    for d in items:
        series_id = d.appointment.series_id
        if series_id is None or series_id not in members:
            entries.append(d)
        elif members[series_id][0] is d:  # the series stands where its next one would
            entries.append(SeriesEntry(series_id, every_weeks[series_id], tuple(members[series_id])))
    return entries


async def my_entries(uow: UnitOfWork, client_id: int, now: datetime) -> list[MyEntry]:
    """The client's active appointments not ended yet, soonest first, each series as one
    entry (what ``upcoming_for_client`` lists, read in the same one transaction)."""
    now = require_utc(now, "now")
    async with uow:
        items = [
            await details_of(uow, a)
            for a in await uow.appointments.for_client(client_id, since=now) if a.is_active
        ]
        every_weeks: dict[int, int] = {}
        for series_id in {d.appointment.series_id for d in items} - {None}:
            series = await uow.series.get(series_id)  # type: ignore[arg-type]
            if series is not None:
                every_weeks[series_id] = series.every_weeks  # type: ignore[index]
    return group_series(items, every_weeks)


async def client_series(
    uow: UnitOfWork, series_id: int, client_id: int, now: datetime | None = None
) -> SeriesEntry:
    """The client's own series with its active occurrences, by start; with ``now``,
    only those not ended yet (what /my lists). Another client's: :class:`NotFound`."""
    now = None if now is None else require_utc(now, "now")
    async with uow:
        series = await uow.series.get(series_id)
        if series is None or series.client_id != client_id:
            raise NotFound("series", series_id)
        occurrences = [
            a for a in await uow.series.occurrences(series_id)
            if a.is_active and (now is None or a.end > now) and a.client_id == client_id
        ]
        details = tuple([await details_of(uow, a) for a in occurrences])
    return SeriesEntry(series_id, series.every_weeks, details)
