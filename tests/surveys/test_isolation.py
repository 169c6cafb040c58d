"""Another owner's surveys, questions, responses and exports answer 404, GET and POST."""

import pytest
from django.test import Client

from surveys.models import Response, Survey
from tests.factories import build_survey
from tests.surveys.conftest import page1_answers

OWNER_URLS = [
    "/surveys/{s}/",
    "/surveys/{s}/rename/",
    "/surveys/{s}/duplicate/",
    "/surveys/{s}/delete/",
    "/surveys/{s}/options/",
    "/surveys/{s}/options/anonymize/",
    "/surveys/{s}/preview/",
    "/surveys/{s}/publish/",
    "/surveys/{s}/close/",
    "/surveys/{s}/reopen/",
    "/surveys/{s}/pages/add/",
    "/surveys/{s}/pages/{p}/delete/",
    "/surveys/{s}/pages/{p}/questions/add/",
    "/surveys/{s}/questions/{q}/",
    "/surveys/{s}/questions/{q}/move/",
    "/surveys/{s}/questions/{q}/delete/",
    "/surveys/{s}/responses/",
    "/surveys/{s}/responses/summary/",
    "/surveys/{s}/responses/export/",
    "/surveys/{s}/responses/exports/",
    "/surveys/{s}/responses/{r}/",
]


@pytest.fixture
def theirs(other_owner):
    survey = build_survey(other_owner)
    Client().post(f"/r/{survey.public_key}/", page1_answers(survey))
    return survey


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_owners_survey_is_not_found(owner_client, theirs, method):
    before = Survey.objects.values().get(pk=theirs.pk)
    data = {
        "title": "Mine now",
        "direction": "down",
        "kind": "short_text",
        "confirm": "1",
        "access": "invitation",
        "text": "x",
        "thank_you_message": "x",
        "closed_message": "x",
    }
    answered = {}
    for pattern in OWNER_URLS:
        url = pattern.format(
            s=theirs.pk,
            p=theirs.pages.first().pk,
            q=theirs.questions.first().pk,
            r=Response.objects.get(survey=theirs).public_id,
        )
        http = (
            owner_client.post(url, data) if method == "post" else owner_client.get(url)
        )
        answered[url] = http.status_code

    assert answered == dict.fromkeys(answered, 404)
    assert Survey.objects.values().get(pk=theirs.pk) == before
    assert theirs.questions.count() == 9
    assert theirs.pages.count() == 2
    assert Survey.objects.filter(owner=theirs.owner).count() == 1
    assert Response.objects.filter(survey=theirs).count() == 1


def test_a_survey_in_my_list_is_only_mine(owner_client, owner, theirs):
    build_survey(owner, title="Mine")
    listing = owner_client.get("/surveys/").content.decode()
    assert "Mine" in listing
    assert theirs.title not in listing


def test_a_question_of_my_survey_is_not_reachable_through_theirs(
    owner_client, owner, theirs
):
    mine = build_survey(owner, title="Mine")
    question = mine.questions.first()
    http = owner_client.get(f"/surveys/{theirs.pk}/questions/{question.pk}/")
    assert http.status_code == 404


def test_owner_pages_need_a_login(client, theirs):
    http = client.get(f"/surveys/{theirs.pk}/responses/export/")
    assert http.status_code == 302
    assert "/accounts/login/" in http["Location"]
