"""An owner's webhook endpoints: add, change, turn on, delete."""

from django.core.exceptions import ValidationError

from api.models import WebhookEndpoint, WebhookEvent
from api.webhooks.signing import new_secret
from api.webhooks.targets import target_problem
from teams.services import personal_team_id


def _check(url: str, events: list[str]) -> None:
    problem = target_problem(url)
    if problem:
        raise ValidationError({"url": problem})
    unknown = set(events) - set(WebhookEvent.values)
    if unknown or not events:
        raise ValidationError({"events": "Choose at least one event."})


def webhook_endpoint_create(
    *, owner, url: str, events: list[str], description: str = ""
) -> WebhookEndpoint:
    _check(url, events)
    return WebhookEndpoint.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
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
