"""The client's choices in a series preview (issue #14): which occurrences they keep,
swap to another time that day, or skip, checked against a fresh plan.

The preview is drawn many times (after each swap or skip, and after a confirmation
that found a time gone), each time from a new :class:`~core.series_booking.SeriesPlan`,
so a time someone else took since the last screen shows as not possible instead of
failing only at the confirmation. Pure: no I/O, no clock.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.availability import is_offered
from core.model import BusyPeriod
from core.series import MIN_OCCURRENCES, OccurrenceState, refusal
from core.series_booking import SeriesPlan


class ChoiceState(str, enum.Enum):
    FREE = "FREE"  # the series' own time that week, offered
    SWAPPED = "SWAPPED"  # another time that day, chosen by the client and offered
    SKIPPED = "SKIPPED"  # left out by the client
    NOT_POSSIBLE = "NOT_POSSIBLE"  # neither offered nor skipped: the client must decide


@dataclass(frozen=True)
class Choice:
    local_date: date  # the provider's
    start: datetime | None  # the time shown; None: the series' wall time does not exist that day
    state: ChoiceState
    reason: OccurrenceState | None = None  # why NOT_POSSIBLE

    @property
    def booked(self) -> bool:
        """Whether confirming books this occurrence."""
        return self.state in (ChoiceState.FREE, ChoiceState.SWAPPED)


def review(
    plan: SeriesPlan, chosen: Sequence[datetime | None], skipped: Collection[int], now: datetime
) -> list[Choice]:
    """Each occurrence as it stands: the chosen start if it is still offered, given the
    bookings and the series' other chosen starts; otherwise why not.

    An occurrence with no start chosen (not possible earlier) comes back FREE once its
    own time is offered again. ``chosen`` must have one entry per occurrence.
    """
    if len(chosen) != len(plan.occurrences):
        raise ValueError(f"{len(chosen)} starts chosen for {len(plan.occurrences)} occurrences")
    duration = plan.appt_type.duration
    periods = [
        None if start is None else BusyPeriod(start, start + duration, plan.appt_type.id)
        for start in chosen
    ]
    choices = []
    for n, occurrence in enumerate(plan.occurrences):
        if n in skipped:
            choices.append(Choice(occurrence.local_date, occurrence.start, ChoiceState.SKIPPED))
            continue
        start = chosen[n] if chosen[n] is not None else occurrence.start
        if start is None:  # a DST gap, and nothing swapped in
            choices.append(
                Choice(occurrence.local_date, None, ChoiceState.NOT_POSSIBLE, occurrence.state)
            )
            continue
        others = [p for i, p in enumerate(periods) if p is not None and i != n]
        if is_offered(plan.calendar, plan.appt_type, [*plan.busy, *others], start, now):
            state = ChoiceState.FREE if start == occurrence.start else ChoiceState.SWAPPED
            choices.append(Choice(occurrence.local_date, start, state))
        else:
            why = refusal(plan.calendar, plan.appt_type, start, now)
            choices.append(Choice(occurrence.local_date, start, ChoiceState.NOT_POSSIBLE, why))
    return choices


def chosen_starts(choices: Sequence[Choice]) -> list[datetime | None]:
    """What confirming these choices books: a start per occurrence, None where none."""
    return [c.start if c.booked else None for c in choices]


def ready(choices: Sequence[Choice]) -> bool:
    """Whether the client may confirm: every occurrence decided, and one at least booked."""
    return any(c.booked for c in choices) and not any(
        c.state is ChoiceState.NOT_POSSIBLE for c in choices
    )


class UntilProblem(str, enum.Enum):
    NOT_AFTER_FIRST = "NOT_AFTER_FIRST"  # on or before the first session's date
    TOO_FEW = "TOO_FEW"  # no second session by then
    TOO_MANY = "TOO_MANY"  # more sessions than the type allows


def until_problem(
    first: date, every_weeks: int, until: date, max_occurrences: int
) -> tuple[UntilProblem, date] | None:
    """Why a series from the provider-local date ``first`` cannot end on ``until``, with
    the date to name (the earliest or latest end that works); None when it can.

    The same rule as :func:`core.series.occurrence_starts` (a test keeps them equal),
    asked before it so that the client reads which date would do.
    """
    period = timedelta(weeks=every_weeks)
    second = first + period
    if until <= first:
        return UntilProblem.NOT_AFTER_FIRST, second
    if until < second:
        return UntilProblem.TOO_FEW, second
    count = (until - first) // period + 1
    if count > max_occurrences:
        return UntilProblem.TOO_MANY, first + (max_occurrences - 1) * period
    assert count >= MIN_OCCURRENCES
    return None
