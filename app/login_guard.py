"""The log-in guard: failed log-ins counted in storage every web worker shares.

The rule (web log-in, platform log-in, ``POST /api/v1/auth/token`` and the
second-factor step alike):

* **Per address.** ``LOGIN_FAILURES_PER_ADDRESS`` (30) failures from one IP
  address within ``LOGIN_ADDRESS_WINDOW_SECONDS`` (5 min), whatever the
  accounts, and that address is refused (HTTP 429) until the window ends.  A
  stranger only ever locks out their own address.
* **Per account, a growing delay, never a lock.**  Failures on one account
  are counted across all addresses for ``LOGIN_ACCOUNT_WINDOW_SECONDS``
  (15 min).  From the ``LOGIN_FAILURES_BEFORE_DELAY``-th (5th) failure on,
  every address that fails on the account must wait before its next attempt
  on it: 2 s, 4 s, 8 s … doubling with each further failure, at most
  ``LOGIN_DELAY_MAX_SECONDS`` (5 min).  The wait belongs to the address that
  failed, so someone hammering an account cannot keep its owner out: the owner
  logging in from their own device is not delayed, and the correct password
  after the wait still gets in.  An account with a second factor needs the code
  as well, so a guessed password alone gets nowhere.
* A successful log-in clears the account's count and its address's wait.

The counters live in the rate limiter's storage (``RATELIMIT_STORAGE_URI``;
Redis whenever ``REDIS_URL`` is set, so every gunicorn worker sees the same
counts; memory for the embedded demo).  Each app opens its own connection to
that storage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import Flask, current_app
from limits.storage import Storage, storage_from_string

_EXTENSION = "muzu_login_guard"


def storage_uri(config) -> str:
    """The limiter storage: the configured URI, else Redis when there is one."""
    return config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://"


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = storage_from_string(storage_uri(app.config))


def _storage() -> Storage:
    return current_app.extensions[_EXTENSION]


def reset() -> None:
    """Forget every count (tests; an operator after an incident)."""
    _storage().reset()


@dataclass
class Refused(Exception):
    """An attempt refused before the password was looked at."""

    retry_after: int  # seconds
    per_address: bool  # True: the address's limit (429); False: the account's delay


def account_key(*parts: str) -> str:
    """``company:username`` (lower-cased company) or ``platform:username``."""
    return ":".join(part.strip() for part in parts)


def _keys(account: str, address: str) -> tuple[str, str, str]:
    return (f"muzu-login:address:{address}", f"muzu-login:account:{account}",
            f"muzu-login:wait:{account}:{address}")


def check(account: str, address: str) -> None:
    """Raise :class:`Refused` if this address may not try this account now."""
    config = current_app.config
    storage = _storage()
    address_key, _, wait_key = _keys(account, address or "?")
    if storage.get(address_key) >= config["LOGIN_FAILURES_PER_ADDRESS"]:
        raise Refused(_seconds_left(storage, address_key), per_address=True)
    if storage.get(wait_key) > 0:
        raise Refused(_seconds_left(storage, wait_key), per_address=False)


def record_failure(account: str, address: str) -> None:
    """Count a failed attempt; start the address's wait once past the threshold."""
    config = current_app.config
    storage = _storage()
    address_key, count_key, wait_key = _keys(account, address or "?")
    storage.incr(address_key, config["LOGIN_ADDRESS_WINDOW_SECONDS"])
    failures = storage.incr(count_key, config["LOGIN_ACCOUNT_WINDOW_SECONDS"])
    delay = delay_after(failures)
    if delay:
        storage.clear(wait_key)
        storage.incr(wait_key, delay)


def record_success(account: str, address: str) -> None:
    storage = _storage()
    _, count_key, wait_key = _keys(account, address or "?")
    storage.clear(count_key)
    storage.clear(wait_key)


def delay_after(failures: int) -> int:
    """Seconds an address waits after the account's ``failures``-th failure."""
    threshold = current_app.config["LOGIN_FAILURES_BEFORE_DELAY"]
    if failures < threshold:
        return 0
    return min(2 ** (failures - threshold + 1), current_app.config["LOGIN_DELAY_MAX_SECONDS"])


def _seconds_left(storage: Storage, key: str) -> int:
    import time

    return max(1, math.ceil(storage.get_expiry(key) - time.time()))
