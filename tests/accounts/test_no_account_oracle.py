"""Sign-up and password reset tell a stranger nothing about who has an account.

Both answer the same page whether or not the address has an account, and neither
sends mail in the request (a worker does, by the task's stable name), so neither
the page nor its time gives it away. Reset requests are limited per address and
per email (issue 14 point 5).
"""

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db
STRONG = "plum-orchard-47-lantern"


@pytest.fixture(autouse=True)
def fresh_limits(settings):
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for name, config in settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def on_commit(django_capture_on_commit_callbacks):
    # The test's transaction never commits: run each request's on_commit work
    # (core.queue.enqueue) when the request ends, as a real commit would.
    global capture
    capture = django_capture_on_commit_callbacks


def post(client, url, data, **kwargs):
    with capture(execute=True):
        return client.post(url, data, **kwargs)


@pytest.fixture
def enqueued(monkeypatch):
    """The tasks the request hands to the broker, instead of a broker."""
    sent = []
    monkeypatch.setattr(
        "core.queue._send", lambda name, args, countdown: sent.append((name, args))
    )
    return sent


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def page_text(response) -> str:
    text = response.content.decode()
    text = re.sub(r'"X-CSRFToken": "[^"]+"', "", text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def reset(client, email):
    return post(client, reverse("accounts:password_reset"), {"email": email})


def signup(client, email, password=STRONG):
    return post(
        client,
        reverse("accounts:signup"),
        {
            "email": email,
            "password1": password,
            "password2": password,
            "time_zone": "Europe/Paris",
        },
        follow=True,
    )


def test_reset_answers_alike_and_mails_only_from_a_worker(owner, enqueued):
    known = reset(Client(), owner.email)
    unknown = reset(Client(), "nobody@example.org")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert mail.outbox == []  # nothing is sent in the request
    assert enqueued == [
        ("accounts.password_reset_send", (owner.email,)),
        ("accounts.password_reset_send", ("nobody@example.org",)),
    ]


def test_the_reset_task_mails_an_owner_and_nobody_else(owner, eager, settings):
    settings.SITE_URL = "http://canvass.test"
    reset(Client(), "nobody@example.org")
    reset(Client(), owner.email)

    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "http://canvass.test/accounts/password/reset/" in message.body


def test_reset_requests_are_limited_per_email(owner, enqueued, settings):
    settings.PASSWORD_RESET_EMAIL_LIMIT = 3
    answers = [reset(Client(REMOTE_ADDR=f"192.0.2.{n}"), owner.email) for n in range(5)]

    # The same answer each time (no hint), but only three emails.
    assert {a.status_code for a in answers} == {302}
    assert len(enqueued) == 3


def test_reset_requests_are_limited_per_address(enqueued, settings):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 4
    client = Client(REMOTE_ADDR="203.0.113.66")
    answers = [reset(client, f"n{n}@example.org").status_code for n in range(5)]

    assert answers == [302] * 4 + [429]
    assert len(enqueued) == 4
    assert reset(Client(REMOTE_ADDR="198.51.100.2"), "x@example.org").status_code == 302


def test_sign_up_with_a_taken_address_answers_like_a_new_one(owner, enqueued):
    new = signup(Client(), "newcomer@example.org")
    taken = signup(Client(), owner.email.upper())

    assert new.redirect_chain == taken.redirect_chain
    assert page_text(new) == page_text(taken).replace(
        owner.email.upper(), "newcomer@example.org"
    )
    assert "Check your email" in page_text(new)
    assert "already" not in page_text(taken)
    assert mail.outbox == []
    assert [name for name, _ in enqueued] == ["accounts.signup_email_send"] * 2
    assert get_user_model().objects.count() == 1  # no account before confirming


def test_a_new_owner_confirms_by_email_then_lands_signed_in(eager, settings):
    settings.SITE_URL = "http://canvass.test"
    client = Client()
    signup(client, "grace@example.org")

    [message] = mail.outbox
    assert message.to == ["grace@example.org"]
    link = re.search(
        r"http://canvass\.test(/accounts/signup/confirm/\S+/)", message.body
    )
    assert link, message.body
    assert not get_user_model().objects.filter(username="grace@example.org").exists()

    # Opening the link (a mail scanner does) changes nothing; the button does.
    assert "Confirm" in client.get(link[1]).content.decode()
    assert not get_user_model().objects.filter(username="grace@example.org").exists()
    response = post(client, link[1], {}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("surveys:list")
    assert "your account is ready" in response.content.decode()
    user = get_user_model().objects.get(username="grace@example.org")
    assert user.check_password(STRONG)
    assert user.profile.time_zone == "Europe/Paris"
    # The link works once.
    assert "no longer valid" in post(Client(), link[1], {}).content.decode()


def test_the_existing_owner_is_told_by_email_instead(owner, eager, settings):
    settings.SITE_URL = "http://canvass.test"
    signup(Client(), owner.email)

    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "already has a Canvass account" in message.body
    assert "http://canvass.test/accounts/password/reset/" in message.body
    assert "/accounts/signup/confirm/" not in message.body
    assert get_user_model().objects.count() == 1
