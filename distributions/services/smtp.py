"""Talking SMTP: one connection per sending lane, one message at a time.

Owns the conversation with the mail server and the meaning of its replies:
TransientError (4xx, a dropped connection, a timeout: worth retrying later, with
retry_delay's exponential backoff) or PermanentError (5xx, an address that cannot
be encoded: never retried; a recipient refused with one of HARD_BOUNCE_CODES is a
hard bounce). What to do with each outcome is send.py's business.
"""

import contextlib
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
    """One SMTP connection for a batch, opened on first use, reopened after errors."""

    def __init__(self):
        self.backend = None

    def get(self):
        if self.backend is None:
            self.backend = get_connection(fail_silently=False)
            self.backend.open()
        return self.backend

    def reset(self):
        if self.backend is not None:
            # A dead connection may fail to QUIT; it is dropped either way.
            with contextlib.suppress(Exception):
                self.backend.close()
            self.backend = None


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


def _sendmail(smtp: smtplib.SMTP, sender: str, recipients: list[str], data: bytes):
    """smtplib's sendmail, with RFC 2920 PIPELINING when the server offers it.

    MAIL, RCPT and DATA go in one write and their replies are read together: two
    round trips per email instead of four. Errors raise what sendmail raises, so
    the caller classifies them the same way.
    """
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("pipelining") or len(recipients) != 1:
        smtp.sendmail(sender, recipients, data)
        return
    [recipient] = recipients
    smtp.send(
        f"MAIL FROM:{smtplib.quoteaddr(sender)}\r\n"
        f"RCPT TO:{smtplib.quoteaddr(recipient)}\r\n"
        "DATA\r\n"
    )
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
            smtp.send(body + b".\r\n")
            code, reply = smtp.getreply()
            if code != 250:
                if code == 421:
                    smtp.close()
                else:
                    smtp._rset()
                raise smtplib.SMTPDataError(code, reply)
            return
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
    try:
        if isinstance(backend, SMTPBackend):
            sender, recipients, data = email_bytes(message)
            # Issue 17 hook: a DKIM signature when configured (dkim_signing).
            _sendmail(backend.connection, sender, recipients, dkim_sign(data))
        elif backend.__class__.__module__.startswith("anymail."):
            # Issue 17 hook: an email service provider's API (services.outgoing).
            provider_send(backend, message)
        else:
            backend.send_messages([message])
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
