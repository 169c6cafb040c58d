"""The neutral page for bad respondent links and the per-address limit on them.

Part of the respondent contract (surveys.respondent re-exports these names); kept
apart so the answering engine's module stays about one job.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string

from core.client_address import client_address
from respondent_ui.language import request_language, speaking

logger = logging.getLogger("surveys.respondent")


def _render(request, template, context, status=200) -> HttpResponse:
    # The same page for every bad link, in the language the request asks for
    # (never the link's contact's: an unknown link names nobody).
    with speaking(request_language(request)):
        html = render_to_string(template, context, request=request)
    return HttpResponse(html, status=status)


def invalid_link(request, *, gone=False) -> HttpResponse:
    """Return the one neutral page for unknown, revoked (404) and expired (410) links."""
    return _render(
        request, "surveys/respond/invalid_link.html", {}, status=410 if gone else 404
    )


def _setting(name, default):
    # Defaults match config/settings.py's "surveys" block.
    return getattr(settings, name, default)


def _client_key(request) -> str:
    # The forwarded address only through TRUSTED_PROXIES (core.client_address).
    return "surveys:invalid-link:" + client_address(request)


# Set while the cache fails, so an outage is logged once, not on every bad link.
_cache_failing = False


def _count_invalid_link(request) -> int:
    """Count one failed lookup for this client; return its failures in the window.

    0 when the cache cannot answer: an outage must not turn the neutral page into a 500.
    """
    global _cache_failing
    key = _client_key(request)
    window = _setting("RESPONDENT_INVALID_LINK_WINDOW", 600)
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


def refuse_invalid_link(request, *, gone=False) -> HttpResponse:
    """Count a failed link lookup; return the neutral page, or 429 past the limit.

    Unknown, revoked and expired links take this same path (one lookup, one count,
    one page), so neither the body nor the time tells them apart.
    """
    if _count_invalid_link(request) > _setting("RESPONDENT_INVALID_LINK_LIMIT", 20):
        return throttled_page(request)
    return invalid_link(request, gone=gone)


def throttled_page(request) -> HttpResponse:
    http = _render(request, "surveys/respond/invalid_link.html", {}, status=429)
    http["Retry-After"] = str(_setting("RESPONDENT_INVALID_LINK_WINDOW", 600))
    return http
