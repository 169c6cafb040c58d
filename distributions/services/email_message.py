"""One distribution email: MIME parts and headers, built from a rendered message.

Headers a bulk sender owes its recipients and their mail providers: From with a
name, Reply-To, a Message-ID of our own (recorded on the delivery), and RFC 8058
one-click unsubscribe (List-Unsubscribe with an HTTPS URL that accepts a cookieless
POST, plus List-Unsubscribe-Post).
"""

import functools
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from distributions.models import Distribution, Invitation
from distributions.selectors import personal_link
from distributions.services.piping import RenderedMessage, render_message, single_line


def opt_out_link(token: str) -> str:
    """Return the invitation's opt-out URL (page distributions:public_opt_out)."""
    return f"{settings.SITE_URL}/s/{token}/opt-out/"


@functools.cache
def _message_id_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def default_from() -> tuple[str, str]:
    """Return (name, address) from DEFAULT_FROM_EMAIL, the compose form's default."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return name, address


def invitation_values(invitation: Invitation) -> dict:
    """Return the piped-text values of an invitation (the contact as snapshotted)."""
    return {
        "first_name": invitation.first_name,
        "last_name": invitation.last_name,
        "email": invitation.email,
        "external_reference": invitation.external_reference,
        "embedded_data": invitation.embedded_data or {},
    }


def email_build(
    *,
    from_name: str,
    from_email: str,
    reply_to: str,
    to: str,
    rendered: RenderedMessage,
    opt_out_url: str,
    connection=None,
) -> EmailMultiAlternatives:
    """Return one email (text + HTML) with its bulk-sending headers.

    Every header value is forced onto one line first: a name or address with CR/LF
    in it cannot add a header. Its Message-ID is in extra_headers["Message-ID"].
    """
    headers = {
        "Message-ID": make_msgid(domain=_message_id_domain()),
        "List-Unsubscribe": f"<{single_line(opt_out_url)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    name, address = single_line(from_name), single_line(from_email)
    if not address:
        name, address = default_from()
    reply_to = single_line(reply_to)
    message = EmailMultiAlternatives(
        subject=single_line(rendered.subject),
        body=rendered.text,
        from_email=formataddr((name, address)) if name else address,
        to=[single_line(to)],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def delivery_email(
    *, distribution: Distribution, invitation: Invitation, connection=None
) -> EmailMultiAlternatives:
    """Return the email of one invitation in a distribution (invite or follow-up)."""
    rendered = render_message(
        subject=distribution.subject,
        body=distribution.body,
        invitation_values=invitation_values(invitation),
        survey_url=personal_link(invitation.token),
        opt_out_url=opt_out_link(invitation.token),
    )
    return email_build(
        from_name=distribution.from_name,
        from_email=distribution.from_email,
        reply_to=distribution.reply_to,
        to=invitation.email,
        rendered=rendered,
        opt_out_url=opt_out_link(invitation.token),
        connection=connection,
    )
