"""Callback data: one small, versioned codec for every button (the buttons: ``callbacks.py``).

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
