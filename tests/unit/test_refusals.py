"""Every refusal a client can meet has its own words; anything else is not swallowed."""

from __future__ import annotations

import pytest

from conversations.i18n import texts_for
from conversations.refusals import refusal
from core.errors import BookingError, BookingLimitReached, ClientBlocked, InvalidTransition, NotFound
from core.model import OfferStatus
from core.waitlist import WaitlistDateClosed, WaitlistLimitReached
from core.waitlist_claims import OfferClosed

EN, RU = texts_for("en"), texts_for("ru")


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (NotFound("offer", 3), "This menu has expired"),
        (ClientBlocked("x"), "not available to you"),
        (BookingLimitReached(2), "at most 2 upcoming appointments"),
        (WaitlistDateClosed("x"), "no longer open for booking"),
        (WaitlistLimitReached(10), "already waiting for 10 dates"),
        (OfferClosed(OfferStatus.TAKEN), "taken by someone else"),
        (OfferClosed(OfferStatus.EXPIRED), "has expired"),
        (OfferClosed(OfferStatus.WITHDRAWN), "no longer available"),
        (InvalidTransition(1, "CANCELLED", "cancel"), "can no longer be changed"),
    ],
)
def test_each_refusal_reads_as_itself(error, words):
    text, _markup = refusal(EN, error)
    assert words in text
    assert refusal(RU, error)[0] != text  # and is translated


def test_an_unexpected_error_is_raised_not_hidden():
    with pytest.raises(BookingError):
        refusal(EN, BookingError("something new"))
