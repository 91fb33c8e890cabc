"""Random bearer tokens (cameras, user sessions) and the hash under which they are stored.

Tokens are 256-bit random values, so a plain SHA-256 resists guessing; a slow password hash
would only cost CPU on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)
