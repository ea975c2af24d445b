"""What a person reads when a date they typed or a button carried is outside the window.

The window itself is core.bounds'; this is its one wording, for commands and buttons
alike, with the dates in the person's locale.
"""

from __future__ import annotations

from datetime import date

from conversations.i18n import Texts
from conversations.provider_parsing import OUT_OF_RANGE, ParseError
from conversations.provider_texts import parse_error


def out_of_range(t: Texts, first: date, last: date) -> str:
    """"Pick a date between Dec 1, 2026 and Nov 30, 2031." """
    return t._("Pick a date between {first} and {last}.").format(
        first=t.format_date(first, "medium"), last=t.format_date(last, "medium")
    )


def parse_refusal(t: Texts, command: str, error: ParseError) -> str:
    """The answer to a provider's wrong form: the window for a date outside it, else
    what was wrong with an example (provider_texts.parse_error)."""
    if error.code == OUT_OF_RANGE and error.first is not None and error.last is not None:
        return out_of_range(t, error.first, error.last)
    return parse_error(t, command, error.code, error.detail)
