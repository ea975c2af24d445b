"""The provider's secret feed link and the feed behind it (core/calendar_subscription), on fakes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import icalendar
import pytest

from core.booking import book_appointment, cancel_appointment
from core.calendar_export import FeedLabels
from core.calendar_subscription import feed_for_provider, feed_for_token, new_feed_link
from core.clients import get_or_create_client
from core.errors import NotFound
from core.feed_tokens import is_feed_token, token_hash
from core.feed_urls import feed_path, feed_url, host_label
from core.model import (
    AppointmentType,
    NewProvider,
    Provider,
    ProviderType,
    WeeklyInterval,
)
from core.providers import register_provider
from tests.unit.fakes import FakeUnitOfWorkFactory

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MONDAY_TEN = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
HOST = "bot.example.org"


def _clinic(
    address: str | None = "Hauptstr. 1, Berlin", language: str | None = None
) -> NewProvider:
    return NewProvider(
        provider=Provider(id=None, name="Dr. Lena Vogel", type=ProviderType.DOCTOR,
                          timezone="Europe/Berlin", address=address, language=language),
        weekly=tuple(WeeklyInterval(d, time(9), time(17)) for d in range(5)),
        appointment_types=(
            AppointmentType(None, None, "Consultation", 30),
            AppointmentType(None, None, "Video follow-up", 20, is_virtual=True),
        ),
    )


@pytest.fixture
async def clinic():
    make_uow = FakeUnitOfWorkFactory()
    provider, types = await register_provider(make_uow(), _clinic())
    return make_uow, provider.id, [t.id for t in types]


async def _book(make_uow, provider_id, type_id, start, name="Olga", telegram_id=1, notes=None):
    client = await get_or_create_client(make_uow(), telegram_id, name=name)
    return await book_appointment(make_uow(), provider_id=provider_id, type_id=type_id,
                                  client_id=client.id, start=start, now=NOW, notes=notes)


def _events(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


async def test_a_new_link_stores_only_the_hash_of_a_well_formed_token(clinic):
    make_uow, provider_id, _ = clinic
    token = await new_feed_link(make_uow(), provider_id)
    assert is_feed_token(token)
    assert make_uow.last.committed
    assert make_uow.store.state.feed_links == {provider_id: token_hash(token)}


async def test_the_token_serves_the_providers_feed(clinic):
    make_uow, provider_id, (visit, video) = clinic
    booked = await _book(make_uow, provider_id, visit, MONDAY_TEN, notes="knee")
    moved = await _book(make_uow, provider_id, video, MONDAY_TEN + timedelta(hours=2),
                        name=None, telegram_id=2)
    token = await new_feed_link(make_uow(), provider_id)
    body = await feed_for_token(make_uow(), token, NOW, host_label=HOST)
    assert body == await feed_for_provider(make_uow(), provider_id, NOW, host_label=HOST)
    events = _events(body)
    in_person = events[f"appointment-{booked.id}@{HOST}"]
    assert str(in_person["SUMMARY"]) == "Olga — Consultation"
    assert str(in_person["LOCATION"]) == "Hauptstr. 1, Berlin"  # the provider's address
    assert str(in_person["DESCRIPTION"]) == "knee"
    video_call = events[f"appointment-{moved.id}@{HOST}"]
    assert str(video_call["SUMMARY"]) == "Client — Video follow-up"  # no name: no id either
    assert str(video_call["LOCATION"]) == "Video call"  # never the clinic's address


async def test_a_new_link_makes_the_old_one_stop_working(clinic):
    make_uow, provider_id, _ = clinic
    old = await new_feed_link(make_uow(), provider_id)
    new = await new_feed_link(make_uow(), provider_id)
    assert old != new
    assert await feed_for_token(make_uow(), old, NOW, host_label=HOST) is None
    assert await feed_for_token(make_uow(), new, NOW, host_label=HOST) is not None


class _Untouchable:
    """A unit of work that fails the test when opened."""

    async def __aenter__(self):  # type: ignore[no-untyped-def]
        raise AssertionError("the database was asked")

    async def __aexit__(self, *exc_info):  # type: ignore[no-untyped-def]
        return None


@pytest.mark.parametrize("token", [
    "", "x", "../../etc/passwd", "A" * 42, "A" * 44, "A" * 42 + "=", "A" * 42 + "é", None, 42,
])
async def test_a_malformed_token_is_refused_before_the_database(token):
    untouchable: Any = _Untouchable()
    assert await feed_for_token(untouchable, token, NOW, host_label=HOST) is None


async def test_a_well_formed_token_nobody_holds_finds_nothing(clinic):
    make_uow, provider_id, _ = clinic
    await new_feed_link(make_uow(), provider_id)
    assert await feed_for_token(make_uow(), "A" * 43, NOW, host_label=HOST) is None


async def test_two_providers_get_their_own_feeds(clinic):
    make_uow, first, (visit, _video) = clinic
    other, _ = await register_provider(make_uow(), _clinic(address=None))
    await _book(make_uow, first, visit, MONDAY_TEN)
    mine, theirs = await new_feed_link(make_uow(), first), await new_feed_link(make_uow(), other.id)
    assert len(_events(await feed_for_token(make_uow(), mine, NOW, host_label=HOST))) == 1
    assert _events(await feed_for_token(make_uow(), theirs, NOW, host_label=HOST)) == {}


async def test_a_cancellation_shows_as_cancelled_with_a_higher_sequence(clinic):
    make_uow, provider_id, (visit, _) = clinic
    booked = await _book(make_uow, provider_id, visit, MONDAY_TEN)
    uid = f"appointment-{booked.id}@{HOST}"
    before = _events(await feed_for_provider(make_uow(), provider_id, NOW, host_label=HOST))[uid]
    await cancel_appointment(make_uow(), booked.id, now=NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=2)
    after = _events(await feed_for_provider(make_uow(), provider_id, later, host_label=HOST))[uid]
    assert (str(before["STATUS"]), before["SEQUENCE"]) == ("CONFIRMED", 0)
    assert (str(after["STATUS"]), after["SEQUENCE"]) == ("CANCELLED", 1)


async def test_the_feed_speaks_the_providers_language_through_the_callers_labels():
    make_uow = FakeUnitOfWorkFactory()
    provider, (visit, _) = await register_provider(make_uow(), _clinic(language="es"))
    await _book(make_uow, provider.id, visit.id, MONDAY_TEN, name=None)
    asked = []

    def labels(language):  # type: ignore[no-untyped-def]
        asked.append(language)
        return FeedLabels(unnamed_client="Cliente")

    body = await feed_for_provider(make_uow(), provider.id, NOW, host_label=HOST, labels=labels)
    assert asked == ["es"]
    assert str(next(iter(_events(body).values()))["SUMMARY"]) == "Cliente — Consultation"


async def test_an_unknown_provider_is_not_found():
    make_uow = FakeUnitOfWorkFactory()
    with pytest.raises(NotFound):
        await new_feed_link(make_uow(), 7)
    with pytest.raises(NotFound):
        await feed_for_provider(make_uow(), 7, NOW, host_label=HOST)
    assert not make_uow.created[0].committed


def test_the_url_is_the_public_base_and_the_path():
    token = "A" * 43
    assert feed_path(token) == f"/calendar/{token}.ics"
    assert feed_url("https://bot.org/", token) == "https://bot.org" + feed_path(token)
    assert feed_url("https://example.org/sb", token) == f"https://example.org/sb{feed_path(token)}"


@pytest.mark.parametrize(("url", "label"), [
    (None, "slotbot"),
    ("https://Bot.Example.org:8443/x", "bot.example.org"),
    ("https://bücher.example/", "xn--bcher-kva.example"),
])
def test_the_uid_host_comes_from_the_public_url(url, label):
    assert host_label(url) == label
