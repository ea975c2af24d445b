"""What a client reads when the rules refuse what they tapped: one place for every screen."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from conversations import keyboards, texts
from conversations import waitlist_views as views
from conversations.i18n import Texts
from core.errors import BookingError, BookingLimitReached, ClientBlocked, InvalidTransition, NotFound
from core.waitlist import WaitlistDateClosed, WaitlistLimitReached
from core.waitlist_claims import OfferClosed


def refusal(t: Texts, error: BookingError) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text (and buttons) for a refused booking, claim or waitlist join.

    Errors that need more than the error to explain (a slot taken: show the day's
    other times) are handled by their screens before this.
    """
    match error:
        case NotFound():  # someone else's id, or one that is gone: as an old menu
            return texts.expired(t), None
        case ClientBlocked():
            return texts.booking_unavailable(t), None
        case BookingLimitReached(limit=limit):
            return texts.booking_limit(t, limit), keyboards.after_booking(t)
        case WaitlistDateClosed():
            return views.date_closed(t), None
        case WaitlistLimitReached(limit=limit):
            return views.too_many_entries(t, limit), keyboards.after_booking(t)
        case OfferClosed(status=status):
            return views.offer_closed(t, status), None
        case InvalidTransition():
            return texts.not_changeable(t), None
    raise error
