"""Reading the provider import format (``shared/examples/provider.json``).

Pydantic checks the shape at this edge and says exactly which field is wrong;
the result is a plain :class:`core.model.NewProvider`.
"""

from __future__ import annotations

import json
import re
from datetime import date, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from babel.numbers import list_currencies
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from bot.clock import utc_now
from core.bounds import date_window
from core.errors import InvalidProviderData
from core.model import (
    DEFAULT_MAX_SERIES_OCCURRENCES,
    MAX_SERIES_OCCURRENCES,
    AppointmentType,
    NewProvider,
    OverrideKind,
    Provider,
    ProviderSettings,
    ProviderType,
    ScheduleOverride,
    WeeklyInterval,
)
from core.providers import MIN_SERIES, validate_new_provider


class ProviderFileError(ValueError):
    """The file cannot be imported; the message names the file, field and fix."""


_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d)?$")


def _wall_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        if value == "24:00":
            return time(0)  # the end of the day: an end not after the start runs to midnight
        if _TIME.match(value):
            return time.fromisoformat(value)
    raise ValueError(f"expected a time as HH:MM (00:00 to 23:59), got {value!r}")


def _price(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected a decimal string like \"60.00\", got {value!r}")
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"expected a decimal string like \"60.00\", got {value!r}") from None
    if not price.is_finite():
        raise ValueError(f"expected a decimal string like \"60.00\", got {value!r}")
    return price


def _currency(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.upper() in list_currencies():
        return value.upper()
    raise ValueError(f"expected an ISO 4217 currency code like EUR, got {value!r}")


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


WallTime = Annotated[time, BeforeValidator(_wall_time)]


class _Model(BaseModel):
    # Unknown keys are ignored: deployments may add fields of their own.
    model_config = ConfigDict(extra="ignore", strict=False)


class _Settings(_Model):
    buffer_minutes_between_appointments: int = Field(0, ge=0, le=24 * 60)
    max_advance_days: int = Field(60, ge=0, le=3660)
    min_notice_hours: int = Field(0, ge=0, le=24 * 366)
    auto_confirm: bool = True


class _Schedule(_Model):
    day_of_week: int = Field(ge=0, le=6)
    start_time: WallTime
    end_time: WallTime
    is_active: bool = True


def _not_far_ahead(day: date) -> date:
    # Past dates are history and harmless; one far ahead (9999-12-31, say) is a typo that
    # every later screen listing future blocks would trip over.
    last = date_window(utc_now().date())[1]
    if day > last:
        raise ValueError(f"{day.isoformat()} is too far ahead: use a date up to {last.isoformat()}")
    return day


class _Override(_Model):
    date: Annotated[date, AfterValidator(_not_far_ahead)]
    type: Annotated[OverrideKind, BeforeValidator(_upper)]
    start_time: WallTime | None = None
    end_time: WallTime | None = None


class _AppointmentType(_Model):
    name: str = Field(min_length=1, max_length=200)
    duration_minutes: int = Field(gt=0, le=24 * 60)
    is_virtual: bool = False
    price: Annotated[Decimal | None, BeforeValidator(_price)] = None
    currency: Annotated[str | None, BeforeValidator(_currency)] = None
    max_participants: int = Field(1, ge=1, le=10_000)
    is_active: bool = True
    # Weekly series (issue #14): whether clients may book one, and how many sessions at most.
    allow_series: bool = False
    max_series_occurrences: int = Field(
        DEFAULT_MAX_SERIES_OCCURRENCES, ge=MIN_SERIES, le=MAX_SERIES_OCCURRENCES
    )


class _Provider(_Model):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320)
    address: str | None = Field(None, max_length=500)
    type: Annotated[ProviderType, BeforeValidator(_upper)]
    timezone: str
    settings: _Settings = Field(default_factory=_Settings)
    schedules: list[_Schedule] = Field(default_factory=list)
    overrides: list[_Override] = Field(default_factory=list)
    appointment_types: list[_AppointmentType] = Field(default_factory=list)


def _where(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def parse_provider(data: Any) -> NewProvider:
    """Turn decoded JSON into a :class:`NewProvider`; :class:`ProviderFileError` says what is wrong."""
    try:
        parsed = _Provider.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        raise ProviderFileError(f"{_where(error['loc'])}: {message}") from None
    return NewProvider(
        provider=Provider(
            id=None,
            name=parsed.name.strip(),
            email=parsed.email,
            address=parsed.address,
            type=parsed.type,
            timezone=parsed.timezone,
            settings=ProviderSettings(**parsed.settings.model_dump()),
        ),
        weekly=tuple(
            WeeklyInterval(s.day_of_week, s.start_time, s.end_time, s.is_active)
            for s in parsed.schedules
        ),
        overrides=tuple(
            ScheduleOverride(o.date, o.type, o.start_time, o.end_time) for o in parsed.overrides
        ),
        appointment_types=tuple(
            AppointmentType(
                id=None,
                provider_id=None,
                name=t.name.strip(),
                duration_minutes=t.duration_minutes,
                is_virtual=t.is_virtual,
                price=t.price,
                currency=t.currency,
                max_participants=t.max_participants,
                is_active=t.is_active,
                allow_series=t.allow_series,
                max_series_occurrences=t.max_series_occurrences,
            )
            for t in parsed.appointment_types
        ),
    )


def read_provider_file(path: Path) -> NewProvider:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProviderFileError(f"{path}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ProviderFileError(f"{path}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProviderFileError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    try:
        new = parse_provider(data)
        validate_new_provider(new)
    except (ProviderFileError, InvalidProviderData) as exc:
        raise ProviderFileError(f"{path}: {exc}") from None
    return new
