"""Emails in doubt after an interruption: counted apart, marked apart, resent on
the owner's word only."""

import csv
import io
import re

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from distributions.models import Delivery, Distribution
from distributions.services.resend import deliveries_in_doubt_resend
from distributions.status import INTERRUPTED
from tests.distributions.ui_support import (
    deliver,
    email_distribution,
    published_survey,
)
from tests.helpers import make_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager(settings):
    celery_app.conf.task_always_eager = True
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def interrupted(owner):
    """A sent distribution: one email sent, one refused, two in doubt."""
    survey = published_survey(owner)
    distribution = email_distribution(survey, make_list(owner, n=4))
    a, b, c, d = distribution.invitations.order_by("id")
    deliver(distribution, a)
    deliver(distribution, b, "failed", error="550 No such user")
    deliver(distribution, c, "failed", error=INTERRUPTED)
    deliver(distribution, d, "failed", error=INTERRUPTED)
    Distribution.objects.filter(pk=distribution.pk).update(status="sent")
    distribution.refresh_from_db()
    return distribution


def url(name, distribution):
    return reverse(
        f"distributions:{name}",
        kwargs={"survey_id": distribution.survey_id, "pk": distribution.pk},
    )


def test_the_emails_page_counts_them_apart_and_offers_a_resend(
    owner_client, interrupted
):
    html = owner_client.get(
        reverse("distributions:emails", kwargs={"survey_id": interrupted.survey_id})
    ).content.decode()
    row = re.search(
        rf'<tr data-distribution="{interrupted.pk}".*?</tr>', html, re.S
    ).group(0)
    counts = dict(re.findall(r'data-count="([a-z-]+)">(\d+)<', row))
    assert counts["emails-failed"] == "1"
    assert counts["emails-in-doubt"] == "2"
    assert "in doubt after an interruption" in row
    assert url("email_resend", interrupted) in row
    assert "Resend to these 2" in row


def test_the_history_marks_them_email_in_doubt(owner_client, interrupted):
    response = owner_client.get(url("email_history", interrupted))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    status_column = rows[0].index("Status")
    statuses = sorted(row[status_column] for row in rows[1:])
    assert statuses == [
        "Email Failed",
        "Email In Doubt",
        "Email In Doubt",
        "Email Sent",
    ]


def test_resend_asks_first_then_sends_exactly_those(
    owner_client, interrupted, smtp_server, eager, django_capture_on_commit_callbacks
):
    page = owner_client.get(url("email_resend", interrupted)).content.decode()
    assert "Resend to these 2?" in page
    assert "may receive the email twice" in page
    assert smtp_server.received == []

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url("email_resend", interrupted))

    assert response.status_code == 302
    in_doubt = {
        d.invitation.email
        for d in Delivery.objects.filter(distribution=interrupted).select_related(
            "invitation"
        )[2:]
    }
    received = {r for m in smtp_server.received for r in m.recipients}
    assert received == in_doubt
    statuses = sorted(
        Delivery.objects.filter(distribution=interrupted).values_list(
            "status", flat=True
        )
    )
    assert statuses == ["failed", "sent", "sent", "sent"]
    interrupted.refresh_from_db()
    assert interrupted.status == "sent"
    # Nothing left in doubt: the page says so and resends nothing.
    owner_client.post(url("email_resend", interrupted))
    assert len(smtp_server.received) == 2


def test_another_owner_resends_nothing(client, other_owner, interrupted):
    client.force_login(other_owner)
    assert client.post(url("email_resend", interrupted)).status_code == 404
    assert deliveries_in_doubt_resend(user=other_owner, distribution=interrupted) == 0
    assert (
        Delivery.objects.filter(distribution=interrupted, error=INTERRUPTED).count()
        == 2
    )
