"""Find new events by polling the apps' selectors and queue one message per
subscribed endpoint.

Each event type keeps a cursor (WebhookCursor); every poll looks again from
WEBHOOK_EVENT_OVERLAP seconds before it, so a row committed late with an earlier
time is still found, and the unique (endpoint, event type, subject) constraint
drops what an earlier poll already queued.
"""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import directories.selectors as directory_selectors
import surveys.selectors as survey_selectors
from api.models import WebhookCursor, WebhookEndpoint, WebhookEvent, WebhookMessage
from core.tokens import new_token
from distributions.selectors import api_rows


def _iso(moment):
    return moment.isoformat() if moment else None


def _responses(field):
    def rows(team_ids, since):
        for row in survey_selectors.responses_progress_since(
            team_ids=team_ids, field=field, since=since
        ):
            yield (
                row["survey__team_id"],
                row[field],
                f"response:{row['id']}",
                {
                    "response_id": row["public_id"],
                    "survey_id": row["survey_id"],
                    "email": row["email"],
                    "external_reference": row["external_reference"],
                    "started_at": _iso(row["started_at"]),
                    "finished_at": _iso(row["finished_at"]),
                },
            )

    return rows


def _deliveries(team_ids, since):
    for row in api_rows.deliveries_failed_since(team_ids=team_ids, since=since):
        yield (
            row["distribution__team_id"],
            row["claimed_at"],
            f"delivery:{row['id']}",
            {
                "distribution_id": row["distribution_id"],
                "survey_id": row["distribution__survey_id"],
                "email": row["invitation__email"],
                "error": row["error"][:500],
            },
        )


def _opt_outs(team_ids, since):
    for row in directory_selectors.opt_outs_since(team_ids=team_ids, since=since):
        yield (
            row["team_id"],
            row["created_at"],
            f"suppression:{row['id']}",
            {
                "email": row["email"],
                "suppression_id": row["id"],
            },
        )


def _imports(team_ids, since):
    for row in directory_selectors.imports_finished_since(
        team_ids=team_ids, since=since
    ):
        yield (
            row["team_id"],
            row["finished_at"],
            f"import:{row['id']}",
            {
                "import_id": row["id"],
                "list_id": row["contact_list_id"],
                "status": row["status"],
                "added": row["added"],
                "updated": row["updated"],
                "rejected": row["rejected"],
            },
        )


def _batches(team_ids, since):
    for row in api_rows.link_batches_ready_since(team_ids=team_ids, since=since):
        yield (
            row["team_id"],
            row["finished_at"],
            f"batch:{row['id']}",
            {
                "batch_id": row["id"],
                "survey_id": row["survey_id"],
                "links": row["recipients_total"],
            },
        )


SOURCES = {
    WebhookEvent.RESPONSE_STARTED: _responses("started_at"),
    WebhookEvent.RESPONSE_FINISHED: _responses("finished_at"),
    WebhookEvent.DELIVERY_FAILED: _deliveries,
    WebhookEvent.CONTACT_UNSUBSCRIBED: _opt_outs,
    WebhookEvent.IMPORT_FINISHED: _imports,
    WebhookEvent.LINKS_BATCH_READY: _batches,
}


def webhook_events_collect(*, now=None) -> int:
    """Queue a message for each new event an enabled endpoint subscribed to;
    return how many were queued."""
    now = now or timezone.now()
    overlap = timedelta(seconds=settings.WEBHOOK_EVENT_OVERLAP)
    endpoints = list(WebhookEndpoint.objects.filter(enabled=True))
    queued = 0
    for event_type, source in SOURCES.items():
        subscribed = defaultdict(list)
        for endpoint in endpoints:
            if event_type in endpoint.events:
                subscribed[endpoint.team_id].append(endpoint)
        with transaction.atomic():
            cursor, _ = WebhookCursor.objects.select_for_update().get_or_create(
                event_type=event_type, defaults={"checked_until": now - overlap}
            )
            if subscribed:
                since = cursor.checked_until - overlap
                messages = [
                    WebhookMessage(
                        endpoint=endpoint,
                        event_type=event_type,
                        subject=subject,
                        msg_id=f"msg_{new_token(18)}",
                        payload={
                            "type": str(event_type),
                            "timestamp": _iso(when),
                            "data": data,
                        },
                        next_attempt_at=now,
                    )
                    for team_id, when, subject, data in source(subscribed, since)
                    for endpoint in subscribed[team_id]
                    if when >= endpoint.created_at
                ]
                made = WebhookMessage.objects.bulk_create(
                    messages, ignore_conflicts=True, batch_size=1000
                )
                queued += len(made)
            cursor.checked_until = now
            cursor.save(update_fields=["checked_until"])
    return queued
