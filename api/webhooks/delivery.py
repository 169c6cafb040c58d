"""POST due webhook messages: signed, no redirects followed, retried with
exponential backoff for WEBHOOK_GIVE_UP_AFTER (a day); an endpoint failing that
long is disabled and the member who added it told by email."""

import http.client
import json
import logging
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from api.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from api.webhooks.signing import signed_headers
from api.webhooks.targets import target_problem
from teams import access
from teams.access import Right

logger = logging.getLogger(__name__)
CLAIM_SIZE = 50
# What is read of an endpoint's answer: only its status matters.
READ_LIMIT = 4096


def retry_delay(attempts: int) -> timedelta:
    """Return the wait after the n-th failed attempt: base·2^(n-1), at most 8 h
    (5 s, 10 s, ... reaches a day of retries in about 16 attempts)."""
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, 8 * 3600))


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """POST once; return (status, error). http.client follows no redirect."""
    problem = target_problem(url)
    if problem:
        return None, problem
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection
        if parts.scheme == "https"
        else http.client.HTTPConnection
    )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    connection = connection_class(
        parts.hostname, parts.port, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
    )
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": "Canvass-Webhooks/1",
            },
        )
        response = connection.getresponse()
        response.read(READ_LIMIT)
        return response.status, ""
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"[:300]
    finally:
        connection.close()


def _claim(now) -> list[int]:
    with transaction.atomic():
        # skip_locked: two senders at once take different messages.
        ids = list(
            WebhookMessage.objects.select_for_update(skip_locked=True)
            .filter(status=WebhookMessage.Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:CLAIM_SIZE]
        )
        # Pushed past the timeout, so a crashed sender's claim comes back later.
        WebhookMessage.objects.filter(id__in=ids).update(
            next_attempt_at=now
            + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 3)
        )
    return ids


def webhook_message_send(*, message: WebhookMessage, now=None) -> bool:
    """Make one attempt; record it; return whether the endpoint took it (2xx)."""
    endpoint = message.endpoint
    body = json.dumps(message.payload, separators=(",", ":")).encode()
    headers = signed_headers(endpoint.secret, message.msg_id, body)
    started = time.monotonic()
    status, error = _post(endpoint.url, body, headers)
    took = int((time.monotonic() - started) * 1000)
    now = now or timezone.now()
    ok = status is not None and 200 <= status < 300
    if status is not None and not ok:
        error = f"Answered {status}" + (
            " (redirects are not followed)" if 300 <= status < 400 else ""
        )
    WebhookAttempt.objects.create(
        message=message, status_code=status, error=error, duration_ms=took
    )
    message.attempts += 1
    if ok:
        message.status = WebhookMessage.Status.DELIVERED
        message.delivered_at = now
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
    elif now - message.created_at >= timedelta(seconds=settings.WEBHOOK_GIVE_UP_AFTER):
        message.status = WebhookMessage.Status.FAILED
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)
    message.save(
        update_fields=["attempts", "status", "delivered_at", "next_attempt_at"]
    )
    if not ok:
        _endpoint_failed(endpoint, now)
    return ok


def _endpoint_failed(endpoint: WebhookEndpoint, now) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    limit = now - timedelta(seconds=settings.WEBHOOK_GIVE_UP_AFTER)
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, enabled=True, failing_since__lte=limit
    ).update(
        enabled=False,
        disabled_reason="Every call failed for a day; turned off. Fix it and turn it on.",
    )
    if disabled:
        # The conditional UPDATE above decides: one email, whoever gets here first.
        WebhookMessage.objects.filter(
            endpoint_id=endpoint.pk, status=WebhookMessage.Status.PENDING
        ).update(status=WebhookMessage.Status.FAILED)
        address = endpoint.owner.email
        # Only while they may still manage it: a member who left hears nothing more.
        if address and access.can(endpoint.owner, endpoint.team_id, Right.EDIT):
            send_mail(
                "Canvass turned off a webhook endpoint",
                f"Every call to your webhook endpoint {endpoint.url} failed for a "
                "day, so Canvass stopped calling it. Fix the endpoint, then turn it "
                f"on again on its page: {settings.SITE_URL}/api/webhooks/{endpoint.pk}/",
                None,
                [address],
                fail_silently=True,
            )


def webhook_messages_send_due(*, now=None) -> int:
    """Send the due messages, in claims of CLAIM_SIZE; return how many attempts."""
    attempts = 0
    while True:
        ids = _claim(now or timezone.now())
        if not ids:
            return attempts
        messages = WebhookMessage.objects.filter(id__in=ids).select_related(
            "endpoint__owner"
        )
        for message in messages:
            if not message.endpoint.enabled:
                continue
            webhook_message_send(message=message, now=now)
            attempts += 1
        if now is not None:
            return attempts
