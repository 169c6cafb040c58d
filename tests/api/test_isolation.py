"""Who may call what: every URL of the API's URLconf, every method, for a key of
another team (404, even the owner's own key made in another team), for each role
in the key's team (403 where the role lacks the right), and for a member removed
from the team (403 on every call). Nothing changes for a refused call. The URLs
come from the URLconf, so a new endpoint is walked without editing this test."""

from datetime import timedelta

import pytest
from django.urls import URLPattern
from django.utils import timezone

from api.models import WebhookEndpoint
from api.urls import v1
from api.webhooks.endpoints import webhook_endpoint_create
from directories.models import Contact, ContactImport, Suppression
from distributions.models import Distribution, Invitation
from teams.models import Role
from teams.services import personal_team_id, team_create
from tests.api.support import key_client, set_role
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


# GETs that show responses, history or links: the Analyst's and up (ANALYSE).
ANALYSE_READS = {
    "responses",
    "distribution_history",
    "distribution_history_csv",
    "link_batch_history",
    "link_batch_history_csv",
    "links",
    "links_csv",
}
METHODS = ("get", "post", "patch", "put", "delete")


def _snapshot(owner) -> list:
    found = (
        Distribution.objects.filter(owner=owner).values_list("status", flat=True),
        Invitation.objects.filter(distribution__owner=owner).values_list(
            "token", "revoked_at", "expires_at"
        ),
        Contact.objects.filter(contact_list__owner=owner).values_list("email"),
        Suppression.objects.filter(owner=owner).values_list("email"),
        WebhookEndpoint.objects.filter(owner=owner).values_list("url", "enabled"),
    )
    return [sorted(map(str, qs)) for qs in found]


def _calls(objects, *, collections: bool):
    """Yield (url name, method, url) for every route and method."""
    for pattern in v1:
        if not pattern.pattern.converters:
            if collections:
                for method in METHODS:
                    yield pattern.name, method, _url(pattern, {})
            continue
        kwargs = _kwargs(pattern.name, objects)
        assert kwargs is not None, f"no object for {pattern.name}: add it above"
        urls = [_url(pattern, kwargs)]
        if pattern.name == "distribution_cancel":
            # A reminder is cancelled at its own distribution's URL.
            urls.append(_url(pattern, objects["reminder"]))
        for url in urls:
            for method in METHODS:
                yield pattern.name, method, url


def _walk(client, objects, expected, *, collections=False) -> int:
    """Call every URL with every method; assert `expected(name, method)`'s status
    (405s are skipped); return how many calls were checked."""
    walked = 0
    for name, method, url in _calls(objects, collections=collections):
        response = getattr(client, method)(url, {}, format="json")
        if response.status_code == 405:
            continue
        want = expected(name, method)
        assert response.status_code == want, (method, url, response.status_code)
        if want >= 400:
            assert response["Content-Type"] == "application/problem+json"
        walked += 1
    return walked


@pytest.fixture
def objects(owner, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    return _objects(owner)


def test_another_teams_key_gets_404_on_every_object_url(owner, other_owner, objects):
    before = _snapshot(owner)
    stranger, _ = key_client(other_owner)
    assert _walk(stranger, objects, lambda name, method: 404) >= 35
    assert _snapshot(owner) == before


def test_the_owners_own_key_of_another_team_sees_nothing_of_this_one(owner, objects):
    """A key acts in its team only, though its owner may belong to more."""
    before = _snapshot(owner)
    lab = team_create(user=owner, name="Lab")
    elsewhere, _ = key_client(owner, team=lab)
    assert _walk(elsewhere, objects, lambda name, method: 404) >= 35
    for collection in ("lists", "surveys", "suppressions", "webhooks"):
        response = elsewhere.get(f"/api/v1/{collection}/")
        assert response.status_code == 200 and response.json()["results"] == []
    assert _snapshot(owner) == before


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST])
def test_a_role_without_edit_reads_what_it_may_and_writes_nothing(owner, objects, role):
    """Every write is a 403, and so is each read the role lacks: responses,
    history and links need ANALYSE; webhook endpoints (their secret) EDIT."""
    before = _snapshot(owner)
    client, key = key_client(owner)
    set_role(owner, key.team_id, role)

    def expected(name, method):
        if method != "get" or name.startswith("webhook_endpoint"):
            return 403
        if name in ANALYSE_READS and role == Role.VIEWER:
            return 403
        return 200

    assert _walk(client, objects, expected, collections=True) >= 45
    assert _snapshot(owner) == before
    denied = client.post("/api/v1/lists/", {"name": "New"}, format="json")
    assert denied.json()["detail"] == (
        f"Your role in this team ({role.label}) does not allow this."
    )


def test_an_editor_writes_but_only_an_owner_deletes_a_list(owner, objects):
    client, key = key_client(owner)
    set_role(owner, key.team_id, Role.EDITOR)
    url = f"/api/v1/lists/{objects['list']['pk']}/"
    assert client.delete(url).status_code == 403
    assert client.patch(url, {"name": "Renamed"}, format="json").status_code == 200
    set_role(owner, key.team_id, Role.OWNER)
    assert client.delete(url).status_code == 204


def test_a_removed_members_key_is_refused_at_once(owner, other_owner):
    lab = team_create(user=owner, name="Lab")
    set_role(other_owner, lab.pk, Role.EDITOR)
    client, _ = key_client(other_owner, team=lab)
    made = client.post("/api/v1/lists/", {"name": "Panel"}, format="json")
    assert made.status_code == 201
    set_role(other_owner, lab.pk, Role.VIEWER)
    assert client.get("/api/v1/lists/").status_code == 200
    assert client.post("/api/v1/lists/", {"name": "X"}, format="json").status_code == (
        403
    )
    set_role(other_owner, lab.pk, None)
    for url in ("/api/v1/lists/", f"/api/v1/lists/{made.json()['id']}/"):
        response = client.get(url)
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"] == (
            "This key's owner is no longer a member of its team."
        )
