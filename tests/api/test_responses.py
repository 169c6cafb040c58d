"""A survey's responses through the API: paged, filtered, with answers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from distributions.models import Invitation
from tests.api.support import key_client
from tests.distributions.pipeline_support import published_survey
from tests.helpers import answer_survey, make_list

pytestmark = pytest.mark.django_db


def test_responses_filter_by_finished_and_time(owner, client):
    api, _ = key_client(owner)
    survey = published_survey(owner)
    contact_list = make_list(owner, n=3, embedded_fields=["dept"])
    expires = (timezone.now() + timedelta(days=30)).isoformat()
    batch = api.post(
        f"/api/v1/surveys/{survey.pk}/link-batches/",
        {"contact_list": contact_list.pk, "expires_at": expires},
        format="json",
    ).json()
    first, second, _ = Invitation.objects.filter(distribution_id=batch["id"]).order_by(
        "id"
    )
    answer_survey(first)
    answer_survey(second, pages=1)
    base = f"/api/v1/surveys/{survey.pk}/responses/"
    every = api.get(base).json()["results"]
    assert len(every) == 2
    finished = api.get(base, {"finished": "true"}).json()["results"]
    assert [row["email"] for row in finished] == [first.email]
    assert finished[0]["answers"] and finished[0]["embedded_data"]["dept"] == "dept-0"
    assert finished[0]["id"].startswith("R_")
    unfinished = api.get(base, {"finished": "false"}).json()["results"]
    assert [row["email"] for row in unfinished] == [second.email]
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert api.get(base, {"updated_since": later}).json()["results"] == []
    assert api.get(base, {"finished": "maybe"}).status_code == 400
