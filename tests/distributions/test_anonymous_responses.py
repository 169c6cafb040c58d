"""Anonymous responses: a finished response keeps no tie to its person or link."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from distributions.models import Invitation
from distributions.selectors.counts import distribution_counts
from distributions.services.links import links_generate
from surveys.models import Response
from tests.distributions.person_support import (
    finish,
    follow_up_recipients,
    start,
    two_routes,
)
from tests.distributions.test_one_person import history, statuses

pytestmark = pytest.mark.django_db

IDENTITY = ("person0@example.edu", "First0", "Last0", "REF0")


def assert_midnight_utc(value):
    assert value.astimezone(datetime.UTC).time() == datetime.time(0, 0)


def test_finishing_drops_every_tie_in_the_same_transaction(owner):
    routes = two_routes(owner, anonymous_responses=True)
    client = Client()
    page = client.get(routes.link(routes.email, 0)).content.decode()
    assert "Your answers are anonymous" in page
    start(client, routes, routes.link(routes.email, 0))
    # Until it finishes, the response resumes from any of the person's links.
    started = Response.objects.get()
    assert started.person_key == "email:person0@example.edu"
    assert started.email == "person0@example.edu"
    before = timezone.now()
    finish(client, routes, routes.link(routes.batch, 0))

    response = Response.objects.get()
    assert response.finished_at is not None
    assert response.person_key is None and response.resume_key is None
    assert (
        response.first_name,
        response.last_name,
        response.email,
        response.external_reference,
        response.embedded_data,
    ) == ("", "", "", "", {})
    for value in (
        response.created_at,
        response.started_at,
        response.last_activity_at,
        response.finished_at,
    ):
        assert_midnight_utc(value)
    assert response.answers.count() == 8
    assert not Invitation.objects.filter(response_id=response.pk).exists()
    for distribution in (routes.email, routes.batch):
        invitation = routes.invitation(distribution, 0)
        assert invitation.finished_anonymously_at >= before
        again = client.get(routes.link(distribution, 0)).content.decode()
        assert "You have already completed this survey." in again
    assert Response.objects.count() == 1


def test_history_counts_and_follow_ups_still_know_who_finished(owner):
    routes = two_routes(owner, anonymous_responses=True)
    client = Client()
    finish(client, routes, routes.link(routes.email, 0))
    start(client, routes, routes.link(routes.email, 1))
    finished_at = routes.invitation(routes.email, 0).finished_anonymously_at

    row = history(routes.email)["person0@example.edu"]
    assert row["Status"] == "Survey Finished"
    assert row["Response ID"] == ""
    assert row["End Date"] == timezone.localtime(finished_at).isoformat(
        timespec="seconds"
    )
    assert statuses(routes.batch)["person0@example.edu"] == "Survey Finished"
    counts = distribution_counts([routes.email, routes.batch])
    assert counts[routes.email.pk].surveys_finished == 1
    assert counts[routes.email.pk].surveys_started == 1
    assert follow_up_recipients(owner, routes.batch, audience="not_finished") == [
        "person1@example.edu",
        "person2@example.edu",
    ]
    assert follow_up_recipients(
        owner, routes.email, audience="finished", message_type="thank_you"
    ) == ["person0@example.edu"]

    # A batch made afterwards: its link of the same person knows too.
    later = links_generate(
        user=owner,
        survey=routes.survey,
        contact_list=routes.batch.contact_list,
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    assert history(later)["person0@example.edu"]["Status"] == "Survey Finished"
    assert statuses(later)["person0@example.edu"] == "Survey Finished"
    again = client.get(routes.link(later, 0)).content.decode()
    assert "You have already completed this survey." in again
    assert Response.objects.count() == 2


def test_response_pages_and_export_show_no_identity_and_dates_only(owner, owner_client):
    routes = two_routes(owner, anonymous_responses=True)
    client = Client()
    finish(client, routes, routes.link(routes.email, 0))
    # Not finished yet, so still identified in the database: hidden all the same.
    start(client, routes, routes.link(routes.email, 1))
    finished, unfinished = Response.objects.order_by("finished_at")
    survey = routes.survey
    pages = [
        owner_client.get(f"/surveys/{survey.pk}/responses/"),
        owner_client.get(f"/surveys/{survey.pk}/responses/{finished.public_id}/"),
        owner_client.get(f"/surveys/{survey.pk}/responses/{unfinished.public_id}/"),
    ]
    export = owner_client.get(f"/surveys/{survey.pk}/responses/export/")
    texts = [page.content.decode() for page in pages]
    texts.append(b"".join(export.streaming_content).decode("utf-8-sig"))
    for text in texts:
        for value in (*IDENTITY, "person1@example.edu", "First1", "REF1"):
            assert value not in text
    header, *rows = texts[-1].splitlines()
    assert header.startswith(
        "Response ID,Start Date,End Date,Duration (in seconds),Finished,"
    )
    assert "Email" not in header.split(",")
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    assert any(row.split(",")[1:3] == [today, today] for row in rows)
    assert "Anonymous" in texts[0]


def test_turning_it_on_offers_to_anonymize_those_already_collected(owner, owner_client):
    routes = two_routes(owner)
    client = Client()
    finish(client, routes, routes.link(routes.email, 0))
    survey = routes.survey
    options = {
        "access": "invitation",
        "thank_you_message": "Thanks!",
        "closed_message": "Closed.",
        "already_completed_message": "Done.",
        "anonymous_responses": "on",
    }
    saved = owner_client.post(f"/surveys/{survey.pk}/options/", options)
    confirm_url = f"/surveys/{survey.pk}/options/anonymize/"
    assert saved["Location"] == confirm_url
    confirm = owner_client.get(confirm_url).content.decode()
    assert "cannot be undone" in confirm
    assert "1 finished response" in confirm
    # Nothing changes before the owner confirms.
    assert Response.objects.get().email == "person0@example.edu"

    owner_client.post(confirm_url)
    response = Response.objects.get()
    assert (response.email, response.person_key) == ("", None)
    assert_midnight_utc(response.finished_at)
    assert routes.invitation(routes.email, 0).response_id is None
    assert routes.invitation(routes.batch, 0).finished_anonymously_at is not None
    assert history(routes.email)["person0@example.edu"]["Status"] == ("Survey Finished")
    assert (
        "still name"
        not in owner_client.get(f"/surveys/{survey.pk}/options/").content.decode()
    )


def test_with_several_responses_per_contact_only_the_finishing_link_is_done(owner):
    routes = two_routes(owner, anonymous_responses=True, allow_multiple_responses=True)
    client = Client()
    finish(client, routes, routes.link(routes.email, 0))

    assert routes.invitation(routes.email, 0).finished_anonymously_at is not None
    assert routes.invitation(routes.batch, 0).finished_anonymously_at is None
    assert "Page 1 of 2" in client.get(routes.link(routes.batch, 0)).content.decode()
    assert statuses(routes.batch)["person0@example.edu"] == "Link Created"
    assert history(routes.batch)["person0@example.edu"]["Status"] == "Link Created"
    finish(client, routes, routes.link(routes.batch, 0))
    assert Response.objects.filter(finished_at__isnull=False).count() == 2
