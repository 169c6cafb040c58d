"""The contact frequency rule (issue 17 e): at most N emails to one address in D
days across the owner's distributions; the third email in a week is skipped."""

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from distributions.models import ContactFrequencyRule, Delivery
from distributions.selectors.counts import distribution_counts
from distributions.services.dispatch import distributions_dispatch_due
from distributions.services.frequency import frequency_rule_set
from teams.services import personal_team_id
from tests.distributions.pipeline_support import email_distribution, published_survey
from tests.helpers import history_statuses, make_list


@pytest.fixture
def eager(settings):
    celery_app.conf.task_always_eager = True
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    yield
    celery_app.conf.task_always_eager = False


def send_to(survey, contact_list, **fields):
    distribution = email_distribution(survey, contact_list, **fields)
    distributions_dispatch_due()
    return distribution


def test_the_third_email_in_a_week_is_skipped(
    db, smtp_server, eager, owner, owner_client
):
    frequency_rule_set(
        user=owner,
        team_id=personal_team_id(owner.pk),
        max_emails=2,
        days=7,
        exempt_follow_ups=False,
    )
    survey, other_survey = published_survey(owner), published_survey(owner)
    both = make_list(owner, n=2)
    # person0 is on a second list too: their address counts, not the contact.
    first_only = make_list(owner, rows=[{"email": "PERSON0@example.edu"}])

    send_to(survey, both)
    send_to(other_survey, first_only)
    smtp_server.wait_for(3)
    third = send_to(survey, make_list(owner, n=2), subject="Third")
    smtp_server.wait_for(4)

    # person0 had two emails this week: skipped; person1 had one: sent.
    assert len(smtp_server.to("person0@example.edu")) == 2
    assert len(smtp_server.to("person1@example.edu")) == 2
    skipped = Delivery.objects.get(distribution=third, status="skipped")
    assert skipped.invitation.email == "person0@example.edu"
    assert skipped.error == (
        "Not sent: the team's contact frequency rule "
        "(at most 2 emails to one address in 7 days)."
    )
    counts = distribution_counts([third])[third.pk]
    assert (counts.emails_sent, counts.emails_skipped) == (1, 1)
    statuses = history_statuses(third)  # the rows and the COPY CSV
    assert statuses["person0@example.edu"] == "Email Skipped"
    third.refresh_from_db()
    assert third.status == "sent"
    page = owner_client.get(
        reverse("distributions:emails", kwargs={"survey_id": survey.pk})
    ).content.decode()
    assert 'data-count="emails-skipped">1<' in page
    assert "at most 2 emails to one address in 7 days" in page


def test_follow_ups_may_be_exempt(db, smtp_server, eager, owner):
    frequency_rule_set(
        user=owner,
        team_id=personal_team_id(owner.pk),
        max_emails=1,
        days=7,
        exempt_follow_ups=True,
    )
    survey = published_survey(owner)
    invite = send_to(survey, make_list(owner, n=1))
    smtp_server.wait_for(1)
    send_to(survey, None, parent=invite, message_type="reminder", audience="all")
    smtp_server.wait_for(2)
    assert len(smtp_server.to("person0@example.edu")) == 2

    # Not exempt: the reminder would be the second email in a week.
    frequency_rule_set(
        user=owner,
        team_id=personal_team_id(owner.pk),
        max_emails=1,
        days=7,
        exempt_follow_ups=False,
    )
    reminder = send_to(
        survey, None, parent=invite, message_type="reminder", audience="all"
    )
    assert Delivery.objects.get(distribution=reminder).status == "skipped"
    assert len(smtp_server.to("person0@example.edu")) == 2


def test_without_a_rule_nothing_is_skipped(db, smtp_server, eager, owner):
    survey = published_survey(owner)
    for _ in range(3):
        send_to(survey, make_list(owner, n=1))
    smtp_server.wait_for(3)
    assert not Delivery.objects.filter(status="skipped").exists()


def test_the_owner_sets_and_removes_the_rule(db, owner, owner_client, other_owner):
    url = reverse("distributions:frequency_rule")
    response = owner_client.post(
        url, {"max_emails": "3", "days": "14", "exempt_follow_ups": "on"}, follow=True
    )
    assert "at most 3 emails to one address in 14 days" in response.content.decode()
    rule = ContactFrequencyRule.objects.get(owner=owner)
    assert (rule.max_emails, rule.days, rule.exempt_follow_ups) == (3, 14, True)
    assert not ContactFrequencyRule.objects.filter(owner=other_owner).exists()
    response = owner_client.post(url, {"max_emails": "3", "days": ""})
    assert "or neither" in response.content.decode()
    owner_client.post(url, {"max_emails": "", "days": ""})
    assert not ContactFrequencyRule.objects.exists()
