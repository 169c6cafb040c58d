"""The API in a shared team: a key is made in the team the switcher shows and acts
there with its maker's role; webhook endpoints are the team's, managed by its
Editors and fed with the team's events, whoever made the data."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiKey, WebhookEndpoint, WebhookMessage
from api.webhooks.delivery import webhook_messages_send_due
from api.webhooks.endpoints import webhook_endpoint_create
from api.webhooks.events import webhook_events_collect
from directories.models import ContactList
from distributions.models import Invitation
from distributions.services.links import links_generate
from surveys.models import Survey
from teams.models import Role
from teams.selectors import SESSION_KEY
from teams.services import team_create
from tests.api.support import Receiver, key_client, set_role
from tests.distributions.pipeline_support import published_survey
from tests.factories import UserFactory
from tests.helpers import answer_survey, make_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(owner, other_owner):
    """A team of `owner` (Owner) and `other_owner` (Editor)."""
    team = team_create(user=owner, name="Sleep lab")
    set_role(other_owner, team.pk, Role.EDITOR)
    return team


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


def _switch(client, user, team):
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = team.pk
    session.save()


def test_a_key_is_made_in_the_team_the_switcher_shows(client, other_owner, lab):
    _switch(client, other_owner, lab)
    response = client.post(reverse("api:keys"), {"name": "Sync", "access": "write"})
    assert response.status_code == 200
    key = ApiKey.objects.get(owner=other_owner)
    assert key.team_id == lab.pk
    assert "Sleep lab" in client.get(reverse("api:keys")).content.decode()
    # Its lists go to the team.
    api, _ = key_client(other_owner, team=lab)
    made = api.post("/api/v1/lists/", {"name": "Panel"}, format="json")
    assert made.status_code == 201
    assert ContactList.objects.get(pk=made.json()["id"]).team_id == lab.pk


def test_another_members_key_cannot_be_revoked_by_a_teammate(client, owner, lab):
    _, key = key_client(owner, team=lab)
    teammate = UserFactory()
    set_role(teammate, lab.pk, Role.OWNER)
    client.force_login(teammate)
    assert client.post(reverse("api:key_revoke", args=[key.pk])).status_code == 404


def test_webhook_endpoints_are_the_teams_and_need_edit(
    client, owner, other_owner, lab, loopback_allowed
):
    editor_api, _ = key_client(other_owner, team=lab)
    created = editor_api.post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:9/hook", "events": ["response.finished"]},
        format="json",
    )
    assert created.status_code == 201
    endpoint = WebhookEndpoint.objects.get(pk=created.json()["id"])
    assert endpoint.team_id == lab.pk and endpoint.owner == other_owner
    # The team's Owner manages it, on the page of the team the switcher shows.
    _switch(client, owner, lab)
    page = client.get(reverse("api:webhooks")).content.decode()
    assert "http://127.0.0.1:9/hook" in page
    assert client.get(reverse("api:webhook", args=[endpoint.pk])).status_code == 200
    owner_api, _ = key_client(owner, team=lab)
    assert owner_api.get(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 200
    # An Analyst sees neither the endpoints nor the page; an outsider gets 404.
    set_role(other_owner, lab.pk, Role.ANALYST)
    assert editor_api.get("/api/v1/webhooks/").status_code == 403
    assert editor_api.get(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 403
    _switch(client, other_owner, lab)
    assert client.get(reverse("api:webhooks")).status_code == 403
    assert client.get(reverse("api:webhook", args=[endpoint.pk])).status_code == 403
    assert (
        client.post(reverse("api:webhook_delete", args=[endpoint.pk])).status_code
        == 403
    )
    client.force_login(UserFactory())
    assert client.get(reverse("api:webhook", args=[endpoint.pk])).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_events_go_to_the_endpoints_of_the_team_whose_data_changed(
    owner, other_owner, lab, loopback_allowed
):
    receiver = Receiver([])
    try:
        # The Editor's endpoint in the lab; the Owner's in their personal team.
        in_lab = webhook_endpoint_create(
            owner=other_owner, team=lab, url=receiver.url, events=["response.finished"]
        )
        personal = webhook_endpoint_create(
            owner=owner, url=receiver.url + "2", events=["response.finished"]
        )
        survey = published_survey(owner)
        Survey.objects.filter(pk=survey.pk).update(team=lab)
        survey.refresh_from_db()
        contact_list = make_list(owner, n=1)
        ContactList.objects.filter(pk=contact_list.pk).update(team=lab)
        contact_list.refresh_from_db()
        batch = links_generate(
            user=owner,
            survey=survey,
            contact_list=contact_list,
            expires_at=timezone.now() + timedelta(days=3),
        )
        answer_survey(Invitation.objects.get(distribution=batch))
        assert webhook_events_collect() == 1
        message = WebhookMessage.objects.get()
        assert message.endpoint == in_lab and message.endpoint != personal
        webhook_messages_send_due()
        [(_, body)] = receiver.calls
        assert json.loads(body)["data"]["survey_id"] == survey.pk
    finally:
        receiver.close()
