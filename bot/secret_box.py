"""Encrypting stored secrets (CalDAV app passwords) with SLOTBOT_SECRET_KEY.

Fernet (AES-128-CBC with an HMAC-SHA256, from ``cryptography``): a token can be
read only with the key and any change to it is detected. The key lives in the
environment, never in the database, so a copy of the database alone gives no
password away. Several keys, comma-separated, allow a rotation: the first
encrypts, each one decrypts (connect the calendars again, then drop the old key).
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class FernetCipher:
    """The core's :class:`core.caldav_sync.PasswordCipher`."""

    def __init__(self, keys: str) -> None:
        self._fernet = MultiFernet([Fernet(key.strip()) for key in keys.split(",")])

    def encrypt(self, password: str) -> str:
        return self._fernet.encrypt(password.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            # Not the password's text: a ValueError the core turns into "connect again".
            raise ValueError("the token does not open with this key") from None

    def __repr__(self) -> str:  # never the key, whatever prints this
        return "FernetCipher(<keys hidden>)"
