"""/settings: a provider's rules, changed with buttons (and a little typing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations.common import answer, pressed, services, show
from conversations.i18n import SUPPORTED_LOCALES, LOCALE_NAMES, Texts, texts_for
from conversations.provider_common import Acting, acting, provider_only
from conversations.states import BROWSING, SETTING_TEXT
from conversations.timezones import find_zones
from core.errors import InvalidProviderData
from core.model import LateCancelPolicy, Provider
from core.provider_admin import update_provider

DIGEST_OFF = 9999
TEXT_MAX_CHARS = 300


@dataclass(frozen=True)
class Choice:
    """One numeric setting: its field, the values offered as buttons, its unit."""

    field: str
    values: tuple[int, ...]
    unit: str  # "min", "h", "d", "n", "bool", "policy", "clock"


CHOICES = {
    "buf": Choice("buffer_minutes_between_appointments", (0, 5, 10, 15, 30), "min"),
    "not": Choice("min_notice_hours", (0, 1, 2, 4, 12, 24, 48), "h"),
    "adv": Choice("max_advance_days", (7, 14, 30, 60, 90, 180), "d"),
    "lock": Choice("reschedule_lock_hours", (0, 2, 12, 24, 48), "h"),
    "cap": Choice("max_active_bookings_per_client", (0, 1, 2, 3, 5), "n"),
    "auto": Choice("auto_confirm", (1, 0), "bool"),
    "late": Choice("late_cancel_policy", (0, 1), "policy"),
    "dig": Choice("digest_time", (DIGEST_OFF, 7 * 60, 8 * 60, 9 * 60), "clock"),
    "lang": Choice("language", tuple(range(len(SUPPORTED_LOCALES))), "lang"),
}
TEXT_SETTINGS = ("lmsg", "tz", "addr")


def _value_label(t: Texts, code: str, value: int) -> str:
    unit = CHOICES[code].unit
    if unit == "min":
        return t.format_duration(value) if value else t._("none")
    if unit == "h":
        return t.ngettext("{n} hour", "{n} hours", value).format(n=value) if value else t._("none")
    if unit == "d":
        return t.ngettext("{n} day", "{n} days", value).format(n=value)
    if unit == "n":
        return str(value) if value else t._("no limit")
    if unit == "bool":
        return t._("automatically") if value else t._("by hand")
    if unit == "policy":
        return t._("refused") if value else t._("allowed, marked late")
    if unit == "clock":
        return t._("off") if value == DIGEST_OFF else f"{value // 60:02d}:{value % 60:02d}"
    return LOCALE_NAMES[SUPPORTED_LOCALES[value]]


def _current(provider: Provider, code: str) -> int:
    s = provider.settings
    if code == "auto":
        return int(s.auto_confirm)
    if code == "late":
        return int(s.late_cancel_policy is LateCancelPolicy.REFUSE)
    if code == "dig":
        return DIGEST_OFF if s.digest_time is None else s.digest_time.hour * 60 + s.digest_time.minute
    if code == "lang":
        language = provider.language if provider.language in SUPPORTED_LOCALES else "en"
        return SUPPORTED_LOCALES.index(language)
    return getattr(s, CHOICES[code].field)


def _names(t: Texts) -> dict[str, str]:
    return {
        "buf": t._("Buffer between appointments"),
        "not": t._("Minimum notice"),
        "adv": t._("Booking horizon"),
        "auto": t._("Confirm bookings"),
        "late": t._("Late cancellation"),
        "lmsg": t._("Late cancellation text"),
        "lock": t._("No reschedules within"),
        "cap": t._("Bookings per client"),
        "dig": t._("Morning agenda"),
        "tz": t._("Time zone"),
        "lang": t._("Language"),
        "addr": t._("Address"),
    }


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.encode(callback))


def _menu(who: Acting) -> tuple[str, InlineKeyboardMarkup]:
    t, provider = who.texts, who.provider
    names = _names(t)
    lines = [t._("<b>Settings of {name}</b>").format(name=escape(provider.name))]
    rows = []
    for code in ("buf", "not", "adv", "auto", "late", "lmsg", "lock", "cap", "dig", "tz", "lang", "addr"):
        if code in CHOICES:
            value = _value_label(t, code, _current(provider, code))
        elif code == "tz":
            value = provider.timezone
        elif code == "lmsg":
            value = provider.settings.late_cancel_message or "—"
        else:
            value = provider.address or "—"
        lines.append(f"{names[code]}: {escape(value)}")
        rows.append([_button(names[code], cb.SettingChoices(code))])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _show_menu(update: Update, context: ContextTypes.DEFAULT_TYPE, provider: Provider | None = None) -> None:
    who = acting(context)
    if provider is not None:
        who = Acting(provider, texts_for(provider.language), who.is_admin)
        context.user_data["acting"] = who  # type: ignore[index]
    await show(update, *_menu(who))


@provider_only
async def cmd_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _show_menu(update, context)
    return BROWSING


@provider_only
async def on_settings_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await answer(update)
    await _show_menu(update, context)
    return BROWSING


@provider_only
async def on_setting_choices(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.SettingChoices)
    await answer(update)
    who = acting(context)
    t = who.texts
    if button.name in TEXT_SETTINGS:
        context.user_data["setting_text"] = button.name  # type: ignore[index]
        prompts = {
            "lmsg": t._("Type the text clients see when a late cancellation is refused."),
            "tz": t._("Type your city or time zone, e.g. Berlin or Europe/Berlin."),
            "addr": t._("Type the address where in-person appointments happen."),
        }
        await show(update, prompts[button.name] + "\n" + t._("/cancel keeps the current one."), new_message=True)
        return SETTING_TEXT
    choice = CHOICES.get(button.name)
    if choice is None:
        await show(update, t._("This menu has expired."))
        return BROWSING
    current = _current(who.provider, button.name)
    rows = [
        [_button(("• " if v == current else "") + _value_label(t, button.name, v), cb.SetSetting(button.name, v))]
        for v in choice.values
    ]
    rows.append([_button("« " + t._("Back"), cb.SettingsMenu())])
    await show(update, _names(t)[button.name], InlineKeyboardMarkup(rows))
    return BROWSING


def _change(code: str, value: int) -> dict[str, object]:
    field = CHOICES[code].field
    if code == "auto":
        return {field: bool(value)}
    if code == "late":
        return {field: LateCancelPolicy.REFUSE if value else LateCancelPolicy.ALLOW}
    if code == "dig":
        return {field: None if value == DIGEST_OFF else time(value // 60, value % 60)}
    if code == "lang":
        return {field: SUPPORTED_LOCALES[value]}
    return {field: value}


@provider_only
async def on_set_setting(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.SetSetting)
    await answer(update)
    who = acting(context)
    choice = CHOICES.get(button.name)
    if choice is None or button.value not in choice.values:
        await show(update, who.texts._("This menu has expired."))  # a forged value
        return BROWSING
    provider = await update_provider(services(context).uow(), who.provider.id, **_change(button.name, button.value))  # type: ignore[arg-type]
    await _show_menu(update, context, provider)
    return BROWSING


@provider_only
async def on_setting_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    code = context.user_data.pop("setting_text", None)  # type: ignore[union-attr]
    who = acting(context)
    t = who.texts
    text = (update.effective_message.text or "").strip()[:TEXT_MAX_CHARS]  # type: ignore[union-attr]
    if code is None:
        return BROWSING
    if code == "tz":
        zones = find_zones(text, t.locale)
        if len(zones) != 1:
            context.user_data["setting_text"] = code  # type: ignore[index]
            hint = t._("Which one? {zones}").format(zones=", ".join(zones[:5])) if zones else t._(
                "I don't know “{query}”. Try a big city near you, e.g. Berlin.").format(query=escape(text[:40]))
            await show(update, hint)
            return SETTING_TEXT
        change: dict[str, object] = {"timezone": zones[0]}
    elif code == "lmsg":
        change = {"late_cancel_message": text or None}
    else:
        change = {"address": text or None}
    try:
        provider = await update_provider(services(context).uow(), who.provider.id, **change)  # type: ignore[arg-type]
    except InvalidProviderData:
        await show(update, t._("That did not work; please try again."))
        return BROWSING
    await _show_menu(update, context, provider)
    return BROWSING
