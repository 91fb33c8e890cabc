"""Password hashing for users (argon2id through argon2-cffi); the store keeps only hashes."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# Stored for an account that has no password yet (a teacher a roster import created): no
# password verifies against it (it is no argon2 hash), until an admin sets one.
UNUSABLE_PASSWORD_HASH = "!no-password-set"


def usable_password_hash(password_hash: str) -> bool:
    """False for an account no password opens yet."""
    return not password_hash.startswith("!")


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    """An argon2id hash with the library's recommended parameters (salted, encoded)."""
    if not password:
        raise ValueError("a password must not be empty")
    return (hasher or PasswordHasher()).hash(password)


def verify_password(
    password_hash: str, password: str, hasher: PasswordHasher | None = None
) -> bool:
    """True when `password` matches; False for a wrong password or an unreadable hash."""
    try:
        return (hasher or PasswordHasher()).verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, hasher: PasswordHasher | None = None) -> bool:
    """True when the hash was made with weaker parameters than today's: rehash after login."""
    return (hasher or PasswordHasher()).check_needs_rehash(password_hash)
