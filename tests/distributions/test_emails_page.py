"""Distributions → Emails: rows with counts, children, polling, View, Cancel."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from distributions.models import Distribution
from surveys.models import Response
from teams.services import personal_team_id
from tests.distributions.ui_support import (
    deliver,
    email_distribution,
    published_survey,
)
from tests.helpers import make_list

pytestmark = pytest.mark.django_db


def emails_url(survey):
    return reverse("distributions:emails", kwargs={"survey_id": survey.pk})


def row_counts(html, distribution):
    row = re.search(
        rf'<tr data-distribution="{distribution.pk}".*?</tr>', html, re.S
    ).group(0)
    return {
        name: int(value)
        for name, value in re.findall(r'data-count="([a-z-]+)">(\d+)<', row)
    }, row


@pytest.fixture
def survey(owner):
    return published_survey(owner)


def test_a_row_per_distribution_with_its_counts(owner_client, owner, survey):
    students = make_list(owner, name="Students", n=5)
    distribution = email_distribution(survey, students)
    a, b, c, d, e = distribution.invitations.order_by("id")
    deliver(distribution, a)
    deliver(distribution, b)
    deliver(distribution, c)
    deliver(distribution, d, "failed", error="550 No such user")
    deliver(distribution, e, "opted_out")
    now = timezone.now()
    for invitation, finished in ((a, True), (b, False)):
        invitation.response = Response.objects.create(
            survey=survey,
            version=survey.versions.get(),
            channel="invitation",
            started_at=now,
            finished_at=now if finished else None,
        )
        invitation.save()

    html = owner_client.get(emails_url(survey)).content.decode()

    counts, row = row_counts(html, distribution)
    assert counts == {
        "emails-sent": 3,
        "emails-failed": 1,
        "emails-bounced": 0,
        "emails-skipped": 0,
        "opted-out": 1,
        "surveys-started": 1,
        "surveys-finished": 1,
    }
    assert "Students" in row and "5 contacts" in row and "Sent" in row
    for heading in (
        "Emails Sent",
        "Emails Failed",
        "Emails Bounced",
        "Emails Opened",
        "Emails Skipped",
        "Opted Out",
        "Surveys Started",
        "Surveys Finished",
    ):
        assert heading in html
    assert 'aria-label="Actions for the email to Students"' in row
    assert "View" in row and "Download history" in row
    for action, url_name in (
        ("Recipients and links", "recipients"),
        ("Schedule Reminder", "reminder_new"),
        ("Schedule Thank You", "thank_you_new"),
    ):
        url = reverse(
            f"distributions:{url_name}",
            kwargs={"survey_id": survey.pk, "pk": distribution.pk},
        )
        assert f'href="{url}">{action}</a>' in row
    assert "Cancel" not in row  # only until it starts sending
    # Sent: the counts stay live at the slower pace while the links work.
    assert 'hx-trigger="every 5s"' in html


def test_scheduled_row_shows_list_size_cancel_and_polls(owner_client, owner, survey):
    students = make_list(owner, name="Students", n=4)
    later = timezone.now() + timedelta(hours=1)
    distribution = email_distribution(
        survey, students, status="scheduled", send_at=later, invite=False
    )

    html = owner_client.get(emails_url(survey)).content.decode()

    _, row = row_counts(html, distribution)
    assert "Scheduled" in row and "4 contacts" in row and "Cancel" in row
    assert 'hx-trigger="every 3s"' in html
    rows_url = reverse("distributions:email_rows", kwargs={"survey_id": survey.pk})
    partial = owner_client.get(rows_url, HTTP_HX_REQUEST="true").content.decode()
    assert (
        partial.strip().startswith("<tbody")
        and f'data-distribution="{distribution.pk}"' in partial
    )


def test_sending_row_shows_a_progress_bar(owner_client, owner, survey):
    students = make_list(owner, n=4)
    distribution = email_distribution(survey, students, status="sending")
    a, b, c, d = distribution.invitations.order_by("id")
    deliver(distribution, a)
    deliver(distribution, b, "failed")
    deliver(distribution, c, "queued")
    deliver(distribution, d, "sending")

    html = owner_client.get(emails_url(survey)).content.decode()

    _, row = row_counts(html, distribution)
    assert 'role="progressbar"' in row and 'aria-valuenow="50"' in row
    assert 'hx-trigger="every 3s"' in html


def test_reminders_are_shown_under_their_parent(owner_client, owner, survey):
    students = make_list(owner, n=2)
    parent = email_distribution(survey, students)
    other = email_distribution(survey, make_list(owner, name="Staff", n=1))
    reminder = Distribution.objects.create(
        survey=survey,
        owner=owner,
        team_id=personal_team_id(owner.pk),
        kind="email",
        parent=parent,
        message_type="reminder",
        list_name=parent.list_name,
        send_at=timezone.now(),
        status="sent",
    )
    deliver(reminder, parent.invitations.first())

    html = owner_client.get(emails_url(survey)).content.decode()

    order = [int(pk) for pk in re.findall(r'data-distribution="(\d+)"', html)]
    assert order == [other.pk, parent.pk, reminder.pk]
    counts, row = row_counts(html, reminder)
    assert "Reminder" in row and counts["emails-sent"] == 1


def test_view_shows_each_recipients_message_as_sent(owner_client, owner, survey):
    students = make_list(owner, n=3)
    distribution = email_distribution(survey, students)
    for invitation in distribution.invitations.all():
        deliver(distribution, invitation)
    first = distribution.invitations.order_by("id").first()

    url = reverse(
        "distributions:email_detail",
        kwargs={"survey_id": survey.pk, "pk": distribution.pk},
    )
    html = owner_client.get(url).content.decode()

    assert "Your survey, ${m://FirstName}" in html  # the template
    assert "Your survey, First0" in html  # one recipient's subject, rendered
    assert f"/s/{first.token}/" in html  # that recipient's own link
    assert html.count("Message sent to") == 3
    assert "Study team &lt;study@example.edu&gt;" in html


def test_cancel_until_it_starts_sending(owner_client, owner, survey):
    students = make_list(owner, n=2)
    later = timezone.now() + timedelta(hours=1)
    scheduled = email_distribution(
        survey, students, status="scheduled", send_at=later, invite=False
    )
    url = reverse(
        "distributions:email_cancel",
        kwargs={"survey_id": survey.pk, "pk": scheduled.pk},
    )

    confirm = owner_client.get(url).content.decode()
    assert "Cancel the email to Students?" in confirm
    scheduled.refresh_from_db()
    assert scheduled.status == "scheduled"  # a GET only asks

    page = owner_client.post(url, follow=True).content.decode()
    scheduled.refresh_from_db()
    assert scheduled.status == "cancelled"
    assert "The email to Students was cancelled." in page
    _, row = row_counts(page, scheduled)
    assert "Cancelled" in row


def test_cancel_refused_once_sending(owner_client, owner, survey):
    distribution = email_distribution(survey, make_list(owner, n=3), status="sending")
    url = reverse(
        "distributions:email_cancel",
        kwargs={"survey_id": survey.pk, "pk": distribution.pk},
    )

    page = owner_client.post(url, follow=True).content.decode()

    distribution.refresh_from_db()
    assert distribution.status == "sending"
    assert "has already started sending" in page


def test_unpublished_survey_page_says_so(owner_client, owner):
    survey = published_survey(owner, state="draft")

    html = owner_client.get(emails_url(survey)).content.decode()

    assert "Only a published survey can be distributed" in html
    assert "Open the survey" in html
    assert "Personal links" in html and "Emails" in html


@pytest.mark.parametrize(
    "name, method",
    [
        ("emails", "get"),
        ("email_rows", "get"),
        ("email_compose", "get"),
        ("email_compose", "post"),
        ("email_detail", "get"),
        ("email_history", "get"),
        ("email_cancel", "get"),
        ("email_cancel", "post"),
    ],
)
def test_another_owner_gets_404(client, owner, other_owner, survey, name, method):
    distribution = email_distribution(
        survey, make_list(owner, n=3), status="scheduled", invite=False
    )
    kwargs = {"survey_id": survey.pk}
    if name in ("email_detail", "email_history", "email_cancel"):
        kwargs["pk"] = distribution.pk
    client.force_login(other_owner)

    response = getattr(client, method)(reverse(f"distributions:{name}", kwargs=kwargs))

    assert response.status_code == 404
    distribution.refresh_from_db()
    assert distribution.status == "scheduled"


def test_another_owners_distribution_under_my_survey_is_404(
    owner_client, owner, other_owner, survey
):
    theirs = email_distribution(
        published_survey(other_owner),
        make_list(other_owner, n=3),
        status="scheduled",
        invite=False,
    )
    for name in ("email_detail", "email_history", "email_cancel"):
        url = reverse(
            f"distributions:{name}", kwargs={"survey_id": survey.pk, "pk": theirs.pk}
        )
        assert owner_client.get(url).status_code == 404
    url = reverse(
        "distributions:email_cancel", kwargs={"survey_id": survey.pk, "pk": theirs.pk}
    )
    assert owner_client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "scheduled"


def test_login_required(client, survey):
    response = client.get(emails_url(survey))
    assert response.status_code == 302 and "login" in response["Location"]
