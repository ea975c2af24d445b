"""The zone-change question and its buttons, without Telegram."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import available_timezones

import pytest

from conversations import callbacks as cb
from conversations import zone_change_texts as ztexts
from conversations.i18n import texts_for
from conversations.provider_settings import zone_decision, zone_decision_button
from core.model import AgendaItem, Appointment, AppointmentStatus, AppointmentType, Client
from core.zone_change import ZoneDecision

EN = texts_for("en")
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_every_zones_decision_buttons_fit_in_64_bytes_and_round_trip():
    for zone_name in sorted(available_timezones()):
        for cancel in (True, False):
            data = cb.encode(zone_decision_button(zone_name, 2**28 - 1, cancel))
            assert len(data.encode()) <= cb.MAX_BYTES
            button = cb.decode(data)
            assert isinstance(button, cb.SetSetting)
            assert zone_decision(button) == (zone_name, ZoneDecision(2**28 - 1, cancel))


@pytest.mark.parametrize("name", ["buf", "tz", "tzc", "tzc+", "tzx+Europe/Berlin", "+Europe/Berlin"])
def test_other_setting_buttons_are_no_zone_decision(name):
    assert zone_decision(cb.SetSetting(name, 1)) is None


def _item(n: int, name: str, type_name: str) -> AgendaItem:
    start = START + timedelta(hours=n)
    appointment = Appointment(n, 1, n, 1, start, start + timedelta(hours=1),
                              AppointmentStatus.CONFIRMED, START)
    return AgendaItem(appointment, Client(n, 500 + n, name), AppointmentType(1, 1, type_name, 60))


def test_the_question_shows_new_local_times_and_escapes_names():
    text = ztexts.zone_change_question(
        EN, "America/New_York", [_item(1, "<3 Tom & co", "Check-up <30 min>")]
    )
    assert "Nov 2, 2026, 4:00\u202fAM" in text  # 09:00 UTC is 04:00 in New York (EST)
    assert "&lt;3 Tom &amp; co" in text and "Check-up &lt;30 min&gt;" in text
    assert "<3" not in text and "<30" not in text
    assert "New York (America/New_York)" in text


def test_a_long_conflict_list_stays_one_message():
    hit = [_item(n, "&" * 200, "<" * 200) for n in range(1, 300)]
    text = ztexts.zone_change_question(EN, "America/New_York", hit)
    visible = re.sub(r"&\w+;", "x", re.sub(r"<[^>]+>", "", text))
    assert len(text) < 4096 and len(visible) < 4096
    assert "299 booked appointments" in text and "more." in text
