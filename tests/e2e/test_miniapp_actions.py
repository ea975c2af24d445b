"""Acting on appointments from the Mini App: the same services and the same chat notices
as /agenda's buttons, and never on another provider's appointment.

Clock: Wednesday 2026-11-25 12:00 UTC. María López (Madrid) confirms requests by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conversations import notifications
from conversations.i18n import texts_for
from core.model import AppointmentStatus
from tests.e2e.miniapp_harness import ANA, CLIENT_TOM, MARIA, running_miniapp

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
EN = texts_for("en")
FRI_FOUR_MADRID = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
WED_TEN_MADRID = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
THU_NINE_BERLIN = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


@pytest.fixture
async def server(engine, clock):
    async with running_miniapp(engine, clock) as running:
        yield running


async def _status(server, appointment_id):
    async with server.bot.uow() as unit:
        return (await unit.appointments.get(appointment_id)).status


async def test_confirming_in_the_app_tells_the_client_as_the_chat_does(server):
    by_chat = await server.book(server.maria, 0, FRI_FOUR_MADRID)
    by_app = await server.book(server.maria, 0, WED_TEN_MADRID)
    tom = server.bot.user(CLIENT_TOM, "Tom")
    maria = server.bot.user(MARIA, "María")
    # The chat's way: the request notice's Confirm button.
    await notifications.booking_made(server.chat_context(), by_chat.id)
    await maria.tap("✅ " + EN._("Confirm"), maria.last)
    chat_notice = tom.last.text

    reply = await server.call("POST", f"/app/api/appointments/{by_app.id}/confirm", user=MARIA)
    assert reply.status == 200, reply.body
    assert reply.body["appointment"]["status"] == "CONFIRMED"
    assert reply.body["appointment"]["id"] == by_app.id
    assert await _status(server, by_app.id) is AppointmentStatus.CONFIRMED
    app_notice = tom.last.text
    assert app_notice != chat_notice  # a second message, for the other appointment
    assert app_notice.splitlines()[:2] == chat_notice.splitlines()[:2]
    assert app_notice.startswith(EN._("✅ Your appointment is confirmed:"))
    assert "December" in app_notice and "November" in chat_notice


async def test_cancelling_with_a_reason_tells_the_client_the_reason(server):
    booked = await server.book(server.ana, 0, THU_NINE_BERLIN)
    tom = server.bot.user(CLIENT_TOM, "Tom")
    reply = await server.call("POST", f"/app/api/appointments/{booked.id}/cancel",
                              body={"reason": "Ill <today>"})
    assert reply.status == 200, reply.body
    assert reply.body["appointment"]["status"] == "CANCELLED"
    assert tom.last.text.startswith(EN._("Sorry, the provider had to cancel your appointment:"))
    assert "Reason: Ill <today>" in tom.last.text  # escaped in HTML, read back as typed
    assert EN._("Pick a new time") in tom.last.button_texts


async def test_declining_tells_the_client(server):
    booked = await server.book(server.maria, 0, FRI_FOUR_MADRID)
    tom = server.bot.user(CLIENT_TOM, "Tom")
    reply = await server.call("POST", f"/app/api/appointments/{booked.id}/decline", user=MARIA,
                              body={"reason": None})
    assert reply.status == 200 and reply.body["appointment"]["status"] == "CANCELLED"
    assert tom.last.text.startswith(EN._("Sorry, the provider could not accept your request:"))


async def test_another_providers_appointment_is_not_found_and_untouched(server):
    marias = await server.book(server.maria, 0, FRI_FOUR_MADRID)
    tom = server.bot.user(CLIENT_TOM, "Tom")
    before = len(tom.messages)
    for action in ("confirm", "decline", "cancel", "complete", "no_show"):
        reply = await server.call("POST", f"/app/api/appointments/{marias.id}/{action}", user=ANA)
        assert reply.status == 404, (action, reply.body)
        assert "Tom" not in str(reply.body)
    assert await _status(server, marias.id) is AppointmentStatus.PENDING
    assert len(tom.messages) == before
    missing = await server.call("POST", "/app/api/appointments/999999/confirm")
    assert missing.status == 404
    huge = await server.call("POST", "/app/api/appointments/99999999999999/confirm")
    assert huge.status == 404


async def test_what_the_rules_refuse_answers_409_and_a_bad_body_400(server):
    booked = await server.book(server.ana, 0, THU_NINE_BERLIN)
    early = await server.call("POST", f"/app/api/appointments/{booked.id}/complete")
    assert early.status == 409 and early.body["error"] == EN._("That is no longer possible.")
    extra = await server.call("POST", f"/app/api/appointments/{booked.id}/cancel",
                              body={"reason": "x", "notify": False})
    assert extra.status == 400 and extra.body["field"] == "notify"
    long = await server.call("POST", f"/app/api/appointments/{booked.id}/cancel",
                             body={"reason": "x" * 501})
    assert long.status == 400 and long.body["field"] == "reason"
    broken = await server.call("POST", f"/app/api/appointments/{booked.id}/cancel", raw=b"{nope")
    assert broken.status == 400
    unknown = await server.call("POST", f"/app/api/appointments/{booked.id}/delete")
    assert unknown.status == 404
    assert await _status(server, booked.id) is AppointmentStatus.CONFIRMED


async def test_after_the_start_the_provider_marks_completed_or_no_show(server):
    first = await server.book(server.ana, 0, THU_NINE_BERLIN)
    second = await server.book(server.ana, 0, THU_NINE_BERLIN + timedelta(hours=5),
                               client_user=703, name="Eve")
    server.bot.clock.now = THU_NINE_BERLIN + timedelta(hours=6)
    done = await server.call("POST", f"/app/api/appointments/{first.id}/complete")
    assert done.status == 200 and done.body["appointment"]["status"] == "COMPLETED"
    missed = await server.call("POST", f"/app/api/appointments/{second.id}/no_show")
    assert missed.status == 200 and missed.body["appointment"]["status"] == "NO_SHOW"
