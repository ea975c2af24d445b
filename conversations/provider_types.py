"""/types: a provider's appointment types — list, add (guided), edit one field, deactivate.

Adding asks name → minutes → price → video or in person → group size, keeping the
answers in ``user_data["type_draft"]``. Editing one field of a saved type reuses
the same text steps with ``user_data["type_edit"] = (type_id, field)``. A wrong
answer says what was wrong, asks again with an example and stays in the same
state; /cancel (handled elsewhere) leaves. A button naming a type that is not
the acting provider's answers "This menu has expired." and changes nothing.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations.common import answer, pressed, services, show
from conversations.i18n import Texts
from conversations.markup import escape
from conversations.provider_common import acting, provider_only
from conversations.provider_parsing import ParseError
from conversations.states import (
    BROWSING,
    TYPE_CAPACITY,
    TYPE_DURATION,
    TYPE_NAME,
    TYPE_PRICE,
    TYPE_SERIES_MAX,
)
from conversations.type_parsing import (  # noqa: F401 - the parsers, used as provider_types.…
    FREE,
    FREE_WORDS,
    MAX_SEATS,
    NAME_MAX_CHARS,
    clean_name,
    default_currency,
    parse_minutes,
    parse_price,
    parse_seats,
    parse_sessions,
)
from core.errors import InvalidProviderData, NotFound
from core.model import AppointmentType
from core.provider_admin import add_appointment_type, provider_types, update_appointment_type

DRAFT, EDIT = "type_draft", "type_edit"
FIELD_STATES = {"name": TYPE_NAME, "dur": TYPE_DURATION, "price": TYPE_PRICE, "cap": TYPE_CAPACITY,
                "smax": TYPE_SERIES_MAX}
# TypeEdit.field; "mode" is chosen with buttons; "smax" (sessions in a series) only edits.
FIELDS = ("name", "dur", "price", "mode", "cap", "smax")
MODEL_FIELDS = {"name": "name", "dur": "duration_minutes", "cap": "max_participants",
                "smax": "max_series_occurrences"}
# Each step of adding a type, the draft key it needs first, and the next step.
NEEDS = {"name": None, "dur": "name", "price": "dur", "mode": "price", "cap": "mode"}
NEXT = {"name": "dur", "dur": "price", "price": "mode", "mode": "cap", "cap": None}


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.encode(callback))


def _value(t: Texts, appt_type: AppointmentType, field: str) -> str:
    """One field of a type as shown in HTML messages."""
    if field == "name":
        return escape(appt_type.name)
    if field == "dur":
        return t.format_duration(appt_type.duration_minutes)
    if field == "price":
        if appt_type.price is None or not appt_type.currency:
            return t._("free")
        return t.format_price(appt_type.price, appt_type.currency)
    if field == "mode":
        return t._("Video call") if appt_type.is_virtual else t._("In person")
    if field == "smax":
        return str(appt_type.max_series_occurrences)
    return str(appt_type.max_participants)


def type_screen(t: Texts, appt_type: AppointmentType) -> tuple[str, InlineKeyboardMarkup]:
    labels = {"name": t._("Name"), "dur": t._("Duration"), "price": t._("Price"),
              "mode": t._("Video call or in person"), "cap": t._("Group size"),
              "smax": t._("Sessions in a series")}
    allowed = appt_type.allow_series
    lines = [
        f"<b>{_value(t, appt_type, 'name')}</b>",
        *(f"{labels[f]}: {_value(t, appt_type, f)}" for f in ("dur", "price", "cap")),
        _value(t, appt_type, "mode"),
        ("✅ " + t._("bookable")) if appt_type.is_active else ("⏸ " + t._("not bookable")),
        "🔁 " + t._("Clients may book a weekly series: {state}").format(
            state=t._("on") if allowed else t._("off")),
        t._("Maximum sessions in a series: {n}").format(n=appt_type.max_series_occurrences),
    ]
    tid = appt_type.id or 0
    edit = {f: _button("✏️ " + labels[f], cb.TypeEdit(tid, f)) for f in FIELDS}
    rows = [
        [edit["name"], edit["dur"]],
        [edit["price"], edit["cap"]],
        [edit["mode"]],
        [_button("🔁 " + (t._("Stop weekly series") if allowed else t._("Allow weekly series")),
                 cb.TypeSeries(tid, not allowed)), edit["smax"]],
        [_button(t._("Deactivate") if appt_type.is_active else t._("Reactivate"),
                 cb.TypeToggle(tid, not appt_type.is_active))],
        [_button("« " + t._("Back"), cb.TypesMenu())],
    ]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _mode_markup(t: Texts, type_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        _button(t._("Video call"), cb.TypeMode(type_id, True)),
        _button(t._("In person"), cb.TypeMode(type_id, False)),
    ]])


def _prompt(t: Texts, field: str, currency: str | None = None) -> str:
    if field == "mode":
        return t._("Video call or in person?")
    prompt = {
        "name": t._("What is the appointment called? (e.g. Consultation)"),
        "dur": t._("How many minutes does it last? (5 to 1440, e.g. 30)"),
        "price": t._("What does it cost? (e.g. 60 EUR, 35.50 EUR, or free)"),
        "cap": t._("How many clients at once? (1 for one-to-one, up to 100)"),
        "smax": t._("How many sessions may a weekly series have at most? (2 to 52, e.g. 12)"),
    }[field]
    if field == "price" and currency:
        prompt += "\n" + t._("A number alone means {currency}.").format(currency=currency)
    return prompt


def _problem(t: Texts, field: str, error: ParseError | None, typed: str) -> str:
    """What was wrong with an answer: the line above the repeated question."""
    if field == "name":
        return t._("The name must be 1 to {n} characters long.").format(n=NAME_MAX_CHARS)
    detail = escape(error.detail if error else " ".join(typed.split())[:40])
    if field == "dur":
        return t._("“{detail}” is not a whole number of minutes from 5 to 1440.").format(
            detail=detail)
    if field == "cap":
        return t._("“{detail}” is not a whole number from 1 to 100.").format(detail=detail)
    if field == "smax":
        return t._("“{detail}” is not a whole number from 2 to 52.").format(detail=detail)
    reasons = {
        "no_currency": t._("Which currency is “{detail}” in? Add its code, like EUR."),
        "currency": t._(
            "“{detail}” is not a currency code: use three letters like EUR, USD or RUB."),
        "decimals": t._("Prices in {detail} cannot have that many decimals."),
    }
    code = error.code if error else "form"
    return reasons.get(code, t._("“{detail}” is not a price.")).format(detail=detail)


async def _types(context: ContextTypes.DEFAULT_TYPE) -> list[AppointmentType]:
    return await provider_types(services(context).uow(), acting(context).provider.id)  # type: ignore[arg-type]


async def _own_type(context: ContextTypes.DEFAULT_TYPE, type_id: int) -> AppointmentType | None:
    """The acting provider's type ``type_id``; ``None`` for anyone else's, or none."""
    async with services(context).uow() as unit:
        appt_type = await unit.providers.appointment_type(type_id)
    if appt_type is None or appt_type.provider_id != acting(context).provider.id:
        return None
    return appt_type


async def _currency(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    edit = context.user_data.get(EDIT)  # type: ignore[union-attr]
    return default_currency(await _types(context), edit[0] if edit else None)


async def _show_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    t = acting(context).texts
    types = await _types(context)
    lines = [t._("Your appointment types:") if types else t._("No appointment types yet: add one.")]
    rows = []
    for a in types:
        off = "" if a.is_active else " (" + t._("off") + ")"
        summary = f"{_value(t, a, 'dur')}, {_value(t, a, 'price')}"
        lines.append(f"• {_value(t, a, 'name')}{off}: {summary}")
        rows.append([_button(("" if a.is_active else "⏸ ") + a.name[:60], cb.TypeEntry(a.id))])  # type: ignore[arg-type]
    rows.append([_button("➕ " + t._("Add a type"), cb.TypeEdit(0, "name"))])
    await show(update, "\n".join(lines), InlineKeyboardMarkup(rows))


async def _expired(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await show(update, acting(context).texts._("This menu has expired."))
    return BROWSING


async def _save(
    update: Update, context: ContextTypes.DEFAULT_TYPE, type_id: int, **changes: Any
) -> int:
    try:
        updated = await update_appointment_type(
            services(context).uow(), acting(context).provider.id, type_id, **changes  # type: ignore[arg-type]
        )
    except (NotFound, InvalidProviderData):
        return await _expired(update, context)
    await show(update, *type_screen(acting(context).texts, updated))
    return BROWSING


async def _add(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: dict[str, Any]) -> int:
    amount, currency = draft["price"]
    new = AppointmentType(None, None, draft["name"], draft["dur"], is_virtual=draft["mode"],
                          price=amount, currency=currency, max_participants=draft["cap"])
    try:
        added = await add_appointment_type(
            services(context).uow(), acting(context).provider.id, new  # type: ignore[arg-type]
        )
    except InvalidProviderData:
        return await _expired(update, context)
    await show(update, *type_screen(acting(context).texts, added))
    return BROWSING


async def _again(update: Update, context: ContextTypes.DEFAULT_TYPE, field: str,
                 error: ParseError | None = None, currency: str | None = None) -> int:
    """A wrong answer: say what was wrong, ask again (with an example), stay in this step."""
    t = acting(context).texts
    typed = update.effective_message.text or ""  # type: ignore[union-attr]
    await show(update, _problem(t, field, error, typed) + "\n" + _prompt(t, field, currency))
    return FIELD_STATES[field]


async def _step(update: Update, context: ContextTypes.DEFAULT_TYPE, field: str, value: Any) -> int:
    """A good answer: save it to the type being edited, or add it to the draft and ask on."""
    edit = context.user_data.get(EDIT)  # type: ignore[union-attr]
    if edit is not None and edit[1] == field:
        context.user_data.pop(EDIT)  # type: ignore[union-attr]
        if field == "price":
            return await _save(update, context, edit[0], price=value[0], currency=value[1])
        return await _save(update, context, edit[0], **{MODEL_FIELDS[field]: value})
    draft = context.user_data.get(DRAFT)  # type: ignore[union-attr]
    if field not in NEEDS:  # a field that is only edited, and its edit is gone
        return await _expired(update, context)
    needed = NEEDS[field]
    if draft is None or (needed is not None and needed not in draft):
        return await _expired(update, context)
    draft[field] = value
    following = NEXT[field]
    if following is None:
        return await _add(update, context, context.user_data.pop(DRAFT))  # type: ignore[union-attr]
    t = acting(context).texts
    if following == "mode":
        await show(update, _prompt(t, "mode"), _mode_markup(t, 0))
        return BROWSING
    currency = await _currency(context) if following == "price" else None
    await show(update, _prompt(t, following, currency), new_message=field == "mode")
    return FIELD_STATES[following]


def _typed(update: Update) -> str:
    return update.effective_message.text or ""  # type: ignore[union-attr]


@provider_only
async def cmd_types(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _show_list(update, context)
    return BROWSING


@provider_only
async def on_types_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await answer(update)
    await _show_list(update, context)
    return BROWSING


@provider_only
async def on_type_entry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.TypeEntry)
    await answer(update)
    appt_type = await _own_type(context, button.type_id)
    if appt_type is None:
        return await _expired(update, context)
    await show(update, *type_screen(acting(context).texts, appt_type))
    return BROWSING


@provider_only
async def on_type_toggle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.TypeToggle)
    await answer(update)
    return await _save(update, context, button.type_id, is_active=button.active)


@provider_only
async def on_type_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.TypeEdit)
    await answer(update)
    t = acting(context).texts
    if button.type_id == 0:  # "➕ Add a type": the guided steps, from the name
        if button.field != "name":
            return await _expired(update, context)
        context.user_data[DRAFT] = {}  # type: ignore[index]
        context.user_data.pop(EDIT, None)  # type: ignore[union-attr]
        await show(update, _prompt(t, "name"), new_message=True)
        return TYPE_NAME
    appt_type = await _own_type(context, button.type_id)
    if appt_type is None or button.field not in FIELDS:
        return await _expired(update, context)
    now = t._("Now: {value}").format(value=_value(t, appt_type, button.field))
    if button.field == "mode":
        await show(update, _prompt(t, "mode") + "\n" + now, _mode_markup(t, button.type_id))
        return BROWSING
    context.user_data[EDIT] = (button.type_id, button.field)  # type: ignore[index]
    currency = await _currency(context) if button.field == "price" else None
    await show(update, _prompt(t, button.field, currency) + "\n" + now, new_message=True)
    return FIELD_STATES[button.field]


@provider_only
async def on_type_mode(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.TypeMode)
    await answer(update)
    if button.type_id:
        return await _save(update, context, button.type_id, is_virtual=button.virtual)
    context.user_data.pop(EDIT, None)  # type: ignore[union-attr]
    return await _step(update, context, "mode", button.virtual)


@provider_only
async def on_type_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    name = clean_name(_typed(update))
    if name is None:
        return await _again(update, context, "name")
    return await _step(update, context, "name", name)


@provider_only
async def on_type_duration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    minutes = parse_minutes(_typed(update))
    if minutes is None:
        return await _again(update, context, "dur")
    return await _step(update, context, "dur", minutes)


@provider_only
async def on_type_price(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    currency = await _currency(context)
    free_words = FREE_WORDS | {acting(context).texts._("free").casefold()}
    price = parse_price(_typed(update), currency, free_words)
    if isinstance(price, ParseError):
        return await _again(update, context, "price", price, currency)
    return await _step(update, context, "price", price)


@provider_only
async def on_type_capacity(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    seats = parse_seats(_typed(update))
    if seats is None:
        return await _again(update, context, "cap")
    return await _step(update, context, "cap", seats)


@provider_only
async def on_type_series(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.TypeSeries)
    await answer(update)
    return await _save(update, context, button.type_id, allow_series=button.allow)


@provider_only
async def on_type_series_max(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    sessions = parse_sessions(_typed(update))
    if sessions is None:
        return await _again(update, context, "smax")
    return await _step(update, context, "smax", sessions)
