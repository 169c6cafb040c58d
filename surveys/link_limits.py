"""The per-address count of failed respondent-link lookups (surveys.respondent's
refuse_invalid_link): only failures count, so a valid link always opens."""

import logging

from django.conf import settings
from django.core.cache import cache

from core.client_address import client_address

logger = logging.getLogger(__name__)


def limit_setting(name, default):
    # Defaults match config/settings.py's "surveys" block.
    return getattr(settings, name, default)


def _client_key(request) -> str:
    # The forwarded address only through TRUSTED_PROXIES (core.client_address).
    return "surveys:invalid-link:" + client_address(request)


# Set while the cache fails, so an outage is logged once, not on every bad link.
_cache_failing = False


def invalid_link_count(request) -> int:
    """Count one failed lookup for this client; return its failures in the window.

    0 when the cache cannot answer: an outage must not turn the neutral page into a 500.
    """
    global _cache_failing
    key = _client_key(request)
    window = limit_setting("RESPONDENT_INVALID_LINK_WINDOW", 600)
    try:
        # add() starts the window only once; incr() keeps its expiry.
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=window)
            count = 1
    except Exception:  # noqa: BLE001  any cache backend's connection error
        if not _cache_failing:
            _cache_failing = True
            logger.warning(
                "The cache is not answering: invalid respondent links are not "
                "counted until it does.",
                exc_info=True,
            )
        return 0
    _cache_failing = False
    return count
