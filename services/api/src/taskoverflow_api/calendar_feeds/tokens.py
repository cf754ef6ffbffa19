"""Feed tokens: 256 random bits in the URL, only their SHA-256 in the database."""

from __future__ import annotations

import hashlib
import re
import secrets

# token_urlsafe(32): 32 random bytes (256 bits, twice the 128 asked for) as 43 URL-safe characters.
_TOKEN_BYTES = 32
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def token_hash(token: str) -> bytes:
    """What the database keeps. A fast hash is enough: the token is random, not a password to guess."""
    return hashlib.sha256(token.encode("ascii")).digest()


def looks_like_token(text: str) -> bool:
    """Whether `text` could be a token at all (anything else is answered 404 without a query)."""
    return _TOKEN.match(text) is not None
