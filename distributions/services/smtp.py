"""Talking SMTP: one connection per sending lane, one round trip per message.

Owns the conversation with the mail server and the meaning of its replies:
TransientError (4xx, a dropped connection, a timeout: worth retrying later, with
retry_delay's exponential backoff) or PermanentError (5xx, an address that cannot
be encoded: never retried; a recipient refused with one of HARD_BOUNCE_CODES is a
hard bounce). What to do with each outcome is send.py's business.
"""

import contextlib
import functools
import re
import smtplib

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from distributions.services.dkim_signing import dkim_sign
from distributions.services.email_message import email_bytes
from distributions.services.outgoing import ProviderRefused, provider_send

# A recipient refused with one of these is a hard bounce: the mailbox does not
# exist or the address is malformed, so the owner should not mail it again.
HARD_BOUNCE_CODES = {550, 551, 553}


class SmtpConnection:
    """One SMTP connection for a lane, opened on first use, reopened after errors.

    send() keeps RFC 2920 pipelining full: the body of one email and the MAIL,
    RCPT and DATA of the next go out in one write, so each email costs one round
    trip. Announcing an email is not sending it: a server delivers a message only
    once it has its end of data, so one announced and never written is dropped
    with the connection.
    """

    def __init__(self):
        self.backend = None
        # (message, its _envelope) whose MAIL, RCPT and DATA are on the wire.
        self.announced = None

    def get(self):
        if self.backend is None:
            self.backend = get_connection(fail_silently=False)
            self.backend.open()
        return self.backend

    def send(self, message, following=None) -> None:
        """Send message; announce `following` with it when the server pipelines.

        Raises TransientError or PermanentError like smtp_send. The next call
        must send `following` (or the connection is dropped and reopened).
        """
        backend = self.get()
        announced, self.announced = self.announced, None
        if not isinstance(backend, SMTPBackend):
            smtp_send(backend, message)
            return
        if announced is not None and announced[0] is not message:
            self.announced = announced
            self.reset()
            backend = self.get()
            announced = None
        ahead = None
        try:
            with _classified():
                envelope = announced[1] if announced else _envelope(message)
                if following is not None:
                    with contextlib.suppress(ValueError):  # refused on its turn
                        ahead = _envelope(following)
                if not _sendmail(
                    backend.connection,
                    *envelope,
                    announced=announced is not None,
                    ahead=ahead,
                ):
                    ahead = None
        except (TransientError, PermanentError):
            # A refusal leaves the session clean (RSET), or closed when the
            # next email had been announced: then the next send reconnects.
            if backend.connection is None or backend.connection.sock is None:
                self.reset()
            raise
        if ahead is not None:
            self.announced = (following, ahead)

    def reset(self):
        if self.backend is not None:
            if self.announced is not None and self.backend.connection is not None:
                # The server reads a message body now: QUIT would be taken for
                # one and its reply never come. Dropping the connection abandons
                # the announced message.
                with contextlib.suppress(Exception):
                    self.backend.connection.close()
                self.backend.connection = None
            # A dead connection may fail to QUIT; it is dropped either way.
            with contextlib.suppress(Exception):
                self.backend.close()
            self.backend = None
        self.announced = None


class TransientError(Exception):
    """The mail server or the network said "not now": the email may be retried."""


class PermanentError(Exception):
    """The mail server refused the email for good; bounced: a hard bounce."""

    def __init__(self, reason: str, *, bounced: bool = False):
        super().__init__(reason)
        self.bounced = bounced


def _reply(code: int, message) -> str:
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return f"{code} {message}".strip()


@functools.lru_cache(maxsize=64)
def _quote_sender(address: str) -> str:
    return smtplib.quoteaddr(address)


_NOT_PLAIN = re.compile(r'[<>"\s(),;:\[\]\\]')


def _quote_recipient(address: str) -> str:
    """smtplib.quoteaddr without its address parser for a plain address.

    The parser was an eighth of a lane's CPU (issue 15); a plain address (ASCII,
    no brackets, quotes, spaces or line breaks) quotes to itself in <>.
    """
    if address.isascii() and not _NOT_PLAIN.search(address):
        return f"<{address}>"
    return smtplib.quoteaddr(address)


def _announcement(sender: str, recipient: str) -> bytes:
    return (
        f"MAIL FROM:{_quote_sender(sender)}\r\n"
        f"RCPT TO:{_quote_recipient(recipient)}\r\n"
        "DATA\r\n"
    ).encode()


