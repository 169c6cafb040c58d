"""Reads of the API's own data; every owner-facing read takes the acting user."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from api.models import ApiKey, WebhookAttempt, WebhookEndpoint


def api_key_list(*, user) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(owner=user).order_by("revoked_at", "-created_at")


def api_key_get(*, user, pk: int) -> ApiKey:
    return get_object_or_404(ApiKey, owner=user, pk=pk)


def webhook_endpoint_list(*, user):
    return WebhookEndpoint.objects.filter(owner=user)


def webhook_endpoint_get(*, user, pk: int):
    return get_object_or_404(WebhookEndpoint, owner=user, pk=pk)


def webhook_attempts(*, endpoint, limit: int = 50) -> list:
    """Return the endpoint's latest attempts with their messages, newest first."""
    return list(
        WebhookAttempt.objects.filter(message__endpoint=endpoint)
        .select_related("message")
        .order_by("-attempted_at", "-id")[:limit]
    )


def webhook_attempts_all(*, endpoint) -> QuerySet[WebhookAttempt]:
    """Return every attempt of the endpoint with its message, for keyset pages."""
    return WebhookAttempt.objects.filter(message__endpoint=endpoint).select_related(
        "message"
    )
