"""The client's "Repeat" screens (issue #14): pure texts and keyboards.

How often → how many times (or until a typed date) → the preview, where every
occurrence is listed with its state and the impossible ones are swapped or skipped
→ one confirmation. Occurrences are numbered from 1 on the screen and in the
buttons' labels ("Swap 2"); the buttons carry their index from 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from conversations import callbacks as cb
from conversations import markup
from conversations.bounds_texts import out_of_range
from conversations.i18n import Texts
from conversations.keyboards import pager
from conversations.markup import escape, fit
from conversations.paging import page_of
from conversations.provider_parsing import DATE_IN_PAST, OUT_OF_RANGE, ParseError
from conversations.series_texts import every_text, occurrence_line, reason_text, zones
from conversations.texts import slot_label, when
from core.model import AppointmentType, Provider
from core.series import EVERY_WEEKS, MIN_OCCURRENCES
from core.series_choices import Choice, ChoiceState, UntilProblem

COUNTS_PER_ROW = 6
OCCURRENCES_PER_PAGE = 10  # two buttons each at most: a page stays far under 100 buttons
SWAP_TIMES_PER_ROW = 3
SWAP_TIMES_PER_PAGE = 15 * SWAP_TIMES_PER_ROW
_MARKS = {ChoiceState.FREE: "✅", ChoiceState.SWAPPED: "🔄", ChoiceState.SKIPPED: "⏭",
          ChoiceState.NOT_POSSIBLE: "✖"}


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(markup.label(text), callback_data=cb.encode(callback))


def ask_every(
    t: Texts, provider: Provider, appt_type: AppointmentType, start: datetime, client_zone: str | None
) -> str:
    return "\n".join([
        "🔁 " + t._("Book <b>{type}</b> with {provider} as a series, from:").format(
            type=escape(appt_type.name), provider=escape(provider.name)),
        when(t, start, client_zone, provider, appt_type),
        "",
        t._("How often?"),
    ])


def every_keyboard(t: Texts, provider_id: int, type_id: int, start: datetime) -> InlineKeyboardMarkup:
    rows = [[_button(every_text(t, n), cb.SeriesEvery(provider_id, type_id, start, n))]
            for n in EVERY_WEEKS]
    rows.append([_button("« " + t._("Back"), cb.PickSlot(provider_id, type_id, start))])
    return InlineKeyboardMarkup(rows)


def ask_count(t: Texts, every_weeks: int) -> str:
    return t._(
        "How many sessions in all, {every}? Or tap “Until a date…” to name the last one."
    ).format(every=every_text(t, every_weeks))


def count_keyboard(
    t: Texts, provider_id: int, type_id: int, start: datetime, every_weeks: int, max_occurrences: int
) -> InlineKeyboardMarkup:
    """2 to the type's maximum (52 at most: one compact grid), then "Until a date…"."""
    counts = [
        _button(str(n), cb.SeriesCount(provider_id, type_id, start, every_weeks, n))
        for n in range(MIN_OCCURRENCES, max_occurrences + 1)
    ]
    rows = [counts[i : i + COUNTS_PER_ROW] for i in range(0, len(counts), COUNTS_PER_ROW)]
    rows.append([_button("📅 " + t._("Until a date…"),
                         cb.SeriesUntilAsk(provider_id, type_id, start, every_weeks))])
    rows.append([_button("« " + t._("Back"), cb.SeriesRepeat(provider_id, type_id, start))])
    return InlineKeyboardMarkup(rows)


def ask_until(t: Texts, first: date, latest: date) -> str:
    return t._(
        "Type the date of the last session, for example {example}. It can be from {earliest} "
        "to {latest}. Or /cancel to stop."
    ).format(example=latest.isoformat(), earliest=t.format_date(first, "medium"),
             latest=t.format_date(latest, "medium"))


def until_unreadable(t: Texts, unreadable: ParseError) -> str:
    """A typed "until" that is no date we can use; the question stays."""
    if unreadable.code == OUT_OF_RANGE and unreadable.first is not None and unreadable.last is not None:
        return out_of_range(t, unreadable.first, unreadable.last)
    typed = escape(unreadable.detail)
    if unreadable.code == DATE_IN_PAST:
        return t._("“{text}” has passed. Type a later date, or /cancel.").format(text=typed)
    if not typed.strip():
        return t._("Please type a date, for example 2027-02-22 or 22.02.2027, or /cancel.")
    return t._(
        "I cannot read “{text}” as a date. Type it like 2027-02-22 or 22.02.2027, or /cancel."
    ).format(text=typed)


def until_not_possible(t: Texts, problem: UntilProblem, day: date) -> str:
    """A date we read, which the series cannot end on: which date would do."""
    if problem is UntilProblem.TOO_MANY:
        text = t._("That makes more sessions than can be booked at once: the last one can be "
                   "on {date} at the latest.")
    else:
        text = t._("A series has two sessions at least: the last one can be on {date} at the "
                   "earliest.")
    return text.format(date=t.format_date(day, "medium")) + " " + t._("Type another date, or /cancel.")


def _line(t: Texts, number: int, choice: Choice, lead: str, other: str | None) -> str:
    if choice.start is None:
        shown = t.format_date(choice.local_date, "medium")
    else:
        shown = occurrence_line(t, choice.start, lead, other)
    line = f"{number}. {_MARKS[choice.state]} {shown}"
    if choice.state is ChoiceState.SWAPPED:
        line += " — " + t._("another time that day")
    elif choice.state is ChoiceState.SKIPPED:
        line += " — " + reason_text(t, "SKIPPED")
    elif choice.state is ChoiceState.NOT_POSSIBLE and choice.reason is not None:
        line += " — " + reason_text(t, choice.reason.value)
    return line


