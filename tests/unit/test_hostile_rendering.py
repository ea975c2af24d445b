"""Every text and keyboard builder, fed hostile names, checked as strictly as Telegram.

Builders are found by enumerating the public functions of the rendering modules, and
their arguments are made from parameter names: a new builder with a parameter nobody
has a value for fails here, so it cannot be forgotten. Every typed or named field (client,
provider and type names, notes, reasons, addresses, the late-cancel message, queries)
holds the hostile string; lists are long, to catch messages and keyboards that grow.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import ModuleType

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot.standin.records import ApiError, utf16_len
from conversations import (
    caldav_views,
    calendar_reasons,
    digest,
    feed_views,
    keyboards,
    markup,
    my_appointments,
    my_series_views,
    privacy,
    provider_series_views,
    provider_texts,
    provider_types,
    refusals,
    series_texts,
    series_client_views,
    texts,
    timezones,
    waitlist_views,
)
from conversations.i18n import SUPPORTED_LOCALES, texts_for
from core.caldav_model import AccountView, CalDavAccount, PushCounts
from core.availability import DayAvailability, DayStatus
from core.calendar_conflicts import ConflictNotice
from core.calendar_sync import MAX_FEEDS_PER_PROVIDER
from core.client_series import SeriesEntry
from core.digest import Digest
from core.errors import BookingLimitReached
from core.model import (
    AgendaItem,
    Appointment,
    AppointmentDetails,
    AppointmentStatus,
    MAX_SERIES_OCCURRENCES,
    AppointmentType,
    CalendarConflict,
    CalendarFeed,
    Client,
    OfferStatus,
    OverrideKind,
    Provider,
    ProviderOffer,
    ProviderSettings,
    ProviderType,
    ScheduleOverride,
    WaitlistEntry,
    WeeklyInterval,
)
from core.series import Occurrence, OccurrenceState
from core.waitlist import MAX_ENTRIES_PER_CLIENT, WaitlistItem
from conversations import callbacks as cb
from conversations.provider_parsing import BAD_DATE, ParseError
from core.model import MAX_SERIES_OCCURRENCES
from core.series import OccurrenceState
from core.series_choices import Choice, ChoiceState, UntilProblem

try:  # the stand-in's HTML parser, wherever the stand-in keeps it
    from bot.standin.formatting import render_text
except ImportError:  # pragma: no cover - before the stand-in split its modules
    from bot.standin.records import render_text  # type: ignore[attr-defined,no-redef]

MODULES: tuple[ModuleType, ...] = (
    texts, provider_texts, keyboards, waitlist_views, digest, my_appointments, timezones,
    privacy, refusals, provider_types, feed_views, caldav_views, calendar_reasons, series_texts,
    series_client_views, my_series_views,
    provider_series_views,
)
#: Public functions of those modules that build no message or keyboard.
NOT_BUILDERS = {
    "digest.send_digests", "timezones.find_zones", "timezones.suggested_zones",
    "timezones.zone_for_location", "provider_types.parse_price", "provider_types.parse_minutes",
    "provider_types.parse_seats", "provider_types.clean_name", "provider_types.default_currency",
    "provider_texts.agenda_page",  # which items a page holds
    "provider_texts.plain_client_name",  # plain text for labels (checked on the buttons)
    "provider_texts.client_label",  # the same, of a client
    "calendar_reasons.button", "calendar_reasons.host",  # a button and a host for the views
    "series_texts.zones",  # which zones lead
    "keyboards.pager", "keyboards.blank",  # parts of keyboards (checked inside them)
    "keyboards.shift_month",
}
#: Texts shown as the toast of a callback query answer (200 characters).
ANSWERS = {"waitlist_views.left"}
#: Builders that cannot stay within Telegram's limits for any length of list without a
#: paging route in a handler module this slice does not own (conversations/booking.py).
NEEDS_PAGING_ROUTE: set[str] = set()  # builders still to page (none)

HOSTILE = [
    "<3",
    "</b>",
    "&",
    "&amp;",
    "<b>bold</b> & <i>it",
    "x" * 5000,
    "👩‍👩‍👧‍👦" * 1500,  # 5 code points, 11 UTF-16 units each: cut only between families
    "\u202eevil reversed\u202c",
    "zero\u200bwidth\u200b",
    "\u200fשלום עליכם",
    "🏳️‍🌈 🇩🇪🇺🇦 👍🏽 é",
    "",
    " \n\t ",
]
LONG = 150  # items in every list argument
#: Telegram's HTML tags that take no attribute: the only markup the builders may use.
TAG = re.compile(r"</?(b|strong|i|em|u|ins|s|strike|del|tg-spoiler|code|pre|blockquote)>")
ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
START = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
DAY = date(2026, 12, 4)
BIG_ID = 2**31 - 1


def _builders() -> list[tuple[str, Callable]]:
    found = []
    for module in MODULES:
        short = module.__name__.rsplit(".", 1)[-1]
        for name, function in inspect.getmembers(module, inspect.isfunction):
            qualified = f"{short}.{name}"
            if (
                name.startswith("_")
                or function.__module__ != module.__name__
                or inspect.iscoroutinefunction(function)
                or qualified in NOT_BUILDERS
            ):
                continue
            found.append((qualified, function))
    return found


# ----------------------------------------------------------------------------- the world


def _provider(h: str, locale: str) -> Provider:
    settings = ProviderSettings(late_cancel_message=h or None, min_notice_hours=24,
                                reschedule_lock_hours=2, digest_time=time(8, 0))
    return Provider(BIG_ID, h, ProviderType.THERAPIST, "Europe/Berlin", settings=settings,
                    telegram_user_id=555, address=h or None, language=locale)


def _type(h: str, virtual: bool = False) -> AppointmentType:
    return AppointmentType(BIG_ID, BIG_ID, h, 45, is_virtual=virtual, price=Decimal("45.50"),
                           currency="EUR", max_participants=8)


def _appointment(h: str, i: int, status=AppointmentStatus.PENDING) -> Appointment:
    start = START + timedelta(hours=i)
    return Appointment(BIG_ID - i, BIG_ID, BIG_ID, BIG_ID, start, start + timedelta(minutes=45),
                       status, created_at=START - timedelta(days=3), notes=h or None,
                       cancel_reason=h or None, late_cancel=True)


class World:
    """Values for every parameter name a builder uses, all holding the hostile text."""

    def __init__(self, h: str, locale: str):
        self.h, self.locale = h, locale
        self.provider = _provider(h, locale)
        self.types = [_type(h), _type(h, virtual=True)]
        self.client = Client(BIG_ID, 2**40, name=h or None, language=locale, timezone="Asia/Kolkata")

    def details(self, n: int) -> list[AppointmentDetails]:
        statuses = [AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED]
        return [AppointmentDetails(_appointment(self.h, i, statuses[i % 2]), self.provider,
                                   self.types[i % 2]) for i in range(n)]

    def series(self, n: int) -> SeriesEntry:
        """A series of ``n`` occurrences still to come."""
        return SeriesEntry(BIG_ID, 4, tuple(self.details(n)))

    def entries(self, n: int) -> list:
        """/my's list: singles and whole series, mixed."""
        return [self.series(52) if i % 3 == 0 else d for i, d in enumerate(self.details(n))]

    def agenda(self, n: int) -> list[AgendaItem]:
        statuses = list(AppointmentStatus)
        return [AgendaItem(_appointment(self.h, i, statuses[i % len(statuses)]), self.client,
                           self.types[i % 2]) for i in range(n)]

    def feed(self, i: int = 0) -> CalendarFeed:
        """A failing calendar whose host and error hold the hostile text."""
        return CalendarFeed(BIG_ID - i, BIG_ID, f"https://{self.h}/private/basic.ics", START,
                            last_attempt_at=START, last_sync_at=START, busy_count=BIG_ID,
                            last_error=self.h, error_since=START)

    def account(self) -> CalDavAccount:
        """A CalDAV calendar whose address, name and errors hold the hostile text."""
        return CalDavAccount(BIG_ID, BIG_ID, f"https://{self.h}/dav/", self.h, "x",
                             f"https://{self.h}/dav/{self.h}/", START, calendar_name=self.h,
                             feed_id=BIG_ID, last_push_at=START, last_error=self.h,
                             error_since=START)

    def caldav(self) -> AccountView:
        return AccountView(self.account(), self.feed(), PushCounts(BIG_ID, BIG_ID, BIG_ID))

    def conflict(self) -> ConflictNotice:
        conflict = CalendarConflict(BIG_ID, BIG_ID, BIG_ID, BIG_ID, START, START)
        return ConflictNotice(conflict, self.provider, self.agenda(1)[0], self.h)

    def occurrences(self) -> list[Occurrence]:
        """A year of weekly sessions in every state, a DST gap's without a start."""
        found = []
        for i in range(MAX_SERIES_OCCURRENCES):
            state = list(OccurrenceState)[i % len(OccurrenceState)]
            start = None if state is OccurrenceState.DST_GAP else START + timedelta(weeks=i)
            end = None if start is None else start + timedelta(minutes=45)
            found.append(Occurrence(DAY + timedelta(weeks=i), start, end, state))
        return found

    def waiting(self, n: int) -> list[WaitlistItem]:
        return [WaitlistItem(WaitlistEntry(BIG_ID - i, BIG_ID, BIG_ID, BIG_ID, DAY + timedelta(days=i),
                                           "Europe/Berlin", START), self.provider, self.types[0])
                for i in range(n)]

    def value(self, builder: str, name: str, hint: object):  # noqa: C901 - one table
        h, t = self.h, texts_for(self.locale)
        hint_text = str(hint)
        if name == "t":
            return t
        if name == "items" or name == "hit":
            if "AgendaItem" in hint_text:
                return self.agenda(LONG)
            if "WaitlistItem" in hint_text:
                return self.waiting(MAX_ENTRIES_PER_CLIENT)
            if "SeriesEntry" in hint_text:
                return self.entries(LONG)
            return self.details(LONG)
        if name == "waiting":
            return self.waiting(MAX_ENTRIES_PER_CLIENT) if "WaitlistItem" in hint_text else 7
        table: dict[str, Callable[[], object]] = {
            "provider": lambda: self.provider,
            "appt_type": lambda: self.types[0],
            "types": lambda: [self.types[i % 2] for i in range(LONG)],
            "details": lambda: self.details(1)[0],
            "item": lambda: self.agenda(1)[0],
            "offers": lambda: [ProviderOffer(self.provider, tuple(self.types))] * LONG,
            "digest": lambda: Digest(self.provider, DAY, self.agenda(LONG), self.agenda(LONG)),
            "clients": lambda: [(self.client, i % 2 == 0) for i in range(LONG)],
            "first_name": lambda: h, "note": lambda: h, "provider_message": lambda: h,
            "detail": lambda: h, "query": lambda: h, "label": lambda: (lambda z: h + z),
            "command": lambda: "agenda", "code": lambda: "BAD_DATE",
            "client_zone": lambda: "Asia/Kolkata", "zone_name": lambda: "Europe/Berlin",
            "zone": lambda: "Europe/Berlin", "provider_zone_hint": lambda: "Europe/Berlin",
            "new_zone": lambda: "America/Argentina/ComodRivadavia", "cancelled": lambda: 12,
            "zones": lambda: timezones.COMMON_ZONES, "tz": lambda: "Europe/Berlin",
            "start": lambda: START, "now": lambda: START, "at": lambda: START,
            "expires_at": lambda: START + timedelta(hours=2),
            "starts": lambda: [START + timedelta(minutes=5 * i) for i in range(LONG)],
            "day": lambda: DAY, "first": lambda: DAY, "last": lambda: DAY + timedelta(days=6),
            "today": lambda: DAY, "last_bookable": lambda: DAY + timedelta(days=400),
            "days": lambda: [DayAvailability(DAY + timedelta(days=i), list(DayStatus)[i % 3], ())
                             for i in range(-3, 28)],
            "year": lambda: 2026, "month_number": lambda: 12, "page": lambda: 3,
            "late": lambda: True, "created": lambda: True, "rescheduling": lambda: True,
            "limit": lambda: 3, "upcoming": lambda: 4, "n": lambda: 2,
            "kind": lambda: ProviderType.TUTOR,
            "status": lambda: OfferStatus.TAKEN if "offer" in builder else AppointmentStatus.NO_SHOW,
            "weekly": lambda: tuple(WeeklyInterval(d, time(9), time(17)) for d in range(5)),
            "override": lambda: ScheduleOverride(DAY, OverrideKind.UNAVAILABLE, time(9), time(12), 3),
            "error": lambda: BookingLimitReached(3),
            "provider_id": lambda: BIG_ID, "type_id": lambda: BIG_ID,
            "appointment_id": lambda: BIG_ID, "offer_id": lambda: BIG_ID, "appointment": lambda: BIG_ID,
            "extra": lambda: None,
            "feeds": lambda: [self.feed(i) for i in range(MAX_FEEDS_PER_PROVIDER)],
            "feed": lambda: self.feed(), "notice": lambda: self.conflict(), "reason": lambda: h,
            "can_add": lambda: True, "has_link": lambda: True,
            "link_base": lambda: "https://slotbot.example.org", "cancel": lambda: True,
            "url": lambda: "https://slotbot.example.org/calendar/" + "A" * 43 + ".ics",
            "failed": lambda: 3,
            "caldav": lambda: self.caldav(), "account": lambda: self.account(),
            "can_connect": lambda: True, "user": lambda: h, "shown_as": lambda: h,
            "entry": lambda: self.series(LONG), "every_weeks": lambda: 2, "series_id": lambda: BIG_ID,
            "window": lambda: (DAY - timedelta(days=366), DAY + timedelta(days=5 * 366)),
            # Series (issue #14): a head is markup its caller built, so escaped here.
            "head": lambda: markup.escape(h), "who": lambda: h, "every_weeks": lambda: 4,
            "skipped": lambda: [(START + timedelta(weeks=i), "DST_GAP") for i in range(LONG)],
            "lead": lambda: "Europe/Berlin", "other": lambda: "Asia/Kolkata",
            # The client's Repeat (series_client_views): the most occurrences a series has.
            "repeat": lambda: True, "stamp": lambda: BIG_ID, "index": lambda: MAX_SERIES_OCCURRENCES - 1,
            "choices": lambda: series_choices(),
            "back": lambda: cb.SeriesEvery(BIG_ID, BIG_ID, START, 4),
            "max_occurrences": lambda: MAX_SERIES_OCCURRENCES, "number": lambda: MAX_SERIES_OCCURRENCES,
            "has_times": lambda: True, "taken": lambda: True, "pending": lambda: True,
            "problem": lambda: UntilProblem.TOO_MANY, "latest": lambda: DAY + timedelta(weeks=51),
            "unreadable": lambda: ParseError(BAD_DATE, h),
            "in_series": lambda: (52, 52),
            "client": lambda: self.client, "client_id": lambda: BIG_ID, "blocked": lambda: True,
            "every": lambda: 4, "most": lambda: MAX_SERIES_OCCURRENCES, "count": lambda: 52,
            "occurrences": lambda: self.occurrences(), "free": lambda: 52,
            # A preview's changed sessions (the client's: indexes; the provider's: a flag).
            "changed": lambda: (list(range(MAX_SERIES_OCCURRENCES))
                                if builder.startswith("series_client_views") else True),
            "shown": lambda: "0123456789ab", "booked": lambda: 52,
            "series": lambda: BIG_ID, "decided": lambda: 52, "confirm": lambda: False,
        }
        if name not in table:
            raise AssertionError(f"{builder}: no hostile value for parameter {name!r}; add one here")
        return table[name]()


