"""Sensitive columns (ID-card number, bank account) encrypted at rest.

Fernet (AES-128-CBC + HMAC) from ``cryptography``, with the key from the
environment (``FIELD_ENCRYPTION_KEY``).  The variable may hold several keys
separated by commas: the first encrypts, all of them decrypt, so a key can be
rotated without rewriting every row at once.  Nothing derives the key from a
public value: development generates a random one into ``instance/`` on first
start, the tests set their own, and production refuses to start without a real
one (config.py).

The plain value never reaches the logs: ``EncryptedString`` columns are bound
as ciphertext, and SQLAlchemy echoes bound parameters, not Python values.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class FieldKeyError(RuntimeError):
    """The stored ciphertext cannot be read with the configured keys."""


@lru_cache(maxsize=8)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(key.strip().encode()) for key in keys.split(",") if key.strip()])


def _configured_keys() -> str:
    keys = current_app.config.get("FIELD_ENCRYPTION_KEY") or ""
    if not keys.strip():
        raise FieldKeyError("FIELD_ENCRYPTION_KEY is not set (see config.py)")
    return keys


def encrypt(plain: str) -> str:
    return _fernet(_configured_keys()).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_configured_keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise FieldKeyError("encrypted field: wrong FIELD_ENCRYPTION_KEY") from exc


class EncryptedString(TypeDecorator):
    """A string stored as Fernet ciphertext; ``None`` and ``""`` stay as they are."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def process_result_value(self, value, dialect):
        if value is None or value == "":
            return value
        return decrypt(value)


def mask(value: str | None, keep_start: int = 0, keep_end: int = 4) -> str:
    """``440106199001011234`` → ``**************1234`` (and the start when asked)."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
