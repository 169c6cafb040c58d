"""Verified senders: an owner sends only From an address they may use (issue 14
point 4). Compose Email, reminders, thank-yous and the preview email refuse any
other at once with what to do; the envelope sender is always the instance's, and
an email whose From is no longer allowed when it is sent goes From the instance
with the owner's address as Reply-To."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import SenderAddress
from distributions.models import Distribution, Invitation
from distributions.services.email_message import delivery_email, email_bytes
from distributions.services.links import links_generate
from tests.distributions.pipeline_support import email_distribution
from tests.distributions.test_compose import compose_url
from tests.distributions.test_compose import form_data as compose_data
from tests.distributions.test_reminders import form_data as reminder_data
from tests.distributions.ui_support import published_survey
from tests.helpers import make_list

pytestmark = pytest.mark.django_db
ROGUE = "rector@another-university.example"


@pytest.fixture(autouse=True)
def no_allowed_domains(settings):
    settings.ALLOWED_FROM_DOMAINS = []
    settings.DEFAULT_FROM_EMAIL = "Canvass <canvass@instance.example>"


@pytest.fixture
def survey(owner):
    return published_survey(owner)


@pytest.fixture
def students(owner):
    return make_list(owner, n=2)


def compose(client, survey, the_list, **changes):
    return client.post(compose_url(survey), compose_data(the_list, **changes))


def test_compose_refuses_a_from_the_owner_may_not_use(owner_client, survey, students):
    response = compose(owner_client, survey, students, from_email=ROGUE)

    page = response.content.decode()
    assert response.status_code == 200
    assert f"You cannot send from {ROGUE}" in page
    assert "Sender addresses" in page
    assert not Distribution.objects.filter(kind="email").exists()


def test_the_preview_email_is_refused_too(owner_client, survey, students):
    response = compose(
        owner_client, survey, students, from_email=ROGUE, action="preview"
    )

    assert f"You cannot send from {ROGUE}" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("allowed", ["own", "confirmed", "domain", "instance"])
def test_compose_sends_from_an_allowed_address(
    owner_client, owner, survey, students, settings, allowed
):
    address = {
        "own": owner.email,
        "confirmed": "study@uni.example",
        "domain": "dean@faculty.example",
        "instance": "canvass@instance.example",
    }[allowed]
    SenderAddress.objects.create(
        owner=owner, email="study@uni.example", confirmed_at=timezone.now()
    )
    settings.ALLOWED_FROM_DOMAINS = ["faculty.example"]

    response = compose(owner_client, survey, students, from_email=address)

    assert response.status_code == 302, response.content.decode()
    assert Distribution.objects.get(kind="email").from_email == address


def test_a_waiting_address_is_not_allowed(owner_client, owner, survey, students):
    SenderAddress.objects.create(owner=owner, email="study@uni.example")
    response = compose(owner_client, survey, students, from_email="study@uni.example")
    assert "You cannot send from study@uni.example" in response.content.decode()


def test_reminders_and_thank_yous_refuse_it(owner, owner_client):
    batch = links_generate(
        user=owner,
        survey=survey_for(owner),
        contact_list=make_list(owner, n=2),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    for kind in ("reminder_new", "thank_you_new"):
        url = reverse(
            f"distributions:{kind}",
            kwargs={"survey_id": batch.survey_id, "pk": batch.pk},
        )
        data = reminder_data(from_email=ROGUE)
        if kind == "thank_you_new":
            data["audience"] = "finished"
        response = owner_client.post(url, data)
        assert f"You cannot send from {ROGUE}" in response.content.decode()
    assert not Distribution.objects.filter(parent=batch).exists()


def survey_for(owner):
    from tests.factories import build_survey

    return build_survey(owner)


def one_email(owner, **fields):
    survey = published_survey(owner, title="Envelope")
    distribution = email_distribution(survey, make_list(owner, n=1), **fields)
    invitation = Invitation.objects.create(
        distribution=distribution,
        email="ana@example.edu",
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    return delivery_email(distribution=distribution, invitation=invitation)


def test_the_envelope_sender_is_always_the_instances(owner):
    message = one_email(owner, from_email=owner.email, reply_to="")
    envelope, recipients, data = email_bytes(message)

    assert envelope == "canvass@instance.example"
    assert f"From: Study Team <{owner.email}>".encode() in data
    assert data.count(b"\r\nFrom: ") + data.startswith(b"From: ") == 1
    assert message.message()["From"] == f"Study Team <{owner.email}>"
    assert message.from_email == "Canvass <canvass@instance.example>"


def test_a_from_no_longer_allowed_goes_from_the_instance_with_reply_to(owner):
    # Scheduled while the address was confirmed; removed before it was sent.
    message = one_email(owner, from_email="study@uni.example", reply_to="")
    envelope, _, data = email_bytes(message)

    assert envelope == "canvass@instance.example"
    assert b"From: Study Team <canvass@instance.example>" in data
    assert b"Reply-To: study@uni.example" in data
    assert b"study@uni.example" not in data.split(b"Reply-To")[0]
