"""Editing hours, blocks and special hours from the Mini App: the core rules of /hours,
/block and /special, the block's conflict question, and the clients told.

Clock: Wednesday 2026-11-25 12:00 UTC. Dr. Ana Petrova (Berlin) works Mon-Fri
09:00-12:30 and 14:00-18:00.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conversations.i18n import texts_for
from core.model import AppointmentStatus, OverrideKind
from tests.e2e.miniapp_harness import CLIENT_TOM, MARIA, running_miniapp

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
EN = texts_for("en")
FRI_FOUR_BERLIN = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


@pytest.fixture
async def server(engine, clock):
    async with running_miniapp(engine, clock) as running:
        yield running


async def _calendar(server, provider_id):
    async with server.bot.uow() as unit:
        return await unit.providers.calendar(provider_id)


async def test_painting_tuesday_replaces_only_tuesdays_hours(server):
    reply = await server.call("PUT", "/app/api/hours/1",
                              body={"intervals": [{"start": "08:00", "end": "11:00"},
                                                  {"start": "15:00", "end": "24:00"}]})
    assert reply.status == 200, reply.body
    tuesday = reply.body["days"][1]
    assert [(h["start"], h["end"]) for h in tuesday["hours"]] == [("08:00", "11:00"), ("15:00", "00:00")]
    weekly = (await _calendar(server, server.ana)).weekly
    assert {(i.start.isoformat("minutes"), i.end.isoformat("minutes"))
            for i in weekly if i.day_of_week == 1} == {("08:00", "11:00"), ("15:00", "00:00")}
    assert sum(1 for i in weekly if i.day_of_week == 0) == 2  # Monday untouched
    off = await server.call("PUT", "/app/api/hours/6", body={"intervals": []})
    assert off.status == 200 and off.body["days"][6]["day_off"] is True


@pytest.mark.parametrize("body, field", [
    ({"intervals": [{"start": "9:00", "end": "12:00"}]}, "intervals.0"),
    ({"intervals": [{"start": "12:00", "end": "09:00"}]}, "intervals.0"),
    ({"intervals": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]}, "intervals"),
    ({"intervals": [], "extra": 1}, "extra"),
    ({}, "intervals"),
])
async def test_bad_hours_answer_400_naming_the_field(server, body, field):
    reply = await server.call("PUT", "/app/api/hours/1", body=body)
    assert reply.status == 400 and reply.body["field"] == field, reply.body
    assert (await server.call("PUT", "/app/api/hours/7", body={"intervals": []})).status == 404


async def test_copying_a_days_hours_to_other_weekdays(server):
    reply = await server.call("POST", "/app/api/hours/copy", body={"from": 0, "to": [5, 6]})
    assert reply.status == 200, reply.body
    saturday = reply.body["days"][5]
    assert [(h["start"], h["end"]) for h in saturday["hours"]] == [("09:00", "12:30"), ("14:00", "18:00")]
    bad = await server.call("POST", "/app/api/hours/copy", body={"from": 0, "to": [9]})
    assert bad.status == 400 and bad.body["field"] == "to"


async def test_a_block_over_a_booking_asks_first_then_cancels_and_tells_the_client(server):
    booked = await server.book(server.ana, 0, FRI_FOUR_BERLIN)
    tom = server.bot.user(CLIENT_TOM, "Tom")
    told_before = len(tom.messages)
    block = {"date": "2026-11-27", "start": "14:00", "end": "18:00"}
    asked = await server.call("POST", "/app/api/blocks", body=block)
    assert asked.status == 409, asked.body
    assert asked.body["conflicts"] == [{"id": booked.id, "start": "2026-11-27T15:00:00Z",
                                        "end": "2026-11-27T15:30:00Z", "client": "Tom",
                                        "type": "Consultation"}]
    assert "cancel" in asked.body["error"]
    assert (await _calendar(server, server.ana)).overrides == ()  # nothing saved yet
    assert len(tom.messages) == told_before

    done = await server.call("POST", "/app/api/blocks", body={**block, "decision": "cancel"})
    assert done.status == 200, done.body
    friday = done.body["days"][4]
    assert friday["blocks"][0] | {"id": 0} == {"id": 0, "start": "14:00", "end": "18:00",
                                                "whole_day": False}
    assert done.body["appointments"][0]["status"] == "CANCELLED"
    assert tom.last.text.startswith(EN._("Sorry, the provider had to cancel your appointment:"))
    assert EN._("The provider is not available then.") in tom.last.text


async def test_keeping_the_bookings_saves_the_block_and_keeps_them(server):
    booked = await server.book(server.ana, 0, FRI_FOUR_BERLIN)
    reply = await server.call("POST", "/app/api/blocks", body={
        "date": "2026-11-27", "start": "14:00", "end": "18:00", "decision": "keep"})
    assert reply.status == 200
    async with server.bot.uow() as unit:
        assert (await unit.appointments.get(booked.id)).status is AppointmentStatus.CONFIRMED


async def test_a_whole_day_block_and_removing_it(server):
    reply = await server.call("POST", "/app/api/blocks", body={"date": "2026-11-30"})
    assert reply.status == 200, reply.body
    monday = reply.body["days"][0]
    assert monday["day_off"] is True and monday["blocks"][0]["whole_day"] is True
    (block,) = reply.body["blocks"]
    assert block["start_utc"] == "2026-11-29T23:00:00Z" and block["end_utc"] == "2026-11-30T23:00:00Z"
    foreign = await server.call("DELETE", f"/app/api/blocks/{block['id']}", user=MARIA)
    assert foreign.status == 404
    removed = await server.call("DELETE", f"/app/api/blocks/{block['id']}")
    assert removed.status == 200 and removed.body["days"][0]["day_off"] is False
    again = await server.call("DELETE", f"/app/api/blocks/{block['id']}")
    assert again.status == 404


@pytest.mark.parametrize("body", [
    {"date": "2026-11-20"},  # in the past
    {"date": "2026-11-27", "start": "14:00"},
    {"date": "2026-11-27", "start": "18:00", "end": "14:00"},
    {"date": "2026-11-27", "decision": "maybe"},
    {"date": "9999-12-31"},
])
async def test_bad_blocks_answer_400(server, body):
    assert (await server.call("POST", "/app/api/blocks", body=body)).status == 400


async def test_special_hours_replace_the_weekly_ones_that_date_and_can_be_removed(server):
    reply = await server.call("POST", "/app/api/special", body={
        "date": "2026-11-28", "intervals": [{"start": "10:00", "end": "13:00"}]})
    assert reply.status == 200, reply.body
    saturday = reply.body["days"][5]
    assert saturday["special"] is True and saturday["day_off"] is False
    (hours,) = saturday["hours"]
    assert (hours["start"], hours["end"]) == ("10:00", "13:00")
    (special,) = (await _calendar(server, server.ana)).overrides
    assert special.kind is OverrideKind.SPECIAL_HOURS and hours["id"] == special.id
    removed = await server.call("DELETE", f"/app/api/blocks/{special.id}")
    assert removed.status == 200 and removed.body["days"][5]["day_off"] is True
