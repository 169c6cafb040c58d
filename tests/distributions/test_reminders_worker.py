"""A reminder with a real Celery worker and SMTP server: who it reaches."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from distributions.models import Delivery, Distribution
from distributions.services.dispatch import distribution_dispatch_soon
from distributions.services.links import links_generate
from distributions.services.reminders import reminder_schedule
from tests.factories import build_survey
from tests.helpers import answer_survey, make_list, wait_until

BODY = "Hello ${m://FirstName}, ${l://SurveyLink?d=Continue the survey}"

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_reminder_scheduled_before_someone_finishes_does_not_reach_them(
    owner, smtp_server, celery_worker
):
    survey = build_survey(owner)
    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=make_list(owner, n=3),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    later_finisher, starter, never = batch.invitations.order_by("id")
    answer_survey(starter, pages=1)
    reminder = reminder_schedule(
        user=owner,
        parent=batch,
        message_type="reminder",
        audience="not_finished",
        send_at=timezone.now() + datetime.timedelta(hours=1),
        from_name="Survey team",
        from_email="team@example.edu",
        reply_to="",
        subject="Reminder",
        body=BODY,
    )
    # At scheduling time all three were unfinished; now one finishes.
    answer_survey(later_finisher)

    # The hour passes: the reminder is due, and the dispatcher is kicked.
    with transaction.atomic():
        Distribution.objects.filter(pk=reminder.pk).update(send_at=timezone.now())
        distribution_dispatch_soon()

    received = smtp_server.wait_for(2)
    wait_until(
        lambda: Distribution.objects.get(pk=reminder.pk).status == "sent", timeout=30
    )
    assert sorted(r for mail in received for r in mail.recipients) == sorted(
        [starter.email, never.email]
    )
    assert smtp_server.to(later_finisher.email) == []
    for invitation in (starter, never):
        [mail] = smtp_server.to(invitation.email)
        assert f"/s/{invitation.token}/" in mail.text()
    assert not Delivery.objects.filter(
        distribution=reminder, invitation=later_finisher
    ).exists()
