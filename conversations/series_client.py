"""The client's "Repeat" (issue #14): from the booking summary to a booked weekly series.

Repeat → how often → how many times (or a typed "until" date) → the preview, drawn
from a fresh plan each time, where the client swaps or skips the occurrences that
are not possible → Confirm, which books exactly what the preview showed or nothing
(``core.series_booking.book_series`` with ``chosen``). The draft lives in
``user_data`` (``series_draft.py``); its buttons carry its stamp.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import Update
from telegram.ext import ContextTypes

from conversations import callbacks as cb
from conversations import keyboards, series_draft, series_notices, texts
from conversations import series_client_views as views
from conversations.booking import Choice, chosen, outside_window
from conversations.common import answer, caller, pressed, services, show
from conversations.metrics import BOOKINGS
from conversations.provider_parsing import ParseError, parse_future_date
from conversations.refusals import refusal
from conversations.series_draft import SeriesDraft
from conversations.series_texts import series_booked
from conversations.states import BROWSING, SERIES_UNTIL
from core.errors import BookingError, NotFound, SlotNoLongerAvailable
from core.localtime import local_date, zone
from core.model import AppointmentStatus, SeriesBookedBy
from core.series import EVERY_WEEKS, MIN_OCCURRENCES, InvalidSeries
from core.series_booking import (
    SeriesChanged,
    SeriesNotAllowed,
    SeriesOutcome,
    SeriesPlan,
    book_series,
    plan_for_booking,
    swap_options,
)
from core.series_choices import chosen_starts, review, until_problem

Context = ContextTypes.DEFAULT_TYPE


async def _repeatable(
    update: Update, context: Context, provider_id: int, type_id: int, start: datetime,
    every: int | None = None,
) -> Choice | None:
    """The provider and type a Repeat button names, if clients may book it as a series
    from ``start`` (and every ``every`` weeks); otherwise the screen says why."""
    choice = await chosen(update, context, provider_id, type_id, 0)
    if choice is None or await outside_window(update, context, start.date(), choice.lead):
        return None
    t = caller(context).texts
    if every is not None and every not in EVERY_WEEKS:  # forged
        await show(update, texts.expired(t))
        return None
    appt_type = choice.appt_type
    if not appt_type.allow_series or appt_type.max_series_occurrences < MIN_OCCURRENCES:
        await show(update, views.series_not_offered(t), keyboards.after_booking(t))
        return None
    return choice


async def on_repeat(update: Update, context: Context) -> int:
    data = pressed(update, cb.SeriesRepeat)
    await answer(update)
    choice = await _repeatable(update, context, data.provider_id, data.type_id, data.start)
    if choice is not None:
        who = caller(context)
        await show(
            update,
            views.ask_every(who.texts, choice.offer.provider, choice.appt_type, data.start,
                            who.client.timezone),
            views.every_keyboard(who.texts, data.provider_id, data.type_id, data.start),
        )
    return BROWSING


async def on_every(update: Update, context: Context) -> int:
    data = pressed(update, cb.SeriesEvery)
    await answer(update)
    choice = await _repeatable(
        update, context, data.provider_id, data.type_id, data.start, data.every
    )
    if choice is not None:
        t = caller(context).texts
        await show(update, views.ask_count(t, data.every), views.count_keyboard(
            t, data.provider_id, data.type_id, data.start, data.every,
            choice.appt_type.max_series_occurrences,
        ))
    return BROWSING


def _note(context: Context, provider_id: int, type_id: int, start: datetime, *, pop: bool = False
          ) -> str | None:
    """The note the client added on the summary (booking.py keeps it there, by time)."""
    notes = (context.user_data or {}).get("notes")
    if not isinstance(notes, dict):
        return None
    key = (provider_id, type_id, start)
    return notes.pop(key, None) if pop else notes.get(key)


async def on_count(update: Update, context: Context) -> int:
    data = pressed(update, cb.SeriesCount)
    await answer(update)
    choice = await _repeatable(
        update, context, data.provider_id, data.type_id, data.start, data.every
    )
    if choice is None:
        return BROWSING
    if not MIN_OCCURRENCES <= data.count <= choice.appt_type.max_series_occurrences:
        await show(update, texts.expired(caller(context).texts))  # forged, or the maximum changed
        return BROWSING
    draft = series_draft.start_draft(
        context.user_data,  # type: ignore[arg-type]
        provider_id=data.provider_id, type_id=data.type_id, first_start=data.start,
        every_weeks=data.every, count=data.count,
        note=_note(context, data.provider_id, data.type_id, data.start),
    )
    await show_preview(update, context, draft)
    return BROWSING


async def on_until_ask(update: Update, context: Context) -> int:
    data = pressed(update, cb.SeriesUntilAsk)
    await answer(update)
    choice = await _repeatable(
        update, context, data.provider_id, data.type_id, data.start, data.every
    )
    if choice is None:
        return BROWSING
    first = local_date(data.start, zone(choice.offer.provider.timezone))
    latest = first + (choice.appt_type.max_series_occurrences - 1) * timedelta(weeks=data.every)
    asked = (data.provider_id, data.type_id, data.start, data.every)
    context.user_data[series_draft.UNTIL_FOR] = asked  # type: ignore[index]
    earliest = first + timedelta(weeks=data.every)
    await show(update, views.ask_until(caller(context).texts, earliest, latest), new_message=True)
    return SERIES_UNTIL


async def on_until_text(update: Update, context: Context) -> int:
    """The typed last date: a wrong one is answered and the question stays."""
    target = (context.user_data or {}).get(series_draft.UNTIL_FOR)
    if not isinstance(target, tuple) or len(target) != 4:
        return BROWSING
    provider_id, type_id, start, every = target
    choice = await _repeatable(update, context, provider_id, type_id, start, every)
    if choice is None:
        context.user_data.pop(series_draft.UNTIL_FOR, None)  # type: ignore[union-attr]
        return BROWSING
    t = caller(context).texts
    tz = zone(choice.offer.provider.timezone)
    typed = (update.effective_message.text or "") if update.effective_message else ""
    until = parse_future_date(typed, local_date(services(context).clock(), tz))
    if isinstance(until, ParseError):
        await show(update, views.until_unreadable(t, until))
        return SERIES_UNTIL
    most = choice.appt_type.max_series_occurrences
    problem = until_problem(local_date(start, tz), every, until, most)
    if problem is not None:
        await show(update, views.until_not_possible(t, *problem))
        return SERIES_UNTIL
    context.user_data.pop(series_draft.UNTIL_FOR, None)  # type: ignore[union-attr]
    draft = series_draft.start_draft(
        context.user_data,  # type: ignore[arg-type]
        provider_id=provider_id, type_id=type_id, first_start=start, every_weeks=every,
        until=until, note=_note(context, provider_id, type_id, start),
    )
    await show_preview(update, context, draft, new_message=True)
    return BROWSING


async def show_preview(
    update: Update, context: Context, draft: SeriesDraft, *, page: int = 0,
    changed_from: tuple[datetime | None, ...] | None = None, new_message: bool = False,
) -> None:
    """The preview from a fresh plan; the draft keeps what it now books.

    ``changed_from``: the starts a confirmation found no longer bookable; the screen
    names the occurrences of them that are not possible now.
    """
    who = caller(context)
    t = who.texts
    choice = await _repeatable(
        update, context, draft.provider_id, draft.type_id, draft.first_start, draft.every_weeks
    )
    if choice is None:
        return
    now = services(context).clock()
    try:
        plan = await _plan(context, draft, now)
    except NotFound:
        await show(update, texts.expired(t))
        return
    except InvalidSeries:
        await show(update, views.series_not_possible(t), keyboards.after_booking(t))
        return
    size = len(plan.occurrences)
    starts = draft.chosen if len(draft.chosen) == size else (None,) * size
    skipped = frozenset(i for i in draft.skipped if i < size)
    choices = review(plan, starts, skipped, now)
    draft = draft.with_choices(chosen_starts(choices), skipped)
    series_draft.save(context.user_data, draft)  # type: ignore[arg-type]
    changed = None
    if changed_from is not None:  # what the client confirmed and is no longer there
        changed = [n for n, c in enumerate(choices)
                   if n < len(changed_from) and changed_from[n] is not None and not c.booked]
    back = cb.SeriesEvery(draft.provider_id, draft.type_id, draft.first_start, draft.every_weeks)
    await show(
        update,
        views.preview(t, plan.calendar.provider, plan.appt_type, who.client.timezone,
                      draft.every_weeks, choices, changed),
        views.preview_keyboard(t, draft.stamp, choices, back, page),
        new_message=new_message,
    )


async def _plan(context: Context, draft: SeriesDraft, now: datetime) -> SeriesPlan:
    return await plan_for_booking(services(context).uow(), provider_id=draft.provider_id,
                                  type_id=draft.type_id, request=draft.request, now=now)


async def _draft(
    update: Update, context: Context, stamp: int, index: int = 0
) -> SeriesDraft | None:
    """The current draft a preview button belongs to, not yet booked; else "expired"."""
    draft = series_draft.current(context.user_data, stamp)
    if draft is None or draft.booked is not None or not 0 <= index < max(len(draft.chosen), 1):
        await show(update, texts.expired(caller(context).texts))
        return None
    return draft


async def on_preview(update: Update, context: Context) -> int:
    data = pressed(update, cb.SeriesPreview)
    await answer(update)
    draft = await _draft(update, context, data.stamp)
    if draft is not None:
        await show_preview(update, context, draft, page=data.page)
    return BROWSING


async def on_skip(update: Update, context: Context) -> int:
    data = pressed(update, cb.SeriesSkip)
    await answer(update)
    draft = await _draft(update, context, data.stamp, data.index)
    if draft is None:
        return BROWSING
    starts = list(draft.chosen)
    starts[data.index] = None  # taken back: its own time is tried again
    skipped = draft.skipped | {data.index} if data.skip else draft.skipped - {data.index}
    draft = draft.with_choices(starts, skipped)
    series_draft.save(context.user_data, draft)  # type: ignore[arg-type]
    await show_preview(update, context, draft, page=data.index // views.OCCURRENCES_PER_PAGE)
    return BROWSING


async def _swap_times(
    update: Update, context: Context, draft: SeriesDraft, index: int
) -> tuple[list[datetime], SeriesPlan] | None:
    """The free times on occurrence ``index``'s date, beside the draft's other starts."""
    now = services(context).clock()
    try:
        plan = await _plan(context, draft, now)
    except (NotFound, InvalidSeries):
        await show(update, texts.expired(caller(context).texts))
        return None
    if len(plan.occurrences) != len(draft.chosen):
        await show(update, texts.expired(caller(context).texts))
        return None
    return swap_options(plan, index, draft.chosen, now), plan


async def show_swap(
    update: Update, context: Context, draft: SeriesDraft, index: int, page: int = 0,
    *, taken: bool = False,
) -> None:
    """The free times that day; ``taken``: the one tapped has just gone."""
    found = await _swap_times(update, context, draft, index)
    if found is None:
        return
    times, plan = found
    who = caller(context)
    day = plan.occurrences[index].local_date
    await show(update, views.swap_prompt(who.texts, index + 1, day, bool(times), taken),
               views.swap_keyboard(who.texts, draft.stamp, index, times, plan.calendar.provider,
                                   plan.appt_type, who.client.timezone, page))


async def on_swap(update: Update, context: Context) -> int:
    data = pressed(update, cb.SeriesSwap)
    await answer(update)
    draft = await _draft(update, context, data.stamp, data.index)
    if draft is not None:
        await show_swap(update, context, draft, data.index, data.page)
    return BROWSING


async def on_swap_to(update: Update, context: Context) -> int:
    data = pressed(update, cb.SeriesSwapTo)
    await answer(update)
    draft = await _draft(update, context, data.stamp, data.index)
    if draft is None:
        return BROWSING
    found = await _swap_times(update, context, draft, data.index)
    if found is None:
        return BROWSING
    if data.start not in found[0]:  # taken since, or never offered (a forged time)
        await show_swap(update, context, draft, data.index, taken=True)
        return BROWSING
    starts = list(draft.chosen)
    starts[data.index] = data.start
    draft = draft.with_choices(starts, draft.skipped - {data.index})
    series_draft.save(context.user_data, draft)  # type: ignore[arg-type]
    await show_preview(update, context, draft, page=data.index // views.OCCURRENCES_PER_PAGE)
    return BROWSING


async def on_confirm(update: Update, context: Context) -> int:
    """Book exactly the preview's starts, or nothing; a repeat tap finds the same series."""
    data = pressed(update, cb.SeriesConfirm)
    await answer(update)
    who = caller(context)
    t = who.texts
    draft = series_draft.current(context.user_data, data.stamp)
    if draft is None:
        await show(update, texts.expired(t))
        return BROWSING
    choice = await chosen(update, context, draft.provider_id, draft.type_id, 0)
    if choice is None:
        return BROWSING
    undecided = [n for n, s in enumerate(draft.chosen) if s is None and n not in draft.skipped]
    if draft.booked is None and (undecided or not draft.chosen):  # no preview showed Confirm
        await show_preview(update, context, draft)
        return BROWSING
    svc = services(context)
    try:
        outcome = await book_series(
            svc.uow(), provider_id=draft.provider_id, type_id=draft.type_id,
            client_id=who.client.id, request=draft.request, now=svc.clock(),  # type: ignore[arg-type]
            by=SeriesBookedBy.CLIENT, chosen=list(draft.chosen), notes=draft.note,
        )
    except SeriesChanged:
        await show_preview(update, context, draft, changed_from=draft.chosen)
        return BROWSING
    except SeriesNotAllowed:
        await show(update, views.series_not_offered(t), keyboards.after_booking(t))
        return BROWSING
    except InvalidSeries:
        await show(update, views.series_not_possible(t), keyboards.after_booking(t))
        return BROWSING
    except (NotFound, SlotNoLongerAvailable):  # gone, or no longer bookable at all
        await show(update, texts.expired(t))
        return BROWSING
    except BookingError as refused:
        await show(update, *refusal(t, refused))
        return BROWSING
    if outcome.series is None or outcome.series.id is None:  # nothing booked: not with `chosen`
        await show_preview(update, context, draft)
        return BROWSING
    series_id = outcome.series.id
    # Kept, marked booked: a second tap on Confirm reaches book_series and reads the same series.
    series_draft.save(context.user_data, draft.with_booked(series_id))  # type: ignore[arg-type]
    await _show_booked(update, context, choice, outcome)
    if outcome.created:
        _note(context, draft.provider_id, draft.type_id, draft.first_start, pop=True)
        BOOKINGS.labels(via="series").inc(len(outcome.appointments))
        await series_notices.series_booked(context, series_id, by=SeriesBookedBy.CLIENT)
    return BROWSING


async def _show_booked(
    update: Update, context: Context, choice: Choice, outcome: SeriesOutcome
) -> None:
    who = caller(context)
    t = who.texts
    provider, appt_type = choice.offer.provider, choice.appt_type
    assert outcome.series is not None
    pending = any(a.status is AppointmentStatus.PENDING for a in outcome.appointments)
    await show(update, series_booked(
        t, head=views.booked_head(t, outcome.created, pending), who=provider.name,
        provider=provider, appt_type=appt_type, starts=[a.start for a in outcome.appointments],
        skipped=[(s.start, s.reason) for s in outcome.skipped],
        client_zone=who.client.timezone, every_weeks=outcome.series.every_weeks,
    ), keyboards.after_booking(t))