def series_choices() -> list[Choice]:
    """A preview's occurrences in every state and reason, one in a DST gap."""
    states, reasons = list(ChoiceState), list(OccurrenceState)
    return [
        Choice(DAY + timedelta(weeks=i), None if i == 5 else START + timedelta(weeks=i), states[i % len(states)],
               reasons[i % len(reasons)] if states[i % len(states)] is ChoiceState.NOT_POSSIBLE else None)
        for i in range(MAX_SERIES_OCCURRENCES)
    ]


def _call(qualified: str, function: Callable, world: World):
    hints = typing.get_type_hints(function)
    kwargs = {}
    for name, parameter in inspect.signature(function).parameters.items():
        kwargs[name] = world.value(qualified, name, hints.get(name, parameter.annotation))
    return function(**kwargs)


# ------------------------------------------------------------------------- what Telegram checks


def check_html(raw: str, hostile: str, limit: int = markup.MESSAGE_LIMIT) -> None:
    assert isinstance(raw, str)
    outside = TAG.sub("", raw)
    assert "<" not in outside and ">" not in outside, f"unescaped < or >: {raw[:300]!r}"
    for at in (m.start() for m in re.finditer("&", outside)):
        assert ENTITY.match(outside, at), f"bare & or an entity Telegram lacks: {outside[at:at + 12]!r}"
    try:
        shown = render_text(raw, "HTML")
    except ApiError as error:  # pragma: no cover - the failure message is the point
        pytest.fail(f"Telegram would refuse it: {error.description}: {raw[:300]!r}")
    assert utf16_len(shown) <= limit, f"{utf16_len(shown)} UTF-16 units: {shown[:200]!r}…"
    assert "\u200d" + markup.ELLIPSIS not in shown, "an emoji sequence cut in half"
    if "&" not in hostile:
        assert not ENTITY.search(shown), f"escaped twice: {shown[:300]!r}"


