"""Reminders and thank-yous through the API: the same rules as Schedule Reminder,
read with counts, cancelled while scheduled, Idempotency-Key honoured."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from distributions.models import Distribution
from distributions.services.dispatch import distributions_dispatch_due
from tests.api.support import key_client
from tests.distributions.pipeline_support import email_distribution, published_survey
from tests.helpers import answer_survey, make_list

pytestmark = pytest.mark.django_db
REMINDER_BODY = "Hello ${m://FirstName}, ${l://SurveyLink?d=Continue the survey}"


@pytest.fixture
def api(owner):
    return key_client(owner)[0]


@pytest.fixture
def sent(owner):
    """An email distribution to 3 contacts, due now (dispatched by the tests that
    need its links)."""
    survey = published_survey(owner)
    return email_distribution(survey, make_list(owner, n=3))


def _url(distribution, what="reminders"):
    return (
        f"/api/v1/surveys/{distribution.survey_id}/distributions/"
        f"{distribution.pk}/{what}/"
    )


def _body(**changes):
    return {
        "from_name": "Survey team",
        "from_email": "team@example.edu",
        "subject": "Reminder for ${m://FirstName}",
        "body": REMINDER_BODY,
        **changes,
    }


def test_schedule_read_list_and_cancel_a_reminder(api, sent):
    later = (timezone.now() + timedelta(days=2)).isoformat()
    created = api.post(
        _url(sent), _body(audience="not_started", send_at=later), format="json"
    )
    assert created.status_code == 201, created.content
    reminder = created.json()
    assert reminder["parent"] == sent.pk
    assert reminder["message_type"] == "reminder"
    assert reminder["audience"] == "not_started"
    assert reminder["status"] == "scheduled"
    assert reminder["counts"]["recipients"] == 0
    listed = api.get(_url(sent)).json()["results"]
    assert [row["id"] for row in listed] == [reminder["id"]]
    assert api.get(_url(sent, "thank-yous")).json()["results"] == []
    one = f"/api/v1/surveys/{sent.survey_id}/distributions/{reminder['id']}/"
    assert api.get(one).json()["audience"] == "not_started"
    assert api.post(f"{one}cancel/").json()["status"] == "cancelled"
    again = api.post(f"{one}cancel/")
    assert again.status_code == 400
    assert again["Content-Type"] == "application/problem+json"
    # A reminder has no reminders of its own.
    assert api.get(f"{one}reminders/").status_code == 404


def test_the_pages_rules_apply(api, owner, sent):
    no_link = api.post(_url(sent), _body(body="No link here."), format="json")
    assert no_link.status_code == 400
    assert "SurveyLink" in no_link.json()["detail"] or no_link.json()["errors"]
    wrong = api.post(
        _url(sent, "thank-yous"), _body(audience="not_started"), format="json"
    )
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "audience"
    sent.status = Distribution.Status.CANCELLED
    sent.save(update_fields=["status"])
    cancelled = api.post(_url(sent), _body(), format="json")
    assert cancelled.status_code == 400
    assert "no links to remind" in cancelled.json()["detail"]
    assert not Distribution.objects.filter(parent=sent).exists()


def test_a_thank_you_reaches_those_who_finished_once_with_a_repeated_key(
    api, owner, sent, smtp_server, settings
):
    celery_app.conf.task_always_eager = True
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    try:
        # Send the invite for real, so its links exist, then one person finishes.
        distributions_dispatch_due()
        smtp_server.wait_for(3)
        finished = sent.invitations.order_by("id").first()
        answer_survey(finished)
        body = _body(subject="Thank you", body="Thanks, ${m://FirstName}.")
        url = _url(sent, "thank-yous")
        one = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="thanks-1")
        assert one.status_code == 201, one.content
        two = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="thanks-1")
        assert two.status_code == 200 and two["Idempotent-Replayed"] == "true"
        assert two.json()["id"] == one.json()["id"]
        distributions_dispatch_due()
        smtp_server.wait_for(4)
    finally:
        celery_app.conf.task_always_eager = False
    assert Distribution.objects.filter(parent=sent).count() == 1
    thanks = [m.recipients for m in smtp_server.received if m.subject == "Thank you"]
    assert thanks == [[finished.email]]
    read = api.get(
        f"/api/v1/surveys/{sent.survey_id}/distributions/{one.json()['id']}/"
    ).json()
    assert read["counts"]["recipients"] == 1 and read["counts"]["emails_sent"] == 1


def test_reminders_of_a_link_batch(api, owner):
    survey = published_survey(owner)
    contact_list = make_list(owner, n=2)
    batch = api.post(
        f"/api/v1/surveys/{survey.pk}/link-batches/",
        {
            "contact_list": contact_list.pk,
            "expires_at": (timezone.now() + timedelta(days=9)).isoformat(),
        },
        format="json",
    ).json()
    url = f"/api/v1/surveys/{survey.pk}/link-batches/{batch['id']}/reminders/"
    created = api.post(url, _body(), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["parent"] == batch["id"]
    assert [row["id"] for row in api.get(url).json()["results"]] == [
        created.json()["id"]
    ]
