"""Open tracking (issue 17 d): off by default, an invisible image whose first load
is recorded, Emails Opened and Email Opened, never a survey start."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from distributions.forms.compose import ComposeForm
from distributions.models import Delivery
from distributions.selectors.counts import distribution_counts
from distributions.services.dispatch import distributions_dispatch_due
from distributions.services.tracking import open_pixel_url
from surveys.models import Response
from tests.distributions.pipeline_support import email_distribution, published_survey
from tests.helpers import history_statuses, make_list


@pytest.fixture
def eager(settings):
    celery_app.conf.task_always_eager = True
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    yield
    celery_app.conf.task_always_eager = False


def send(smtp_server, owner, *, track_opens, n=2):
    survey = published_survey(owner)
    distribution = email_distribution(
        survey, make_list(owner, n=n), track_opens=track_opens
    )
    distributions_dispatch_due()
    smtp_server.wait_for(n)
    return survey, distribution


def pixel_path(delivery) -> str:
    return urlsplit(open_pixel_url(delivery.pk)).path


def test_off_by_default_and_the_form_says_what_it_records(
    db, smtp_server, eager, owner
):
    field = ComposeForm.base_fields["track_opens"]
    assert field.initial in (None, False) and not field.required
    assert (
        "first load" in field.help_text
        and "never counts as starting" in field.help_text
    )
    _, distribution = send(smtp_server, owner, track_opens=False)
    assert distribution.track_opens is False
    for mail in smtp_server.received:
        assert "open.gif" not in mail.html()


def test_the_first_open_is_recorded_and_nothing_else(
    db, smtp_server, eager, owner, owner_client, client
):
    survey, distribution = send(smtp_server, owner, track_opens=True)
    delivery = Delivery.objects.get(
        distribution=distribution, invitation__email="person0@example.edu"
    )
    [mail] = smtp_server.to("person0@example.edu")
    assert open_pixel_url(delivery.pk) in mail.html()
    assert "open.gif" not in mail.text()

    response = client.get(pixel_path(delivery))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert "no-store" in response["Cache-Control"]
    delivery.refresh_from_db()
    first = delivery.opened_at
    assert first is not None
    # Loaded again: the first open stays.
    client.get(pixel_path(delivery))
    delivery.refresh_from_db()
    assert delivery.opened_at == first

    statuses = history_statuses(distribution)  # the rows and the COPY CSV
    assert statuses == {
        "person0@example.edu": "Email Opened",
        "person1@example.edu": "Email Sent",
    }
    counts = distribution_counts([distribution])[distribution.pk]
    assert (counts.emails_sent, counts.emails_opened, counts.surveys_started) == (
        2,
        1,
        0,
    )
    # Never a survey start.
    assert not Response.objects.filter(survey=survey).exists()
    page = owner_client.get(
        reverse("distributions:emails", kwargs={"survey_id": survey.pk})
    ).content.decode()
    assert "Emails Opened" in page and 'data-count="emails-opened">1<' in page


def test_forged_or_untracked_references_change_nothing(
    db, smtp_server, eager, owner, client
):
    _, untracked = send(smtp_server, owner, track_opens=False, n=1)
    delivery = untracked.deliveries.get()
    assert client.get(pixel_path(delivery)).status_code == 200
    forged = f"/e/{delivery.pk}-000000000000/open.gif"
    assert client.get(forged).status_code == 200
    assert client.get("/e/nonsense/open.gif").status_code == 200
    delivery.refresh_from_db()
    assert delivery.opened_at is None
    assert distribution_counts([untracked])[untracked.pk].emails_opened == 0
