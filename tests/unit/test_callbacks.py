"""The callback-data codec: round trips, the 64-byte limit, and hostile input."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations import callbacks as cb
from core.bounds import MAX_ID

START = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
BIG = MAX_ID  # the largest id a column holds: every button must fit it in 64 bytes

EXAMPLES = [
    cb.ProviderPage(3),
    cb.PickProvider(BIG),
    cb.TypesPage(BIG, BIG),
    cb.ShowMonth(BIG, BIG, 2026, 12, BIG),
    cb.ShowDay(BIG, BIG, date(2026, 12, 31), BIG),
    cb.DayPage(BIG, BIG, date(2026, 12, 31), BIG, BIG),
    cb.PickSlot(BIG, BIG, START, BIG),
    cb.AddNote(BIG, BIG, START),
    cb.ConfirmBooking(BIG, BIG, START, BIG),
    cb.NotBookable("full"),
    cb.MyAppointments(),
    cb.MyPage(BIG),
    cb.MyAppointment(BIG),
    cb.AskCancel(BIG),
    cb.CancelWithReason(BIG),
    cb.ConfirmCancel(BIG),
    cb.Reschedule(BIG),
    cb.CalendarFile(BIG),
    cb.SetLanguage("es"),
    cb.SetTimeZone("America/Argentina/ComodRivadavia"),
    cb.KeepTimeZoneUnset(),
    cb.AgendaDay(date(2026, 12, 1), date(2026, 12, 7)),
    cb.AgendaPage(date(2026, 12, 1), date(2026, 12, 7), BIG),
    cb.AgendaEntry(BIG),
    cb.ProviderConfirm(BIG),
    cb.ProviderDecline(BIG),
    cb.ProviderCancel(BIG),
    cb.ProviderComplete(BIG),
    cb.ProviderNoShow(BIG),
    cb.BlockDecision(date(2026, 12, 24), date(2027, 1, 6), "1400-1630", True),
    cb.Unblock(BIG),
    cb.ClientList(3),
    cb.ClientBlockToggle(BIG, True),
    cb.SettingsMenu(),
    cb.SettingChoices("buf"),
    cb.SetSetting("dig", 1440),
    cb.TypesMenu(),
    cb.TypeEntry(BIG),
    cb.TypeToggle(BIG, False),
    cb.TypeEdit(BIG, "price"),
    cb.TypeMode(BIG, True),
    cb.ReminderAck(BIG),
    cb.JoinWaitlist(BIG, BIG, date(2026, 12, 31)),
    cb.LeaveWaitlist(BIG),
    cb.ClaimOffer(BIG),
    cb.ForgetMe(True),
    cb.CalendarMenu(),
    cb.FeedAdd(),
    cb.FeedRemove(BIG, True),
    cb.FeedSync(),
    cb.FeedLink(False),
    cb.ConflictDecision(BIG, True),
    cb.CalDavConnect(),
    cb.CalDavDisconnect(True),
    cb.CalDavDisconnect(False),
    # The client's Repeat: the largest ids, stamps and indexes, every 4 weeks, 52 times.
    cb.SeriesRepeat(BIG, BIG, START),
    cb.SeriesEvery(BIG, BIG, START, 4),
    cb.SeriesUntilAsk(BIG, BIG, START, 4),
    cb.SeriesCount(BIG, BIG, START, 4, 52),
    cb.SeriesPreview(BIG, BIG),
    cb.SeriesSwap(BIG, 51, BIG),
    cb.SeriesSwapTo(BIG, 51, START),
    cb.SeriesSkip(BIG, 51, True),
    cb.SeriesConfirm(BIG),
    cb.MySeries(BIG),
    cb.MySeriesPage(BIG, BIG),
    cb.AskCancelRest(BIG),
    cb.ConfirmCancelRest(BIG),
    cb.TypeSeries(BIG, True),
    cb.SeriesCancelFrom(BIG),
    cb.SeriesCancelNow(BIG),
    cb.ClientCard(BIG),
    cb.SeriesForClient(BIG, BIG),
    cb.SeriesMonth(BIG, BIG, 2026, 12),
    cb.SeriesDay(BIG, BIG, date(2026, 12, 31)),
    cb.SeriesDayPage(BIG, BIG, date(2026, 12, 31), BIG),
    cb.SeriesStart(BIG, BIG, START),
    cb.ProviderSeriesEvery(BIG, BIG, START, 4),
    cb.ProviderSeriesPreview(BIG, BIG, START, 4, 52),
    cb.SeriesBook(BIG, BIG, datetime(2099, 12, 31, 23, 0, tzinfo=UTC), 4, 52, "0123456789"),
    cb.SeriesDecision(BIG, False),
]


@pytest.mark.parametrize("button", EXAMPLES, ids=lambda b: type(b).__name__)
def test_every_button_round_trips_within_64_bytes(button):
    data = cb.encode(button)
    assert len(data.encode("utf-8")) <= 64
    assert cb.decode(data) == button


def test_every_registered_button_has_an_example_here():
    assert {type(b) for b in EXAMPLES} == set(cb._REGISTRY.values())


def test_slot_times_keep_minute_precision_in_utc():
    decoded = cb.decode(cb.encode(cb.PickSlot(1, 2, START)))
    assert decoded.start == START and decoded.start.tzinfo is not None


@pytest.mark.parametrize(
    "data",
    [
        "",
        "1",
        "1zz:1",  # unknown screen
        "0pv:5",  # another version: an old menu
        "2pv:5",
        "1pv",  # missing field
        "1pv:5:6",  # one field too many
        "1pv:-5",
        "1pv:05",
        "1pv:5.0",
        "1pv: 5",
        "1pv:99999999999999999999",
        "1pv:2147483648",  # 2**31: past PostgreSQL's integer columns
        "1pv:999999999999",
        "1ag:20261201:2026120",  # seven digits
        "1ag:２０２６１２０１:20261201",  # full-width digits: str.isdigit() says yes
        "1sl:1:2:99999999999:0",  # minutes past datetime.max
        "1dy:1:2:20260230:0",  # 30 February
        "1tz:../../etc/passwd",
        "1tz:Europe/Berlin;DROP",
        "1lg:",
        "x" * 65,
        "1pv:٣",  # a non-ASCII digit
        "1fr:5:2",  # a yes/no that is neither
        "1fr:5",  # remove without the confirm flag
        "1kc:-1:1",
        "1kc:2147483648:1",
        "1fs:1",  # sync takes no field
    ],
)
def test_malformed_or_forged_data_decodes_to_nothing(data):
    assert cb.decode(data) is None


@pytest.mark.parametrize("too_big", [MAX_ID + 1, 10**12 - 1])
def test_an_id_past_the_integer_columns_is_no_button(too_big):
    # Encoding is ours and never sees such ids; a forged one must not reach the database.
    assert cb.decode(f"1pv:{too_big}") is None
    assert cb.decode(f"1ma:{too_big}") is None
    assert cb.decode(cb.encode(cb.PickProvider(MAX_ID))) == cb.PickProvider(MAX_ID)


@pytest.mark.parametrize(
    "button",
    [
        cb.ShowDay(1, 2, date(9999, 12, 31)),
        cb.ShowDay(1, 2, date(1, 1, 1)),
        cb.ShowMonth(1, 2, 9999, 12),
        cb.ShowMonth(1, 2, 2026, 13),  # no such month: the screen names the window
        cb.PickSlot(1, 2, datetime(9999, 12, 31, 23, 0, tzinfo=UTC)),
        cb.PickSlot(1, 2, datetime(1, 1, 1, 0, 0, tzinfo=UTC)),
        cb.AgendaDay(date(9999, 12, 31), date(9999, 12, 31)),
    ],
    ids=repr,
)
def test_far_dates_decode_so_the_screen_can_name_the_window(button):
    assert cb.decode(cb.encode(button)) == button


def test_decode_refuses_non_text():
    assert cb.decode(None) is None
    assert cb.decode(b"1pv:5") is None


def test_pattern_matches_only_its_own_buttons():
    match = cb.pattern(cb.PickProvider)
    assert match(cb.encode(cb.PickProvider(5)))
    assert not match(cb.encode(cb.ProviderPage(5)))
    assert not match("1pv:oops")


def test_text_that_cannot_travel_is_refused_when_encoding():
    with pytest.raises(ValueError):
        cb.encode(cb.SetTimeZone("Europe/Berlin:x"))


@given(st.text(max_size=80))
def test_decode_never_raises(data):
    result = cb.decode(data)
    assert result is None or dataclasses.is_dataclass(result)
