"""Each email as it arrives at a real SMTP server: parts, headers, no injection."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import get_connection
from django.utils import timezone

from distributions.models import Invitation
from distributions.services.email_message import delivery_email
from distributions.services.smtp import (
    PermanentError,
    SmtpConnection,
    TransientError,
    smtp_send,
)
from tests import harness
from tests.distributions.pipeline_support import (
    email_distribution,
    published_survey,
)
from tests.helpers import make_list


def make_invitation(distribution, **fields):
    return Invitation.objects.create(
        distribution=distribution,
        email=fields.pop("email", "ana@example.edu"),
        first_name=fields.pop("first_name", "Ana"),
        last_name=fields.pop("last_name", "Lopez"),
        expires_at=timezone.now() + timedelta(days=60),
        **fields,
    )


@pytest.fixture(params=["pipeline", "django"])
def deliver(request):
    """Send like send_batch (its own MIME writer on an SMTP connection), or through
    Django's EmailMessage.send() (the file backend of `make run` builds the same)."""

    def deliver(message):
        if request.param == "django":
            message.send()
            return
        connection = get_connection()
        connection.open()
        try:
            smtp_send(connection, message)
        finally:
            connection.close()

    return deliver


def send(distribution, invitation, smtp_server, deliver):
    deliver(delivery_email(distribution=distribution, invitation=invitation))
    [mail] = smtp_server.wait_for(1)
    return mail


def test_email_has_text_and_html_parts_with_the_personal_link(
    db, smtp_server, settings, deliver
):
    settings.SITE_URL = "https://canvass.uni.example"
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=0))
    invitation = make_invitation(distribution, first_name="Zoë <b>")

    mail = send(distribution, invitation, smtp_server, deliver)

    link = f"https://canvass.uni.example/s/{invitation.token}/"
    assert mail.recipients == ["ana@example.edu"]
    assert mail.subject == "Survey for Zoë <b>"
    assert "Dear Zoë <b>," in mail.text()
    assert f"Take the survey <{link}>" in mail.text()
    assert "Dear Zoë &lt;b&gt;," in mail.html()
    assert f'<a href="{link}">Take the survey</a>' in mail.html()
    assert f'<a href="{link}opt-out/">Unsubscribe</a>' in mail.html()


def test_email_headers_for_bulk_mail(db, smtp_server, settings, deliver):
    settings.SITE_URL = "https://canvass.uni.example"
    survey = published_survey()
    distribution = email_distribution(
        survey,
        make_list(survey.owner, n=0),
        from_name="Study Team, Dept. of Sociology",
        from_email="study@uni.example",
        reply_to="pi@uni.example",
    )
    first = make_invitation(distribution, email="a@example.edu")
    second = make_invitation(distribution, email="b@example.edu")

    deliver(delivery_email(distribution=distribution, invitation=first))
    deliver(delivery_email(distribution=distribution, invitation=second))
    mails = smtp_server.wait_for(2)

    by_to = {m.recipients[0]: m.message for m in mails}
    message = by_to["a@example.edu"]
    assert message["From"].addresses[0].display_name == "Study Team, Dept. of Sociology"
    assert message["From"].addresses[0].addr_spec == "study@uni.example"
    assert str(message["Reply-To"]) == "pi@uni.example"
    # Long headers may be folded (legal whitespace); compare the unfolded value.
    assert message["List-Unsubscribe"].strip() == (
        f"<https://canvass.uni.example/s/{first.token}/opt-out/>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"].endswith("@canvass.uni.example>")
    assert message["Message-ID"] != by_to["b@example.edu"]["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]


def test_no_header_injection_from_names_or_subject(db, smtp_server, deliver):
    survey = published_survey()
    distribution = email_distribution(
        survey,
        make_list(survey.owner, n=0),
        from_name="Team\r\nBcc: thief@evil.example",
        subject="Hello ${m://FirstName}",
    )
    invitation = make_invitation(
        distribution, first_name="Ana\r\nBcc: thief@evil.example\r\nX-Evil: 1"
    )

    mail = send(distribution, invitation, smtp_server, deliver)

    assert mail.recipients == ["ana@example.edu"]
    assert mail.message["Bcc"] is None and mail.message["X-Evil"] is None
    assert mail.subject == "Hello Ana Bcc: thief@evil.example X-Evil: 1"
    assert "thief@evil.example" in mail.message["From"].addresses[0].display_name


def test_long_lines_and_non_ascii_survive_the_wire(db, smtp_server, deliver):
    survey = published_survey()
    long_word = "x" * 1500
    distribution = email_distribution(
        survey,
        make_list(survey.owner, n=0),
        from_name="Équipe d'étude",
        subject="Enquête pour ${m://FirstName} " + "très " * 40,
        body="Première ligne\n" + long_word + "\n.dot line\n${l://SurveyURL}",
    )
    invitation = make_invitation(distribution, first_name="Zoë")

    mail = send(distribution, invitation, smtp_server, deliver)

    # A long non-ASCII subject is folded into encoded words; the parser may keep
    # the fold's leading space.
    assert mail.subject.strip() == "Enquête pour Zoë " + ("très " * 40).strip()
    assert mail.message["From"].addresses[0].display_name == "Équipe d'étude"
    text = mail.text().replace("\r\n", "\n")
    assert "Première ligne\n" + long_word + "\n.dot line\n" in text
    assert f"/s/{invitation.token}/" in text
    assert long_word in mail.html()


@dataclass
class PipeliningSink(harness.SmtpSink):
    """The shared SMTP server, advertising RFC 2920 PIPELINING like most MTAs."""

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]


