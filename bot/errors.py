"""Errors of the bot's own start-up, each one clear line for the operator."""


class BotStartError(Exception):
    """The bot cannot start (no token, a rejected token, no network)."""


class UsageError(Exception):
    """Bad input found after argument parsing."""
