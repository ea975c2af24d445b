"""Callback data: one small, versioned codec for every button.

Telegram gives a button 1-64 bytes of ``callback_data`` and hands it back
untouched by us but not necessarily honest: anybody can send any bytes. So
each button is a typed dataclass, encoded as ``<version><code>:<field>:…`` and
decoded strictly (known code, right number of fields, each field in range).
Anything else decodes to ``None`` and is answered as an expired menu. The data
is self-contained (no server-side cache), so buttons survive a restart; ids in
it are re-checked against the user by the handlers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import ClassVar, get_type_hints

from core.bounds import MAX_ID

VERSION = "1"
MAX_BYTES = 64
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
# Numbers are ids, pages and setting values: 0 ("none") up to the database's 32-bit
# integer columns (core.bounds.MAX_ID). A bigger one is no row of ours: decoding it
# answers "expired" instead of a PostgreSQL error ("integer out of range").
_INT = re.compile(r"^(0|[1-9][0-9]{0,9})$")
# Minutes from _EPOCH, either side: far dates decode, and the screen names the window.
_MINUTES = re.compile(r"^(0|-?[1-9][0-9]{0,9})$")
_DATE = re.compile(r"^[0-9]{8}$")  # ASCII: "２０２６" is digits to str.isdigit()
_TEXT = re.compile(r"^[A-Za-z0-9_+\-/]{1,40}$")


class Callback:
    """Base class of all buttons; subclasses are frozen dataclasses with a ``code``."""

    code: ClassVar[str]


_REGISTRY: dict[str, type[Callback]] = {}


def button(code: str):  # type: ignore[no-untyped-def]
    """Register a callback dataclass under a two-letter code."""

    def register(cls: type[Callback]) -> type[Callback]:
        if code in _REGISTRY:
            raise ValueError(f"callback code {code!r} used twice")
        cls.code = code
        _REGISTRY[code] = cls
        return cls

    return register


def _encode_value(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return str(int((value - _EPOCH).total_seconds() // 60))
    if isinstance(value, date):
        return f"{value.year:04}{value.month:02}{value.day:02}"  # strftime writes year 1 as "1"
    if isinstance(value, str):
        if not _TEXT.match(value):
            raise ValueError(f"text {value!r} cannot travel in callback data")
        return value
    raise TypeError(f"cannot encode {type(value).__name__} in callback data")


def _decode_value(kind: type, text: str) -> object:
    if kind is bool:
        if text not in ("0", "1"):
            raise ValueError(text)
        return text == "1"
    if kind is int:
        if not _INT.match(text) or int(text) > MAX_ID:
            raise ValueError(text)
        return int(text)
    if kind is datetime:
        if not _MINUTES.match(text):
            raise ValueError(text)
        return _EPOCH + timedelta(minutes=int(text))
    if kind is date:
        if not _DATE.match(text):
            raise ValueError(text)
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    if kind is str:
        if not _TEXT.match(text):
            raise ValueError(text)
        return text
    raise TypeError(kind)


def encode(callback: Callback) -> str:
    parts = [VERSION + callback.code]
    parts += [_encode_value(getattr(callback, f.name)) for f in fields(callback)]  # type: ignore[arg-type]
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


@lru_cache(maxsize=None)
def _schema(cls: type[Callback]) -> tuple[tuple[str, type], ...]:
    """Each field's name and type: resolving the hints is costly and never changes."""
    hints = get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in fields(cls))  # type: ignore[arg-type]


def decode(data: object) -> Callback | None:
    """The button behind ``data``, or ``None`` for anything malformed, foreign or old."""
    if not isinstance(data, str):
        return None
    return _decode_text(data)


# PTB tries every handler's pattern in turn, so one tap's data is decoded many
# times; buttons are frozen dataclasses, so the same answer can be handed out.
@lru_cache(maxsize=4096)
def _decode_text(data: str) -> Callback | None:
    if len(data.encode()) > MAX_BYTES:
        return None
    head, *values = data.split(":")
    if not head.startswith(VERSION):
        return None
    cls = _REGISTRY.get(head[len(VERSION) :])
    if cls is None:
        return None
    schema = _schema(cls)
    if len(values) != len(schema):
        return None
    try:
        kwargs = {n: _decode_value(kind, v) for (n, kind), v in zip(schema, values, strict=True)}
        return cls(**kwargs)
    except (ValueError, TypeError, OverflowError):
        return None


def pattern(*classes: type[Callback]):  # type: ignore[no-untyped-def]
    """A PTB ``CallbackQueryHandler`` pattern matching these buttons (and valid data only)."""
    wanted = tuple(classes)
    return lambda data: isinstance(decode(data), wanted)


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
