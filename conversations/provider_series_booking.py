"""/clients → a client's card → "Book a weekly series" (issue #14): the provider (or an
admin acting for one) books a series for a client who booked with them before.

type → first date → first time → every 1/2/4 weeks → how many → the preview, which lists
every session free or not and why → "Book the N free sessions". That books exactly the
sessions the preview showed (its button carries their fingerprint) or nothing: when the
calendar changed, the preview is shown again, updated. Every step re-reads the client as
one of the acting provider's and the type as theirs; anything else has expired.
"""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations import provider_series_views as views
from conversations import series_notices
from conversations.common import answer, pressed, services, show
from conversations.provider_common import acting, provider_only
from conversations.states import BROWSING
from core.availability import last_bookable_date
from core.bounds import in_window
from core.errors import ClientBlocked, NotFound, SlotNoLongerAvailable
from core.localtime import local_date, zone
from core.model import AppointmentType, Client, SeriesBookedBy
from core.provider_admin import provider_types
from core.provider_series import client_card, fingerprint
from core.series import InvalidSeries, SeriesRequest
from core.series_booking import SeriesChanged, book_series, plan_for_booking
from core.slots import get_available_slots, get_month_availability


async def _expired(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await show(update, acting(context).texts._("This menu has expired."))
    return BROWSING


async def _client(context: ContextTypes.DEFAULT_TYPE, client_id: int) -> tuple[Client, bool] | None:
    try:
        return await client_card(services(context).uow(), acting(context).provider.id, client_id)  # type: ignore[arg-type]
    except NotFound:
        return None


async def _client_and_type(
    context: ContextTypes.DEFAULT_TYPE, client_id: int, type_id: int
) -> tuple[Client, AppointmentType] | None:
    """The acting provider's unblocked client and active type, or None (expired)."""
    found = await _client(context, client_id)
    types = await provider_types(services(context).uow(), acting(context).provider.id)  # type: ignore[arg-type]
    chosen = [a for a in types if a.id == type_id and a.is_active]
    if found is None or found[1] or not chosen:
        return None
    return found[0], chosen[0]


def _today(context: ContextTypes.DEFAULT_TYPE) -> date:
    return local_date(services(context).clock(), zone(acting(context).provider.timezone))


@provider_only
async def on_client_card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.ClientCard)
    await answer(update)
    found = await _client(context, button.client)
    if found is None:
        return await _expired(update, context)
    await show(update, *views.client_card(acting(context).texts, *found))
    return BROWSING


@provider_only
async def on_series_for_client(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.SeriesForClient)
    await answer(update)
    who = acting(context)
    found = await _client(context, button.client)
    if found is None or found[1]:
        return await _expired(update, context)
    types = [a for a in await provider_types(services(context).uow(), who.provider.id) if a.is_active]  # type: ignore[arg-type]
    if not types:
        await show(update, who.texts._("No appointment types yet: add one."))
        return BROWSING
    text = views.series_head(who.texts, found[0]) + "\n" + who.texts._("Which appointment type?")
    await show(update, text, views.series_types(who.texts, button.client, types, _today(context), button.page))
    return BROWSING


@provider_only
async def on_series_month(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.SeriesMonth)
    await answer(update)
    found = await _client_and_type(context, button.client, button.type_id)
    if found is None:
        return await _expired(update, context)
    who, svc = acting(context), services(context)
    today = _today(context)
    last = last_bookable_date(who.provider.settings, zone(who.provider.timezone), svc.clock())
    year, month = button.year, button.month
    if not 1 <= month <= 12 or not (today.year, today.month) <= (year, month) <= (last.year, last.month):
        year, month = today.year, today.month  # a forged or stale month: show this one
    days = await get_month_availability(svc.uow(), who.provider.id, button.type_id, year, month, svc.clock())  # type: ignore[arg-type]
    text = views.series_head(who.texts, *found) + "\n" + who.texts._("Pick the first date:")
    await show(update, text, views.series_month(
        who.texts, button.client, button.type_id, year, month, days, today=today, last_bookable=last))
    return BROWSING


@provider_only
async def on_series_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.SeriesDay)
    await answer(update)
    found = await _client_and_type(context, button.client, button.type_id)
    if found is None:
        return await _expired(update, context)
    who, svc = acting(context), services(context)
    starts = []
    if in_window(button.day, _today(context)):  # far dates are no one's: nothing to read
        starts = await get_available_slots(svc.uow(), who.provider.id, button.type_id, button.day, svc.clock())  # type: ignore[arg-type]
    t = who.texts
    if not starts:  # taken meanwhile, or a forged date: back to this month's calendar
        await show(update, t._("No free times on this day anymore."), views.series_times(
            t, who.provider, button.client, button.type_id, _today(context), []))
        return BROWSING
    page = button.page if isinstance(button, cb.SeriesDayPage) else 0
    text = views.series_head(t, *found) + "\n" + t._("The first session on {date} at:").format(
        date=t.format_date(button.day, "full"))
    await show(update, text, views.series_times(t, who.provider, button.client, button.type_id,
                                                button.day, starts, page))
    return BROWSING


