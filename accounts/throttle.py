"""Sign-in and password-reset limits that a stranger cannot turn against an owner.

Counted in the shared cache, by the client address core.client_address gives
(X-Forwarded-For only through TRUSTED_PROXIES):

- one address and one account: LOGIN_FAILURE_LIMIT failures pause that pair for
  LOGIN_FAILURE_WINDOW_MINUTES (the owner elsewhere is not affected);
- one address over all accounts: LOGIN_ADDRESS_FAILURE_LIMIT failures pause that
  address (guessing many accounts from one place);
- one account over all addresses: from LOGIN_ACCOUNT_FAILURE_LIMIT failures on,
  each failure makes the next attempt wait 1, 2, 4 ... seconds, at most
  LOGIN_BACKOFF_MAX_SECONDS: distributed guessing slows to a crawl, the owner
  waits seconds at worst and is never locked out.

Password-reset requests: PASSWORD_RESET_ADDRESS_LIMIT per address and
PASSWORD_RESET_EMAIL_LIMIT per email address, per hour.

Keys hold a hash, never the address or the email in clear. When the cache does
not answer, nothing is limited (logged once): an outage must not lock everyone out.
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)
RESET_WINDOW = 3600
_cache_failing = False


def now() -> float:
    return time.time()


def _key(kind: str, *parts: str) -> str:
    text = "|".join(part.strip().lower() for part in parts)
    return f"accounts:{kind}:{hashlib.sha256(text.encode()).hexdigest()}"


def _guard(default):
    def decorate(function):
        def wrapped(*args, **kwargs):
            global _cache_failing
            try:
                result = function(*args, **kwargs)
            except Exception:  # noqa: BLE001  any cache backend's connection error
                if not _cache_failing:
                    _cache_failing = True
                    logger.warning(
                        "The cache is not answering: sign-in and password-reset "
                        "limits are off until it does.",
                        exc_info=True,
                    )
                return default
            _cache_failing = False
            return result

        return wrapped

    return decorate


def _hit(key: str, window: int) -> int:
    # add() starts the window only once; incr() keeps its expiry.
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1


def _window() -> int:
    return settings.LOGIN_FAILURE_WINDOW_MINUTES * 60


@_guard(0)
def sign_in_wait(*, address: str, username: str) -> int:
    """Return the seconds this address must wait before trying this account (0: go)."""
    counts = cache.get_many([_key("pair", address, username), _key("address", address)])
    if counts.get(_key("pair", address, username), 0) >= settings.LOGIN_FAILURE_LIMIT:
        return _window()
    if counts.get(_key("address", address), 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        return _window()
    next_at = cache.get(_key("account-next", username))
    if next_at and next_at > now():
        return max(1, math.ceil(next_at - now()))
    return 0


@_guard(None)
def sign_in_failed(*, address: str, username: str) -> None:
    """Count one failed sign-in of this address for this account."""
    window = _window()
    _hit(_key("pair", address, username), window)
    _hit(_key("address", address), window)
    failures = _hit(_key("account", username), window)
    over = failures - settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    if over >= 0:
        delay = min(2 ** min(over, 30), settings.LOGIN_BACKOFF_MAX_SECONDS)
        cache.set(_key("account-next", username), now() + delay, timeout=delay + 1)


@_guard(None)
def sign_in_succeeded(*, address: str, username: str) -> None:
    """Forget this address's failures for this account (the owner is back)."""
    cache.delete(_key("pair", address, username))


@_guard(True)
def password_reset_allowed_from(address: str) -> bool:
    """Count a reset request from this address; False past its hourly limit."""
    count = _hit(_key("reset-address", address), RESET_WINDOW)
    return count <= settings.PASSWORD_RESET_ADDRESS_LIMIT


@_guard(True)
def password_reset_allowed_for(email: str) -> bool:
    """Count a reset request for this email (account or not); False past the limit."""
    count = _hit(_key("reset-email", email), RESET_WINDOW)
    return count <= settings.PASSWORD_RESET_EMAIL_LIMIT


@_guard(True)
def sender_confirmation_allowed(owner_id: int, per_hour: int) -> bool:
    """Count a sender-address confirmation email of this owner; False past the limit."""
    return _hit(_key("sender-confirm", str(owner_id)), RESET_WINDOW) <= per_hour
