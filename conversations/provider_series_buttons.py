"""The provider side of weekly series (issue #14): its buttons (re-exported by
``callbacks.py``). Every id is re-checked against the provider the caller runs.

The booking steps carry the whole request so far (client, type, first start, every,
count): a step needs no draft in ``user_data`` and survives a restart. The last one
also carries a fingerprint of the free starts its preview showed, so that what is
booked is exactly what was shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from conversations.callback_codec import Callback, button


@button("za")
@dataclass(frozen=True)
class TypeSeries(Callback):
    """/types: clients may (True) or may not (False) book type ``type_id`` as a weekly series."""

    type_id: int
    allow: bool


@button("zb")
@dataclass(frozen=True)
class SeriesCancelFrom(Callback):
    """/agenda entry: cancel its series from the appointment's date on (asks first)."""

    appointment: int


@button("zl")
@dataclass(frozen=True)
class SeriesCancelNow(Callback):
    """Under that question: cancel without a reason."""

    appointment: int


@button("zc")
@dataclass(frozen=True)
class ClientCard(Callback):
    """/clients: one client's card."""

    client: int


@button("zd")
@dataclass(frozen=True)
class SeriesForClient(Callback):
    """Book a weekly series for ``client``: which type (page ``page`` of the types)."""

    client: int
    page: int = 0


@button("ze")
@dataclass(frozen=True)
class SeriesMonth(Callback):
    """Its first date: a month of the provider's calendar (any numbers decode; checked)."""

    client: int
    type_id: int
    year: int
    month: int


@button("zf")
@dataclass(frozen=True)
class SeriesDay(Callback):
    """Its first start: the times offered on ``day`` (the provider's date)."""

    client: int
    type_id: int
    day: date


@button("zm")
@dataclass(frozen=True)
class SeriesDayPage(SeriesDay):
    page: int = 0


@button("zg")
@dataclass(frozen=True)
class SeriesStart(Callback):
    """How often, from ``start``."""

    client: int
    type_id: int
    start: datetime


@button("zh")
@dataclass(frozen=True)
class ProviderSeriesEvery(Callback):
    """How many sessions, every ``every`` weeks from ``start``."""

    client: int
    type_id: int
    start: datetime
    every: int


@button("zi")
@dataclass(frozen=True)
class ProviderSeriesPreview(Callback):
    """The preview: every session, free or not and why."""

    client: int
    type_id: int
    start: datetime
    every: int
    count: int


@button("zj")
@dataclass(frozen=True)
class SeriesBook(Callback):
    """Book the free sessions the preview showed: ``shown`` is their fingerprint.
    (Not a subclass of ProviderSeriesPreview, whose handler would take it too.)"""

    client: int
    type_id: int
    start: datetime
    every: int
    count: int
    shown: str


@button("zk")
@dataclass(frozen=True)
class SeriesDecision(Callback):
    """Under a new series waiting for confirmation: confirm (True) or decline (False) it all."""

    series: int
    confirm: bool
