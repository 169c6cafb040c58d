"""The personal link /s/<token>/ and its opt-out, as a respondent meets them."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from directories.models import Suppression
from distributions.selectors.invitations import invitations_with_status
from distributions.services.public import invitation_response_get_or_create
from distributions.status import invitation_status
from surveys.models import Response
from tests.distributions.ui_support import (
    QUESTION_ID,
    deliver,
    email_distribution,
    published_survey,
)
from tests.helpers import make_list

RESPONDENT_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}


@pytest.fixture
def invitation(owner):
    survey = published_survey(owner, access="invitation")
    the_list = make_list(owner, n=1, embedded_fields=["Cohort"])
    distribution = email_distribution(survey, the_list)
    invitation = distribution.invitations.get()
    deliver(distribution, invitation)
    return invitation


def link(invitation):
    return f"/s/{invitation.token}/"


def assert_respondent_headers(response):
    for name, value in RESPONDENT_HEADERS.items():
        assert response[name] == value


@pytest.mark.django_db
def test_opening_the_link_shows_the_survey_and_records_nothing(client, invitation):
    response = client.get(link(invitation))

    assert response.status_code == 200
    assert "Do you live on campus?" in response.content.decode()
    assert_respondent_headers(response)
    invitation.refresh_from_db()
    assert invitation.response is None
    assert not Response.objects.exists()
    # A mail scanner's GET leaves the status at Email Sent.
    [annotated] = invitations_with_status(distribution=invitation.distribution)
    assert invitation_status(annotated) == "Email Sent"


@pytest.mark.django_db
def test_submitting_starts_and_finishes_one_response_with_the_contact(
    client, invitation
):
    # No cookie, no CSRF token: the link's token is the only authority.
    response = Client(enforce_csrf_checks=True).post(
        link(invitation), {"page": "1", "action": "next", f"q{QUESTION_ID}": "c1"}
    )

    assert response.status_code == 200
    assert "Thank you for completing this survey." in response.content.decode()
    assert_respondent_headers(response)
    invitation.refresh_from_db()
    answered = invitation.response
    assert answered.channel == "invitation"
    assert answered.started_at and answered.finished_at
    assert answered.email == invitation.email
    assert answered.first_name == invitation.first_name
    assert answered.external_reference == invitation.external_reference
    assert answered.embedded_data == {"Cohort": "Cohort-0"}
    [annotated] = invitations_with_status(distribution=invitation.distribution)
    assert invitation_status(annotated) == "Survey Finished"

    # Any device, later: the same link says it is done, and a resubmit adds nothing.
    again = Client().get(link(invitation))
    assert "You have already completed this survey." in again.content.decode()
    Client().post(link(invitation), {"page": "1", f"q{QUESTION_ID}": "c2"})
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_a_page_with_errors_starts_the_survey(client, invitation):
    response = client.post(link(invitation), {"page": "1", "action": "next"})

    assert response.status_code == 200
    assert "This question requires an answer." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.response.started_at is not None
    assert invitation.response.finished_at is None


@pytest.mark.django_db
def test_expired_link_is_410(client, invitation):
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()

    response = client.get(link(invitation))

    assert response.status_code == 410
    assert_respondent_headers(response)
    assert client.post(link(invitation), {"page": "1"}).status_code == 410
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_revoked_and_unknown_links_are_the_same_404(client, invitation):
    invitation.revoked_at = timezone.now()
    invitation.save()

    revoked = client.get(link(invitation))
    unknown = client.get("/s/" + "x" * 43 + "/")

    assert revoked.status_code == unknown.status_code == 404
    assert revoked.content == unknown.content
    assert_respondent_headers(revoked)
    assert invitation.token not in revoked.content.decode()


@pytest.mark.django_db
def test_too_many_invalid_links_are_refused_with_429(client, invitation, settings):
    settings.RESPONDENT_INVALID_LINK_LIMIT = 3
    for n in range(3):
        assert client.get(f"/s/guess{n:040d}/").status_code == 404

    assert (
        client.get("/s/guess-again-and-again-and-again-and-again/").status_code == 429
    )
    throttled = client.get("/s/guess-once-more-and-once-more-and-again/")
    assert throttled.status_code == 429
    assert_respondent_headers(throttled)
    # A real link still opens from this client (tests/distributions/test_rate_limits.py).
    assert client.get(link(invitation)).status_code == 200
    # Another client is not affected.
    assert Client(REMOTE_ADDR="10.0.0.9").get("/s/guess-1/").status_code == 404


@pytest.mark.django_db
def test_closed_survey_shows_its_closed_message(client, invitation):
    survey = invitation.distribution.survey
    survey.state = "closed"
    survey.save()

    response = client.get(link(invitation))

    assert "This survey is closed" in response.content.decode()
    assert client.post(link(invitation), {"page": "1", f"q{QUESTION_ID}": "c1"})
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_opt_out_get_only_asks(client, invitation):
    response = client.get(link(invitation) + "opt-out/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Unsubscribe" in page and invitation.email in page
    assert_respondent_headers(response)
    assert not Suppression.objects.exists()


@pytest.mark.django_db
def test_one_click_opt_out_post_needs_no_cookie(invitation):
    # RFC 8058: the mail provider POSTs this body, with no cookie and no CSRF token.
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        link(invitation) + "opt-out/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert "You have been unsubscribed" in response.content.decode()
    assert not response.cookies
    assert_respondent_headers(response)
    suppression = Suppression.objects.get()
    assert suppression.email == invitation.email
    assert suppression.reason == "opted_out"
    assert suppression.owner == invitation.distribution.owner
    # Twice is harmless.
    assert mail_client.post(link(invitation) + "opt-out/").status_code == 200
    assert Suppression.objects.count() == 1


@pytest.mark.django_db
def test_opt_out_of_unknown_token_is_404(client):
    assert client.post("/s/" + "y" * 43 + "/opt-out/").status_code == 404
    assert not Suppression.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_first_submits_at_once_make_one_response(owner):
    survey = published_survey(owner, access="invitation")
    distribution = email_distribution(survey, make_list(owner, n=1))
    invitation = distribution.invitations.get()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit():
        try:
            barrier.wait()
            results.append(
                invitation_response_get_or_create(invitation_id=invitation.pk).pk
            )
        except Exception as error:  # noqa: BLE001  (reported by the assert below)
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert len(results) == 2 and results[0] == results[1]
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_revoked_or_expired_links_still_opt_out(invitation):
    invitation.revoked_at = timezone.now()
    invitation.expires_at = timezone.now() - timedelta(days=1)
    invitation.save()

    response = Client().post(link(invitation) + "opt-out/", {})

    assert "You have been unsubscribed" in response.content.decode()
    assert Suppression.objects.filter(email=invitation.email).exists()
