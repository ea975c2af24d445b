"""Message texts are pure: zones, dates, prices, plurals and HTML escaping in en, ru and es."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from conversations import texts
from conversations.i18n import texts_for
from core.model import Appointment, AppointmentDetails, AppointmentStatus, AppointmentType
from core.model import Provider, ProviderSettings, ProviderType

EN, RU, ES = texts_for("en"), texts_for("ru"), texts_for("es")
START = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # Friday: 09:00 in Berlin, 11:00 in Moscow
IN_PERSON = AppointmentType(3, 7, "Consultation", 30, price=Decimal("45"), currency="EUR")
VIDEO = AppointmentType(4, 7, "Video", 60, is_virtual=True, max_participants=5)
NNBSP = "\u202f"  # Babel's narrow no-break space before AM/PM and in "г."


def provider(name="Dr. Test", zone="Europe/Berlin", notice=0, address=None):
    settings = ProviderSettings(min_notice_hours=notice)
    return Provider(7, name, ProviderType.DOCTOR, zone, settings=settings, address=address)


BERLIN = provider()


def details(status=AppointmentStatus.CONFIRMED, who=BERLIN, kind=IN_PERSON, start=START,
            notes=None):
    appointment = Appointment(
        11, who.id, 5, kind.id, start, start + kind.duration, status,  # type: ignore[arg-type]
        created_at=datetime(2026, 11, 20, tzinfo=UTC), notes=notes,
    )
    return AppointmentDetails(appointment, who, kind)


# -- which zone leads ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_zone", "kind", "lead"),
    [
        (None, IN_PERSON, "Europe/Berlin"),  # no zone chosen yet: the provider's
        (None, VIDEO, "Europe/Berlin"),
        ("Europe/Moscow", IN_PERSON, "Europe/Berlin"),  # in person: where the client must be
        ("Europe/Moscow", VIDEO, "Europe/Moscow"),  # video call: the client's own clock
        ("Europe/Berlin", VIDEO, "Europe/Berlin"),
    ],
)
def test_display_zone_rules(client_zone, kind, lead):
    assert texts.display_zone(client_zone, BERLIN, kind) == lead


# -- when -------------------------------------------------------------------------------------

ONE_ZONE_EN = f"Friday, December 4, 2026, 9:00{NNBSP}AM (Berlin time)"


@pytest.mark.parametrize(
    ("client_zone", "kind"),
    [(None, IN_PERSON), (None, VIDEO), ("Europe/Berlin", IN_PERSON), ("Europe/Berlin", VIDEO)],
)
def test_when_names_one_zone_when_client_and_provider_share_it(client_zone, kind):
    assert texts.when(EN, START, client_zone, BERLIN, kind) == ONE_ZONE_EN


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (EN, f"{ONE_ZONE_EN}\nThat is Dec 4, 2026, 11:00{NNBSP}AM in Moscow."),
        (RU, f"пятница, 4 декабря 2026{NNBSP}г., 09:00 (часовой пояс «Берлин»)\n"
             f"В часовом поясе «Москва» это 4 дек. 2026{NNBSP}г., 11:00."),
        (ES, "viernes, 4 de diciembre de 2026, 9:00 (hora de Berlín)\n"
             "Eso es el 4 dic 2026, 11:00 en Moscú."),
    ],
    ids=["en", "ru", "es"],
)
def test_when_in_person_names_both_zones_the_providers_first(t, expected):
    assert texts.when(t, START, "Europe/Moscow", BERLIN, IN_PERSON) == expected


def test_when_for_a_video_call_leads_with_the_clients_zone():
    assert texts.when(EN, START, "Europe/Moscow", BERLIN, VIDEO) == (
        f"Friday, December 4, 2026, 11:00{NNBSP}AM (Moscow time)\n"
        f"That is Dec 4, 2026, 9:00{NNBSP}AM in Berlin."
    )


def test_when_gives_each_zone_its_own_date():
    late_evening = datetime(2026, 12, 4, 22, 30, tzinfo=UTC)  # 23:30 Berlin, 07:30 next day Tokyo
    assert texts.when(EN, late_evening, "Asia/Tokyo", BERLIN, VIDEO) == (
        f"Saturday, December 5, 2026, 7:30{NNBSP}AM (Tokyo time)\n"
        f"That is Dec 4, 2026, 11:30{NNBSP}PM in Berlin."
    )


def test_when_on_the_fall_back_day_uses_each_zones_offset_that_day():
    # 00:30 UTC on 2026-10-25: 02:30 CEST in Berlin, 20:30 EDT the evening before in New York.
    start = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert texts.when(EN, start, "America/New_York", BERLIN, IN_PERSON) == (
        f"Sunday, October 25, 2026, 2:30{NNBSP}AM (Berlin time)\n"
        f"That is Oct 24, 2026, 8:30{NNBSP}PM in New York."
    )


# -- type summary -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "kind", "expected"),
    [
        (EN, IN_PERSON, "30 minutes, €45.00, in person"),
        (RU, IN_PERSON, "30 минут, 45,00\xa0€, очно"),
        (ES, IN_PERSON, "30 minutos, 45,00\xa0€, en persona"),
        (EN, VIDEO, "1 hour, video call, group of up to 5"),
        (RU, VIDEO, "1 час, видеозвонок, группа до 5 чел."),
        (ES, VIDEO, "1 hora, videollamada, grupo de hasta 5 personas"),
        (RU, AppointmentType(1, 7, "x", 90, price=Decimal("1500"), currency="RUB"),
         "1 час и 30 минут, 1\xa0500,00\xa0₽, очно"),
        (EN, AppointmentType(1, 7, "x", 45, price=Decimal("19.5"), currency="USD"),
         "45 minutes, $19.50, in person"),
        (EN, AppointmentType(1, 7, "x", 45, is_virtual=True), "45 minutes, video call"),
    ],
)
def test_type_summary_formats_length_price_mode_and_group_per_locale(t, kind, expected):
    assert texts.type_summary(t, kind) == expected


# -- cancelling -------------------------------------------------------------------------------


def test_cancel_question_in_good_time_has_no_warning():
    assert texts.cancel_question(EN, details(who=provider(notice=2)), None, late=False) == (
        "Cancel this appointment?\n"
        "<b>Consultation</b> — Dr. Test\n"
        f"{ONE_ZONE_EN}\n"
        "Status: confirmed"
    )


@pytest.mark.parametrize(
    ("t", "hours", "warning"),
    [
        (EN, 1, "This is less than 1 hour before the start: it will be recorded as a late "
                "cancellation."),
        (EN, 2, "This is less than 2 hours before the start: it will be recorded as a late "
                "cancellation."),
        (RU, 1, "До начала меньше 1 часа: отмена будет засчитана как поздняя."),
        (RU, 2, "До начала меньше 2 часов: отмена будет засчитана как поздняя."),
        (RU, 5, "До начала меньше 5 часов: отмена будет засчитана как поздняя."),
        (RU, 21, "До начала меньше 21 часа: отмена будет засчитана как поздняя."),
        (ES, 1, "Falta menos de 1 hora para el inicio: se registrará como cancelación tardía."),
        (ES, 2, "Faltan menos de 2 horas para el inicio: se registrará como cancelación tardía."),
    ],
)
def test_late_cancel_warning_counts_the_providers_notice_in_the_right_plural(t, hours, warning):
    text = texts.cancel_question(t, details(who=provider(notice=hours)), None, late=True)
    in_good_time = texts.cancel_question(t, details(who=provider(notice=hours)), None, False)
    assert text == in_good_time + "\n\n⚠️ " + warning


# -- booked -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "created", "head"),
    [
        (AppointmentStatus.CONFIRMED, True, "✅ Booked and confirmed!"),
        (AppointmentStatus.CONFIRMED, False, "✅ You are already booked."),
        (AppointmentStatus.PENDING, True, "⏳ Requested: waiting for the provider's confirmation."),
    ],
)
def test_booked_heads_tell_confirmed_from_pending_and_from_already_booked(status, created, head):
    assert texts.booked(EN, details(status), None, created) == (
        f"{head}\n<b>Consultation</b> — Dr. Test\n{ONE_ZONE_EN}\n"
        "See or change it any time with /my."
    )


def test_booked_heads_are_translated():
    confirmed = texts.booked(RU, details(), None, True)
    assert confirmed.startswith("✅ Вы записаны, запись подтверждена!\n")
    assert texts.booked(RU, details(), None, False).startswith("✅ Вы уже записаны.\n")
    assert texts.booked(ES, details(AppointmentStatus.PENDING), None, True).startswith(
        "⏳ Solicitada: esperando la confirmación del profesional.\n"
    )


def test_booked_shows_both_zones_for_a_client_elsewhere():
    text = texts.booked(EN, details(), "Europe/Moscow", True)
    assert f"{ONE_ZONE_EN}\nThat is Dec 4, 2026, 11:00{NNBSP}AM in Moscow." in text


# -- my appointments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (EN, "You have no upcoming appointments. /book to make one."),
        (RU, "У вас нет предстоящих записей. /book — записаться."),
        (ES, "No tienes citas próximas. Usa /book para reservar una."),
    ],
)
def test_my_appointments_when_there_are_none(t, expected):
    assert texts.my_appointments(t, [], None) == expected


def test_my_appointments_lists_each_in_its_leading_zone_and_marks_pending_ones():
    items = [
        details(),
        details(AppointmentStatus.PENDING, kind=VIDEO, start=START + timedelta(days=3)),
    ]
    assert texts.my_appointments(EN, items, "Europe/Moscow") == (
        "Your upcoming appointments:\n"
        f"• Dec 4, 2026, 9:00{NNBSP}AM (Berlin time) — Consultation, Dr. Test\n"  # in person: Berlin's, named
        f"• Dec 7, 2026, 11:00{NNBSP}AM — Video, Dr. Test ⏳"  # video: the client's Moscow time
    )
    assert texts.my_appointments(RU, items[:1], None) == (
        f"Ваши предстоящие записи:\n• 4 дек. 2026{NNBSP}г., 09:00 — Consultation, Dr. Test"
    )


@pytest.mark.parametrize(
    ("status", "t", "word"),
    [
        (AppointmentStatus.CANCELLED, EN, "cancelled"),
        (AppointmentStatus.COMPLETED, EN, "completed"),
        (AppointmentStatus.NO_SHOW, EN, "missed"),
        (AppointmentStatus.NO_SHOW, RU, RU._("missed")),
    ],
)
def test_every_status_reads_as_a_word_of_the_clients_language(status, t, word):
    assert t._("Status: {status}").format(status=word) in texts.my_appointment(t, details(status), None)
    assert status.value not in texts.my_appointment(t, details(status), None)


# -- HTML -------------------------------------------------------------------------------------

NASTY = provider(name="Dr. <Smith> & Co", address="Main St. 1 <rear> & up")
NASTY_TYPE = AppointmentType(3, 7, "<i>Check</i> & go", 30)
SAFE_NAME, SAFE_TYPE = "Dr. &lt;Smith&gt; &amp; Co", "&lt;i&gt;Check&lt;/i&gt; &amp; go"


def nasty_details(status=AppointmentStatus.CONFIRMED):
    return details(status, who=NASTY, kind=NASTY_TYPE, notes="<3 & thanks")


@pytest.mark.parametrize(
    "render",
    [
        lambda t: texts.booked(t, nasty_details(), "Europe/Moscow", True),
        lambda t: texts.booked(t, nasty_details(AppointmentStatus.PENDING), None, True),
        lambda t: texts.my_appointments(t, [nasty_details()], None),
        lambda t: texts.my_appointment(t, nasty_details(), None),
        lambda t: texts.cancel_question(t, nasty_details(), None, late=True),
        lambda t: texts.rescheduled(t, nasty_details(), None),
        lambda t: texts.summary(t, NASTY, NASTY_TYPE, START, None, "<3 & thanks", False),
        lambda t: texts.choose_type(t, NASTY, [NASTY_TYPE]),
        lambda t: texts.choose_day(t, NASTY, NASTY_TYPE, "Europe/Berlin", rescheduling=False),
    ],
    ids=["booked", "booked-pending", "my_appointments", "my_appointment", "cancel_question",
         "rescheduled", "summary", "choose_type", "choose_day"],
)
@pytest.mark.parametrize("t", [EN, RU, ES], ids=["en", "ru", "es"])
def test_names_with_html_special_characters_are_escaped(render, t):
    text = render(t)
    assert "<Smith>" not in text and "<i>" not in text and " & " not in text
    assert SAFE_NAME in text and SAFE_TYPE in text


def test_escaping_keeps_the_bot_own_markup_and_escapes_notes_and_addresses():
    text = texts.summary(EN, NASTY, NASTY_TYPE, START, None, "<3 & thanks", False)
    assert f"<b>{SAFE_TYPE}</b> — {SAFE_NAME}" in text
    assert "Address: Main St. 1 &lt;rear&gt; &amp; up" in text
    assert "Your note: &lt;3 &amp; thanks" in text
    my_one = texts.my_appointment(EN, nasty_details(), None)
    assert my_one.endswith("Your note: &lt;3 &amp; thanks")
    assert texts.choose_type(EN, NASTY, [NASTY_TYPE]).startswith(f"<b>{SAFE_NAME}</b> — ")


def test_welcome_and_the_providers_refusal_escape_what_users_typed():
    assert texts.welcome(EN, "<Ann> & Bob").startswith("Hello, &lt;Ann&gt; &amp; Bob! ")
    assert texts.late_cancel_refused(EN, "Call <me> & pay").endswith(
        "\nThe provider says: Call &lt;me&gt; &amp; pay"
    )
