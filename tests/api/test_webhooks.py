"""Webhooks: a real receiver on loopback verifies Standard Webhooks signatures,
sees a retry after it answered 500; tampering fails; private targets, redirects,
a day of failures."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from api.models import WebhookEndpoint, WebhookMessage
from api.webhooks.delivery import webhook_messages_send_due
from api.webhooks.events import webhook_events_collect
from api.webhooks.signing import verify
from directories.models import Suppression
from distributions.models import Invitation
from distributions.services.links import links_generate
from teams.services import personal_team_id
from tests.api.support import Receiver
from tests.distributions.pipeline_support import published_survey
from tests.helpers import answer_survey, make_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def receiver():
    made = []

    def make(*answers):
        made.append(Receiver(answers))
        return made[-1]

    yield make
    for one in made:
        one.close()


def _endpoint(owner_client, url, events):
    response = owner_client.post(
        reverse("api:webhooks"), {"url": url, "events": events, "description": "lab"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return WebhookEndpoint.objects.get(url=url)


def test_finished_response_is_signed_retried_after_500_and_logged(
    owner_client, owner, loopback_allowed, receiver
):
    hook = receiver(500, 200)
    endpoint = _endpoint(owner_client, hook.url, ["response.finished"])
    assert endpoint.secret.startswith("whsec_")
    survey = published_survey(owner)
    contact_list = make_list(owner, n=2)
    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=contact_list,
        expires_at=timezone.now() + timedelta(days=3),
    )
    first = Invitation.objects.filter(distribution=batch).order_by("id").first()
    answer_survey(first)
    webhook_events_collect()
    webhook_events_collect()  # an overlapping poll queues nothing twice
    assert WebhookMessage.objects.count() == 1
    assert webhook_messages_send_due() == 2  # 500, then the retry at once (base 0)
    assert len(hook.calls) == 2
    (headers1, body1), (headers2, body2) = hook.calls
    assert verify(endpoint.secret, headers1, body1)
    assert verify(endpoint.secret, headers2, body2)
    assert headers1["webhook-id"] == headers2["webhook-id"]
    event = json.loads(body2)
    assert event["type"] == "response.finished"
    assert event["data"]["email"] == first.email
    # Tampered: another body, or another secret, does not verify.
    assert not verify(endpoint.secret, headers2, body2.replace(b"finished", b"started"))
    other = WebhookEndpoint(secret="whsec_" + "A" * 43 + "=").secret
    assert not verify(other, headers2, body2)
    message = WebhookMessage.objects.get()
    assert message.status == "delivered" and message.attempts == 2
    page = owner_client.get(reverse("api:webhook", args=[endpoint.pk])).content.decode()
    assert "Answered 500" in page and "200 OK" in page


def test_unsubscribe_event_and_other_owners_see_nothing(
    owner_client, owner, other_owner, loopback_allowed, receiver, client
):
    hook = receiver()
    endpoint = _endpoint(owner_client, hook.url, ["contact.unsubscribed"])
    Suppression.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        email="gone@uni.edu",
        reason="opted_out",
    )
    Suppression.objects.create(
        owner=other_owner,
        team_id=personal_team_id(other_owner.pk),
        email="x@uni.edu",
        reason="opted_out",
    )
    Suppression.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        email="manual@uni.edu",
        reason="manual",
    )
    webhook_events_collect()
    webhook_messages_send_due()
    assert [json.loads(body)["data"]["email"] for _, body in hook.calls] == [
        "gone@uni.edu"
    ]
    client.force_login(other_owner)
    assert client.get(reverse("api:webhook", args=[endpoint.pk])).status_code == 404


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://169.254.169.254/"],
)
def test_private_and_loopback_targets_are_refused(owner_client, url):
    response = owner_client.post(
        reverse("api:webhooks"), {"url": url, "events": ["response.started"]}
    )
    assert response.status_code == 400
    assert "private or local network" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_redirects_are_not_followed(owner_client, owner, loopback_allowed, receiver):
    hook = receiver(302)
    _endpoint(owner_client, hook.url, ["contact.unsubscribed"])
    Suppression.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        email="gone@uni.edu",
        reason="opted_out",
    )
    webhook_events_collect()
    webhook_messages_send_due(now=timezone.now())
    assert len(hook.calls) == 1  # /elsewhere never called
    message = WebhookMessage.objects.get()
    assert message.status == "pending"
    assert "redirects are not followed" in message.attempt_log.get().error


def test_a_day_of_failures_disables_the_endpoint_and_emails_the_owner(
    owner_client, owner, loopback_allowed, receiver
):
    hook = receiver(500, 500)
    endpoint = _endpoint(owner_client, hook.url, ["contact.unsubscribed"])
    Suppression.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        email="gone@uni.edu",
        reason="opted_out",
    )
    webhook_events_collect()
    webhook_messages_send_due(now=timezone.now())
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.failing_since and not mail.outbox
    day_later = timezone.now() + timedelta(days=1, seconds=5)
    WebhookMessage.objects.update(next_attempt_at=timezone.now())
    webhook_messages_send_due(now=day_later)
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert WebhookMessage.objects.get().status == "failed"
    [sent] = mail.outbox
    assert sent.to == [owner.email] and hook.url in sent.body
    owner_client.post(reverse("api:webhook_enable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.failing_since is None


def test_the_periodic_task_finds_and_sends(
    owner_client, owner, loopback_allowed, receiver
):
    from api.tasks import webhooks_tick

    hook = receiver()
    endpoint = _endpoint(owner_client, hook.url, ["import.finished"])
    contact_list = make_list(owner, n=0)
    from directories.models import ContactImport

    ContactImport.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        contact_list=contact_list,
        original_name="a.csv",
        status="done",
        added=3,
        finished_at=timezone.now(),
    )
    webhooks_tick.apply()
    [(headers, body)] = hook.calls
    assert verify(endpoint.secret, headers, body)
    assert json.loads(body)["data"]["added"] == 3
