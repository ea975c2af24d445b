"""The secret in a provider's calendar feed URL (issue #13, part 2).

A feed is read by calendar servers (Google, Apple, Outlook) that cannot log in, so
the URL itself is the credential. Only :func:`token_hash` of it is stored: a leaked
database or backup then gives no working feed URL, and "new link" replaces the hash
so the old URL stops working at once.

A plain SHA-256 is enough here, unlike for passwords: the token carries 256 random
bits, so there is nothing to guess from the hash and no point in a slow or salted
hash. Hashes are fixed-length hex, so storage can index and look them up directly.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

#: ``secrets.token_urlsafe(32)``: 32 random bytes as unpadded base64url.
TOKEN_BYTES = 32
TOKEN_LENGTH = 43
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{%d}" % TOKEN_LENGTH)
_HASH_SHAPE = re.compile(r"[0-9a-f]{64}")


def new_feed_token() -> str:
    """A fresh secret for a feed URL; give it to the provider once, store its hash."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_feed_token(text: object) -> bool:
    """Whether ``text`` has the shape of a token we issue: lets a route refuse junk early.

    A shape check costs nothing and keeps random scanner paths (``../``, 10 kB strings,
    percent-encoded bytes) away from hashing and the database.
    """
    return isinstance(text, str) and _TOKEN_SHAPE.fullmatch(text) is not None


def token_hash(token: str) -> str:
    """The SHA-256 hex digest of ``token``: what storage keeps and looks up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tokens_match(token: object, stored_hash: str | None) -> bool:
    """Whether a presented ``token`` is the one whose hash is ``stored_hash``.

    For routes that load the hash by provider id rather than looking the hash up:
    the comparison takes the same time wherever the digests differ. Malformed
    tokens and a missing or malformed hash (no link made yet) never match.
    """
    if not is_feed_token(token) or stored_hash is None or not _HASH_SHAPE.fullmatch(stored_hash):
        return False
    return hmac.compare_digest(token_hash(token), stored_hash)  # type: ignore[arg-type]
