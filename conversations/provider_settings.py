"""/settings: a provider's rules, changed with buttons (and a little typing).

Every setting is a button on the settings screen (``SettingChoices(code)``).
Numbers, yes/no and the language are chosen from preset buttons
(``SetSetting(code, value)``); a value that is not one of the presets (or not in
``SETTING_RANGES``) is a forged or stale button and changes nothing. The
late-cancellation text, the time zone and the address are typed
(state ``SETTING_TEXT``, the code in ``user_data["setting_text"]``).

A new time zone that puts booked appointments outside the hours asks first:
its "cancel them" / "keep them" buttons are ``SetSetting("tzc+<zone>", stamp)``
and ``SetSetting("tzk+<zone>", stamp)`` (see :func:`zone_decision`), routed with
the other settings buttons; the stamp names the list shown, so a button tapped
after that list changed (or in another provider's chat) has expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from conversations.markup import escape
from conversations import callbacks as cb
from conversations import notifications
from conversations import zone_change_texts as ztexts
from conversations.common import answer, pressed, services, show
from conversations.i18n import LOCALE_NAMES, SUPPORTED_LOCALES, Texts, resolve_locale, texts_for
from conversations.provider_common import Acting, acting, provider_only
from conversations.states import BROWSING, SETTING_TEXT
from conversations.timezones import find_zones
from core.errors import InvalidProviderData, NotFound
from core.model import LateCancelPolicy, Provider
from core.provider_admin import SETTING_RANGES, update_provider
from core.zone_change import ZoneChange, ZoneDecision, change_time_zone

TEXT_KEY = "setting_text"  # user_data: which typed setting the next message is for
DIGEST_OFF = 9999  # callback values are non-negative: this one means "no morning agenda"
TEXT_MAX_CHARS = 300
ZONE_CHOICES_SHOWN = 5
CLEAR = "-"  # typed instead of the late-cancellation text or the address: remove it
ZONE_DECISIONS = {"tzc": True, "tzk": False}  # SetSetting name prefix: cancel the conflicts?


@dataclass(frozen=True)
class Choice:
    """One setting chosen with buttons: its field, the values offered, how to show them."""

    field: str
    values: tuple[int, ...]
    unit: str  # "min", "h", "d", "n", "bool", "onoff", "policy", "clock", "lang"


CHOICES: dict[str, Choice] = {
    "buf": Choice("buffer_minutes_between_appointments", (0, 5, 10, 15, 30), "min"),
    "not": Choice("min_notice_hours", (0, 1, 2, 4, 12, 24, 48), "h"),
    "adv": Choice("max_advance_days", (7, 14, 30, 60, 90, 180), "d"),
    "lock": Choice("reschedule_lock_hours", (0, 2, 12, 24, 48), "h"),
    "cap": Choice("max_active_bookings_per_client", (0, 1, 2, 3, 5), "n"),
    "auto": Choice("auto_confirm", (1, 0), "bool"),
    "rem": Choice("remind_provider", (1, 0), "onoff"),
    "late": Choice("late_cancel_policy", (0, 1), "policy"),
    "dig": Choice("digest_time", (DIGEST_OFF, 7 * 60, 8 * 60, 9 * 60), "clock"),
    "lang": Choice("language", tuple(range(len(SUPPORTED_LOCALES))), "lang"),
}
TEXT_SETTINGS = ("lmsg", "tz", "addr")
ORDER = ("buf", "not", "adv", "auto", "late", "lmsg", "lock", "cap", "dig", "rem", "tz", "lang",
         "addr")


def setting_change(code: str, value: int) -> dict[str, object] | None:
    """The ``update_provider`` change behind ``SetSetting(code, value)``; ``None`` if forged."""
    choice = CHOICES.get(code)
    if choice is None or value not in choice.values:
        return None
    if choice.field in SETTING_RANGES:
        low, high = SETTING_RANGES[choice.field]
        if not low <= value <= high:
            return None
    if choice.unit in ("bool", "onoff"):
        return {choice.field: bool(value)}
    if code == "late":
        return {choice.field: LateCancelPolicy.REFUSE if value else LateCancelPolicy.ALLOW}
    if code == "dig":
        return {choice.field: None if value == DIGEST_OFF else time(value // 60, value % 60)}
    if code == "lang":
        return {choice.field: SUPPORTED_LOCALES[value]}
    return {choice.field: value}


def zone_decision_button(zone_name: str, stamp: int, cancel: bool) -> cb.SetSetting:
    prefix = next(p for p, c in ZONE_DECISIONS.items() if c is cancel)
    return cb.SetSetting(f"{prefix}+{zone_name}", stamp)


def zone_decision(button: cb.SetSetting) -> tuple[str, ZoneDecision] | None:
    """The zone and the decision a "cancel them" / "keep them" button stands for."""
    prefix, plus, zone_name = button.name.partition("+")  # Etc/GMT+5 keeps its own "+"
    if not plus or prefix not in ZONE_DECISIONS or not zone_name:
        return None
    return zone_name, ZoneDecision(button.value, ZONE_DECISIONS[prefix])


def current_value(provider: Provider, code: str) -> int:
    """The button value that stands for the provider's current setting ``code``."""
    s = provider.settings
    if code == "auto":
        return int(s.auto_confirm)
    if code == "rem":
        return int(s.remind_provider)
    if code == "late":
        return int(s.late_cancel_policy is LateCancelPolicy.REFUSE)
    if code == "dig":
        digest = s.digest_time
        return DIGEST_OFF if digest is None else digest.hour * 60 + digest.minute
    if code == "lang":
        language = provider.language if provider.language in SUPPORTED_LOCALES else "en"
        return SUPPORTED_LOCALES.index(language)
    return int(getattr(s, CHOICES[code].field))