def _sendmail(
    smtp: smtplib.SMTP,
    sender: str,
    recipients: list[str],
    data: bytes,
    *,
    announced: bool = False,
    ahead: tuple | None = None,
) -> bool:
    """smtplib's sendmail, with RFC 2920 PIPELINING when the server offers it.

    MAIL, RCPT and DATA go in one write and their replies are read together;
    with `ahead` (the next email's _envelope) its MAIL, RCPT and DATA follow
    this body in the same write, and `announced` says this email's were sent
    that way: one round trip per email instead of four. Return whether `ahead`
    was announced. Errors raise what sendmail raises, so the caller classifies
    them the same way.
    """
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("pipelining") or len(recipients) != 1:
        smtp.sendmail(sender, recipients, data)
        return False
    [recipient] = recipients
    if not announced:
        smtp.send(_announcement(sender, recipient))
    mail_code, mail_reply = smtp.getreply()
    rcpt_code, rcpt_reply = smtp.getreply()
    data_code, data_reply = smtp.getreply()
    if data_code == 354:
        if mail_code != 250 or rcpt_code not in (250, 251):
            # A server that accepts DATA with no recipient gets an empty message.
            smtp.send(b".\r\n")
            smtp.getreply()
        else:
            body = smtplib._quote_periods(data)
            if not body.endswith(b"\r\n"):
                body += b"\r\n"
            announce = ahead is not None and len(ahead[1]) == 1
            following = _announcement(ahead[0], ahead[1][0]) if announce else b""
            smtp.send(body + b".\r\n" + following)
            code, reply = smtp.getreply()
            if code != 250:
                if code == 421 or announce:
                    smtp.close()
                else:
                    smtp._rset()
                raise smtplib.SMTPDataError(code, reply)
            return announce
    if 421 in (mail_code, rcpt_code, data_code):
        smtp.close()
    else:
        smtp._rset()
    if mail_code != 250:
        raise smtplib.SMTPSenderRefused(mail_code, mail_reply, sender)
    if rcpt_code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({recipient: (rcpt_code, rcpt_reply)})
    raise smtplib.SMTPDataError(data_code, data_reply)


def smtp_send(backend, message) -> None:
    """Send one message on the open connection; raise TransientError/PermanentError."""
    with _classified():
        if isinstance(backend, SMTPBackend):
            _sendmail(backend.connection, *_envelope(message))
        elif backend.__class__.__module__.startswith("anymail."):
            # Issue 17 hook: an email service provider's API (services.outgoing).
            provider_send(backend, message)
        else:
            backend.send_messages([message])


def _envelope(message) -> tuple[str, list[str], bytes]:
    """email_bytes with the DKIM signature when configured (dkim_signing): the
    signed bytes are the ones written, announced ahead or not. The envelope
    sender is the message's from_email, the VERP return path when bounces are
    on (services.outgoing set it before the email was announced)."""
    sender, recipients, data = email_bytes(message)
    return sender, recipients, dkim_sign(data)


@contextlib.contextmanager
def _classified():
    """Turn smtplib's, the network's and a provider's errors into
    TransientError/PermanentError."""
    try:
        yield
    except ProviderRefused as exc:
        if exc.permanent:
            raise PermanentError(str(exc), bounced=exc.bounced) from exc
        raise TransientError(str(exc)) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        if 400 <= code < 500:
            raise TransientError(_reply(code, reply)) from exc
        raise PermanentError(
            _reply(code, reply), bounced=code in HARD_BOUNCE_CODES
        ) from exc
    except smtplib.SMTPResponseException as exc:
        # Sender refused, data refused, 421 closing: the session is in doubt.
        if 400 <= exc.smtp_code < 500:
            raise TransientError(_reply(exc.smtp_code, exc.smtp_error)) from exc
        raise PermanentError(_reply(exc.smtp_code, exc.smtp_error)) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientError(f"Connection to the mail server failed: {exc}") from exc
    except ValueError as exc:
        # Django's address sanitizing: an address that cannot be encoded.
        raise PermanentError(f"Invalid address: {exc}") from exc


def retry_delay(attempts: int) -> int:
    """Return the seconds to wait before the next attempt, after `attempts` failed."""
    return min(
        settings.DISTRIBUTIONS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0),
        settings.DISTRIBUTIONS_RETRY_MAX_SECONDS,
    )
