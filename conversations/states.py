"""The client conversation's states: what kind of message the bot is waiting for."""

BROWSING, NOTE, CANCEL_REASON, TIME_ZONE = range(4)