def resolve_zone(query: str, locale: str) -> str | list[str]:
    """The one zone ``query`` names, or the candidates (at most 5, maybe none) to choose from."""
    zones = find_zones(query.strip(), locale)
    if len(zones) == 1 or (zones and zones[0].casefold() == query.strip().casefold()):
        return zones[0]
    return zones[:ZONE_CHOICES_SHOWN]


def clean_text(text: str) -> str | None:
    """A typed text setting as saved: trimmed; ``None`` (remove it) for ``-``."""
    text = text.strip()
    return None if text in ("", CLEAR) else text


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
    if unit == "onoff":
        return t._("on") if value else t._("off")
    if unit == "policy":
        return t._("refused") if value else t._("allowed, marked late")
    if unit == "clock":
        return t._("off") if value == DIGEST_OFF else f"{value // 60:02d}:{value % 60:02d}"
    return LOCALE_NAMES[SUPPORTED_LOCALES[value]]


def _names(t: Texts) -> dict[str, str]:
    return {
        "buf": t._("Buffer between appointments"),
        "not": t._("Minimum notice"),
        "adv": t._("Booking horizon"),
        "auto": t._("Confirm bookings"),
        "rem": t._("Reminders for me too"),
        "late": t._("Late cancellation"),
        "lmsg": t._("Late cancellation text"),
        "lock": t._("No reschedules within"),
        "cap": t._("Bookings per client"),
        "dig": t._("Morning agenda"),
        "tz": t._("Time zone"),
        "lang": t._("Language"),
        "addr": t._("Address"),
    }


def _explanations(t: Texts) -> dict[str, str]:
    return {
        "buf": t._("Free time kept between two appointments."),
        "not": t._("How long before the start clients can still book (and cancel on time)."),
        "adv": t._("How far ahead clients can book."),
        "auto": t._("Bookings are confirmed automatically, or wait until you confirm them."),
        "late": t._(
            "A cancellation within the minimum notice is allowed (marked late) or refused."),
        "lock": t._("Clients cannot move an appointment this close to its start."),
        "cap": t._("How many upcoming appointments one client may hold with you."),
        "dig": t._("Each morning at this time I send you the day's agenda."),
        "rem": t._("I remind you too, a day and an hour before each confirmed appointment."),
        "lang": t._("The language I write to you in."),
    }


def _text_value(t: Texts, provider: Provider, code: str) -> str:
    if code == "tz":
        name = t.zone_name(provider.timezone)
        return provider.timezone if name == provider.timezone else f"{name} ({provider.timezone})"
    if code == "lmsg":
        return provider.settings.late_cancel_message or "—"
    return provider.address or "—"


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.encode(callback))


def settings_screen(who: Acting) -> tuple[str, InlineKeyboardMarkup]:
    t, provider = who.texts, who.provider
    names = _names(t)
    lines = [t._("<b>Settings of {name}</b>").format(name=escape(provider.name))]
    rows = []
    for code in ORDER:
        if code in CHOICES:
            value = _value_label(t, code, current_value(provider, code))
        else:
            value = _text_value(t, provider, code)
        lines.append(f"{names[code]}: {escape(value)}")
        rows.append([_button(names[code], cb.SettingChoices(code))])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _show_menu(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    provider: Provider | None = None,
    head: str | None = None,
) -> None:
    """The settings screen; after a change, of the saved ``provider`` (in its new language)."""
    who = acting(context)
    if provider is not None:
        texts = texts_for(resolve_locale(provider.language, who.texts.locale))
        who = Acting(provider, texts, who.is_admin)
        context.acting = who  # type: ignore[attr-defined]
    text, markup = settings_screen(who)
    await show(update, text if head is None else f"{head}\n\n{text}", markup)


