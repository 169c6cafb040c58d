"""Thin tasks: find webhook events, send due messages."""

from celery import shared_task

from api.webhooks.delivery import webhook_messages_send_due
from api.webhooks.events import webhook_events_collect


@shared_task(name="api.webhooks_tick", acks_late=True, ignore_result=True)
def webhooks_tick():
    """Every WEBHOOK_POLL_INTERVAL seconds (beat): queue new events, send due ones."""
    webhook_events_collect()
    webhook_messages_send_due()
