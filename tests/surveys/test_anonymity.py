"""Anonymous responses, on the surveys side: the anonymous link and the Options."""

import datetime

import pytest
from django.test import Client

from surveys.anonymity import survey_responses_anonymize
from surveys.models import Response
from tests.surveys.conftest import page1_answers, page2_answers

pytestmark = pytest.mark.django_db


def test_an_anonymous_links_finished_response_loses_its_resume_key(survey, link):
    survey.anonymous_responses = True
    survey.save()
    client = Client()
    assert "Your answers are anonymous" in client.get(link).content.decode()
    client.post(link, {**page1_answers(survey), "action": "next"})
    assert Response.objects.get().resume_key
    client.post(link, {**page2_answers(survey), "action": "next"})

    response = Response.objects.get()
    assert response.resume_key is None
    assert response.finished_at.astimezone(datetime.UTC).time() == datetime.time()


def test_anonymizing_those_collected_leaves_unfinished_ones_alone(survey, link):
    finished, unfinished = Client(), Client()
    for client in (finished, unfinished):
        client.post(link, {**page1_answers(survey), "action": "next"})
    finished.post(link, {**page2_answers(survey), "action": "next"})
    Response.objects.update(email="someone@example.edu", embedded_data={"Cohort": "A"})

    assert survey_responses_anonymize(survey=survey) == 1
    done = Response.objects.get(finished_at__isnull=False)
    assert (done.email, done.embedded_data, done.resume_key) == ("", {}, None)
    waiting = Response.objects.get(finished_at__isnull=True)
    assert waiting.email == "someone@example.edu"
    assert waiting.resume_key
    # Twice changes nothing more.
    survey_responses_anonymize(survey=survey)
    assert Response.objects.get(pk=done.pk).email == ""


def test_the_options_page_offers_the_response_options(owner_client, survey):
    page = owner_client.get(f"/surveys/{survey.pk}/options/").content.decode()
    assert "Allow more than one response per contact" in page
    assert "Anonymize responses" in page
    assert "You have already completed this survey." in page
    owner_client.post(
        f"/surveys/{survey.pk}/options/",
        {
            "access": "anyone",
            "thank_you_message": "Thanks!",
            "closed_message": "Closed.",
            "already_completed_message": "  ",
            "allow_multiple_responses": "on",
        },
    )
    survey.refresh_from_db()
    assert survey.allow_multiple_responses
    assert not survey.anonymous_responses
    assert survey.already_completed_message == "You have already completed this survey."
