"""Data helpers for the sending-pipeline tests (test_pipeline*, test_sending*)."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from distributions.models import Delivery, Distribution
from teams.services import personal_team_id
from tests.factories import UserFactory, build_survey

BODY = (
    "Dear ${m://FirstName},\n\n${l://SurveyLink?d=Take the survey}\n\n"
    "${l://OptOutLink?d=Unsubscribe}"
)


def published_survey(owner=None):
    return build_survey(owner or UserFactory())


def email_distribution(survey, contact_list, *, send_at=None, **fields):
    return Distribution.objects.create(
        survey=survey,
        owner=survey.owner,
        team_id=personal_team_id(survey.owner.pk),
        kind=Distribution.Kind.EMAIL,
        contact_list=contact_list,
        list_name=contact_list.name if contact_list else "",
        from_name=fields.pop("from_name", "Study Team"),
        from_email=fields.pop("from_email", "study@uni.example"),
        reply_to=fields.pop("reply_to", "pi@uni.example"),
        subject=fields.pop("subject", "Survey for ${m://FirstName}"),
        body=fields.pop("body", BODY),
        send_at=send_at or timezone.now(),
        link_expires_at=timezone.now() + timedelta(days=60),
        status=Distribution.Status.SCHEDULED,
        **fields,
    )


def open_deliveries(distribution) -> int:
    return Delivery.objects.filter(
        distribution=distribution, status__in=["queued", "sending"]
    ).count()


def delivery_statuses(distribution) -> dict[str, int]:
    counts = {}
    for status in Delivery.objects.filter(distribution=distribution).values_list(
        "status", flat=True
    ):
        counts[status] = counts.get(status, 0) + 1
    return counts


def close_db():
    """Drop this thread's connection so a later query opens a fresh one."""
    connection.close()