def check_buttons(rows, hostile: str) -> None:
    buttons = [b for row in rows for b in row]
    assert len(buttons) <= markup.MAX_BUTTONS, f"{len(buttons)} buttons"
    for b in buttons:
        assert b.text, "a button without text"
        assert utf16_len(b.text) <= markup.LABEL_LIMIT, f"label too long: {b.text[:80]!r}"
        assert "\n" not in b.text and "\u202e" not in b.text
        assert not b.text.endswith("\u200d") and "\u200d" + markup.ELLIPSIS not in b.text
        if "&" not in hostile:
            assert not ENTITY.search(b.text), f"HTML-escaped label (buttons are plain): {b.text!r}"
        if isinstance(b, InlineKeyboardButton) and b.callback_data is not None:
            assert 1 <= len(b.callback_data.encode()) <= 64, b.callback_data


def check(result, hostile: str, answer: bool = False) -> None:
    if result is None:
        return
    if isinstance(result, tuple):
        for part in result:
            check(part, hostile, answer)
    elif isinstance(result, str):
        check_html(result, hostile, markup.ANSWER_LIMIT if answer else markup.MESSAGE_LIMIT)
    elif isinstance(result, InlineKeyboardMarkup):
        check_buttons(result.inline_keyboard, hostile)
    elif isinstance(result, ReplyKeyboardMarkup):
        check_buttons(result.keyboard, hostile)
    elif isinstance(result, InlineKeyboardButton):
        check_buttons([[result]], hostile)
    elif isinstance(result, list) and all(isinstance(r, (list, tuple)) for r in result):
        check_buttons(result, hostile)
    else:
        pytest.fail(f"a builder returned {type(result).__name__}; list it in NOT_BUILDERS?")


