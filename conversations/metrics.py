"""Prometheus metrics: what an operator watches. Served at /metrics by ``bot/http_server.py``.

Counts and latencies only: no labels carry user ids or texts.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

BOOKINGS = Counter("slotbot_bookings", "Appointments booked through the bot", ["via"])  # via: book, waitlist, series
CANCELLATIONS = Counter("slotbot_cancellations", "Appointments cancelled through the bot", ["by"])
REMINDERS = Counter("slotbot_reminders", "Reminders handled, by outcome", ["outcome"])
WAITLIST_OFFERS = Counter("slotbot_waitlist_offers", "Waitlist offers sent")
HANDLER_SECONDS = Histogram(
    "slotbot_update_seconds",
    "Time to process one Telegram update, from taking it to the last handler",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BOT_API_ERRORS = Counter("slotbot_bot_api_errors", "Bot API calls that failed, by error", ["error"])
DUPLICATE_UPDATES = Counter("slotbot_duplicate_updates", "Repeated webhook deliveries dropped")
