"""Reads of the API's own data; every owner-facing read takes the acting user."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from api.models import ApiKey, WebhookAttempt, WebhookEndpoint
from teams import access
from teams.access import Right


def api_key_list(*, user) -> QuerySet[ApiKey]:
    """Return the user's own keys, of every team (a key is its maker's)."""
    return (
        ApiKey.objects.filter(owner=user)
        .select_related("team")
        .order_by("revoked_at", "-created_at")
    )


def api_key_get(*, user, pk: int) -> ApiKey:
    return get_object_or_404(ApiKey, owner=user, pk=pk)


def webhook_endpoint_list(*, user, team_id: int) -> QuerySet[WebhookEndpoint]:
    """Return the team's endpoints: where its data goes is an Editor's business."""
    access.require(user, team_id, Right.EDIT)
    return WebhookEndpoint.objects.filter(team_id=team_id)


def webhook_endpoint_get(
    *, user, pk: int, team_id: int | None = None, right: Right = Right.EDIT
) -> WebhookEndpoint:
    """Return an endpoint of one of the user's teams, or of `team_id` only (an API
    key's), else 404; its secret and attempts are shown with it, so: EDIT."""
    found = WebhookEndpoint.objects.all()
    if team_id is not None:
        found = found.filter(team_id=team_id)
    endpoint = get_object_or_404(found, pk=pk)
    access.require(user, endpoint.team_id, right)
    return endpoint


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
