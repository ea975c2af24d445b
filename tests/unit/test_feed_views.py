"""/calendar's screens and the calendar notices, rendered without Telegram."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.feed_addresses import FeedAddressRefused, check_feed_url
from conversations import callbacks as cb
from conversations import feed_views as views
from conversations.i18n import texts_for
from core.calendar_conflicts import ConflictNotice
from core.model import (
    AgendaItem,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CalendarConflict,
    CalendarFeed,
    Client,
    Provider,
    ProviderType,
)

EN, RU, ES = texts_for("en"), texts_for("ru"), texts_for("es")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SECRET = "private-3f9a0c"
URL = f"https://calendar.google.com/calendar/ical/{SECRET}/basic.ics"
BERLIN = Provider(7, "Dr. Vogel", ProviderType.DOCTOR, "Europe/Berlin", telegram_user_id=555)


def feed(**fields: object) -> CalendarFeed:
    return CalendarFeed(**{"id": 3, "provider_id": 7, "url": URL, "created_at": NOW, **fields})


def buttons(markup) -> list[tuple[str, object]]:
    return [(b.text, cb.decode(b.callback_data)) for row in markup.inline_keyboard for b in row]


def _refusal(url: str, resolved: list[str]) -> str:
    with pytest.raises(FeedAddressRefused) as refused:
        check_feed_url(url, resolve=lambda host, port: resolved)
    return str(refused.value)


#: What bot/feed_addresses.py, bot/feed_fetch.py and core say, as they say it.
REASONS = [
    _refusal("https://calendar.example.org/a.ics", []),
    _refusal("calendar.example.org/a.ics", ["93.184.216.34"]),
    _refusal("https://user:pw@calendar.example.org/a.ics", ["93.184.216.34"]),
    _refusal("https://intranet.example.org/a.ics", ["10.0.0.7"]),
    _refusal("https://", []),
    "the address redirects more than 5 times",
    "no answer within 20 s",
    "the server answered 404",
    "the server answered 302 without saying where to go",
    "the feed redirects elsewhere and intranet.example.org points to a private or local address",
    "the server redirects to something that is not a web address",
    "the calendar is larger than 5 MB",
    "the certificate of calendar.example.org is not valid",
    "no secure connection to calendar.example.org could be made",
    "calendar.example.org cannot be reached",
    "calendar.example.org broke off the connection",
    "the calendar could not be downloaded from calendar.example.org",
    "this calendar is added already",
    "more than 10000 busy times in the booking horizon",
    "the calendar could not be read",
    "not an iCalendar feed: Content line could not be parsed into parts: 'x'",
    "cannot expand the feed's events: bad RRULE",
    "another sync of this calendar is under way",
]


@pytest.mark.parametrize("reason", REASONS)
def test_every_reason_the_bot_gives_reads_in_the_providers_language(reason):
    english = views.feed_reason(EN, reason)
    for t in (RU, ES):
        translated = views.feed_reason(t, reason)
        assert translated != english, (t.locale, reason)
    assert "Content line" not in english and "RRULE" not in english  # no library internals


def test_a_reason_nobody_foresaw_is_shown_as_it_is_escaped():
    assert views.feed_reason(RU, "odd <thing> & more") == "odd &lt;thing&gt; &amp; more"


def test_the_screen_lists_hosts_last_reads_in_the_providers_zone_and_errors_never_the_url():
    feeds = [
        feed(last_sync_at=NOW, busy_count=3),
        feed(id=4, url="https://p01-caldav.icloud.com/published/2/abc", last_sync_at=NOW,
             last_error="the server answered 404", error_since=NOW, busy_count=1),
        feed(id=5, url="webcal://outlook.office365.com/owa/calendar/x/reachcalendar.ics"),
    ]
    text, markup = views.calendar_screen(EN, BERLIN, feeds, True, None, False)
    assert SECRET not in text and "basic.ics" not in text
    assert "calendar.google.com" in text and "3 busy times" in text
    assert "1:00\u202fPM" in text  # 12:00 UTC is 13:00 in Berlin
    assert "failing since" in text and "the server answered 404" in text
    assert "outlook.office365.com" in text and "not read yet" in text
    assert "SLOTBOT_PUBLIC_URL" in text
    pressed = buttons(markup)
    assert pressed[0][1] == cb.FeedAdd()
    assert [b for _, b in pressed[1:4]] == [cb.FeedRemove(i, False) for i in (3, 4, 5)]
    assert "🗑 Remove calendar.google.com" == pressed[1][0]
    assert pressed[4][1] == cb.FeedSync() and len(pressed) == 5  # no link without the base


@pytest.mark.parametrize(
    ("has_link", "label"), [(False, "Get my calendar link"), (True, "New link")]
)
def test_the_link_button_is_there_only_with_a_public_url(has_link, label):
    text, markup = views.calendar_screen(EN, BERLIN, [], False, "https://bot.example.org", has_link)
    assert "SLOTBOT_PUBLIC_URL" not in text and "None yet" in text
    assert buttons(markup) == [("🔗 " + label, cb.FeedLink(False))]  # no add, no sync


def test_the_link_message_shows_the_whole_url_as_code_and_how_to_subscribe():
    url = "https://bot.example.org/calendar/" + "A" * 43 + ".ics"
    text = views.link_message(RU, url)
    assert f"<code>{url}</code>" in text
    assert "Google" in text and "Apple" in text and "Outlook" in text


def test_making_a_new_link_is_asked_first_with_the_old_link_stopping():
    text, markup = views.link_question(ES)
    assert buttons(markup)[0][1] == cb.FeedLink(True) and buttons(markup)[1][1] == cb.CalendarMenu()
    assert text == ES._(
        "A new link replaces the one you have: calendars subscribed to the old link stop "
        "updating, and you subscribe to the new one instead. Make a new link?")


def test_removing_is_asked_first():
    text, markup = views.remove_question(EN, feed())
    assert "calendar.google.com" in text and SECRET not in text
    assert [b for _, b in buttons(markup)] == [cb.FeedRemove(3, True), cb.CalendarMenu()]


def test_the_failure_notice_names_the_host_and_the_reason_in_the_providers_language():
    failing = feed(last_error="calendar.google.com cannot be reached", error_since=NOW)
    text = views.feed_failed(RU, failing)
    assert "<b>calendar.google.com</b>" in text and "недоступен" in text and SECRET not in text


def test_the_conflict_notice_shows_the_booking_in_the_providers_zone_with_both_decisions():
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    appointment = Appointment(9, 7, 4, 2, start, start.replace(hour=8, minute=30),
                              AppointmentStatus.CONFIRMED, NOW)
    item = AgendaItem(appointment, Client(4, 701, name="Tom <T>"),
                      AppointmentType(2, 7, "Check-up", 30))
    notice = ConflictNotice(CalendarConflict(11, 3, 7, 9, start, NOW), BERLIN, item,
                            "calendar.google.com")
    text, markup = views.conflict_notice(EN, notice)
    assert "Tom &lt;T&gt;" in text and "Check-up" in text and "9:00\u202fAM" in text
    assert [b for _, b in buttons(markup)] == [cb.ConflictDecision(11, False),
                                                cb.ConflictDecision(11, True)]
    assert buttons(markup)[1][0] == "❌ Cancel it (the client is told)"
    assert "the client was told" in views.conflict_decided(EN, notice, True)
    assert views.conflict_decided(ES, notice, False).startswith("✅ Mantenida")
