"""/hours, /block, /special, /unblock: a provider's calendar, typed on a phone.

A wrong form is answered with what was wrong, the right form and an example.
A block that falls on booked appointments asks first: cancel them or keep them.
"""

from __future__ import annotations

from datetime import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations import waitlist_offers
from conversations import notifications
from conversations import provider_texts as ptexts
from conversations.bounds_texts import out_of_range, parse_refusal
from conversations.common import answer, pressed, services, show
from conversations.provider_common import acting, provider_only
from conversations.provider_parsing import (
    MAX_BLOCK_DAYS,
    ParseError,
    format_interval,
    parse_block,
    parse_hours,
    parse_special,
)
from conversations.states import BROWSING
from core.bounds import future_window, in_window
from core.localtime import local_date, zone
from core.schedule_admin import (
    BlockSpec,
    HoursOverlap,
    add_block,
    appointments_hit_by_block,
    future_overrides,
    remove_override,
    set_special_hours,
    set_weekly_hours,
)


def _args(update: Update) -> str:
    text = update.effective_message.text or ""  # type: ignore[union-attr]
    return text.partition(" ")[2].strip()


def _today(context: ContextTypes.DEFAULT_TYPE):  # type: ignore[no-untyped-def]
    provider = acting(context).provider
    return local_date(services(context).clock(), zone(provider.timezone))


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.encode(callback))


async def _show_week(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = acting(context)
    async with services(context).uow() as unit:
        calendar = await unit.providers.calendar(who.provider.id)  # type: ignore[arg-type]
    assert calendar is not None
    await show(update, ptexts.week(who.texts, calendar.weekly))


@provider_only
async def cmd_hours(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    who = acting(context)
    args = _args(update)
    if not args:
        await _show_week(update, context)
        return BROWSING
    parsed = parse_hours(args)
    if isinstance(parsed, ParseError):
        await show(update, ptexts.parse_error(who.texts, "hours", parsed.code, parsed.detail))
        return BROWSING
    try:
        await set_weekly_hours(services(context).uow(), who.provider.id, parsed.days, parsed.intervals)  # type: ignore[arg-type]
    except HoursOverlap as exc:
        detail = f"{format_interval(exc.first.start, exc.first.end)} / {format_interval(exc.second.start, exc.second.end)}"
        await show(update, ptexts.parse_error(who.texts, "hours", "OVERLAP", detail))
        return BROWSING
    await _show_week(update, context)
    return BROWSING


def _window(spec: BlockSpec) -> str:
    if spec.start is None or spec.end is None:
        return "-"
    return f"{spec.start:%H%M}-{spec.end:%H%M}"


def _spec(button: cb.BlockDecision) -> BlockSpec | None:
    if button.window == "-":
        return BlockSpec(button.first, button.last)
    try:
        start, end = button.window.split("-")
        return BlockSpec(
            button.first,
            button.first,
            time(int(start[:2]), int(start[2:])),
            time(int(end[:2]), int(end[2:])),
        )
    except ValueError:
        return None


async def _save_block(
    update: Update, context: ContextTypes.DEFAULT_TYPE, spec: BlockSpec, cancel_hit: bool
) -> None:
    who = acting(context)
    t = who.texts
    cancelled = await add_block(
        services(context).uow(), who.provider.id, spec,  # type: ignore[arg-type]
        cancel_hit=cancel_hit, reason=t._("The provider is not available then."),
        now=services(context).clock(),
    )
    for item in cancelled:
        await notifications.client_told(context, item.appointment.id, "cancelled")  # type: ignore[arg-type]
    text = t._("Blocked.")
    if cancelled:
        text += " " + t.ngettext(
            "{n} appointment cancelled; the client was told.",
            "{n} appointments cancelled; the clients were told.",
            len(cancelled),
        ).format(n=len(cancelled))
    await show(update, text)


@provider_only
async def cmd_block(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    who = acting(context)
    parsed = parse_block(_args(update), _today(context))
    if isinstance(parsed, ParseError):
        await show(update, parse_refusal(who.texts, "block", parsed))
        return BROWSING
    spec = BlockSpec(parsed.first, parsed.last, parsed.start, parsed.end)
    hit = await appointments_hit_by_block(
        services(context).uow(), who.provider.id, spec, now=services(context).clock()  # type: ignore[arg-type]
    )
    if not hit:
        await _save_block(update, context, spec, cancel_hit=False)
        return BROWSING
    t = who.texts
    window = _window(spec)
    markup = InlineKeyboardMarkup(
        [
            [_button(t._("Cancel them"), cb.BlockDecision(spec.first, spec.last, window, True))],
            [_button(t._("Keep them"), cb.BlockDecision(spec.first, spec.last, window, False))],
        ]
    )
    await show(update, ptexts.block_question(t, who.provider, hit), markup)
    return BROWSING


@provider_only
async def on_block_decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.BlockDecision)
    await answer(update)
    spec = _spec(button)
    if spec is None or not 0 <= (spec.last - spec.first).days < MAX_BLOCK_DAYS:
        await show(update, acting(context).texts._("This menu has expired."))
        return BROWSING
    today = _today(context)
    if not (in_window(spec.first, today) and in_window(spec.last, today)):
        # A forged button (9999-12-31): as /block would answer that date.
        await show(update, out_of_range(acting(context).texts, *future_window(today)))
        return BROWSING
    await _save_block(update, context, spec, cancel_hit=button.cancel_hit)
    return BROWSING


@provider_only
async def cmd_special(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    who = acting(context)
    parsed = parse_special(_args(update), _today(context))
    if isinstance(parsed, ParseError):
        await show(update, parse_refusal(who.texts, "special", parsed))
        return BROWSING
    await set_special_hours(services(context).uow(), who.provider.id, parsed.day, parsed.intervals)  # type: ignore[arg-type]
    hours = ", ".join(format_interval(s, e) for s, e in parsed.intervals)
    await show(update, who.texts._("Special hours on {date}: {hours}.").format(
        date=who.texts.format_date(parsed.day, "full"), hours=hours))
    return BROWSING


async def _show_blocks(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = acting(context)
    t = who.texts
    overrides = await future_overrides(
        services(context).uow(), who.provider.id, now=services(context).clock()  # type: ignore[arg-type]
    )
    if not overrides:
        await show(update, t._("No blocks or special hours ahead."))
        return
    rows = [
        [_button("🗑 " + ptexts.override_line(t, o), cb.Unblock(o.id))]  # type: ignore[arg-type]
        for o in overrides[:30]
    ]
    await show(update, t._("Tap one to remove it:"), InlineKeyboardMarkup(rows))


@provider_only
async def cmd_unblock(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _show_blocks(update, context)
    return BROWSING


@provider_only
async def on_unblock(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.Unblock)
    await answer(update)
    who = acting(context)
    removed = await remove_override(
        services(context).uow(), who.provider.id, button.override, now=services(context).clock()  # type: ignore[arg-type]
    )
    if removed is None:
        await show(update, who.texts._("This menu has expired."))
        return BROWSING
    await _show_blocks(update, context)
    await waitlist_offers.publish(context)  # the unblocked time is offered to the waitlist
    return BROWSING
