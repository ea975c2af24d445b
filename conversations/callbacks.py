"""Every button the bot shows, as a typed dataclass (the codec: ``callback_codec.py``).

Handlers route on these classes (``pattern``) and read their fields; ids in a
button are re-checked against the person tapping it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from conversations.callback_codec import (  # noqa: F401 - the codec, used as cb.encode etc.
    _REGISTRY,
    MAX_BYTES,
    VERSION,
    Callback,
    button,
    decode,
    encode,
    pattern,
)


# Booking. ``appointment`` is 0 when booking anew, else the appointment being moved.


@button("pp")
@dataclass(frozen=True)
class ProviderPage(Callback):
    page: int


@button("pv")
@dataclass(frozen=True)
class PickProvider(Callback):
    provider_id: int


# A provider with more kinds of appointment than fit on one screen.
@button("pt")
@dataclass(frozen=True)
class TypesPage(PickProvider):
    page: int = 0


@button("mo")
@dataclass(frozen=True)
class ShowMonth(Callback):
    """A month of the calendar. Any numbers decode (month 13, year 9999): the screen
    answers a month outside the date window with the window (core.bounds)."""

    provider_id: int
    type_id: int
    year: int
    month: int
    appointment: int = 0


@button("dy")
@dataclass(frozen=True)
class ShowDay(Callback):
    provider_id: int
    type_id: int
    day: date
    appointment: int = 0


# A day with more times than fit under one message (short types over long hours).
@button("dq")
@dataclass(frozen=True)
class DayPage(ShowDay):
    page: int = 0


@button("sl")
@dataclass(frozen=True)
class PickSlot(Callback):
    provider_id: int
    type_id: int
    start: datetime
    appointment: int = 0


@button("nt")
@dataclass(frozen=True)
class AddNote(Callback):
    provider_id: int
    type_id: int
    start: datetime


@button("ok")
@dataclass(frozen=True)
class ConfirmBooking(Callback):
    provider_id: int
    type_id: int
    start: datetime
    appointment: int = 0


@button("nd")
@dataclass(frozen=True)
class NotBookable(Callback):
    """A calendar cell or header that does nothing but explain itself."""

    reason: str  # "off", "full", "past", "label"


# The client's appointments.


@button("my")
@dataclass(frozen=True)
class MyAppointments(Callback):
    pass


# A subclass of the screen it pages, so the screen's handler (whose pattern matches by
# isinstance) takes it too; the old button without a page keeps working.
@button("mp")
@dataclass(frozen=True)
class MyPage(MyAppointments):
    page: int


@button("ma")
@dataclass(frozen=True)
class MyAppointment(Callback):
    appointment: int


@button("ca")
@dataclass(frozen=True)
class AskCancel(Callback):
    appointment: int


@button("cr")
@dataclass(frozen=True)
class CancelWithReason(Callback):
    appointment: int


@button("cx")
@dataclass(frozen=True)
class ConfirmCancel(Callback):
    appointment: int


@button("rs")
@dataclass(frozen=True)
class Reschedule(Callback):
    appointment: int


@button("ic")
@dataclass(frozen=True)
class CalendarFile(Callback):
    appointment: int


# Preferences.


@button("lg")
@dataclass(frozen=True)
class SetLanguage(Callback):
    locale: str


@button("tz")
@dataclass(frozen=True)
class SetTimeZone(Callback):
    zone: str


@button("tk")
@dataclass(frozen=True)
class KeepTimeZoneUnset(Callback):
    pass


# The provider side. Every id is re-checked against the provider the caller runs.


@button("ag")
@dataclass(frozen=True)
class AgendaDay(Callback):
    first: date
    last: date


@button("ap")
@dataclass(frozen=True)
class AgendaPage(AgendaDay):
    """Page ``page`` of the agenda for ``first``…``last`` (a subclass: see MyPage)."""

    page: int


@button("ai")
@dataclass(frozen=True)
class AgendaEntry(Callback):
    appointment: int


@button("pc")
@dataclass(frozen=True)
class ProviderConfirm(Callback):
    appointment: int


@button("pd")
@dataclass(frozen=True)
class ProviderDecline(Callback):
    appointment: int


@button("pk")
@dataclass(frozen=True)
class ProviderCancel(Callback):
    appointment: int


@button("pf")
@dataclass(frozen=True)
class ProviderComplete(Callback):
    appointment: int


@button("pn")
@dataclass(frozen=True)
class ProviderNoShow(Callback):
    appointment: int


@button("bk")
@dataclass(frozen=True)
class BlockDecision(Callback):
    """Save a block; ``window`` is ``HHMM-HHMM`` or ``-`` for whole days."""

    first: date
    last: date
    window: str
    cancel_hit: bool


@button("ub")
@dataclass(frozen=True)
class Unblock(Callback):
    override: int


@button("cl")
@dataclass(frozen=True)
class ClientList(Callback):
    page: int


@button("cb")
@dataclass(frozen=True)
class ClientBlockToggle(Callback):
    client: int
    block: bool


@button("sm")
@dataclass(frozen=True)
class SettingsMenu(Callback):
    pass


@button("sc")
@dataclass(frozen=True)
class SettingChoices(Callback):
    """Show the choices for one setting (``name`` is a short setting code)."""

    name: str


@button("ss")
@dataclass(frozen=True)
class SetSetting(Callback):
    name: str
    value: int


@button("tm")
@dataclass(frozen=True)
class TypesMenu(Callback):
    pass


@button("ti")
@dataclass(frozen=True)
class TypeEntry(Callback):
    type_id: int


@button("tt")
@dataclass(frozen=True)
class TypeToggle(Callback):
    type_id: int
    active: bool


@button("te")
@dataclass(frozen=True)
class TypeEdit(Callback):
    """Edit one field of a type (``field``: name, dur, price, mode, cap); 0 = a new type."""

    type_id: int
    field: str


@button("tv")
@dataclass(frozen=True)
class TypeMode(Callback):
    """Video (True) or in person (False), for type ``type_id`` (0 = the one being added)."""

    type_id: int
    virtual: bool


@button("ra")
@dataclass(frozen=True)
class ReminderAck(Callback):
    """"I'll be there" under a reminder."""

    appointment: int


# /calendar: its buttons live in calendar_buttons.py (registered when imported here).
from conversations.calendar_buttons import (  # noqa: E402,F401 - re-exported as cb.…
    CalDavConnect,
    CalDavDisconnect,
    CalendarMenu,
    ConflictDecision,
    FeedAdd,
    FeedLink,
    FeedRemove,
    FeedSync,
)


# The waitlist.


@button("wj")
@dataclass(frozen=True)
class JoinWaitlist(Callback):
    provider_id: int
    type_id: int
    day: date


@button("wl")
@dataclass(frozen=True)
class LeaveWaitlist(Callback):
    entry: int


@button("wc")
@dataclass(frozen=True)
class ClaimOffer(Callback):
    """Claim under a freed-slot offer; the server checks it is the caller's and open."""

    offer: int