async def _expired(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await show(update, acting(context).texts._("This menu has expired."))
    return BROWSING


@provider_only
async def cmd_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(TEXT_KEY, None)  # type: ignore[union-attr]
    await _show_menu(update, context)
    return BROWSING


@provider_only
async def on_settings_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await answer(update)
    context.user_data.pop(TEXT_KEY, None)  # type: ignore[union-attr]
    await _show_menu(update, context)
    return BROWSING


def _text_prompt(t: Texts, provider: Provider, code: str) -> str:
    prompts = {
        "lmsg": t._("Type the text clients see when a late cancellation is refused."),
        "tz": t._("Type your city or time zone, e.g. Berlin or Europe/Berlin."),
        "addr": t._("Type the address where in-person appointments happen."),
    }
    lines = [
        prompts[code],
        t._("Now: {value}").format(value=escape(_text_value(t, provider, code))),
    ]
    if code != "tz":
        lines.append(t._("Send “-” to remove it."))
    lines.append(t._("/cancel keeps the current one."))
    return "\n".join(lines)


@provider_only
async def on_setting_choices(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.SettingChoices)
    await answer(update)
    who = acting(context)
    t = who.texts
    if button.name in TEXT_SETTINGS:
        context.user_data[TEXT_KEY] = button.name  # type: ignore[index]
        await show(update, _text_prompt(t, who.provider, button.name), new_message=True)
        return SETTING_TEXT
    choice = CHOICES.get(button.name)
    if choice is None:
        return await _expired(update, context)
    current = current_value(who.provider, button.name)
    rows = [
        [_button(("• " if v == current else "") + _value_label(t, button.name, v),
                 cb.SetSetting(button.name, v))]
        for v in choice.values
    ]
    rows.append([_button("« " + t._("Back"), cb.SettingsMenu())])
    text = f"<b>{_names(t)[button.name]}</b>\n{_explanations(t).get(button.name, '')}"
    await show(update, text, InlineKeyboardMarkup(rows))
    return BROWSING


@provider_only
async def on_set_setting(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.SetSetting)
    await answer(update)
    decided = zone_decision(button)
    if decided is not None:
        return await _change_zone(update, context, *decided)
    change = setting_change(button.name, button.value)
    if change is None:  # not one of the offered values: forged or from an old version
        return await _expired(update, context)
    try:
        provider = await update_provider(
            services(context).uow(), acting(context).provider.id, **change  # type: ignore[arg-type]
        )
    except (InvalidProviderData, NotFound):
        return await _expired(update, context)
    await _show_menu(update, context, provider)
    return BROWSING


@provider_only
async def on_setting_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    code = context.user_data.get(TEXT_KEY)  # type: ignore[union-attr]
    who = acting(context)
    t = who.texts
    if code not in TEXT_SETTINGS:
        context.user_data.pop(TEXT_KEY, None)  # type: ignore[union-attr]
        await _show_menu(update, context)
        return BROWSING
    text = (update.effective_message.text or "").strip()  # type: ignore[union-attr]
    if len(text) > TEXT_MAX_CHARS:
        await show(update, t._("That is too long: at most {n} characters. Please shorten it.")
                   .format(n=TEXT_MAX_CHARS))
        return SETTING_TEXT
    if code == "tz":
        found = resolve_zone(text, t.locale)
        if isinstance(found, list):
            if found:
                hint = t._("Which one? {zones}").format(zones=escape(", ".join(found), 1000))
            else:
                hint = t._("I don't know “{query}”. Try a big city near you, e.g. Berlin.").format(
                    query=escape(text[:40]))
            await show(update, hint)
            return SETTING_TEXT
        return await _change_zone(update, context, found, None)
    if code == "lmsg":
        change: dict[str, object] = {"late_cancel_message": clean_text(text)}
    else:
        change = {"address": clean_text(text)}
    try:
        provider = await update_provider(
            services(context).uow(), who.provider.id, **change  # type: ignore[arg-type]
        )
    except InvalidProviderData:
        await show(update, t._("That did not work; please try again."))
        return SETTING_TEXT
    context.user_data.pop(TEXT_KEY, None)  # type: ignore[union-attr]
    await _show_menu(update, context, provider)
    return BROWSING


def _zone_question(t: Texts, change: ZoneChange) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [_button(t._("Cancel them"), zone_decision_button(change.new_zone, change.stamp, True))],
        [_button(t._("Keep them"), zone_decision_button(change.new_zone, change.stamp, False))],
        [_button("« " + t._("Keep my time zone"), cb.SettingsMenu())],
    ]
    text = ztexts.zone_change_question(t, change.new_zone, list(change.conflicts))
    return text, InlineKeyboardMarkup(rows)


async def _change_zone(
    update: Update, context: ContextTypes.DEFAULT_TYPE, zone_name: str, decision: ZoneDecision | None
) -> int:
    """Typed (``decision`` None) or decided on the conflict list: one core service either way."""
    who = acting(context)
    t = who.texts
    try:
        change = await change_time_zone(
            services(context).uow(), who.provider.id, zone_name,  # type: ignore[arg-type]
            now=services(context).clock(), decision=decision,
            reason=t._("The provider is not available then."),
        )
    except (InvalidProviderData, NotFound):  # a stale or forged decision, a zone gone
        if decision is not None:
            return await _expired(update, context)
        await show(update, t._("That did not work; please try again."))
        return SETTING_TEXT
    context.user_data.pop(TEXT_KEY, None)  # type: ignore[union-attr]
    if not change.applied:
        await show(update, *_zone_question(t, change))
        return BROWSING
    for item in change.cancelled:
        await notifications.client_told(context, item.appointment.id, "cancelled")  # type: ignore[arg-type]
    head = ztexts.zone_changed(t, change.new_zone, len(change.cancelled))
    await _show_menu(update, context, change.provider, head)
    return BROWSING
