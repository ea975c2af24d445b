"""Errors the booking core raises; each maps to one clear answer for the user."""

from __future__ import annotations


class BookingError(Exception):
    """Base class: the request was understood but the rules refuse it."""


class NotFound(BookingError):
    """A provider, appointment type, client or appointment that does not exist."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} not found")
        self.what = what
        self.ident = ident


class SlotNoLongerAvailable(BookingError):
    """The requested start is not (or no longer) a slot that would be offered."""


class SlotTaken(SlotNoLongerAvailable):
    """Someone else won the slot: it was offered, but a concurrent booking got it."""


class InvalidTransition(BookingError):
    """The appointment's state does not allow the requested change."""

    def __init__(self, appointment_id: int | None, status: str, action: str) -> None:
        super().__init__(f"appointment {appointment_id} is {status}: cannot {action}")
        self.appointment_id = appointment_id
        self.status = status
        self.action = action


class InvalidProviderData(BookingError):
    """Provider, schedule or appointment type data that breaks a domain rule."""
