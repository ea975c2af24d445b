"""The series a client is previewing (issue #14), kept in ``user_data`` between taps.

The preview's buttons carry only the draft's ``stamp`` and an occurrence's number: a
button of an older draft (another Repeat since, or a draft that is gone) no longer
matches and says the menu expired. ``user_data`` is persisted as tagged JSON, so the
draft is stored as a dict of plain values and read back defensively: anything
malformed reads as no draft.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from core.bounds import MAX_ID
from core.series import EVERY_WEEKS, InvalidSeries, SeriesRequest
from core.model import MAX_SERIES_OCCURRENCES

DRAFT = "series_draft"
STAMP = "series_stamp"  # the last stamp handed out: kept when the draft goes, never reused
#: user_data while "Until a date…" waits for the date: (provider, type, first start, every).
UNTIL_FOR = "series_until_for"


@dataclass(frozen=True)
class SeriesDraft:
    stamp: int
    provider_id: int
    type_id: int
    first_start: datetime
    every_weeks: int
    count: int | None
    until: date | None
    chosen: tuple[datetime | None, ...] = ()  # a start per occurrence; None: none chosen
    skipped: frozenset[int] = frozenset()  # occurrence indexes the client left out
    booked: int | None = None  # the series id once confirmed
    note: str | None = field(default=None, compare=False)

    @property
    def request(self) -> SeriesRequest:
        return SeriesRequest(self.first_start, self.every_weeks, self.count, self.until)

    def as_stored(self) -> dict[str, Any]:
        return {
            "stamp": self.stamp, "provider": self.provider_id, "type": self.type_id,
            "first": self.first_start, "every": self.every_weeks, "count": self.count,
            "until": self.until, "chosen": list(self.chosen), "skipped": sorted(self.skipped),
            "booked": self.booked, "note": self.note,
        }

    def with_choices(self, chosen: list[datetime | None], skipped: frozenset[int]) -> SeriesDraft:
        return replace(self, chosen=tuple(chosen), skipped=skipped)

    def with_booked(self, series_id: int) -> SeriesDraft:
        return replace(self, booked=series_id)


def _int(value: object, low: int = 0, high: int = MAX_ID) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(value)
    return value


def _aware(value: object) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(value)
    return value


def from_stored(stored: object) -> SeriesDraft | None:
    """The draft ``stored`` holds, or None for anything else (gone, old, malformed)."""
    if not isinstance(stored, dict):
        return None
    try:
        count, until, booked, note = (stored.get(k) for k in ("count", "until", "booked", "note"))
        chosen = stored.get("chosen")
        skipped = stored.get("skipped")
        if not isinstance(chosen, list) or not isinstance(skipped, list):
            raise ValueError("chosen")
        if len(chosen) > MAX_SERIES_OCCURRENCES:
            raise ValueError("chosen")
        if until is not None and (not isinstance(until, date) or isinstance(until, datetime)):
            raise ValueError("until")
        draft = SeriesDraft(
            stamp=_int(stored.get("stamp"), 1),
            provider_id=_int(stored.get("provider")),
            type_id=_int(stored.get("type")),
            first_start=_aware(stored.get("first")),
            every_weeks=_int(stored.get("every"), 1, max(EVERY_WEEKS)),
            count=None if count is None else _int(count, 2, MAX_SERIES_OCCURRENCES),
            until=until,
            chosen=tuple(None if c is None else _aware(c) for c in chosen),
            skipped=frozenset(_int(i, 0, len(chosen)) for i in skipped),
            booked=None if booked is None else _int(booked),
            note=note if isinstance(note, str) else None,
        )
        draft.request  # noqa: B018 - the request's own checks (exactly one of count and until)
    except (ValueError, InvalidSeries):
        return None
    return draft


def current(user_data: MutableMapping[Any, Any] | None, stamp: int) -> SeriesDraft | None:
    """The draft a button with ``stamp`` belongs to, if it is still the current one."""
    draft = from_stored((user_data or {}).get(DRAFT))
    return draft if draft is not None and draft.stamp == stamp else None


def start_draft(
    user_data: MutableMapping[Any, Any], *, provider_id: int, type_id: int, first_start: datetime,
    every_weeks: int, count: int | None = None, until: date | None = None, note: str | None = None,
) -> SeriesDraft:
    """A new draft with a stamp no earlier draft of this chat had; replaces the old one."""
    previous = user_data.get(STAMP)
    stamp = previous % MAX_ID + 1 if isinstance(previous, int) and previous > 0 else 1
    user_data[STAMP] = stamp
    draft = SeriesDraft(stamp, provider_id, type_id, first_start, every_weeks, count, until, note=note)
    user_data[DRAFT] = draft.as_stored()
    return draft


def save(user_data: MutableMapping[Any, Any], draft: SeriesDraft) -> None:
    user_data[DRAFT] = draft.as_stored()
