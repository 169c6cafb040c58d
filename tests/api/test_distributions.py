"""Surveys, responses, email distributions, link batches, history, suppressions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from distributions.models import Distribution, Invitation
from distributions.services.dispatch import distributions_dispatch_due
from tests.api.support import key_client
from tests.distributions.pipeline_support import BODY, published_survey
from tests.helpers import make_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(owner):
    return key_client(owner)[0]


@pytest.fixture
def eager(settings):
    celery_app.conf.task_always_eager = True
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    yield
    celery_app.conf.task_always_eager = False


def _payload(contact_list, **extra):
    return {
        "contact_list": contact_list.pk,
        "from_name": "Study",
        "from_email": "study@uni.example",
        "subject": "Survey for ${m://FirstName}",
        "body": BODY,
        **extra,
    }


def _email(survey, contact_list, api, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(
        f"/api/v1/surveys/{survey.pk}/distributions/",
        _payload(contact_list, **extra),
        format="json",
        **headers,
    )


def test_surveys_and_a_survey_with_questions(api, owner):
    survey = published_survey(owner)
    listed = api.get("/api/v1/surveys/").json()["results"]
    assert [row["id"] for row in listed] == [survey.pk]
    detail = api.get(f"/api/v1/surveys/{survey.pk}/").json()
    assert detail["state"] == "published" and detail["questions"]


def test_idempotency_key_twice_makes_one_distribution_and_one_set_of_emails(
    api, owner, smtp_server, eager
):
    survey = published_survey(owner)
    contact_list = make_list(owner, n=3)
    first = _email(survey, contact_list, api, key="nightly-2026-12-02")
    assert first.status_code == 201, first.content
    distributions_dispatch_due()
    second = _email(survey, contact_list, api, key="nightly-2026-12-02")
    assert second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    distributions_dispatch_due()
    assert Distribution.objects.filter(owner=owner).count() == 1
    smtp_server.wait_for(3)
    assert len(smtp_server.received) == 3
    read = api.get(f"/api/v1/surveys/{survey.pk}/distributions/{first.json()['id']}/")
    assert read.json()["counts"]["emails_sent"] == 3
    # Another key text makes another distribution.
    assert _email(survey, contact_list, api, key="other").status_code == 201


def test_cancel_while_scheduled_only(api, owner):
    survey = published_survey(owner)
    contact_list = make_list(owner, n=2)
    later = (timezone.now() + timedelta(days=1)).isoformat()
    created = _email(survey, contact_list, api, send_at=later).json()
    url = f"/api/v1/surveys/{survey.pk}/distributions/{created['id']}/cancel/"
    assert api.post(url).json()["status"] == "cancelled"
    again = api.post(url)
    assert again.status_code == 400


def test_link_batch_links_paged_csv_and_one_link_controls(api, owner):
    survey = published_survey(owner)
    contact_list = make_list(owner, n=12)
    expires = (timezone.now() + timedelta(days=30)).isoformat()
    base = f"/api/v1/surveys/{survey.pk}/link-batches/"
    created = api.post(
        base,
        {"contact_list": contact_list.pk, "expires_at": expires},
        format="json",
        HTTP_IDEMPOTENCY_KEY="batch-1",
    )
    assert created.status_code == 201, created.content
    batch = created.json()
    assert batch["counts"]["recipients"] == 12
    again = api.post(
        base,
        {"contact_list": contact_list.pk, "expires_at": expires},
        format="json",
        HTTP_IDEMPOTENCY_KEY="batch-1",
    )
    assert again.json()["id"] == batch["id"]
    links_url = f"{base}{batch['id']}/links/?limit=5"
    links = []
    while links_url:
        page = api.get(links_url).json()
        links += page["results"]
        links_url = page["next"]
    assert len(links) == 12 and all(row["status"] == "Link Created" for row in links)
    one = links[0]
    link_base = f"{base}{batch['id']}/links/{one['id']}"
    assert api.post(f"{link_base}/revoke/").json() == {"changed": True}
    assert api.post(f"{link_base}/revoke/").json() == {"changed": False}
    assert api.post(f"{link_base}/regenerate/").json() == {"changed": True}
    new = Invitation.objects.get(pk=one["id"])
    assert new.revoked_at is None and new.token not in one["link"]
    later = (timezone.now() + timedelta(days=90)).isoformat()
    assert api.post(
        f"{link_base}/extend/", {"expires_at": later}, format="json"
    ).json()["changed"]
    csv = api.get(f"{base}{batch['id']}/links.csv")
    assert csv.status_code == 200
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert body.count("\n") == 13
    history = api.get(f"{base}{batch['id']}/history/").json()["results"]
    assert len(history) == 12 and history[0]["status"] == "Link Created"
    history_csv = api.get(f"{base}{batch['id']}/history.csv")
    assert b"".join(history_csv.streaming_content).count(b"\n") == 13


def test_suppressions_list_add_remove(api, owner):
    added = api.post("/api/v1/suppressions/", {"email": "no@uni.edu"}, format="json")
    assert added.status_code == 201
    assert (
        api.post(
            "/api/v1/suppressions/", {"email": "NO@uni.edu"}, format="json"
        ).status_code
        == 400
    )
    listed = api.get("/api/v1/suppressions/").json()["results"]
    assert [row["email"] for row in listed] == ["no@uni.edu"]
    assert api.delete(f"/api/v1/suppressions/{added.json()['id']}/").status_code == 204
    assert api.get("/api/v1/suppressions/").json()["results"] == []


def test_idempotency_key_with_another_body_is_a_409_and_sends_nothing(api, owner):
    survey = published_survey(owner)
    contact_list = make_list(owner, n=2)
    later = (timezone.now() + timedelta(days=1)).isoformat()
    first = _email(survey, contact_list, api, key="k-1", send_at=later)
    assert first.status_code == 201, first.content
    changed = _email(survey, contact_list, api, key="k-1", send_at=later, subject="X")
    assert changed.status_code == 409
    assert changed["Content-Type"] == "application/problem+json"
    assert changed.json()["status"] == 409
    assert "Idempotency-Key" in changed.json()["detail"]
    # The same key on another URL (a batch) is another request too.
    batch = api.post(
        f"/api/v1/surveys/{survey.pk}/link-batches/",
        {"contact_list": contact_list.pk, "expires_at": later},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert batch.status_code == 409
    assert Distribution.objects.filter(owner=owner).count() == 1
    # The same body again, its keys in another order, is the first result.
    again = api.post(
        f"/api/v1/surveys/{survey.pk}/distributions/",
        dict(reversed(list(_payload(contact_list, send_at=later).items()))),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


def test_a_refused_request_leaves_its_key_free_for_the_corrected_one(api, owner):
    survey = published_survey(owner)
    contact_list = make_list(owner, n=2)
    past = (timezone.now() - timedelta(days=3)).isoformat()
    refused = _email(survey, contact_list, api, key="k-2", send_at=past)
    assert refused.status_code == 400
    corrected = _email(survey, contact_list, api, key="k-2")
    assert corrected.status_code == 201, corrected.content