@button("fm")
@dataclass(frozen=True)
class ForgetMe(Callback):
    """Under /forgetme: delete (True) or keep (False)."""

    confirm: bool


# The client's "Repeat" (a weekly series): its buttons live in series_buttons.py.
from conversations.series_buttons import (  # noqa: E402,F401 - re-exported as cb.…
    SeriesConfirm,
    SeriesCount,
    SeriesEvery,
    SeriesPreview,
    SeriesRepeat,
    SeriesSkip,
    SeriesSwap,
    SeriesSwapTo,
    SeriesUntilAsk,
)

# A weekly series in /my: its buttons live in my_series_buttons.py.
from conversations.my_series_buttons import (  # noqa: E402,F401 - re-exported as cb.…
    AskCancelRest,
    ConfirmCancelRest,
    MySeries,
    MySeriesPage,
)

# Weekly series, the provider's side: its buttons live in provider_series_buttons.py.
from conversations.provider_series_buttons import (  # noqa: E402,F401 - re-exported as cb.…
    ClientCard,
    SeriesBook,
    SeriesCancelFrom,
    SeriesCancelNow,
    SeriesDay,
    SeriesDayPage,
    SeriesDecision,
    ProviderSeriesEvery,
    SeriesForClient,
    SeriesMonth,
    ProviderSeriesPreview,
    SeriesStart,
    TypeSeries,
)
