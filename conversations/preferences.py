"""/start, /help, /language, /timezone, /cancel — and what to do with stray text."""

from __future__ import annotations

import re

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ContextTypes, ConversationHandler

from conversations import callbacks as cb
from conversations import keyboards, texts
from conversations.booking import show_types
from conversations.common import answer, caller, pressed, services, set_caller, show
from conversations.i18n import SUPPORTED_LOCALES
from conversations.provider_common import resolve_acting
from conversations.provider_onboarding import INVITE_PREFIX, provider_help, redeem
from conversations.steps import forget_step
from conversations.states import BROWSING, TIME_ZONE
from conversations.timezones import find_zones, suggested_zones, utc_offset_label, zone_for_location
from core.catalog import list_offers
from core.clients import update_client_preferences
from core.localtime import UnknownTimeZone

DEEP_LINK = re.compile(r"^p([1-9][0-9]{0,9})$")


def _zone_label(context: ContextTypes.DEFAULT_TYPE):  # type: ignore[no-untyped-def]
    t = caller(context).texts
    now = services(context).clock()
    return lambda z: f"{t.zone_name(z)} ({utc_offset_label(z, now)})"


async def ask_time_zone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    who = caller(context)
    t = who.texts
    offers = await list_offers(services(context).uow())
    provider_zone = offers[0].provider.timezone if offers else None
    user = update.effective_user
    zones = suggested_zones(user.language_code if user else None, provider_zone)
    await show(update, texts.ask_time_zone(t, provider_zone),
               keyboards.time_zones(t, zones, _zone_label(context)), new_message=True)
    await update.effective_chat.send_message(  # type: ignore[union-attr]
        t._("Or share your location with the button below."), reply_markup=keyboards.share_location(t)
    )
    return TIME_ZONE


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    who = caller(context)
    payload = context.args[0] if context.args else ""
    if payload.startswith(INVITE_PREFIX) and len(payload) > 1:
        return await redeem(update, context, payload[len(INVITE_PREFIX) :])
    match = DEEP_LINK.match(payload)
    if match:
        # A clinic's website link: straight to that provider's appointment types.
        await show_types(update, context, int(match.group(1)))
        return BROWSING
    user = update.effective_user
    await show(update, texts.welcome(who.texts, user.first_name if user else None))
    if who.client.timezone is None:
        return await ask_time_zone(update, context)
    return BROWSING


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    who = caller(context)
    text = texts.help_text(who.texts)
    if await resolve_acting(update, context) is not None:
        text += "\n\n" + provider_help(who.texts.locale)
    await show(update, text)
    return BROWSING


async def cmd_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await show(update, texts.language_prompt(caller(context).texts), keyboards.languages())
    return BROWSING


async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.SetLanguage)
    await answer(update)
    if data.locale not in SUPPORTED_LOCALES:
        await show(update, texts.expired(caller(context).texts))
        return BROWSING
    client = await update_client_preferences(
        services(context).uow(), caller(context).client.id, language=data.locale  # type: ignore[arg-type]
    )
    who = set_caller(context, client)
    await show(update, texts.language_set(who.texts))
    return BROWSING


async def cmd_time_zone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await ask_time_zone(update, context)


async def _save_zone(update: Update, context: ContextTypes.DEFAULT_TYPE, zone_name: str) -> int:
    try:
        client = await update_client_preferences(
            services(context).uow(), caller(context).client.id, timezone=zone_name  # type: ignore[arg-type]
        )
    except UnknownTimeZone:
        await show(update, texts.expired(caller(context).texts))
        return BROWSING
    who = set_caller(context, client)
    await update.effective_chat.send_message(  # type: ignore[union-attr]
        texts.time_zone_set(who.texts, zone_name, services(context).clock()),
        reply_markup=ReplyKeyboardRemove(),
    )
    await update.effective_chat.send_message(texts.help_text(who.texts))  # type: ignore[union-attr]
    return BROWSING


async def on_time_zone_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = pressed(update, cb.SetTimeZone)
    await answer(update)
    return await _save_zone(update, context, data.zone)


async def on_keep_unset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    t = caller(context).texts
    await answer(update)
    await update.effective_chat.send_message(  # type: ignore[union-attr]
        t._("All right. I will show times in the provider's zone and name it. /timezone to set yours."),
        reply_markup=ReplyKeyboardRemove(),
    )
    return BROWSING


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    location = update.effective_message.location  # type: ignore[union-attr]
    found = zone_for_location(location.latitude, location.longitude) if location else None
    if found is None:
        await show(update, caller(context).texts._(
            "I could not tell the time zone from that location. Please type a city instead."
        ))
        return TIME_ZONE
    return await _save_zone(update, context, found)


async def on_zone_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    who = caller(context)
    query = (update.effective_message.text or "").strip()  # type: ignore[union-attr]
    matches = find_zones(query, who.texts.locale)
    if len(matches) == 1:
        return await _save_zone(update, context, matches[0])
    t = who.texts
    if not matches:
        await show(update, texts.unknown_zone(t, query))
        return TIME_ZONE
    await show(update, t._("Which one?"), keyboards.time_zones(t, matches, _zone_label(context)))
    return TIME_ZONE


async def cmd_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Leave whatever is going on: always possible, in every state."""
    forget_step(context)  # whichever side's question was pending, and its draft
    await update.effective_chat.send_message(  # type: ignore[union-attr]
        texts.cancelled_flow(caller(context).texts), reply_markup=ReplyKeyboardRemove()
    )
    return ConversationHandler.END


async def on_stray_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await show(update, texts.type_instead_of_tap(caller(context).texts))
    return BROWSING


async def on_expired(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any button whose data does not decode: old versions, forged or foreign data."""
    t = caller(context).texts
    await answer(update, t._("This menu has expired."))
    await show(update, texts.expired(t), keyboards.after_booking(t), new_message=True)
