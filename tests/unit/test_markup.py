"""The one escaping path: HTML text escaped once, labels plain, cuts between graphemes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from conversations import keyboards, markup, provider_texts, texts
from conversations.i18n import texts_for
from conversations.paging import page_of
from core.model import AgendaItem, Appointment, AppointmentStatus, AppointmentType, Client
from core.model import Provider, ProviderType

EN = texts_for("en")
FAMILY = "👩‍👩‍👧‍👦"  # one grapheme: 7 code points, 11 UTF-16 units


def test_escape_escapes_what_html_needs_and_nothing_twice():
    assert markup.escape("<3 & </b> &amp;") == "&lt;3 &amp; &lt;/b&gt; &amp;amp;"
    assert markup.escape('say "hi"') == 'say "hi"'  # quotes are only special in attributes
    assert markup.escape(None) == ""


def test_escape_cuts_before_escaping_so_no_entity_is_cut_in_half():
    escaped = markup.escape("&" * 300, limit=10)
    assert escaped == "&amp;" * 9 + "…"


def test_bidi_overrides_are_dropped_but_rtl_marks_stay():
    assert markup.escape("\u202eevil\u202c") == "evil"
    assert markup.label("\u2067x\u2069") == "x"
    assert markup.escape("\u200fשלום") == "\u200fשלום"


@pytest.mark.parametrize("limit", range(1, 40))
def test_shorten_never_splits_a_grapheme_and_counts_utf16(limit):
    text = FAMILY * 3 + "e\u0301" * 3 + "🇩🇪🇺🇦" + "👍🏽"
    cut = markup.shorten(text, limit)
    assert markup.utf16_len(cut) <= max(limit, 1)
    kept = cut.removesuffix("…")
    assert text.startswith(kept)
    assert list(markup.graphemes(text))[: len(list(markup.graphemes(kept)))] == list(
        markup.graphemes(kept)
    )


def test_graphemes_of_emoji_sequences_flags_and_accents():
    assert list(markup.graphemes(FAMILY + "🇩🇪🇺🇦" + "e\u0301" + "👍🏽" + "\r\n")) == [
        FAMILY, "🇩🇪", "🇺🇦", "e\u0301", "👍🏽", "\r\n",
    ]


def test_a_label_is_plain_one_line_short_and_never_empty():
    assert markup.label("Check-up & more") == "Check-up & more"  # not "&amp;"
    assert markup.label("two\nlines\t here") == "two lines here"
    assert markup.label("9:00\u202fAM") == "9:00\u202fAM"  # Babel's narrow space stays
    assert markup.label(" \n ") == "…" and markup.label("\u200b") == "…" and markup.label("") == "…"
    long = markup.label(FAMILY * 20)
    assert markup.utf16_len(long) <= markup.LABEL_LIMIT and long.endswith(FAMILY + "…")


def test_fit_leaves_a_short_message_alone():
    text = "<b>a &amp; b</b>"
    assert markup.fit(text) == text


def test_fit_cuts_between_entities_and_closes_the_open_tags():
    text = "<b>" + "&amp;" * 5000 + "</b> tail"
    cut = markup.fit(text, limit=100)
    assert cut == "<b>" + "&amp;" * 99 + "…</b>"
    assert markup.visible_len(cut) == 100


def test_fit_counts_utf16_units_and_keeps_graphemes_whole():
    cut = markup.fit("<i>" + FAMILY * 1000 + "</i>", limit=4096)
    assert markup.visible_len(cut) <= 4096
    assert cut.endswith(FAMILY + "…</i>")


@pytest.mark.parametrize(("asked", "shown"), [(-5, 0), (0, 0), (2, 2), (3, 3), (99, 3)])
def test_a_page_number_from_a_button_is_clamped(asked, shown):
    page = page_of(list(range(16)), asked, 5)
    assert page.number == shown and page.count == 4
    assert page.items == tuple(range(shown * 5, min(shown * 5 + 5, 16)))


def test_an_empty_list_has_one_empty_page():
    page = page_of([], 3, 5)
    assert (page.number, page.count, page.items, page.has_next) == (0, 1, (), False)


# -- the agenda's buttons (the "&amp;" and half-entity labels of issue #12) ------------------

LENA = Provider(7, "Dr. Lena", ProviderType.DOCTOR, "Europe/Berlin")
START = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def _item(i: int, name: str, type_name: str) -> AgendaItem:
    start = START + timedelta(minutes=30 * i)
    appointment = Appointment(100 + i, 7, 5, 3, start, start + timedelta(minutes=30),
                              AppointmentStatus.CONFIRMED, created_at=START)
    return AgendaItem(appointment, Client(5, 55, name=name), AppointmentType(3, 7, type_name, 30))


def test_agenda_buttons_read_as_typed_and_cut_whole():
    items = [_item(0, "Ann & Bob", "Check-up <30 min>"), _item(1, "Zoë " + "&" * 80, "X")]
    labels = [b.text for row in keyboards.agenda(EN, LENA, START.date(), START.date(), items).inline_keyboard
              for b in row]
    assert labels[0] == "9:00\u202fAM Ann & Bob · Check-up <30 min>"
    assert labels[1].endswith("&…") and "&amp" not in labels[1]


def test_a_busy_agenda_pages_its_text_and_its_buttons_alike():
    items = [_item(i, f"Client {i}", "Check-up") for i in range(40)]
    day = START.date()
    second = provider_texts.agenda(EN, LENA, day, day, items, page=1)
    assert "Client 15" in second and "Client 29" in second and "Client 30" not in second
    assert "2/3" in second
    rows = keyboards.agenda(EN, LENA, day, day, items, page=1).inline_keyboard
    entries = [b.text for row in rows[:-2] for b in row]
    assert len(entries) == 15 and "Client 15" in entries[0]
    assert [b.text for b in rows[-2]] == ["◀", "2/3", "▶"]


def test_the_agenda_of_the_calendars_last_days_offers_no_period_beyond_it():
    rows = keyboards.agenda(EN, LENA, date(9999, 12, 31), date(9999, 12, 31), []).inline_keyboard
    assert [b.text for b in rows[-1]] == ["«"]


def test_the_zone_prompt_echoes_what_was_typed_escaped():
    assert texts.unknown_zone(EN, "<3") == (
        "I don't know “&lt;3”. Try a big city near you, e.g. Berlin."
    )