@provider_only
async def on_series_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.SeriesStart)
    await answer(update)
    found = await _client_and_type(context, button.client, button.type_id)
    if found is None:
        return await _expired(update, context)
    t, provider = acting(context).texts, acting(context).provider
    text = views.series_head(t, *found) + "\n" + t._("From {when}: how often?").format(
        when=t.format_datetime(button.start, provider.timezone, "medium"))
    await show(update, text, views.series_every(t, provider, button.client, button.type_id, button.start))
    return BROWSING


@provider_only
async def on_series_every(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.ProviderSeriesEvery)
    await answer(update)
    found = await _client_and_type(context, button.client, button.type_id)
    if found is None or button.every not in (1, 2, 4):
        return await _expired(update, context)
    t = acting(context).texts
    text = views.series_head(t, *found) + "\n" + t._("How many sessions?")
    await show(update, text, views.series_count(
        t, button.client, button.type_id, button.start, button.every, found[1].max_series_occurrences))
    return BROWSING


@provider_only
async def on_series_preview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.ProviderSeriesPreview)
    await answer(update)
    return await _preview(update, context, button)


async def _preview(
    update: Update, context: ContextTypes.DEFAULT_TYPE, button: cb.ProviderSeriesPreview | cb.SeriesBook,
    occurrences: list | None = None, *, changed: bool = False,  # type: ignore[type-arg]
) -> int:
    """Show the preview: planned now, or ``occurrences`` as a refused booking found them."""
    found = await _client_and_type(context, button.client, button.type_id)
    if found is None:
        return await _expired(update, context)
    client, appt_type = found
    who, svc = acting(context), services(context)
    try:
        request = SeriesRequest(button.start, every_weeks=button.every, count=button.count)
        if occurrences is None:
            plan = await plan_for_booking(svc.uow(), provider_id=who.provider.id, type_id=appt_type.id,  # type: ignore[arg-type]
                                          request=request, now=svc.clock())
            occurrences = plan.occurrences
    except (InvalidSeries, NotFound):
        return await _expired(update, context)
    free = [o.start if o.is_free else None for o in occurrences]
    t = who.texts
    await show(update, views.series_preview(t, who.provider, client, appt_type, occurrences, button.every, changed),
               views.series_preview_keyboard(t, button.client, button.type_id, button.start, button.every,
                                             button.count, sum(1 for s in free if s), fingerprint(free)))
    return BROWSING


@provider_only
async def on_series_book(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    button = pressed(update, cb.SeriesBook)
    await answer(update)
    found = await _client_and_type(context, button.client, button.type_id)
    if found is None:
        return await _expired(update, context)
    who, svc = acting(context), services(context)
    try:
        request = SeriesRequest(button.start, every_weeks=button.every, count=button.count)
        plan = await plan_for_booking(svc.uow(), provider_id=who.provider.id, type_id=button.type_id,  # type: ignore[arg-type]
                                      request=request, now=svc.clock())
        chosen = [o.start if o.is_free else None for o in plan.occurrences]
        if fingerprint(chosen) != button.shown or not any(chosen):
            # Not what the preview showed (or nothing at all): show it as it stands.
            return await _preview(update, context, button, plan.occurrences, changed=True)
        outcome = await book_series(
            svc.uow(), provider_id=who.provider.id, type_id=button.type_id, client_id=button.client,  # type: ignore[arg-type]
            request=request, now=svc.clock(), by=SeriesBookedBy.PROVIDER, chosen=chosen,
        )
    except SeriesChanged as changed:
        return await _preview(update, context, button, changed.plan, changed=True)
    except (InvalidSeries, NotFound, ClientBlocked, SlotNoLongerAvailable):
        await show(update, who.texts._("That is no longer possible."))
        return BROWSING
    if outcome.series is None:
        return await _preview(update, context, button, changed=True)
    if outcome.created:  # a repeated tap finds the series booked and tells nobody again
        await series_notices.series_booked(context, outcome.series.id, by=SeriesBookedBy.PROVIDER)  # type: ignore[arg-type]
    await show(update, views.series_booked(who.texts, found[0], len(outcome.appointments)))
    return BROWSING