BUILDERS = _builders()


def _marks(qualified: str):
    if qualified in NEEDS_PAGING_ROUTE:
        return [pytest.mark.xfail(strict=True, reason="over 100 buttons: needs a paging route")]
    return []


@pytest.mark.parametrize(
    ("qualified", "function"),
    [pytest.param(q, f, id=q, marks=_marks(q)) for q, f in BUILDERS],
)
def test_every_builder_survives_hostile_text_as_telegram_checks_it(qualified, function):
    for locale in SUPPORTED_LOCALES:
        for hostile in HOSTILE:
            try:
                result = _call(qualified, function, World(hostile, locale))
            except AssertionError:
                raise
            except Exception as error:  # a builder must render, not raise
                pytest.fail(f"{qualified} raised {error!r} for {hostile[:20]!r} in {locale}")
            try:
                check(result, hostile, answer=qualified in ANSWERS)
            except AssertionError as error:
                raise AssertionError(f"{qualified} [{locale}] {hostile[:20]!r}: {error}") from None


def test_the_enumeration_finds_the_builders_of_every_module():
    names = {q for q, _ in BUILDERS}
    assert {"texts.summary", "keyboards.my_list", "provider_texts.agenda", "digest.digest_message",
            "waitlist_views.leave_buttons", "timezones.utc_offset_label"} <= names
    assert NEEDS_PAGING_ROUTE | ANSWERS <= names
    for module in MODULES:
        assert any(q.startswith(module.__name__.rsplit(".", 1)[-1] + ".") for q in names), module
