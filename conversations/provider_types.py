"""/types: a provider's appointment types — list, add (guided), edit, deactivate."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from html import escape

from babel.numbers import list_currencies
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations.common import answer, pressed, services, show
from conversations.provider_common import acting, provider_only
from conversations.states import BROWSING, TYPE_CAPACITY, TYPE_DURATION, TYPE_NAME, TYPE_PRICE
from conversations.texts import type_summary
from core.errors import InvalidProviderData, NotFound
from core.model import AppointmentType
from core.provider_admin import add_appointment_type, provider_types, update_appointment_type

DRAFT, EDIT = "type_draft", "type_edit"
FREE_WORDS = {"free", "0", "бесплатно", "gratis"}
_PRICE = re.compile(r"^(\d{1,7}(?:[.,]\d{1,2})?)\s*([A-Za-z]{3})?$")
FIELD_STATES = {"name": TYPE_NAME, "dur": TYPE_DURATION, "price": TYPE_PRICE, "cap": TYPE_CAPACITY}


def parse_price(text: str, default_currency: str | None) -> tuple[Decimal | None, str | None] | None:
    """``60 EUR``, ``35,50 EUR``, ``free`` → (amount, currency); ``None`` when not a price."""
    text = text.strip()
    if text.casefold() in FREE_WORDS:
        return None, None
    match = _PRICE.match(text)
    if not match:
        return None
    currency = (match.group(2) or default_currency or "").upper()
    if currency not in list_currencies():
        return None
    try:
        amount = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:
        return None
    return amount, currency


def parse_whole(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not text.isdigit():
        return None
    value = int(text)
    return value if low <= value <= high else None


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.encode(callback))


async def _own_type(context: ContextTypes.DEFAULT_TYPE, type_id: int) -> AppointmentType | None:
    for appt_type in await provider_types(services(context).uow(), acting(context).provider.id):  # type: ignore[arg-type]
        if appt_type.id == type_id:
            return appt_type
    return None


async def _show_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    t = acting(context).texts
    types = await provider_types(services(context).uow(), acting(context).provider.id)  # type: ignore[arg-type]
    rows = [[_button("➕ " + t._("Add a type"), cb.TypeEdit(0, "name"))]]
    rows += [
        [_button(a.name + ("" if a.is_active else " (" + t._("off") + ")"), cb.TypeEntry(a.id))]  # type: ignore[arg-type]
        for a in types
    ]
    text = t._("Your appointment types:") if types else t._("No appointment types yet: add one.")
    await show(update, text, InlineKeyboardMarkup(rows))


async def _show_type(update: Update, context: ContextTypes.DEFAULT_TYPE, appt_type: AppointmentType) -> None:
    t = acting(context).texts
    state = t._("bookable") if appt_type.is_active else t._("not bookable")
    text = f"<b>{escape(appt_type.name)}</b>\n{type_summary(t, appt_type)}\n{state}"
    tid = appt_type.id or 0
    rows = [
        [_button(t._("Name"), cb.TypeEdit(tid, "name")), _button(t._("Duration"), cb.TypeEdit(tid, "dur"))],
        [_button(t._("Price"), cb.TypeEdit(tid, "price")), _button(t._("Group size"), cb.TypeEdit(tid, "cap"))],
        [_button(t._("Video call"), cb.TypeMode(tid, True)), _button(t._("In person"), cb.TypeMode(tid, False))],
        [_button(t._("Deactivate") if appt_type.is_active else t._("Reactivate"),
                 cb.TypeToggle(tid, not appt_type.is_active))],
        [_button("« " + t._("Back"), cb.TypesMenu())],
    ]
    await show(update, text, InlineKeyboardMarkup(rows))


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
        await show(update, acting(context).texts._("This menu has expired."))
        return BROWSING
    await _show_type(update, context, appt_type)
    return BROWSING


async def _save(update: Update, context: ContextTypes.DEFAULT_TYPE, type_id: int, **changes: object) -> None:
    try:
        updated = await update_appointment_type(
            services(context).uow(), acting(context).provider.id, type_id, **changes  # type: ignore[arg-type]
        )
    except (NotFound, InvalidProviderData):
        await show(update, acting(context).texts._("This menu has expired."))
        return
    await _show_type(update, context, updated)


@provider_only
async def on_type_toggle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.TypeToggle)
    await answer(update)
    await _save(update, context, button.type_id, is_active=button.active)
    return BROWSING


def _prompt(context: ContextTypes.DEFAULT_TYPE, field: str) -> str:
    t = acting(context).texts
    prompts = {
        "name": t._("What is the appointment called? (e.g. Consultation)"),
        "dur": t._("How many minutes does it last? (5 to 1440, e.g. 30)"),
        "price": t._("What does it cost? (e.g. 60 EUR, 35.50 EUR, or free)"),
        "cap": t._("How many clients at once? (1 for one-to-one, up to 100)"),
    }
    return prompts[field]


@provider_only
async def on_type_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.TypeEdit)
    await answer(update)
    if button.field not in FIELD_STATES or (button.type_id and await _own_type(context, button.type_id) is None):
        await show(update, acting(context).texts._("This menu has expired."))
        return BROWSING
    if button.type_id == 0:
        context.user_data[DRAFT] = {}  # type: ignore[index]
        context.user_data.pop(EDIT, None)  # type: ignore[union-attr]
    else:
        context.user_data[EDIT] = (button.type_id, button.field)  # type: ignore[index]
    await show(update, _prompt(context, button.field), new_message=True)
    return FIELD_STATES[button.field]


async def _field_done(update: Update, context: ContextTypes.DEFAULT_TYPE, field: str, value: object, next_field: str | None) -> int:
    """Save an edited field, or store it in the draft and ask the next question."""
    edit = context.user_data.get(EDIT)  # type: ignore[union-attr]
    if edit is not None and edit[1] == field:
        context.user_data.pop(EDIT)  # type: ignore[union-attr]
        names = {"name": "name", "dur": "duration_minutes", "cap": "max_participants"}
        if field == "price":
            amount, currency = value  # type: ignore[misc]
            await _save(update, context, edit[0], price=amount, currency=currency)
        else:
            await _save(update, context, edit[0], **{names[field]: value})
        return BROWSING
    draft = context.user_data.setdefault(DRAFT, {})  # type: ignore[union-attr]
    draft[field] = value
    t = acting(context).texts
    if next_field is not None:
        await show(update, _prompt(context, next_field))
        return FIELD_STATES[next_field]
    markup = InlineKeyboardMarkup([[
        _button(t._("Video call"), cb.TypeMode(0, True)), _button(t._("In person"), cb.TypeMode(0, False)),
    ]])
    await show(update, t._("Video call or in person?"), markup)
    return BROWSING


@provider_only
async def on_type_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    name = (update.effective_message.text or "").strip()  # type: ignore[union-attr]
    if not 1 <= len(name) <= 200:
        await show(update, _prompt(context, "name"))
        return TYPE_NAME
    return await _field_done(update, context, "name", name, "dur")


@provider_only
async def on_type_duration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    minutes = parse_whole(update.effective_message.text or "", 5, 1440)  # type: ignore[union-attr]
    if minutes is None:
        await show(update, _prompt(context, "dur"))
        return TYPE_DURATION
    return await _field_done(update, context, "dur", minutes, "price")


@provider_only
async def on_type_price(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    types = await provider_types(services(context).uow(), acting(context).provider.id)  # type: ignore[arg-type]
    last_currency = next((a.currency for a in reversed(types) if a.currency), None)
    price = parse_price(update.effective_message.text or "", last_currency)  # type: ignore[union-attr]
    if price is None:
        await show(update, _prompt(context, "price"))
        return TYPE_PRICE
    return await _field_done(update, context, "price", price, None)


@provider_only
async def on_type_mode(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.TypeMode)
    await answer(update)
    if button.type_id:
        if await _own_type(context, button.type_id) is None:
            await show(update, acting(context).texts._("This menu has expired."))
            return BROWSING
        await _save(update, context, button.type_id, is_virtual=button.virtual)
        return BROWSING
    draft = context.user_data.get(DRAFT)  # type: ignore[union-attr]
    if not draft or "price" not in draft:
        await show(update, acting(context).texts._("This menu has expired."))
        return BROWSING
    draft["virtual"] = button.virtual
    await show(update, _prompt(context, "cap"), new_message=True)
    return TYPE_CAPACITY


@provider_only
async def on_type_capacity(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    seats = parse_whole(update.effective_message.text or "", 1, 100)  # type: ignore[union-attr]
    if seats is None:
        await show(update, _prompt(context, "cap"))
        return TYPE_CAPACITY
    edit = context.user_data.get(EDIT)  # type: ignore[union-attr]
    if edit is not None and edit[1] == "cap":
        return await _field_done(update, context, "cap", seats, None)
    draft = context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    if not draft or "virtual" not in draft:
        await show(update, acting(context).texts._("This menu has expired."))
        return BROWSING
    amount, currency = draft["price"]
    added = await add_appointment_type(
        services(context).uow(), acting(context).provider.id,  # type: ignore[arg-type]
        AppointmentType(None, None, draft["name"], draft["dur"], is_virtual=draft["virtual"],
                        price=amount, currency=currency, max_participants=seats),
    )
    await _show_type(update, context, added)
    return BROWSING
