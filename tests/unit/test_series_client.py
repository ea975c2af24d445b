"""The client's Repeat (issue #14) without Telegram: the choices in a preview, the
"until" rule, the draft kept in user_data, and the screens' texts and buttons."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.persistence import decode_user_data, encode_user_data
from conversations import callbacks as cb
from conversations import series_client_views as views
from conversations import series_draft
from conversations.i18n import texts_for
from conversations.provider_parsing import BAD_DATE, DATE_IN_PAST, OUT_OF_RANGE, ParseError, parse_future_date
from core.model import MAX_SERIES_OCCURRENCES
from core.series import InvalidSeries, OccurrenceState, SeriesRequest, occurrence_starts
from core.series_booking import SeriesPlan
from core.series import plan_series
from core.series_choices import (
    Choice,
    ChoiceState,
    UntilProblem,
    chosen_starts,
    ready,
    review,
    until_problem,
)
from tests.unit.builders import MON, appt, busy, calendar, day, off, utc

EN = texts_for("en")
NOW = utc("2027-01-01T00:00")
FIRST = utc("2027-01-04T09:00")  # a Monday, 09:00 UTC
CAL = calendar("UTC", weekly=[(MON, "09:00", "17:00")], max_advance=400)
FREE, SWAPPED, SKIPPED, NOT_POSSIBLE = (ChoiceState.FREE, ChoiceState.SWAPPED, ChoiceState.SKIPPED,
                                        ChoiceState.NOT_POSSIBLE)


def plan_of(busy_periods=(), cal=CAL, count=4):
    request = SeriesRequest(FIRST, 1, count)
    occurrences = plan_series(cal, appt(60), list(busy_periods), request, NOW, max_occurrences=12)
    return SeriesPlan(cal, appt(60), tuple(busy_periods), occurrences)


def week(n, hour="09:00"):
    return utc(f"2027-01-04T{hour}") + timedelta(weeks=n)


# The choices.


def test_a_week_taken_by_someone_else_is_not_possible_and_says_why():
    plan = plan_of([busy(week(1))])
    choices = review(plan, [None] * 4, frozenset(), NOW)
    assert [c.state for c in choices] == [FREE, NOT_POSSIBLE, FREE, FREE]
    assert choices[1].reason is OccurrenceState.TAKEN and choices[1].start == week(1)
    assert not ready(choices)
    assert chosen_starts(choices) == [week(0), None, week(2), week(3)]


def test_a_swapped_week_is_booked_at_its_new_time_and_the_series_is_ready():
    plan = plan_of([busy(week(1))])
    choices = review(plan, [week(0), week(1, "11:00"), week(2), week(3)], frozenset(), NOW)
    assert [c.state for c in choices] == [FREE, SWAPPED, FREE, FREE]
    assert ready(choices)
    assert chosen_starts(choices)[1] == week(1, "11:00")


def test_a_chosen_time_taken_since_is_not_possible_any_more():
    plan = plan_of([busy(week(2, "11:00"))])  # someone took the swapped time
    choices = review(plan, [week(0), week(1), week(2, "11:00"), week(3)], frozenset(), NOW)
    assert choices[2].state is NOT_POSSIBLE and choices[2].reason is OccurrenceState.TAKEN
    assert chosen_starts(choices)[2] is None


def test_skipped_weeks_are_skipped_whatever_their_state_and_all_skipped_is_not_ready():
    plan = plan_of([busy(week(1))])
    choices = review(plan, [None] * 4, frozenset({1, 3}), NOW)
    assert [c.state for c in choices] == [FREE, SKIPPED, FREE, SKIPPED]
    assert ready(choices) and chosen_starts(choices) == [week(0), None, week(2), None]
    assert not ready(review(plan, [None] * 4, frozenset(range(4)), NOW))


def test_a_day_off_gives_its_reason():
    cal = calendar("UTC", weekly=[(MON, "09:00", "17:00")], overrides=[off("2027-01-18")], max_advance=400)
    choices = review(plan_of(cal=cal), [None] * 4, frozenset(), NOW)
    assert choices[2].state is NOT_POSSIBLE and choices[2].reason is OccurrenceState.DAY_OFF


def test_review_refuses_a_list_of_the_wrong_length():
    with pytest.raises(ValueError):
        review(plan_of(), [None] * 3, frozenset(), NOW)


@pytest.mark.parametrize("every", [1, 2, 4])
@pytest.mark.parametrize("max_occurrences", [2, 3, 12, 52])
def test_until_problem_agrees_with_the_series_rule(every, max_occurrences):
    first = day("2027-01-04")
    for offset in range(-3, 7 * every * (max_occurrences + 2)):
        until = first + timedelta(days=offset)
        problem = until_problem(first, every, until, max_occurrences)
        try:
            occurrence_starts(SeriesRequest(FIRST, every, until=until), "UTC", max_occurrences)
            accepted = True
        except InvalidSeries:
            accepted = False
        assert (problem is None) == accepted, (until, problem)
        if problem is not None:  # the date named is one that works
            assert until_problem(first, every, problem[1], max_occurrences) is None


def test_until_problem_names_the_earliest_and_the_latest_end():
    first = day("2027-01-04")
    assert until_problem(first, 2, first, 12) == (UntilProblem.NOT_AFTER_FIRST, day("2027-01-18"))
    assert until_problem(first, 2, day("2027-01-10"), 12) == (UntilProblem.TOO_FEW, day("2027-01-18"))
    assert until_problem(first, 1, day("2027-12-31"), 12) == (UntilProblem.TOO_MANY, day("2027-03-22"))


# The typed date.


def test_the_until_date_is_read_like_the_providers_dates():
    today = day("2026-11-25")
    assert parse_future_date(" 21.12.2026 ", today) == day("2026-12-21")
    assert parse_future_date("2027-02-22", today) == day("2027-02-22")
    assert parse_future_date("<b>", today) == ParseError(BAD_DATE, "<b>")
    assert parse_future_date("2026-11-20", today).code == DATE_IN_PAST
    assert parse_future_date("9999-12-31", today).code == OUT_OF_RANGE
    assert parse_future_date("next monday", today).code != BAD_DATE  # two words: another form


# The draft.


def test_the_draft_survives_persistence_and_old_stamps_do_not_match():
    user_data: dict = {}
    first = series_draft.start_draft(user_data, provider_id=1, type_id=2, first_start=FIRST,
                                     every_weeks=2, count=3, note="<i>hi</i>")
    series_draft.save(user_data, first.with_choices([FIRST, None, week(4)], frozenset({1})))
    stored = decode_user_data(encode_user_data(user_data))
    back = series_draft.current(stored, first.stamp)
    assert back is not None and back.chosen == (FIRST, None, week(4)) and back.skipped == {1}
    assert back.request == SeriesRequest(FIRST, 2, 3) and back.note == "<i>hi</i>"
    stored.pop(series_draft.DRAFT)  # gone (another device's /forgetme, say): a new one
    second = series_draft.start_draft(stored, provider_id=1, type_id=2, first_start=FIRST,
                                      every_weeks=1, until=day("2027-02-01"))
    assert second.stamp != first.stamp
    assert series_draft.current(stored, first.stamp) is None
    assert series_draft.current(stored, second.stamp) == second


@pytest.mark.parametrize("broken", [
    None, "x", [], {"stamp": 1},
    {"stamp": 1, "provider": 1, "type": 2, "first": FIRST, "every": 3, "count": 4, "until": None,
     "chosen": [], "skipped": []},  # every 3 weeks
    {"stamp": 1, "provider": 1, "type": 2, "first": FIRST, "every": 1, "count": 4, "until": day("2027-03-01"),
     "chosen": [], "skipped": []},  # both a count and an end
    {"stamp": 1, "provider": 1, "type": 2, "first": FIRST.replace(tzinfo=None), "every": 1, "count": 4,
     "until": None, "chosen": [], "skipped": []},  # naive
    {"stamp": 1, "provider": 1, "type": 2, "first": FIRST, "every": 1, "count": 4, "until": None,
     "chosen": ["soon"], "skipped": []},
    {"stamp": 1, "provider": 1, "type": 2, "first": FIRST, "every": 1, "count": 4, "until": None,
     "chosen": [None] * 60, "skipped": []},
])
def test_a_malformed_draft_reads_as_none(broken):
    assert series_draft.from_stored(broken) is None


# The screens.


def choices_of(*states):
    return [Choice(day("2027-01-04") + timedelta(weeks=n), week(n), s,
                   OccurrenceState.TAKEN if s is NOT_POSSIBLE else None) for n, s in enumerate(states)]


def decoded(markup):
    return [[cb.decode(b.callback_data) for b in row] for row in markup.inline_keyboard]


def test_the_preview_lists_every_occurrence_with_its_state():
    text = views.preview(EN, CAL.provider, appt(60), None, 1, choices_of(FREE, NOT_POSSIBLE, SWAPPED, SKIPPED))
    lines = text.splitlines()
    assert lines[2].startswith("1. ✅") and lines[3].startswith("2. ✖") and lines[3].endswith("— taken")
    assert lines[4].startswith("3. 🔄") and lines[5].startswith("4. ⏭") and lines[5].endswith("— skipped")
    assert "Swap each session marked ✖" in text


def test_the_preview_after_a_failed_confirmation_says_what_changed():
    choices = choices_of(FREE, NOT_POSSIBLE, NOT_POSSIBLE)
    text = views.preview(EN, CAL.provider, appt(60), None, 1, choices, changed=[1, 2])
    assert text.startswith("⚠️ Nothing was booked: sessions 2, 3 are no longer available.")
    assert "the times changed" in views.preview(EN, CAL.provider, appt(60), None, 1, choices, changed=[])


def test_impossible_ones_get_swap_and_skip_free_ones_skip_and_confirm_waits_for_every_one():
    back = cb.SeriesEvery(1, 2, FIRST, 1)
    rows = decoded(views.preview_keyboard(EN, 7, choices_of(FREE, NOT_POSSIBLE, SWAPPED, SKIPPED), back))
    assert rows == [
        [cb.SeriesSkip(7, 0, True)],
        [cb.SeriesSwap(7, 1), cb.SeriesSkip(7, 1, True)],
        [cb.SeriesSwap(7, 2), cb.SeriesSkip(7, 2, True)],
        [cb.SeriesSkip(7, 3, False)],
        [back],
    ]
    ready_markup = views.preview_keyboard(EN, 7, choices_of(FREE, SWAPPED, SKIPPED), back)
    assert ready_markup.inline_keyboard[-2][0].text == "✅ Confirm 2 sessions"
    assert decoded(ready_markup)[-2] == [cb.SeriesConfirm(7)]


def test_a_long_series_pages_its_buttons_and_keeps_confirm():
    choices = choices_of(*[NOT_POSSIBLE if n % 3 == 0 else FREE for n in range(MAX_SERIES_OCCURRENCES)])
    markup = views.preview_keyboard(EN, 7, choices, cb.SeriesPreview(7), page=5)
    rows = decoded(markup)
    assert rows[0][0] == cb.SeriesSkip(7, 50, True) and rows[1][0] == cb.SeriesSwap(7, 51)
    assert [b.text for b in markup.inline_keyboard[2]] == ["◀", "6/6"]
    assert sum(len(r) for r in rows) <= 100
    assert not any(isinstance(b, cb.SeriesConfirm) for r in rows for b in r)  # undecided ones


def test_counts_run_from_two_to_the_types_maximum_then_until():
    rows = decoded(views.count_keyboard(EN, 1, 2, FIRST, 2, 12))
    counts = [b for row in rows[:-2] for b in row]
    assert counts == [cb.SeriesCount(1, 2, FIRST, 2, n) for n in range(2, 13)]
    assert rows[-2] == [cb.SeriesUntilAsk(1, 2, FIRST, 2)] and rows[-1] == [cb.SeriesRepeat(1, 2, FIRST)]


def test_how_often_offers_every_one_two_and_four_weeks_and_back_to_the_summary():
    markup = views.every_keyboard(EN, 1, 2, FIRST)
    assert [r[0].text for r in markup.inline_keyboard] == ["every week", "every 2 weeks", "every 4 weeks", "« Back"]
    assert decoded(markup)[-1] == [cb.PickSlot(1, 2, FIRST)]


def test_an_unreadable_until_is_quoted_escaped():
    text = views.until_unreadable(EN, ParseError(BAD_DATE, "<b>x</b> & y"))
    assert "“&lt;b&gt;x&lt;/b&gt; &amp; y”" in text
    assert "Please type a date" in views.until_unreadable(EN, ParseError("EMPTY"))
    window = views.until_unreadable(EN, ParseError(OUT_OF_RANGE, "9999-01-01", day("2026-11-25"), day("2031-11-29")))
    assert "Nov 29, 2031" in window