@pytest.fixture
def pipelining_server(settings):
    sink = PipeliningSink(port=harness.free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
    yield sink
    controller.stop()


def test_pipelined_sending_with_refusals_on_one_connection(db, pipelining_server):
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=0))
    pipelining_server.refuse = {
        "gone@example.edu": "550 5.1.1 No such user",
        "busy@example.edu": "451 4.3.0 Try again later",
    }
    emails = ["a@example.edu", "gone@example.edu", "busy@example.edu", ".b@example.edu"]
    invitations = [make_invitation(distribution, email=email) for email in emails]
    connection = get_connection()
    connection.open()
    outcomes = []
    try:
        for invitation in invitations:
            try:
                smtp_send(
                    connection,
                    delivery_email(distribution=distribution, invitation=invitation),
                )
                outcomes.append("sent")
            except (PermanentError, TransientError) as exc:
                outcomes.append(f"{exc.__class__.__name__}: {exc}")
        pipelined = connection.connection.has_extn("pipelining")
    finally:
        connection.close()

    assert pipelined
    assert outcomes == [
        "sent",
        "PermanentError: 550 5.1.1 No such user",
        "TransientError: 451 4.3.0 Try again later",
        "sent",
    ]
    mails = pipelining_server.wait_for(2)
    assert [m.recipients for m in mails] == [["a@example.edu"], [".b@example.edu"]]
    assert f"/s/{invitations[0].token}/" in mails[0].text()
    assert mails[1].message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@dataclass
class DataRefusingSink(PipeliningSink):
    """Refuses at the end of data the messages to the addresses in refuse_data."""

    refuse_data: dict = field(default_factory=dict)

    async def handle_DATA(self, server, session, envelope):
        reply = self.refuse_data.get(envelope.rcpt_tos[0].lower())
        if reply:
            return reply
        return await super().handle_DATA(server, session, envelope)


def test_each_body_goes_out_with_the_next_emails_envelope(db, settings):
    """SmtpConnection.send keeps pipelining full: one email's body and the next
    one's MAIL, RCPT and DATA in one write. Refusals at RCPT and at the end of
    data still land on the right email, and nothing is sent twice or lost."""
    sink = DataRefusingSink(port=harness.free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
    sink.refuse = {
        "gone@example.edu": "550 5.1.1 No such user",
        "busy@example.edu": "451 4.3.0 Try again later",
    }
    sink.refuse_data = {"spam@example.edu": "554 5.7.1 Looks like spam"}
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=0))
    emails = [
        "a@example.edu",
        "gone@example.edu",
        "busy@example.edu",
        "b@example.edu",
        "spam@example.edu",
        "c@example.edu",
        "d@example.edu",
    ]
    messages = [
        delivery_email(
            distribution=distribution,
            invitation=make_invitation(distribution, email=email),
        )
        for email in emails
    ]
    connection = SmtpConnection()
    outcomes = []
    try:
        for index, message in enumerate(messages):
            following = messages[index + 1] if index + 1 < len(messages) else None
            try:
                connection.send(message, following)
                outcomes.append("sent")
                if following is not None:
                    # Its MAIL, RCPT and DATA went out with this body.
                    assert connection.announced[0] is following
            except TransientError as exc:
                connection.reset()  # as the sending lane does
                outcomes.append(f"TransientError: {exc}")
            except PermanentError as exc:
                outcomes.append(f"PermanentError: {exc}")
        # The last email carried no announcement; an announced one that is
        # never sent is dropped with the connection, without waiting for QUIT.
        connection.send(messages[0], messages[3])
        connection.reset()
        connection.send(messages[5])
    finally:
        connection.reset()
        controller.stop()

    assert outcomes == [
        "sent",
        "PermanentError: 550 5.1.1 No such user",
        "TransientError: 451 4.3.0 Try again later",
        "sent",
        "PermanentError: 554 5.7.1 Looks like spam",
        "sent",
        "sent",
    ]
    received = [m.recipients[0] for m in sink.wait_for(6)]
    assert received == [
        "a@example.edu",
        "b@example.edu",
        "c@example.edu",
        "d@example.edu",
        "a@example.edu",
        "c@example.edu",
    ]
