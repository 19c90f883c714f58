"""Password and token hashing (argon2id for passwords, SHA-256 for random tokens)."""

import hashlib
import secrets

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are the RFC 9106 low-memory profile of argon2id.
_hasher = PasswordHasher()


def init_app(app) -> None:
    """Tests may ask for argon2's cheapest profile; the algorithm stays argon2id."""
    global _hasher
    profile = app.config.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY")
    _hasher = PasswordHasher.from_parameters(getattr(profiles, profile))

# Verified against when the account does not exist, so a wrong company or
# username costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("muzu-no-such-account")

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token(nbytes: int = 32) -> str:
    """A random bearer token; starts with ``mz_`` so leaked ones are easy to grep."""
    return "mz_" + secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    # Tokens are long and random: a fast hash is enough and lets us look them up.
    return hashlib.sha256(token.encode()).hexdigest()


def safe_next_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirect).

    Browsers forgive a lot: they drop tabs and newlines inside a URL, read ``\\``
    as ``/``, and take ``//host`` (or ``/\\host``) as another site.  So only a
    plain absolute path passes: it starts with one ``/``, has no scheme or host,
    no backslash, no control character and no whitespace.
    """
    from urllib.parse import urlsplit

    if not target or len(target) > 2048 or not target.startswith("/"):
        return None
    if any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in target):
        return None
    if "\\" in target or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
