"""One response per person per survey, whichever of their personal links they use."""

import threading

import pytest
from django.db import connection
from django.test import Client

from distributions.selectors.counts import distribution_counts
from distributions.selectors.history import HISTORY_COLUMNS, history_rows
from distributions.selectors.invitations import (
    invitation_timeline,
    invitations_with_status,
)
from distributions.status import invitation_status
from surveys.models import Response
from tests.distributions.person_support import (
    finish,
    follow_up_recipients,
    start,
    two_routes,
)
from tests.surveys.conftest import page1_answers

pytestmark = pytest.mark.django_db


def history(distribution) -> dict[str, dict]:
    return {
        row["Email"]: row
        for row in (
            dict(zip(HISTORY_COLUMNS, values, strict=False))
            for values in history_rows(distribution=distribution)
        )
    }


def statuses(distribution) -> dict[str, str]:
    return {
        invitation.email: invitation_status(invitation)
        for invitation in invitations_with_status(distribution=distribution)
    }


def test_a_person_continues_through_another_link_with_the_same_answers(owner):
    routes = two_routes(owner)
    client = Client()
    start(client, routes, routes.link(routes.email, 1))

    # The personal-links batch's link of the same person: page 2, answers kept.
    resumed = client.get(routes.link(routes.batch, 1)).content.decode()
    assert "Page 2 of 2" in resumed
    back = client.get(routes.link(routes.batch, 1) + "?page=1").content.decode()
    assert 'value="Trinity"' in back
    finish(client, routes, routes.link(routes.batch, 1))

    response = Response.objects.get()
    assert response.person_key == "email:person1@example.edu"
    assert response.answers.count() == 8
    # Tied to the link that started it only: each row counts its own links.
    assert routes.invitation(routes.email, 1).response_id == response.pk
    assert routes.invitation(routes.batch, 1).response_id is None
    for distribution in (routes.email, routes.batch):
        again = client.get(routes.link(distribution, 1))
        assert "You have already completed this survey." in again.content.decode()
    assert Response.objects.count() == 1


def test_a_finished_person_sees_the_owners_text_on_every_link(owner):
    routes = two_routes(owner, already_completed_message="Done already, thanks!")
    client = Client()
    finish(client, routes, routes.link(routes.email, 0))

    for distribution in (routes.email, routes.batch):
        link = routes.link(distribution, 0)
        assert "Done already, thanks!" in client.get(link).content.decode()
        posted = client.post(link, {**page1_answers(routes.survey), "action": "next"})
        assert "Done already, thanks!" in posted.content.decode()
    assert Response.objects.count() == 1


def test_more_than_one_response_per_contact_when_the_survey_allows_it(owner):
    routes = two_routes(owner, allow_multiple_responses=True)
    client = Client()
    finish(client, routes, routes.link(routes.email, 0))

    fresh = client.get(routes.link(routes.batch, 0)).content.decode()
    assert "Page 1 of 2" in fresh
    finish(client, routes, routes.link(routes.batch, 0))
    assert Response.objects.count() == 2
    assert set(Response.objects.values_list("person_key", flat=True)) == {None}


def test_history_pages_and_counts_show_the_persons_real_status(owner):
    routes = two_routes(owner)
    client = Client()
    finish(client, routes, routes.link(routes.batch, 0))
    start(client, routes, routes.link(routes.batch, 1))
    finished = Response.objects.get(person_key="email:person0@example.edu")

    email_history = history(routes.email)
    assert email_history["person0@example.edu"]["Status"] == "Survey Finished"
    assert email_history["person0@example.edu"]["Response ID"] == finished.public_id
    assert email_history["person0@example.edu"]["End Date"]
    assert email_history["person1@example.edu"]["Status"] == "Survey Started"
    assert email_history["person2@example.edu"]["Status"] == "Email Sent"
    assert statuses(routes.email) == {
        "person0@example.edu": "Survey Finished",
        "person1@example.edu": "Survey Started",
        "person2@example.edu": "Email Sent",
    }
    assert statuses(routes.batch)["person0@example.edu"] == "Survey Finished"
    [annotated] = invitations_with_status(distribution=routes.email).filter(
        email="person0@example.edu"
    )
    labels = [event.label for event in invitation_timeline(invitation=annotated)]
    assert "Survey finished" in labels

    # Each row counts what its own links did.
    counts = distribution_counts([routes.email, routes.batch])
    assert (
        counts[routes.email.pk].surveys_started,
        counts[routes.email.pk].surveys_finished,
    ) == (0, 0)
    assert (
        counts[routes.batch.pk].surveys_started,
        counts[routes.batch.pk].surveys_finished,
    ) == (1, 1)


def test_reminders_and_thank_yous_follow_the_persons_response_by_any_route(owner):
    routes = two_routes(owner)
    client = Client()
    finish(client, routes, routes.link(routes.batch, 0))
    start(client, routes, routes.link(routes.batch, 1))

    assert follow_up_recipients(owner, routes.email, audience="not_finished") == [
        "person1@example.edu",
        "person2@example.edu",
    ]
    assert follow_up_recipients(owner, routes.email, audience="not_started") == [
        "person2@example.edu"
    ]
    assert follow_up_recipients(
        owner, routes.email, audience="started_not_finished"
    ) == ["person1@example.edu"]
    assert follow_up_recipients(
        owner, routes.email, audience="finished", message_type="thank_you"
    ) == ["person0@example.edu"]


@pytest.mark.django_db(transaction=True)
def test_two_links_of_one_person_submitting_at_once_make_one_response(owner):
    routes = two_routes(owner)
    links = [routes.link(routes.email, 0), routes.link(routes.batch, 0)]
    data = {**page1_answers(routes.survey), "action": "next"}
    barrier = threading.Barrier(len(links))
    results = []

    def submit(link):
        try:
            browser = Client(raise_request_exception=False)
            barrier.wait()
            results.append(browser.post(link, data).status_code)
        finally:
            # Each thread has its own connection; close it so the test DB can go.
            connection.close()

    threads = [threading.Thread(target=submit, args=(link,)) for link in links]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [302, 302]
    response = Response.objects.get()
    assert response.person_key == "email:person0@example.edu"
    assert response.answers.count() == 3
    tied = [
        routes.invitation(distribution, 0).response_id
        for distribution in (routes.email, routes.batch)
    ]
    assert sorted(tied, key=lambda pk: pk is None) == [response.pk, None]


def test_a_screen_out_by_any_route_shows_alike_in_the_history_and_pages(owner):
    routes = two_routes(owner)
    finish(Client(), routes, routes.link(routes.batch, 0))
    Response.objects.update(screened_out=True)  # as surveys.closing records one
    for distribution in (routes.email, routes.batch):
        assert history(distribution)["person0@example.edu"]["Status"] == (
            "Survey Screened Out"
        )
        assert statuses(distribution)["person0@example.edu"] == "Survey Screened Out"
        assert statuses(distribution)["person1@example.edu"] != "Survey Screened Out"


def test_an_anonymous_finish_never_shows_screened_out(owner):
    routes = two_routes(owner, anonymous_responses=True)
    finish(Client(), routes, routes.link(routes.email, 0))
    Response.objects.update(screened_out=True)  # the fact is kept, not the tie
    for distribution in (routes.email, routes.batch):
        assert history(distribution)["person0@example.edu"]["Status"] == (
            "Survey Finished"
        )
        assert statuses(distribution)["person0@example.edu"] == "Survey Finished"
