"""Bounces and complaints reported after the send (issue 17): VERP return paths,
`manage.py process_bounce` on real DSN samples (tests/distributions/dsn_samples),
Email Bounced, suppressions, idempotence."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse

from config.celery import app as celery_app
from directories.models import Suppression
from distributions.bounces import verp
from distributions.bounces.dsn import report_parse
from distributions.models import Delivery, Distribution
from distributions.selectors.counts import distribution_counts
from distributions.selectors.invitations import invitations_with_status
from distributions.services import bounces as bounces_service
from distributions.services.bounces import (
    DUPLICATE,
    IGNORED,
    RECORDED,
    UNKNOWN,
    bounce_message_process,
    delivery_report_record,
)
from distributions.services.dispatch import distributions_dispatch_due
from distributions.status import InvitationStatus, invitation_status
from distributions.tasks import poll_bounce_mailbox
from tests import harness
from tests.distributions.imap_support import Mailbox, start_imap_server
from tests.distributions.pipeline_support import email_distribution, published_survey
from tests.helpers import history_statuses, make_list

SAMPLES = Path(__file__).parent / "dsn_samples"
BOUNCE_DOMAIN = "bounces.uni.example"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture
def eager(settings):
    """Tasks inline, one lane (as tests/distributions/test_sending.py)."""
    celery_app.conf.task_always_eager = True
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def verp_on(settings):
    settings.BOUNCE_DOMAIN = BOUNCE_DOMAIN


def sent_distribution(smtp_server, n=3):
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=n))
    distributions_dispatch_due()
    smtp_server.wait_for(n)
    return distribution


def process_bounce(raw: bytes, *args) -> str:
    """Run the command as a pipe would: the message on standard input."""
    out = io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(raw))
    old, sys.stdin = sys.stdin, stdin
    try:
        call_command("process_bounce", *args, stdout=out)
    finally:
        sys.stdin = old
    return out.getvalue().strip()


def delivery_to(distribution, address) -> Delivery:
    return Delivery.objects.get(distribution=distribution, invitation__email=address)


# --- The acceptance path: accepted by SMTP, bounced later by a DSN ---------------


def test_an_accepted_email_bounced_later_by_a_dsn(
    db,
    smtp_server,
    eager,
    verp_on,
    owner_client,
    owner,
):
    survey = published_survey(owner)
    distribution = email_distribution(survey, make_list(owner, n=3))
    distributions_dispatch_due()
    mails = smtp_server.wait_for(3)
    delivery = delivery_to(distribution, "person1@example.edu")
    # Each email's envelope sender names its delivery; the From header is unchanged.
    [mail] = smtp_server.to("person1@example.edu")
    assert mail.mail_from == verp.return_path(delivery.pk)
    assert mail.mail_from.startswith(f"bounces+{delivery.pk}-")
    assert mail.mail_from.endswith(f"@{BOUNCE_DOMAIN}")
    assert str(mail.message["From"]) == "Study Team <study@uni.example>"
    assert len({m.mail_from for m in mails}) == 3

    # A real Postfix DSN ("550 unknown user"), returned to that VERP address.
    outcome = process_bounce(
        sample("postfix_failed.eml"), "--recipient", mail.mail_from
    )

    assert outcome == RECORDED
    delivery.refresh_from_db()
    assert delivery.status == "sent"  # the relay accepted it; the report says more
    assert delivery.bounce == "hard" and delivery.bounced_at
    assert "550 unknown user" in delivery.bounce_detail
    suppression = Suppression.objects.get(owner=owner, email="person1@example.edu")
    assert suppression.reason == "bounced"
    invitation = invitations_with_status(distribution=distribution).get(
        email="person1@example.edu"
    )
    assert invitation_status(invitation) == InvitationStatus.EMAIL_BOUNCED
    # The history's Status column and the row's counts.
    statuses = history_statuses(distribution)  # the rows and the COPY CSV
    assert statuses["person1@example.edu"] == "Email Bounced"
    assert statuses["person0@example.edu"] == "Email Sent"
    counts = distribution_counts([distribution])[distribution.pk]
    assert (counts.emails_sent, counts.emails_bounced, counts.emails_failed) == (
        3,
        1,
        0,
    )
    page = owner_client.get(
        reverse("distributions:emails", kwargs={"survey_id": survey.pk})
    ).content.decode()
    assert "Emails Bounced" in page
    assert 'data-count="emails-bounced">1<' in page

    # A reminder skips the bounced address and emails the others.
    reminder = email_distribution(
        survey, None, parent=distribution, message_type="reminder", audience="all"
    )
    distributions_dispatch_due()
    smtp_server.wait_for(5)
    assert len(smtp_server.to("person1@example.edu")) == 1
    assert len(smtp_server.to("person0@example.edu")) == 2
    assert not Delivery.objects.filter(
        distribution=reminder, invitation__email="person1@example.edu", status="queued"
    ).exists()
    # The history keeps Email Bounced after the reminder.
    statuses = history_statuses(distribution)
    assert statuses["person1@example.edu"] == "Email Bounced"


def test_process_bounce_as_a_pipe_in_its_own_process(transactional_db, settings):
    """The real command line: the message on stdin, exit status 0, the row changed."""
    settings.BOUNCE_DOMAIN = BOUNCE_DOMAIN
    delivery = _sent_delivery("person0@example.edu")
    address = verp.return_path(delivery.pk)
    result = subprocess.run(
        [sys.executable, "manage.py", "process_bounce", "--recipient", address],
        input=sample("exim_legacy_text.eml"),
        capture_output=True,
        cwd=Path(__file__).resolve().parents[2],
        env={
            **os.environ,
            "DATABASE_URL": harness.test_database_url(),
            "BOUNCE_DOMAIN": BOUNCE_DOMAIN,
        },
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == RECORDED
    delivery.refresh_from_db()
    assert delivery.bounce == "hard"
    assert "553 5.1.1" in delivery.bounce_detail


def _sent_delivery(email: str, *, message_id: str = "") -> Delivery:
    """One sent delivery to `email` (no SMTP needed: the report comes later)."""
    survey = published_survey()
    contact_list = make_list(survey.owner, rows=[{"email": email}])
    distribution = email_distribution(survey, contact_list)
    from distributions.services.dispatch import _dispatch_one

    _dispatch_one()
    delivery = Delivery.objects.get(distribution=distribution)
    Delivery.objects.filter(pk=delivery.pk).update(
        status="sent", message_id=message_id or f"<m{delivery.pk}@canvass.test>"
    )
    Distribution.objects.filter(pk=distribution.pk).update(status="sent")
    delivery.refresh_from_db()
    return delivery


# --- Reading the samples ----------------------------------------------------------

SAMPLE_KINDS = [
    ("postfix_failed.eml", "hard", "550 unknown user"),
    ("postfix_delayed.eml", "soft", "4.3.0"),
    ("postfix_legacy_text.eml", "soft", ""),
    ("exchange_unknown_recipient.eml", "hard", "not recognized"),
    ("gmail_failed_permanently.eml", "hard", "failed permanently"),
    ("gmail_delayed.eml", "soft", "delayed"),
    ("exim_legacy_text.eml", "hard", "553 5.1.1"),
    ("exim_dsn_gmail_policy.eml", "soft", "5.7.1"),
    ("dsn_user_unknown.eml", "hard", "5.1.1"),
    ("dsn_quota.eml", "soft", "quota"),
    ("hotmail_complaint.eml", "complaint", ""),
]


@pytest.mark.parametrize(("name", "kind", "words"), SAMPLE_KINDS)
def test_each_sample_reads_as_what_it_is(name, kind, words):
    report = report_parse(sample(name))
    assert report.kind == kind
    assert words in report.detail


def test_every_sample_file_is_in_the_table():
    assert {p.name for p in SAMPLES.glob("*.eml")} == {n for n, _, _ in SAMPLE_KINDS}


def test_an_auto_reply_is_no_bounce(db):
    raw = (
        b"From: Someone <someone@example.edu>\r\nTo: bounces+1-000000000000@x.example"
        b"\r\nSubject: Out of office\r\n\r\nI am away until Monday; your message "
        b"will be read when I return. 550 people know this.\r\n"
    )
    assert report_parse(raw).kind == ""
    assert bounce_message_process(raw) == IGNORED


def arf_report(reported_message_id: str, recipient: str = "") -> bytes:
    """An RFC 5965 feedback report as a mailbox provider sends one."""
    return (
        "From: <staff@hotmail.example>\r\n"
        f"To: <{recipient or 'abuse@uni.example'}>\r\n"
        "Subject: FW: Survey\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\r\n'
        "\r\n--b\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
        "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
        "Feedback-Type: abuse\r\nUser-Agent: SomeGenerator/1.0\r\nVersion: 1\r\n"
        "\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: Study Team <study@uni.example>\r\nTo: person0@example.edu\r\n"
        f"Subject: Survey\r\nMessage-ID: {reported_message_id}\r\n\r\nHello\r\n"
        "--b--\r\n"
    ).encode()


# --- Recording: soft, complaint, duplicates, unknown ------------------------------


def test_a_soft_bounce_is_recorded_not_suppressed(db, verp_on):
    delivery = _sent_delivery("person0@example.edu")
    outcome = bounce_message_process(
        sample("postfix_delayed.eml"), recipient=verp.return_path(delivery.pk)
    )
    assert outcome == RECORDED
    delivery.refresh_from_db()
    assert delivery.bounce == "soft" and "4.3.0" in delivery.bounce_detail
    assert not Suppression.objects.exists()
    invitation = invitations_with_status(distribution=delivery.distribution).get()
    assert invitation_status(invitation) == InvitationStatus.EMAIL_SENT


def test_a_complaint_opts_the_address_out(db):
    delivery = _sent_delivery("person0@example.edu", message_id="<abc@canvass.test>")
    # No VERP address in a feedback report: found by the reported Message-ID.
    assert bounce_message_process(arf_report("<abc@canvass.test>")) == RECORDED
    delivery.refresh_from_db()
    assert delivery.complained_at is not None
    suppression = Suppression.objects.get(email="person0@example.edu")
    assert suppression.reason == "opted_out"
    assert suppression.owner_id == delivery.distribution.owner_id
    counts = distribution_counts([delivery.distribution])[delivery.distribution_id]
    assert counts.opted_out == 1
    # Again: nothing changes.
    assert bounce_message_process(arf_report("<abc@canvass.test>")) == DUPLICATE


def test_the_hotmail_complaint_sample(db):
    delivery = _sent_delivery(
        "kijitora@example.com",
        message_id="<0000000000fffffffff0000000000000@example.com>",
    )
    assert bounce_message_process(sample("hotmail_complaint.eml")) == RECORDED
    assert Suppression.objects.get(email="kijitora@example.com").reason == "opted_out"
    delivery.refresh_from_db()
    assert delivery.complained_at


def test_found_by_message_id_when_the_verp_address_is_lost(db):
    # Exim's plain-text bounce quotes the returned message's headers.
    delivery = _sent_delivery(
        "userx@its.example.nl",
        message_id="<19990920022322.A19735@stereo.rotzorg.org>",
    )
    assert bounce_message_process(sample("exim_legacy_text.eml")) == RECORDED
    delivery.refresh_from_db()
    assert delivery.bounce == "hard"


def test_duplicate_and_late_reports_change_nothing(db, verp_on):
    delivery = _sent_delivery("person0@example.edu")
    address = verp.return_path(delivery.pk)
    assert bounce_message_process(
        sample("dsn_user_unknown.eml"), recipient=address
    ) == (RECORDED)
    delivery.refresh_from_db()
    first = (delivery.bounce, delivery.bounce_detail, delivery.bounced_at)
    # The owner takes the address off the opt-out list: a repeat does not add it back.
    Suppression.objects.all().delete()
    assert bounce_message_process(
        sample("dsn_user_unknown.eml"), recipient=address
    ) == (DUPLICATE)
    # A late "delayed" report never turns a hard bounce soft.
    assert bounce_message_process(sample("postfix_delayed.eml"), recipient=address) == (
        DUPLICATE
    )
    delivery.refresh_from_db()
    assert (delivery.bounce, delivery.bounce_detail, delivery.bounced_at) == first
    assert not Suppression.objects.exists()


def test_a_soft_bounce_then_a_hard_one(db):
    delivery = _sent_delivery("person0@example.edu")
    assert delivery_report_record(delivery_id=delivery.pk, kind="soft") == RECORDED
    assert delivery_report_record(delivery_id=delivery.pk, kind="hard") == RECORDED
    delivery.refresh_from_db()
    assert delivery.bounce == "hard"
    assert Suppression.objects.get().reason == "bounced"


def test_unknown_or_forged_deliveries_are_logged_and_ignored(db, verp_on, caplog):
    delivery = _sent_delivery("person0@example.edu")
    forged = f"bounces+{delivery.pk}-000000000000@{BOUNCE_DOMAIN}"
    caplog.set_level(logging.WARNING, logger="distributions.services.bounces")
    for recipient in (forged, f"bounces+999999-abcdefabcdef@{BOUNCE_DOMAIN}", ""):
        outcome = bounce_message_process(
            sample("dsn_user_unknown.eml"), recipient=recipient
        )
        assert outcome == UNKNOWN
    assert "no known delivery" in caplog.text
    assert delivery_report_record(delivery_id=999999, kind="hard") == UNKNOWN
    delivery.refresh_from_db()
    assert delivery.bounce == "" and not Suppression.objects.exists()


def test_verp_is_off_without_a_bounce_domain(
    db,
    smtp_server,
    eager,
    settings,
):
    settings.BOUNCE_DOMAIN = ""
    sent_distribution(smtp_server, n=1)
    [mail] = smtp_server.received
    assert mail.mail_from == "canvass@localhost"


@pytest.mark.parametrize(
    "value", ["bounces@uni.example", "https://uni.example", "uni", "uni.example:25"]
)
def test_a_bad_bounce_domain_is_named_by_the_checks(settings, value):
    settings.BOUNCE_DOMAIN = value
    messages = [m.msg for m in run_checks() if m.id == "canvass.E004"]
    assert len(messages) == 1 and "BOUNCE_DOMAIN" in messages[0]


def test_a_good_bounce_domain_passes_the_checks(settings):
    settings.BOUNCE_DOMAIN = BOUNCE_DOMAIN
    assert not [m for m in run_checks() if m.id == "canvass.E004"]


# --- The bounce mailbox (IMAP) ----------------------------------------------------


@pytest.fixture
def imap_mailbox(settings):
    mailbox = Mailbox()
    server, port = start_imap_server(mailbox)
    settings.BOUNCE_IMAP_HOST = "127.0.0.1"
    settings.BOUNCE_IMAP_PORT = port
    settings.BOUNCE_IMAP_SSL = False
    settings.BOUNCE_IMAP_USER = mailbox.user
    settings.BOUNCE_IMAP_PASSWORD = mailbox.password
    yield mailbox
    server.shutdown()
    server.server_close()


def test_the_bounce_mailbox_is_read_and_emptied(db, verp_on, imap_mailbox):
    hard = _sent_delivery("person0@example.edu")
    soft = _sent_delivery("person1@example.edu")
    # As a mailbox holds them: the VERP address in Delivered-To.
    for delivery, name in (
        (hard, "gmail_failed_permanently.eml"),
        (soft, "gmail_delayed.eml"),
    ):
        imap_mailbox.add(
            f"Delivered-To: {verp.return_path(delivery.pk)}\r\n".encode() + sample(name)
        )
    imap_mailbox.add(b"From: a@example.org\r\nSubject: hello\r\n\r\nNot a bounce.\r\n")

    assert poll_bounce_mailbox.apply().get() == 3

    hard.refresh_from_db()
    soft.refresh_from_db()
    assert (hard.bounce, soft.bounce) == ("hard", "soft")
    assert Suppression.objects.get().email == "person0@example.edu"
    assert imap_mailbox.messages == {}
    # Nothing new: nothing to do.
    assert poll_bounce_mailbox.apply().get() == 0


def test_a_database_outage_leaves_the_mailbox_as_it_was(db, imap_mailbox, monkeypatch):
    imap_mailbox.add(sample("dsn_user_unknown.eml"))

    def database_down(messages):
        raise OperationalError("the database is restarting")

    monkeypatch.setattr(bounces_service, "bounce_messages_process", database_down)
    with pytest.raises(OperationalError):
        bounces_service.bounce_mailbox_poll()
    [(raw, flags)] = imap_mailbox.messages.values()
    assert flags == set()


def test_the_poll_is_scheduled_only_with_a_mailbox(monkeypatch):
    assert "distributions.poll_bounce_mailbox" not in _periodic_tasks({})
    assert (
        _periodic_tasks({"BOUNCE_IMAP_HOST": "imap.uni.example"})[
            "distributions.poll_bounce_mailbox"
        ]
        == 60
    )


def _periodic_tasks(environ: dict) -> dict:
    code = (
        "from django.conf import settings; import json; "
        "print(json.dumps(settings.CELERY_PERIODIC_TASKS))"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **environ},
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)
