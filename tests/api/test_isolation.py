"""Another owner's key gets 404 on every object URL of the API, for every method,
and changes nothing. The URLs come from the API's URLconf, so a new endpoint is
walked without editing this test."""

from datetime import timedelta

import pytest
from django.urls import URLPattern
from django.utils import timezone

from api.models import WebhookEndpoint
from api.urls import v1
from api.webhooks.endpoints import webhook_endpoint_create
from directories.models import Contact, ContactImport, Suppression
from distributions.models import Distribution, Invitation
from teams.services import personal_team_id
from tests.api.support import key_client
from tests.distributions.pipeline_support import email_distribution, published_survey
from tests.helpers import make_list

pytestmark = pytest.mark.django_db


def _objects(owner) -> dict[str, dict]:
    """Return {url name: kwargs} naming `owner`'s objects."""
    survey = published_survey(owner)
    contact_list = make_list(owner, n=3)
    contact = Contact.objects.filter(contact_list=contact_list).first()
    contact_import = ContactImport.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        contact_list=contact_list,
        original_name="a.csv",
        stored_path="/x",
    )
    api, _ = key_client(owner)
    batch = api.post(
        f"/api/v1/surveys/{survey.pk}/link-batches/",
        {
            "contact_list": contact_list.pk,
            "expires_at": (timezone.now() + timedelta(days=9)).isoformat(),
        },
        format="json",
    ).json()
    link = Invitation.objects.filter(distribution_id=batch["id"]).first()
    email = email_distribution(
        survey, contact_list, send_at=timezone.now() + timedelta(days=1)
    )
    suppression = Suppression.objects.create(
        owner=owner, team_id=personal_team_id(owner.pk), email="no@uni.edu"
    )
    reminder = api.post(
        f"/api/v1/surveys/{survey.pk}/distributions/{email.pk}/reminders/",
        {
            "from_email": "team@example.edu",
            "subject": "Reminder",
            "body": "${l://SurveyLink?d=Take it}",
            "send_at": (timezone.now() + timedelta(days=2)).isoformat(),
        },
        format="json",
    ).json()
    webhook = webhook_endpoint_create(
        owner=owner, url="http://127.0.0.1:9/hook", events=["response.finished"]
    )
    # Off, so that a stranger's "enable" would show in the snapshot.
    WebhookEndpoint.objects.filter(pk=webhook.pk).update(enabled=False)
    lists = {"list_pk": contact_list.pk}
    return {
        "list": {"pk": contact_list.pk},
        "contacts": lists,
        "contacts_bulk": lists,
        "contact": {**lists, "pk": contact.pk},
        "imports": lists,
        "import": {**lists, "pk": contact_import.pk},
        "survey": {"pk": survey.pk},
        "responses": {"survey_pk": survey.pk},
        "distributions": {"survey_pk": survey.pk},
        "link_batches": {"survey_pk": survey.pk},
        "email": {"survey_pk": survey.pk, "pk": email.pk},
        "batch": {"survey_pk": survey.pk, "pk": batch["id"]},
        "link": {"survey_pk": survey.pk, "pk": batch["id"], "link_pk": link.pk},
        "suppression": {"pk": suppression.pk},
        "reminder": {"survey_pk": survey.pk, "pk": reminder["id"]},
        "webhook": {"pk": webhook.pk},
    }


def _kwargs(name: str, objects) -> dict | None:
    if name in objects:
        return objects[name]
    if name.startswith("webhook_endpoint"):
        return objects["webhook"]
    if name.startswith("distribution"):
        return objects["email"]
    if name.startswith("link_batch") or name == "links" or name == "links_csv":
        return objects["batch"]
    if name.startswith("link_"):
        return objects["link"]
    return None


def _url(pattern: URLPattern, kwargs: dict) -> str:
    route = str(pattern.pattern)
    for key, value in kwargs.items():
        route = route.replace(f"<int:{key}>", str(value))
    assert "<" not in route, route
    return f"/api/{route}"


def test_another_owners_key_gets_404_on_every_object_url(owner, other_owner, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    objects = _objects(owner)
    snapshot = (
        Distribution.objects.filter(owner=owner).values_list("status", flat=True),
        Invitation.objects.filter(distribution__owner=owner).values_list(
            "token", "revoked_at", "expires_at"
        ),
        Contact.objects.filter(contact_list__owner=owner).values_list("email"),
        Suppression.objects.filter(owner=owner).values_list("email"),
        WebhookEndpoint.objects.filter(owner=owner).values_list("url", "enabled"),
    )
    before = [sorted(map(str, qs)) for qs in snapshot]
    stranger, _ = key_client(other_owner)
    walked = 0
    for pattern in v1:
        kwargs = _kwargs(pattern.name, objects)
        if not pattern.pattern.converters:
            continue  # a collection of the caller's own: nothing of another owner
        assert kwargs is not None, f"no object for {pattern.name}: add it above"
        url = _url(pattern, kwargs)
        urls = [url]
        if pattern.name == "distribution_cancel":
            # A reminder is cancelled at its own distribution's URL.
            urls.append(_url(pattern, objects["reminder"]))
        for url, method in (
            (u, m) for u in urls for m in ("get", "post", "patch", "put", "delete")
        ):
            response = getattr(stranger, method)(url, {}, format="json")
            if response.status_code == 405:
                continue
            assert response.status_code == 404, (method, url, response.status_code)
            walked += 1
    assert walked >= 35
    assert [sorted(map(str, qs)) for qs in snapshot] == before
