"""Each email as it arrives at a real SMTP server: parts, headers, no injection."""

from datetime import timedelta

from django.utils import timezone

from distributions.models import Invitation
from distributions.services.email_message import delivery_email
from tests.distributions.pipeline_support import (
    contact_list_with,
    email_distribution,
    published_survey,
)


def make_invitation(distribution, **fields):
    return Invitation.objects.create(
        distribution=distribution,
        email=fields.pop("email", "ana@example.edu"),
        first_name=fields.pop("first_name", "Ana"),
        last_name=fields.pop("last_name", "Lopez"),
        expires_at=timezone.now() + timedelta(days=60),
        **fields,
    )


def send(distribution, invitation, smtp_server):
    delivery_email(distribution=distribution, invitation=invitation).send()
    [mail] = smtp_server.wait_for(1)
    return mail


def test_email_has_text_and_html_parts_with_the_personal_link(
    db, smtp_server, settings
):
    settings.SITE_URL = "https://canvass.uni.example"
    survey = published_survey()
    distribution = email_distribution(survey, contact_list_with(survey.owner, 0))
    invitation = make_invitation(distribution, first_name="Zoë <b>")

    mail = send(distribution, invitation, smtp_server)

    link = f"https://canvass.uni.example/s/{invitation.token}/"
    assert mail.recipients == ["ana@example.edu"]
    assert mail.subject == "Survey for Zoë <b>"
    assert "Dear Zoë <b>," in mail.text()
    assert f"Take the survey <{link}>" in mail.text()
    assert "Dear Zoë &lt;b&gt;," in mail.html()
    assert f'<a href="{link}">Take the survey</a>' in mail.html()
    assert f'<a href="{link}opt-out/">Unsubscribe</a>' in mail.html()


def test_email_headers_for_bulk_mail(db, smtp_server, settings):
    settings.SITE_URL = "https://canvass.uni.example"
    survey = published_survey()
    distribution = email_distribution(
        survey,
        contact_list_with(survey.owner, 0),
        from_name="Study Team, Dept. of Sociology",
        from_email="study@uni.example",
        reply_to="pi@uni.example",
    )
    first = make_invitation(distribution, email="a@example.edu")
    second = make_invitation(distribution, email="b@example.edu")

    delivery_email(distribution=distribution, invitation=first).send()
    delivery_email(distribution=distribution, invitation=second).send()
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


def test_no_header_injection_from_names_or_subject(db, smtp_server):
    survey = published_survey()
    distribution = email_distribution(
        survey,
        contact_list_with(survey.owner, 0),
        from_name="Team\r\nBcc: thief@evil.example",
        subject="Hello ${m://FirstName}",
    )
    invitation = make_invitation(
        distribution, first_name="Ana\r\nBcc: thief@evil.example\r\nX-Evil: 1"
    )

    mail = send(distribution, invitation, smtp_server)

    assert mail.recipients == ["ana@example.edu"]
    assert mail.message["Bcc"] is None and mail.message["X-Evil"] is None
    assert mail.subject == "Hello Ana Bcc: thief@evil.example X-Evil: 1"
    assert "thief@evil.example" in mail.message["From"].addresses[0].display_name
