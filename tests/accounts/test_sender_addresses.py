"""Profile → Sender addresses: add, confirm by the emailed one-time link, remove
(issue 14 point 4); accounts.selectors.sender_allowed is the one check."""

import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import SenderAddress
from accounts.selectors import sender_allowed, sender_problem
from config.celery import app as celery_app
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager(settings, django_capture_on_commit_callbacks):
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for name, config in settings.CACHES.items()
    }
    settings.SITE_URL = "http://canvass.test"
    settings.ALLOWED_FROM_DOMAINS = []
    global capture
    capture = django_capture_on_commit_callbacks
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def add(client, email):
    with capture(execute=True):
        return client.post(
            reverse("accounts:sender_add"), {"email": email}, follow=True
        )


def link_in(message) -> str:
    return re.search(
        r"http://canvass\.test(/accounts/profile/senders/\S+/)", message.body
    )[1]


def test_an_address_is_allowed_once_confirmed_by_its_link(owner_client, owner):
    assert not sender_allowed(owner, "study@uni.example")
    page = add(owner_client, "study@uni.example").content.decode()
    assert "We emailed a confirmation link to study@uni.example" in page
    assert "Waiting for confirmation" in page

    [message] = mail.outbox
    assert message.to == ["study@uni.example"]
    link = link_in(message)
    sender = SenderAddress.objects.get(owner=owner)
    assert sender.token_digest and sender.token_digest not in message.body
    # Opening the link confirms nothing (mail scanners open links).
    assert "Confirm" in owner_client.get(link).content.decode()
    assert not sender_allowed(owner, "study@uni.example")

    page = owner_client.post(link, follow=True).content.decode()

    assert "You can now send from study@uni.example" in page
    assert "Confirmed" in page
    assert sender_allowed(owner, "STUDY@uni.example")
    # One time only.
    assert owner_client.post(link).status_code == 404


def test_a_link_expires_and_works_only_for_its_owner(owner_client, owner, client):
    add(owner_client, "study@uni.example")
    link = link_in(mail.outbox[0])

    other = UserFactory()
    client.force_login(other)
    assert client.post(link).status_code == 404
    assert not sender_allowed(other, "study@uni.example")

    SenderAddress.objects.update(token_expires_at=timezone.now() - timedelta(seconds=1))
    assert owner_client.post(link).status_code == 404
    assert not sender_allowed(owner, "study@uni.example")


def test_removing_an_address_stops_it(owner_client, owner):
    SenderAddress.objects.create(
        owner=owner, email="study@uni.example", confirmed_at=timezone.now()
    )
    assert sender_allowed(owner, "study@uni.example")
    sender = SenderAddress.objects.get()

    owner_client.post(reverse("accounts:sender_remove", args=[sender.pk]))

    assert not sender_allowed(owner, "study@uni.example")


def test_confirmation_emails_are_limited_per_owner(owner_client):
    for n in range(10):
        add(owner_client, f"a{n}@uni.example")
    page = add(owner_client, "a10@uni.example").content.decode()

    assert len(mail.outbox) == 10
    assert "Too many confirmation emails this hour" in page


def test_who_may_send_from_what(owner, settings):
    assert sender_allowed(owner, owner.email)
    assert sender_allowed(owner, "canvass@localhost")  # the instance's own
    assert not sender_allowed(owner, "rector@another-university.example")
    problem = sender_problem(owner, "rector@another-university.example")
    assert "Sender addresses" in problem

    settings.ALLOWED_FROM_DOMAINS = ["uni.example", "*.uni.example"]
    assert sender_allowed(owner, "dean@uni.example")
    assert sender_allowed(owner, "lab@psych.uni.example")
    assert not sender_allowed(owner, "x@evil-uni.example")
    assert "uni.example" in sender_problem(owner, "x@evil-uni.example")
