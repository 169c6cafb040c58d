"""One distribution email: MIME parts and headers, built from a rendered message.

Headers a bulk sender owes its recipients and their mail providers: From with a
name, Reply-To, a Message-ID of our own (recorded on the delivery), and RFC 8058
one-click unsubscribe (List-Unsubscribe with an HTTPS URL that accepts a cookieless
POST, plus List-Unsubscribe-Post).
"""

import binascii
import functools
import secrets
import time
from email.header import Header
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address

from accounts.selectors import sender_allowed
from distributions.models import Distribution, Invitation
from distributions.personal_link import opt_out_url, personal_link_url
from distributions.services.message_versions import MessageVersion, message_version
from distributions.services.piping import RenderedMessage, render_message, single_line


@functools.lru_cache(maxsize=4)
def _message_id_domain(site_url: str) -> str:
    return urlsplit(site_url).hostname or "localhost"


def default_from() -> tuple[str, str]:
    """Return the (name, address) an email is from when the owner gives none.

    DEFAULT_FROM_EMAIL's, named "Canvass" when it has no name; the compose forms
    offer it as their initial From.
    """
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return name or "Canvass", address or settings.DEFAULT_FROM_EMAIL


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
    from_allowed: bool = True,
) -> EmailMultiAlternatives:
    """Return one email (text + HTML) with its bulk-sending headers.

    Every header value is forced onto one line first: a name or address with CR/LF
    in it cannot add a header. Its Message-ID is in extra_headers["Message-ID"].

    The envelope sender (`from_email` of the result) is always the instance's
    (DEFAULT_FROM_EMAIL), so SPF and bounces stay the instance's; the From header
    (extra_headers["From"]) is the owner's. With from_allowed False (an address
    the owner may no longer send from), From is the instance's address under the
    owner's name, with the owner's address as Reply-To.
    """
    headers = {
        "Message-ID": make_msgid(domain=_message_id_domain(settings.SITE_URL)),
        "List-Unsubscribe": f"<{single_line(opt_out_url)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    name, address = single_line(from_name), single_line(from_email)
    instance_name, instance_address = default_from()
    if not address:
        name, address = instance_name, instance_address
    reply_to = single_line(reply_to)
    if not from_allowed:
        reply_to = reply_to or address
        address = instance_address
    headers["From"] = formataddr((name, address)) if name else address
    message = EmailMultiAlternatives(
        subject=single_line(rendered.subject),
        body=rendered.text,
        from_email=formataddr((instance_name, instance_address)),
        to=[single_line(to)],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def invitation_message(
    *,
    distribution: Distribution,
    invitation: Invitation,
    version: MessageVersion | None = None,
) -> RenderedMessage:
    """Return a distribution's subject and message as this invitation gets them:
    `version`, else the version for the invitation's Language."""
    if version is None:
        version = message_version(distribution, invitation.language)
    return render_message(
        subject=version.subject,
        body=version.body,
        invitation_values=invitation_values(invitation),
        survey_url=personal_link_url(invitation.token),
        opt_out_url=opt_out_url(invitation.token),
    )


# (owner id, From address) → (allowed, checked at): a batch asks once, and a
# removed sender address stops being used within a minute.
_SENDER_CHECKS: dict[tuple[int, str], tuple[bool, float]] = {}
SENDER_CHECK_SECONDS = 60


def _from_allowed(distribution: Distribution) -> bool:
    address = (distribution.from_email or "").strip().lower()
    if not address:
        return True
    key = (distribution.owner_id, address)
    now = time.monotonic()
    known = _SENDER_CHECKS.get(key)
    if known and now - known[1] < SENDER_CHECK_SECONDS:
        return known[0]
    allowed = sender_allowed(distribution.owner, address)
    if len(_SENDER_CHECKS) > 1000:
        _SENDER_CHECKS.clear()
    _SENDER_CHECKS[key] = (allowed, now)
    return allowed


def delivery_email(
    *,
    distribution: Distribution,
    invitation: Invitation,
    connection=None,
    version: MessageVersion | None = None,
) -> EmailMultiAlternatives:
    """Return the email of one invitation in a distribution (invite or follow-up).

    Its From was checked when it was scheduled; checked again here (once a
    minute per owner and address), an address no longer allowed falls back to
    the instance's From with the owner's address as Reply-To.
    """
    return email_build(
        from_name=distribution.from_name,
        from_email=distribution.from_email,
        reply_to=distribution.reply_to,
        to=invitation.email,
        rendered=invitation_message(
            distribution=distribution, invitation=invitation, version=version
        ),
        opt_out_url=opt_out_url(invitation.token),
        connection=connection,
        from_allowed=_from_allowed(distribution),
    )


# --- The bytes on the wire, for the SMTP path of send_batch ----------------------
#
# Python's email package spends most of a message's CPU folding and re-encoding
# headers (docs/architecture.md: building a MIME message costs more CPU than sending it).
# The pipeline sends the same EmailMultiAlternatives through this writer instead:
# the same headers and parts, written directly. Other backends (file, locmem) get
# the EmailMultiAlternatives itself.


@functools.lru_cache(maxsize=64)
def _address_header(address: str) -> str:
    # Django's own encoder: RFC 2047 names, IDNA domains; raises ValueError for
    # an address with a line break. Cached: From and Reply-To repeat per batch.
    return sanitize_address(address, "utf-8")


def _recipient_header(address: str) -> str:
    if address.isascii() and "<" not in address and '"' not in address:
        if "\r" in address or "\n" in address or "@" not in address:
            raise ValueError(f"Invalid address {address!r}")
        return address
    return sanitize_address(address, "utf-8")


def _text_header(value: str) -> str:
    if value.isascii() and len(value) < 900:
        return value
    return Header(value, "utf-8", header_name="Subject").encode(linesep="\r\n")


def _part(content_type: str, text: str) -> bytes:
    # A bare CR is a line break too: left alone it reaches the SMTP data (issue 14).
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode()
    if max(map(len, data.split(b"\n"))) <= 998:
        encoding = "7bit" if data.isascii() else "8bit"
    else:
        encoding = "quoted-printable"
        data = binascii.b2a_qp(data)
    return (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode() + data.replace(b"\n", b"\r\n")


def email_bytes(message: EmailMultiAlternatives) -> tuple[str, list[str], bytes]:
    """Return (envelope sender, recipients, message bytes) for smtplib.sendmail."""
    [recipient] = message.to
    extra = message.extra_headers
    headers = [
        ("From", _address_header(extra.get("From", message.from_email))),
        ("To", _recipient_header(recipient)),
    ]
    if message.reply_to:
        headers.append(
            ("Reply-To", ", ".join(_address_header(a) for a in message.reply_to))
        )
    headers += [
        ("Subject", _text_header(message.subject)),
        ("Date", formatdate()),
        *((name, value) for name, value in extra.items() if name != "From"),
        ("MIME-Version", "1.0"),
    ]
    boundary = "=_" + secrets.token_hex(16)
    headers.append(("Content-Type", f'multipart/alternative; boundary="{boundary}"'))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    [(html, _mimetype)] = message.alternatives
    separator = f"\r\n--{boundary}\r\n".encode()
    data = (
        head.encode()
        + b"\r\n"
        + separator[2:]
        + _part("text/plain", message.body)
        + separator
        + _part("text/html", html)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    # The instance's address (email_build): SPF and bounces stay the instance's.
    envelope_from = parseaddr(message.from_email)[1]
    return envelope_from, [recipient], data
