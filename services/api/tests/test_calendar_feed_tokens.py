"""Feed tokens: long enough not to be guessed, and never stored as they are."""

from __future__ import annotations

import base64
import hashlib

from taskoverflow_api.calendar_feeds.tokens import looks_like_token, new_token, token_hash


def test_a_token_carries_at_least_128_random_bits_and_each_is_new() -> None:
    tokens = {new_token() for _ in range(1000)}

    assert len(tokens) == 1000
    for token in tokens:
        assert len(base64.urlsafe_b64decode(token + "=")) * 8 >= 128
        assert looks_like_token(token)


def test_the_database_gets_a_hash_that_does_not_contain_the_token() -> None:
    token = new_token()

    assert token_hash(token) == hashlib.sha256(token.encode()).digest()
    assert token.encode() not in token_hash(token)


def test_what_cannot_be_a_token_is_recognised_without_a_lookup() -> None:
    for text in ("", "short", "A" * 42, "A" * 44, "A" * 42 + "/", "A" * 42 + "é"):
        assert not looks_like_token(text)
