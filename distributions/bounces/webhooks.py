"""Email service providers' tracking webhooks (django-anymail), at
/anymail/<provider>/tracking/.

anymail's own views parse each provider's format and check its basic auth
(ANYMAIL_WEBHOOK_SECRET) and signature (Mailgun's signing key); this module
mounts them so that a call that fails those checks gets 403 (anymail answers
400) and one that arrives while nothing is configured to check it is refused
too (anymail would accept it with a warning): a forged call changes nothing.
Accepted events go through anymail's `tracking` signal to tracking_received,
which hands bounces and complaints to services.bounces.
"""

import functools
import logging

from django.conf import settings
from django.http import HttpResponseForbidden
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)


def _checked(view, esp_name: str):
    from anymail.exceptions import AnymailWebhookValidationFailure

    @csrf_exempt
    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        anymail = getattr(settings, "ANYMAIL", {}) or {}
        signing_key = anymail.get(f"{esp_name.upper()}_WEBHOOK_SIGNING_KEY")
        if not anymail.get("WEBHOOK_SECRET") and not signing_key:
            logger.warning("a %s webhook call refused: no secret configured", esp_name)
            return HttpResponseForbidden("Webhooks are not configured.")
        try:
            return view(request, *args, **kwargs)
        except AnymailWebhookValidationFailure:
            logger.warning("a %s webhook call failed its check: refused", esp_name)
            return HttpResponseForbidden("Not verified.")

    checked.login_required = False
    return checked


def webhook_urlpatterns() -> list:
    """anymail's tracking webhooks, each behind _checked."""
    from anymail import urls as anymail_urls

    patterns = []
    for pattern in anymail_urls.urlpatterns:
        name = pattern.name or ""
        if not name.endswith("_tracking_webhook"):
            continue
        esp_name = name.removesuffix("_tracking_webhook")
        # "public_": a page anyone may call (tests/core/test_login_required.py).
        patterns.append(
            path(
                str(pattern.pattern),
                _checked(pattern.callback, esp_name),
                name=f"public_{name}",
            )
        )
    return patterns


def tracking_received(sender, event, esp_name, **kwargs):
    """anymail's tracking signal: record a bounce or complaint it reports."""
    from distributions.services.bounces import provider_event_record

    event_type = event.event_type
    if event_type == "bounced" and _soft(event, esp_name):
        event_type = "deferred"
    provider_event_record(
        event_type=event_type,
        message_id=str(event.message_id or ""),
        metadata=event.metadata or {},
        detail=" ".join(
            str(part)
            for part in (event.reject_reason, event.description, event.mta_response)
            if part
        ),
        provider=esp_name,
    )


# Bounces anymail calls "bounced" that are only for now: Postmark's soft kinds,
# Amazon SES's Transient bounce type (its description "Transient: ...").
_POSTMARK_SOFT = {"SoftBounce", "Transient", "DnsError", "AutoResponder"}


def _soft(event, esp_name: str) -> bool:
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    if esp_name == "Postmark" and esp_event.get("Type") in _POSTMARK_SOFT:
        return True
    return str(event.description or "").startswith("Transient")
