"""A team's webhook endpoints: add, turn on, delete."""

from django.core.exceptions import ValidationError

from api.models import WebhookEndpoint, WebhookEvent
from api.webhooks.signing import new_secret
from api.webhooks.targets import target_problem
from teams.services import team_of


def _check(url: str, events: list[str]) -> None:
    problem = target_problem(url)
    if problem:
        raise ValidationError({"url": problem})
    unknown = set(events) - set(WebhookEvent.values)
    if unknown or not events:
        raise ValidationError({"events": "Choose at least one event."})


def webhook_endpoint_create(
    *, owner, url: str, events: list[str], description: str = "", team=None
) -> WebhookEndpoint:
    """Add an endpoint to `team` (default: the owner's personal team); the team's
    events go to it, whichever member made them."""
    _check(url, events)
    return WebhookEndpoint.objects.create(
        owner=owner,
        team=team_of(user=owner, team=team),
        url=url,
        events=sorted(events),
        description=description,
        secret=new_secret(),
    )


def webhook_endpoint_enable(*, endpoint: WebhookEndpoint) -> None:
    """Turn an endpoint on again; its failures start counting afresh."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        enabled=True, failing_since=None, disabled_reason=""
    )


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()
