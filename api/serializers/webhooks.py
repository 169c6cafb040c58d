"""Webhook endpoints and their attempt log, as the API shows them."""

from django.core.validators import URLValidator
from rest_framework import serializers

from api.models import WebhookEvent
from api.serializers import Flag, Integer, StrictSerializer, Text


class WebhookEndpointSerializer(serializers.Serializer):
    id = Integer()
    url = Text()
    description = Text(allow_blank=True)
    events = serializers.ListField(child=Text())
    enabled = Flag()
    failing_since = serializers.DateTimeField(allow_null=True)
    disabled_reason = Text(allow_blank=True)
    created_at = serializers.DateTimeField()


class WebhookEndpointDetailSerializer(WebhookEndpointSerializer):
    secret = Text(help_text="whsec_...: the key that signs each call.")


class WebhookEndpointWrite(StrictSerializer):
    url = Text(max_length=1000, validators=[URLValidator(schemes=["http", "https"])])
    description = Text(max_length=200, allow_blank=True, default="")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        min_length=1,
        max_length=len(WebhookEvent.values),
    )


class WebhookAttemptSerializer(serializers.Serializer):
    id = Integer()
    attempted_at = serializers.DateTimeField()
    status_code = Integer(allow_null=True)
    error = Text(allow_blank=True)
    duration_ms = Integer()
    message_id = Text(help_text="The webhook-id header of the call.")
    event_type = Text()
    message_status = Text(help_text="pending, delivered or failed.")
    message_attempts = Integer()


def webhook_endpoint_data(endpoint, *, secret: bool = False) -> dict:
    data = {
        "id": endpoint.pk,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
        "failing_since": endpoint.failing_since,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": endpoint.created_at,
    }
    if secret:
        data["secret"] = endpoint.secret
    return data


def webhook_attempt_data(attempt) -> dict:
    return {
        "id": attempt.pk,
        "attempted_at": attempt.attempted_at,
        "status_code": attempt.status_code,
        "error": attempt.error,
        "duration_ms": attempt.duration_ms,
        "message_id": attempt.message.msg_id,
        "event_type": attempt.message.event_type,
        "message_status": attempt.message.status,
        "message_attempts": attempt.message.attempts,
    }
