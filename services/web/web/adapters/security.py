"""Argon2 hashing for passwords and one-time codes."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    """Hasher on argon2-cffi."""

    def __init__(self) -> None:
        self._hasher = PasswordHasher()

    def hash(self, secret: str) -> str:
        """Return the argon2 hash of a secret."""
        return self._hasher.hash(secret)

    def verify(self, hashed: str, secret: str) -> bool:
        """Return whether the secret matches the hash."""
        try:
            return self._hasher.verify(hashed, secret)
        except (VerificationError, InvalidHashError):
            return False
