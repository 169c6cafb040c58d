"""Webhook endpoints through the API: add (the secret shown), list, read, turn on,
delete, and the attempt log of real calls to a receiver on loopback."""

import pytest

from api.models import WebhookEndpoint
from api.webhooks.delivery import webhook_messages_send_due
from api.webhooks.events import webhook_events_collect
from api.webhooks.signing import verify
from directories.models import Suppression
from teams.services import personal_team_id
from tests.api.support import Receiver, key_client

pytestmark = pytest.mark.django_db
BASE = "/api/v1/webhooks/"


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def hook():
    receiver = Receiver([500, 200])
    yield receiver
    receiver.close()


def test_add_list_read_and_the_attempt_log(owner, loopback_allowed, hook):
    api, _ = key_client(owner)
    created = api.post(
        BASE,
        {"url": hook.url, "events": ["contact.unsubscribed"], "description": "lab"},
        format="json",
    )
    assert created.status_code == 201, created.content
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_") and endpoint["enabled"]
    listed = api.get(BASE).json()["results"]
    assert [row["id"] for row in listed] == [endpoint["id"]]
    assert "secret" not in listed[0]
    one = f"{BASE}{endpoint['id']}/"
    assert api.get(one).json()["secret"] == endpoint["secret"]
    Suppression.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        email="gone@uni.edu",
        reason="opted_out",
    )
    webhook_events_collect()
    assert webhook_messages_send_due() == 2  # 500, then the retry
    headers, body = hook.calls[-1]
    assert verify(endpoint["secret"], headers, body)
    attempts = api.get(f"{one}attempts/?limit=1")
    page = attempts.json()
    assert [row["status_code"] for row in page["results"]] == [500]
    second = api.get(page["next"]).json()["results"]
    assert [row["status_code"] for row in second] == [200]
    assert second[0]["message_id"] == headers["webhook-id"]
    assert second[0]["event_type"] == "contact.unsubscribed"
    assert second[0]["message_status"] == "delivered"
    WebhookEndpoint.objects.filter(pk=endpoint["id"]).update(
        enabled=False, disabled_reason="A day of failures."
    )
    assert api.post(f"{one}enable/").json()["enabled"] is True
    assert api.delete(one).status_code == 204
    assert api.get(one).status_code == 404
    assert not WebhookEndpoint.objects.exists()


def test_refused_targets_unknown_events_and_read_only_keys(owner, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    api, _ = key_client(owner)
    private = api.post(
        BASE,
        {"url": "http://127.0.0.1:9/hook", "events": ["response.started"]},
        format="json",
    )
    assert private.status_code == 400
    assert private.json()["errors"][0]["field"] == "url"
    assert "private or local network" in private.json()["detail"]
    unknown = api.post(
        BASE, {"url": "https://example.com/", "events": ["nope"]}, format="json"
    )
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"].startswith("events")
    reader, _ = key_client(owner, access="read")
    refused = reader.post(
        BASE, {"url": "https://example.com/", "events": ["response.started"]}
    )
    assert refused.status_code == 403
    assert not WebhookEndpoint.objects.exists()
