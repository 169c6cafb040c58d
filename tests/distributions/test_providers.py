"""Email service providers (issue 17 c): the backend chosen by environment
variables, anymail's test backend through the real pipeline, and real tracking
webhook POSTs (signed or with basic auth; forged ones refused with 403)."""

import base64
import hashlib
import hmac
import json

import pytest
from django.core import mail

from config.celery import app as celery_app
from config.email_provider import email_provider_settings
from config.env import SettingError
from directories.models import Suppression
from distributions.bounces.verp import delivery_reference
from distributions.models import Delivery
from distributions.services.dispatch import distributions_dispatch_due
from tests.distributions.pipeline_support import email_distribution, published_survey
from tests.helpers import make_list

SECRET = "anymail-user:a long webhook password"
SIGNING_KEY = "mailgun-signing-key-for-tests"


# --- Choosing the backend -----------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "backend", "anymail"),
    [
        ({}, "django.core.mail.backends.filebased.EmailBackend", {}),
        (
            {"EMAIL_HOST": "smtp.uni.example"},
            "django.core.mail.backends.smtp.EmailBackend",
            {},
        ),
        (
            {"EMAIL_PROVIDER": "postmark", "POSTMARK_SERVER_TOKEN": "t"},
            "anymail.backends.postmark.EmailBackend",
            {"POSTMARK_SERVER_TOKEN": "t"},
        ),
        (
            {
                "EMAIL_PROVIDER": "Mailgun",
                "MAILGUN_API_KEY": "k",
                "MAILGUN_WEBHOOK_SIGNING_KEY": "s",
                "ANYMAIL_WEBHOOK_SECRET": "u:p",
            },
            "anymail.backends.mailgun.EmailBackend",
            {
                "MAILGUN_API_KEY": "k",
                "MAILGUN_WEBHOOK_SIGNING_KEY": "s",
                "WEBHOOK_SECRET": "u:p",
            },
        ),
        (
            {"EMAIL_PROVIDER": "amazon_ses"},
            "anymail.backends.amazon_ses.EmailBackend",
            {},
        ),
        (
            {"EMAIL_PROVIDER": "sendgrid", "SENDGRID_API_KEY": "k"},
            "anymail.backends.sendgrid.EmailBackend",
            {"SENDGRID_API_KEY": "k"},
        ),
        (
            {"EMAIL_PROVIDER": "brevo", "BREVO_API_KEY": "k"},
            "anymail.backends.brevo.EmailBackend",
            {"BREVO_API_KEY": "k"},
        ),
    ],
)
def test_the_backend_comes_from_the_environment(environ, backend, anymail):
    _provider, chosen, settings = email_provider_settings(environ)
    assert (chosen, settings) == (backend, anymail)


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"EMAIL_PROVIDER": "sparkpost"}, "EMAIL_PROVIDER"),
        ({"EMAIL_PROVIDER": "postmark"}, "POSTMARK_SERVER_TOKEN"),
        ({"EMAIL_PROVIDER": "mailgun"}, "MAILGUN_API_KEY"),
        ({"EMAIL_PROVIDER": "smtp"}, "EMAIL_HOST"),
        ({"ANYMAIL_WEBHOOK_SECRET": "no-colon"}, "ANYMAIL_WEBHOOK_SECRET"),
    ],
)
def test_a_bad_provider_setting_is_named(environ, named):
    with pytest.raises(SettingError, match=named):
        email_provider_settings(environ)


# --- Sending through a provider (anymail's test backend) ------------------------


@pytest.fixture
def provider(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": SECRET,
        "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY,
    }
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    celery_app.conf.task_always_eager = True
    mail.outbox = []
    yield
    celery_app.conf.task_always_eager = False


def sent_through_provider(n=2):
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=n))
    distributions_dispatch_due()
    return distribution


def test_a_distribution_goes_out_through_the_provider(db, provider):
    distribution = sent_through_provider(n=3)

    assert len(mail.outbox) == 3
    deliveries = {d.invitation.email: d for d in distribution.deliveries.all()}
    assert {d.status for d in deliveries.values()} == {"sent"}
    for message in mail.outbox:
        [to] = message.to
        delivery = deliveries[to]
        # The owner's From is the message's sender; the provider sets the envelope.
        assert message.from_email == "Study Team <study@uni.example>"
        assert "From" not in message.extra_headers
        assert message.metadata == {"canvass_delivery": delivery_reference(delivery.pk)}
        # The provider's id is stored on the delivery.
        assert delivery.provider_message_id == str(message.anymail_status.message_id)
        assert "/s/" in message.body
    distribution.refresh_from_db()
    assert distribution.status == "sent"


# --- Tracking webhooks ------------------------------------------------------------


