"""Schedule Reminder / Schedule Thank You for personal-link batches and emails."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from directories.models import Suppression
from distributions.models import Distribution
from distributions.services.links import links_generate
from distributions.services.reminders import reminder_schedule
from teams.services import personal_team_id
from tests.factories import build_survey
from tests.helpers import answer_survey, make_list

REMINDER_BODY = "Hello ${m://FirstName}, ${l://SurveyLink?d=Continue the survey}"


@pytest.fixture
def survey(owner):
    return build_survey(owner)


@pytest.fixture
def batch(owner, survey):
    return links_generate(
        user=owner,
        survey=survey,
        contact_list=make_list(owner, n=4),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )


def schedule_url(batch, kind="reminder_new"):
    return reverse(
        f"distributions:{kind}", kwargs={"survey_id": batch.survey_id, "pk": batch.pk}
    )


def form_data(**changes):
    data = {
        "audience": "not_finished",
        "when": "now",
        "from_name": "Survey team",
        "from_email": "team@example.edu",
        "reply_to": "",
        "subject": "Reminder for ${m://FirstName}",
        "body": REMINDER_BODY,
        "request_token": "",
    }
    data.update(changes)
    return data


def test_the_reminder_screen_offers_the_three_audiences_not_finished_first(
    owner_client, batch
):
    page = owner_client.get(schedule_url(batch)).content.decode()
    assert "Schedule Reminder" in page
    for label in (
        "Everyone who has not finished",
        "Those who have not started",
        "Those who started but did not finish",
    ):
        assert label in page
    assert page.index("Everyone who has not finished") < page.index(
        "Those who have not started"
    )
    assert re.search(r'value="not_finished"[^>]*checked', page)
    assert not re.search(r'value="not_started"[^>]*checked', page)
    assert "Load Message" in page
    assert "Custom..." in page and "In 1 hour" in page
    assert "Reminder: your survey is waiting" in page  # the default message
    assert "Those who finished" not in page


def test_the_thank_you_screen_sends_to_those_who_finished(owner_client, batch):
    page = owner_client.get(schedule_url(batch, "thank_you_new")).content.decode()
    assert "Schedule Thank You" in page
    assert "Those who finished" in page
    assert "Those who have not started" not in page


def test_schedule_a_reminder_now(
    owner_client, batch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.post(
            schedule_url(batch), form_data(audience="started_not_finished")
        )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "distributions:links", kwargs={"survey_id": batch.survey_id}
    )
    child = Distribution.objects.get(parent=batch)
    assert child.kind == "email"
    assert child.message_type == "reminder"
    assert child.audience == "started_not_finished"
    assert child.status == "scheduled"
    assert child.send_at <= timezone.now()
    assert (child.from_name, child.from_email) == ("Survey team", "team@example.edu")
    assert child.body == REMINDER_BODY
    assert child.list_name == batch.list_name
    # The dispatcher is kicked once the row is committed.
    assert len(callbacks) == 1
    # The row shows it under its parent.
    page = owner_client.get(response["Location"]).content.decode()
    assert "Reminder" in page and "Scheduled" in page
    assert page.index(f'data-distribution="{batch.pk}"') < page.index(
        f'data-distribution="{child.pk}"'
    )


def test_a_custom_time_is_read_in_the_owners_zone(owner, owner_client, batch):
    from accounts.models import Profile

    Profile.objects.update_or_create(
        user=owner, defaults={"time_zone": "America/Chicago"}
    )
    owner_client.post(
        schedule_url(batch),
        form_data(when="custom", send_at_custom="2099-07-01T09:30"),
    )
    child = Distribution.objects.get(parent=batch)
    assert child.send_at == datetime.datetime(2099, 7, 1, 14, 30, tzinfo=datetime.UTC)


def test_several_reminders_and_a_thank_you_per_distribution(owner_client, batch):
    owner_client.post(schedule_url(batch), form_data(when="in_1_hour"))
    owner_client.post(schedule_url(batch), form_data(audience="not_started"))
    owner_client.post(
        schedule_url(batch, "thank_you_new"),
        form_data(audience="finished", body="Thanks, ${m://FirstName}!"),
    )
    children = Distribution.objects.filter(parent=batch).order_by("pk")
    assert [(c.message_type, c.audience) for c in children] == [
        ("reminder", "not_finished"),
        ("reminder", "not_started"),
        ("thank_you", "finished"),
    ]


def test_a_reminder_without_the_survey_link_is_refused(owner_client, batch):
    response = owner_client.post(schedule_url(batch), form_data(body="Please answer."))
    assert response.status_code == 200
    assert "there is no survey link" in response.content.decode().lower()
    assert not Distribution.objects.filter(parent=batch).exists()


def test_an_unknown_placeholder_and_a_past_time_are_refused(owner_client, batch):
    page = owner_client.post(
        schedule_url(batch), form_data(body=REMINDER_BODY + " ${m://Nickname}")
    ).content.decode()
    assert "Nickname" in page
    page = owner_client.post(
        schedule_url(batch),
        form_data(when="custom", send_at_custom="2020-01-01T10:00"),
    ).content.decode()
    assert "in the past" in page
    assert not Distribution.objects.filter(parent=batch).exists()


def test_the_audience_must_fit_the_message_type(owner, batch):
    with pytest.raises(ValidationError):
        reminder_schedule(
            user=owner,
            parent=batch,
            message_type="reminder",
            audience="finished",
            send_at=timezone.now(),
            from_name="A",
            from_email="a@example.edu",
            reply_to="",
            subject="S",
            body=REMINDER_BODY,
        )
    with pytest.raises(ValidationError):
        reminder_schedule(
            user=owner,
            parent=batch,
            message_type="thank_you",
            audience="not_finished",
            send_at=timezone.now(),
            from_name="A",
            from_email="a@example.edu",
            reply_to="",
            subject="S",
            body="Thanks",
        )


def test_a_child_of_a_child_hangs_under_the_root(owner, batch):
    first = reminder_schedule(
        user=owner,
        parent=batch,
        message_type="reminder",
        audience="not_finished",
        send_at=timezone.now() + datetime.timedelta(hours=2),
        from_name="A",
        from_email="a@example.edu",
        reply_to="",
        subject="S",
        body=REMINDER_BODY,
    )
    second = reminder_schedule(
        user=owner,
        parent=first,
        message_type="thank_you",
        audience="finished",
        send_at=timezone.now() + datetime.timedelta(hours=2),
        from_name="A",
        from_email="a@example.edu",
        reply_to="",
        subject="S",
        body="Thanks",
    )
    assert second.parent_id == batch.pk


def test_reminders_for_an_email_distribution(owner, owner_client, survey):
    email = Distribution.objects.create(
        survey=survey,
        owner=owner,
        team_id=personal_team_id(owner.pk),
        kind="email",
        list_name="Staff",
        contact_list=make_list(owner, name="Staff", n=2),
        send_at=timezone.now(),
        status="sent",
        link_expires_at=timezone.now() + datetime.timedelta(days=60),
    )
    response = owner_client.post(schedule_url(email), form_data(when="in_1_hour"))
    assert response["Location"] == reverse(
        "distributions:emails", kwargs={"survey_id": survey.pk}
    )
    assert Distribution.objects.get(parent=email).message_type == "reminder"


def test_a_double_click_schedules_one_reminder(owner_client, batch):
    owner_client.post(schedule_url(batch), form_data(request_token="twice"))
    owner_client.post(schedule_url(batch), form_data(request_token="twice"))
    assert Distribution.objects.filter(parent=batch).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_audience_is_taken_when_the_reminder_is_sent_eagerly(
    owner, survey, smtp_server, settings
):
    """In-process pipeline: not-finished audience, opted-out skipped, own links."""
    from config.celery import app as celery_app
    from distributions.services.dispatch import distributions_dispatch_due

    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=make_list(owner, n=4),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    finished, started, fresh, opted_out = batch.invitations.order_by("id")
    answer_survey(started, pages=1)
    Suppression.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        email=opted_out.email,
        reason="opted_out",
    )
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
        body=REMINDER_BODY,
    )
    # Finishing after the reminder was scheduled, before it is sent.
    answer_survey(finished)
    Distribution.objects.filter(pk=reminder.pk).update(send_at=timezone.now())

    celery_app.conf.task_always_eager = True
    try:
        distributions_dispatch_due()
    finally:
        celery_app.conf.task_always_eager = False

    received = smtp_server.wait_for(2)
    recipients = sorted(r for mail in received for r in mail.recipients)
    assert recipients == sorted([started.email, fresh.email])
    for invitation in (started, fresh):
        [mail] = smtp_server.to(invitation.email)
        assert f"/s/{invitation.token}/" in mail.text()
    assert smtp_server.to(finished.email) == []
    assert smtp_server.to(opted_out.email) == []