def preview(
    t: Texts, provider: Provider, appt_type: AppointmentType, client_zone: str | None,
    every_weeks: int, choices: Sequence[Choice], changed: Sequence[int] | None = None,
) -> str:
    """Every occurrence with its state; ``changed`` (indexes): after a confirmation
    that found times gone, which ones (empty: the times changed, but none we hold)."""
    lead, other = zones(client_zone, provider, appt_type)
    lines = []
    if changed is not None:
        numbers = ", ".join(str(n + 1) for n in changed)
        lines.append("⚠️ " + (t.ngettext(
            "Nothing was booked: session {numbers} is no longer available.",
            "Nothing was booked: sessions {numbers} are no longer available.", len(changed),
        ).format(numbers=numbers) if changed else t._(
            "Nothing was booked: the times changed while you were looking.")))
        lines.append("")
    lines.append("🔁 " + t._("<b>{type}</b> with {provider}, {every}").format(
        type=escape(appt_type.name), provider=escape(provider.name), every=every_text(t, every_weeks)))
    lines.append(t._("Times are {zone} time.").format(zone=t.zone_name(lead)))
    lines += [_line(t, n + 1, c, lead, other) for n, c in enumerate(choices)]
    lines.append("")
    booked = sum(c.booked for c in choices)
    if any(c.state is ChoiceState.NOT_POSSIBLE for c in choices):
        lines.append(t._("Swap each session marked ✖ for another time that day, or skip it; "
                         "then confirm."))
    elif booked:
        lines.append(t.ngettext("Confirm to book this {n} session.",
                                "Confirm to book these {n} sessions.", booked).format(n=booked))
    else:
        lines.append(t._("Every session is skipped: take one back to book."))
    return fit("\n".join(lines))


def preview_keyboard(
    t: Texts, stamp: int, choices: Sequence[Choice], back: cb.Callback, page: int = 0
) -> InlineKeyboardMarkup:
    """Swap and skip buttons for a page of occurrences, Confirm when all are decided, Back."""
    shown = page_of(list(enumerate(choices)), page, OCCURRENCES_PER_PAGE)
    rows = []
    for index, choice in shown.items:
        n = index + 1
        skip = _button("⏭ " + t._("Skip {n}").format(n=n), cb.SeriesSkip(stamp, index, True))
        if choice.state is ChoiceState.SKIPPED:
            back_in = cb.SeriesSkip(stamp, index, False)
            rows.append([_button("↩ " + t._("Take {n} back").format(n=n), back_in)])
        elif choice.state is ChoiceState.FREE:
            rows.append([skip])
        else:  # not possible, or swapped: (another) time that day
            swap = _button("🔄 " + t._("Swap {n}").format(n=n), cb.SeriesSwap(stamp, index))
            rows.append([swap, skip])
    if shown.count > 1:
        rows.append(pager(shown, lambda p: cb.SeriesPreview(stamp, p)))
    booked = sum(c.booked for c in choices)
    if booked and not any(c.state is ChoiceState.NOT_POSSIBLE for c in choices):
        label = t.ngettext("Confirm {n} session", "Confirm {n} sessions", booked).format(n=booked)
        rows.append([_button("✅ " + label, cb.SeriesConfirm(stamp))])
    rows.append([_button("« " + t._("Back"), back)])
    return InlineKeyboardMarkup(rows)


def swap_prompt(t: Texts, number: int, day: date, has_times: bool, taken: bool = False) -> str:
    lines = [slot_gone(t)] if taken else []
    if has_times:
        lines.append(t._("Session {n}: pick another time on {date}.").format(
            n=number, date=t.format_date(day, "full")))
    else:
        lines.append(t._("Session {n}: there is no other free time on {date}. You can skip it.").format(
            n=number, date=t.format_date(day, "full")))
    return "\n".join(lines)


def slot_gone(t: Texts) -> str:
    return t._("Sorry, that time has just been taken.")


def swap_keyboard(
    t: Texts, stamp: int, index: int, starts: Sequence[datetime], provider: Provider,
    appt_type: AppointmentType, client_zone: str | None, page: int = 0,
) -> InlineKeyboardMarkup:
    shown = page_of(starts, page, SWAP_TIMES_PER_PAGE)
    buttons = [
        _button(slot_label(t, s, client_zone, provider, appt_type), cb.SeriesSwapTo(stamp, index, s))
        for s in shown.items
    ]
    rows = [buttons[i : i + SWAP_TIMES_PER_ROW] for i in range(0, len(buttons), SWAP_TIMES_PER_ROW)]
    if shown.count > 1:
        rows.append(pager(shown, lambda p: cb.SeriesSwap(stamp, index, p)))
    preview_page = cb.SeriesPreview(stamp, index // OCCURRENCES_PER_PAGE)
    rows.append([_button("« " + t._("Back to the series"), preview_page)])
    return InlineKeyboardMarkup(rows)


def booked_head(t: Texts, created: bool, pending: bool) -> str:
    if not created:
        return t._("✅ You have already booked this series.")
    if pending:
        return t._("⏳ Series requested: each session waits for the provider's confirmation.")
    return t._("✅ Series booked and confirmed!")


def series_not_offered(t: Texts) -> str:
    return t._("This appointment can no longer be booked as a series. You can still book "
               "single sessions with /book.")


def series_not_possible(t: Texts) -> str:
    """The series as asked no longer fits the type (its maximum changed, say)."""
    return t._("This series can no longer be booked as it is. Please start again with /book.")