def basic_auth(credentials: str) -> dict:
    token = base64.b64encode(credentials.encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def postmark_event(delivery, record_type="Bounce", bounce_type="HardBounce", **extra):
    return {
        "RecordType": record_type,
        "Type": bounce_type,
        "TypeCode": 1,
        "MessageID": delivery.provider_message_id
        or "883953f4-6105-42a2-a16a-77a8eac79483",
        "Email": delivery.invitation.email,
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "BouncedAt": "2026-12-01T16:33:54.9070259Z",
        "Metadata": {"canvass_delivery": delivery_reference(delivery.pk)},
        "MessageStream": "outbound",
        **extra,
    }


def post_postmark(client, payload, auth=SECRET):
    return client.post(
        "/anymail/postmark/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        **(basic_auth(auth) if auth else {}),
    )


def test_a_postmark_hard_bounce_webhook(db, client, provider):
    distribution = sent_through_provider()
    delivery = distribution.deliveries.order_by("pk").first()

    response = post_postmark(client, postmark_event(delivery))

    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.bounce == "hard" and "550 5.1.1" in delivery.bounce_detail
    assert Suppression.objects.get(email=delivery.invitation.email).reason == "bounced"
    # Again: 200 (the provider stops retrying), nothing new.
    assert post_postmark(client, postmark_event(delivery)).status_code == 200
    assert Suppression.objects.count() == 1


def test_a_signed_complaint_opts_the_contact_out(db, client, provider):
    """Mailgun signs its webhooks (HMAC of timestamp and token)."""
    distribution = sent_through_provider()
    delivery = distribution.deliveries.order_by("pk").first()
    timestamp, token = "1764600000", "f1a2b3c4d5e6f708192a3b4c5d6e7f80"
    signature = hmac.new(
        SIGNING_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256
    ).hexdigest()
    payload = {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {
            "event": "complained",
            "id": "-Agny091SquKnsrW2NEKUA",
            "timestamp": 1764600000.0,
            "recipient": delivery.invitation.email,
            "message": {"headers": {"message-id": "20261201.1@mg.uni.example"}},
            "user-variables": {"canvass_delivery": delivery_reference(delivery.pk)},
        },
    }

    response = client.post(
        "/anymail/mailgun/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        **basic_auth(SECRET),
    )

    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.complained_at is not None
    assert (
        Suppression.objects.get(email=delivery.invitation.email).reason == "opted_out"
    )

    # The same call with a forged signature: 403, nothing changes.
    Suppression.objects.all().delete()
    Delivery.objects.filter(pk=delivery.pk).update(complained_at=None)
    payload["signature"]["signature"] = "0" * 64
    response = client.post(
        "/anymail/mailgun/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        **basic_auth(SECRET),
    )
    assert response.status_code == 403
    delivery.refresh_from_db()
    assert delivery.complained_at is None and not Suppression.objects.exists()


@pytest.mark.parametrize("auth", ["anymail-user:wrong password", ""])
def test_a_forged_webhook_is_refused(db, client, provider, auth):
    distribution = sent_through_provider()
    delivery = distribution.deliveries.order_by("pk").first()

    response = post_postmark(client, postmark_event(delivery), auth=auth)

    assert response.status_code == 403
    delivery.refresh_from_db()
    assert delivery.bounce == "" and not Suppression.objects.exists()


def test_webhooks_refuse_everything_without_a_secret(db, client, provider, settings):
    settings.ANYMAIL = {}
    distribution = sent_through_provider()
    delivery = distribution.deliveries.order_by("pk").first()

    assert post_postmark(client, postmark_event(delivery), auth="").status_code == 403
    delivery.refresh_from_db()
    assert delivery.bounce == ""


def test_a_soft_bounce_and_a_forged_reference(db, client, provider):
    distribution = sent_through_provider()
    first, second = distribution.deliveries.order_by("pk")

    soft = postmark_event(first, bounce_type="SoftBounce")
    assert post_postmark(client, soft).status_code == 200
    first.refresh_from_db()
    assert first.bounce == "soft" and not Suppression.objects.exists()

    # A reference whose check is wrong and an unknown provider id: ignored.
    forged = postmark_event(second, MessageID="no-such-id")
    forged["Metadata"] = {"canvass_delivery": f"{second.pk}-000000000000"}
    assert post_postmark(client, forged).status_code == 200
    second.refresh_from_db()
    assert second.bounce == ""


def test_found_by_the_provider_message_id_without_metadata(db, client, provider):
    distribution = sent_through_provider()
    delivery = distribution.deliveries.order_by("pk").last()
    event = postmark_event(delivery)
    event["Metadata"] = {}

    assert post_postmark(client, event).status_code == 200
    delivery.refresh_from_db()
    assert delivery.bounce == "hard"


@pytest.mark.parametrize(
    ("status_code", "outcome", "status"),
    [(503, "retried", "queued"), (429, "retried", "queued"), (422, "failed", "failed")],
)
def test_provider_errors_retry_or_fail(
    db, provider, monkeypatch, status_code, outcome, status
):
    import requests
    from anymail.backends.test import EmailBackend
    from anymail.exceptions import AnymailAPIError

    def refuse(self, payload, message):
        response = requests.Response()
        response.status_code, response.reason = status_code, "refused"
        raise AnymailAPIError("refused", status_code=status_code, response=response)

    monkeypatch.setattr(EmailBackend, "post_to_esp", refuse)
    celery_app.conf.task_always_eager = False
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=1))
    distributions_dispatch_due()
    [delivery] = distribution.deliveries.all()
    from distributions.services.send import deliveries_send

    assert deliveries_send(delivery_ids=[delivery.pk]) == {outcome: 1}
    delivery.refresh_from_db()
    assert delivery.status == status and "refused" in delivery.error
