"""The Mini App's calendar edits, through the same core rules as /hours, /block, /special
and /unblock (core/schedule_admin.py):

* ``PUT /app/api/hours/{weekday}`` ``{"intervals": [{"start", "end"}, ...]}``: that weekday's
  weekly hours (none: a day off); ``POST /app/api/hours/copy`` ``{"from": 1, "to": [2, 3]}``.
* ``POST /app/api/blocks`` ``{"date", "start", "end", "decision"}`` (start/end null: the
  whole day). Bookings inside it and no decision: 409 with the conflicts, as /block
  asks "cancel them or keep them"; ``"cancel"`` cancels them and tells the clients,
  ``"keep"`` keeps them.
* ``DELETE /app/api/blocks/{id}``: a block or special hours (the freed time goes to
  the waitlist). ``POST /app/api/special`` ``{"date", "intervals"}``.

Each answers the week JSON of the week it changed (``?start=`` for weekly hours).
Times are the provider's local "HH:MM"; an end of "24:00" is midnight. Intervals of
one request may not overlap and must end after they start (the grid draws within a
day; a night shift that runs past midnight is still typed in the chat).
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.webapp_access import MINIAPP, ApiError, Caller, api, body_of
from bot.webapp_json import utc
from bot.webapp_routes import today_of, week_answer, week_start
from conversations import notifications, waitlist_offers
from conversations.provider_parsing import format_interval
from core.bounds import MAX_ID, OutOfRange, check_future_day
from core.errors import NotFound
from core.model import WeeklyInterval
from core.schedule_admin import (
    BlockSpec,
    HoursOverlap,
    add_block,
    appointments_hit_by_block,
    find_overlap,
    remove_override,
    set_special_hours,
    set_weekly_hours,
)

HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
MAX_INTERVALS = 12


def _clock_time(value: str) -> time:
    """"HH:MM" (24:00 is the midnight that ends the day) as a time."""
    if not HHMM.match(value):
        raise ValueError("use HH:MM")
    return time(0) if value == "24:00" else time.fromisoformat(value)


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


class Interval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: str
    end: str

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        for name in ("start", "end"):
            _clock_time(getattr(self, name))
        if self.start == "24:00":
            raise ValueError("start: use HH:MM from 00:00 to 23:59")
        if _minutes(self.end) <= _minutes(self.start):
            raise ValueError("end: the interval ends before it starts")
        return self

    def times(self) -> tuple[time, time]:
        return _clock_time(self.start), _clock_time(self.end)


class Hours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intervals: list[Interval] = Field(max_length=MAX_INTERVALS)

    @field_validator("intervals")
    @classmethod
    def _apart(cls, intervals: list[Interval]) -> list[Interval]:
        if find_overlap([WeeklyInterval(0, *i.times()) for i in intervals]) is not None:
            raise ValueError("the intervals overlap")
        return intervals

    def times(self) -> list[tuple[time, time]]:
        return sorted(i.times() for i in self.intervals)


class CopyHours(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    source: int = Field(alias="from", ge=0, le=6)
    to: list[int] = Field(min_length=1, max_length=6)

    @field_validator("to")
    @classmethod
    def _weekdays(cls, to: list[int]) -> list[int]:
        if any(not 0 <= day <= 6 for day in to):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        return to


class Block(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    start: str | None = None
    end: str | None = None
    decision: Literal["cancel", "keep"] | None = None

    @model_validator(mode="after")
    def _window(self) -> Block:
        if (self.start is None) != (self.end is None):
            raise ValueError("end: give both start and end, or neither for the whole day")
        if self.start is not None:
            Interval(start=self.start, end=self.end)  # type: ignore[arg-type]
        return self

    def spec(self) -> BlockSpec:
        if self.start is None or self.end is None:
            return BlockSpec(self.date, self.date)
        if self.start == "00:00" and self.end == "24:00":
            return BlockSpec(self.date, self.date)
        # A window is kept within its date: an end of 24:00 is stored as 23:59.
        end = time(23, 59) if self.end == "24:00" else _clock_time(self.end)
        return BlockSpec(self.date, self.date, _clock_time(self.start), end)


class Special(Hours):
    date: date
    intervals: list[Interval] = Field(min_length=1, max_length=MAX_INTERVALS)


def _future_day(caller: Caller, request: web.Request, day: date) -> date:
    try:
        return check_future_day(day, today_of(request, caller))
    except OutOfRange:
        raise ApiError(400, caller.texts._("Pick a date from today on."), field="date") from None


def _overlap_refusal(caller: Caller, exc: HoursOverlap) -> ApiError:
    detail = (f"{format_interval(exc.first.start, exc.first.end)} / "
              f"{format_interval(exc.second.start, exc.second.end)}")
    return ApiError(409, caller.texts._("The hours “{detail}” overlap.").format(detail=detail),
                    code="overlap")


def _weekday(request: web.Request) -> int:
    day = int(request.match_info["weekday"])
    if not 0 <= day <= 6:
        raise NotFound("weekday", day)
    return day


@api
async def _put_hours(request: web.Request, caller: Caller) -> web.Response:
    weekday = _weekday(request)
    hours = await body_of(request, Hours, caller.texts)
    svc = request.app[MINIAPP].services
    try:
        await set_weekly_hours(svc.uow(), caller.provider_id, [weekday], hours.times())
    except HoursOverlap as exc:  # with the night before or after (a night shift)
        raise _overlap_refusal(caller, exc) from None
    return await week_answer(request, caller, week_start(request, caller, today_of(request, caller)))


@api
async def _copy_hours(request: web.Request, caller: Caller) -> web.Response:
    copy = await body_of(request, CopyHours, caller.texts)
    svc = request.app[MINIAPP].services
    async with svc.uow() as unit:
        calendar = await unit.providers.calendar(caller.provider_id)
    if calendar is None:
        raise NotFound("provider", caller.provider_id)
    intervals = [(i.start, i.end) for i in calendar.weekly if i.is_active and i.day_of_week == copy.source]
    days = [day for day in copy.to if day != copy.source]
    try:
        await set_weekly_hours(svc.uow(), caller.provider_id, days, intervals)
    except HoursOverlap as exc:
        raise _overlap_refusal(caller, exc) from None
    return await week_answer(request, caller, week_start(request, caller, today_of(request, caller)))


@api
async def _add_block(request: web.Request, caller: Caller) -> web.Response:
    block = await body_of(request, Block, caller.texts)
    _future_day(caller, request, block.date)
    miniapp = request.app[MINIAPP]
    svc, t = miniapp.services, caller.texts
    spec = block.spec()
    if block.decision is None:
        hit = await appointments_hit_by_block(svc.uow(), caller.provider_id, spec, now=svc.clock())
        if hit:
            message = t.ngettext(
                "{n} booking in this block: cancel it and tell the client, or keep it?",
                "{n} bookings in this block: cancel them and tell the clients, or keep them?",
                len(hit),
            ).format(n=len(hit))
            conflicts = [
                {"id": item.appointment.id, "start": utc(item.appointment.start),
                 "end": utc(item.appointment.end), "client": item.client.name or "",
                 "type": item.appt_type.name}
                for item in hit
            ]
            raise ApiError(409, message, code="block_conflicts", conflicts=conflicts)
    cancelled = await add_block(
        svc.uow(), caller.provider_id, spec, cancel_hit=block.decision == "cancel",
        reason=t._("The provider is not available then."), now=svc.clock(),
    )
    context = miniapp.chat_context()
    for item in cancelled:
        await notifications.client_told(context, item.appointment.id, "cancelled")  # type: ignore[arg-type]
    if cancelled:
        await waitlist_offers.publish(context)
    response = await week_answer(request, caller, block.date)
    response.headers["X-Cancelled"] = str(len(cancelled))
    return response


@api
async def _remove_block(request: web.Request, caller: Caller) -> web.Response:
    override_id = int(request.match_info["id"])
    if override_id > MAX_ID:
        raise NotFound("block", override_id)
    miniapp = request.app[MINIAPP]
    svc = miniapp.services
    removed = await remove_override(svc.uow(), caller.provider_id, override_id, now=svc.clock())
    if removed is None:
        raise NotFound("block", override_id)
    await waitlist_offers.publish(miniapp.chat_context())  # freed time: the waitlist hears first
    return await week_answer(request, caller, removed.date)


@api
async def _special(request: web.Request, caller: Caller) -> web.Response:
    special = await body_of(request, Special, caller.texts)
    _future_day(caller, request, special.date)
    svc = request.app[MINIAPP].services
    await set_special_hours(svc.uow(), caller.provider_id, special.date, special.times())
    return await week_answer(request, caller, special.date)


def add_routes(app: web.Application) -> None:
    app.router.add_put(r"/app/api/hours/{weekday:\d}", _put_hours)
    app.router.add_post("/app/api/hours/copy", _copy_hours)
    app.router.add_post("/app/api/blocks", _add_block)
    app.router.add_delete(r"/app/api/blocks/{id:\d{1,18}}", _remove_block)
    app.router.add_post("/app/api/special", _special)
