"""What each email needs for the way it leaves (issue 17): the hooks send.py and
smtp.py call, kept here so the sending loop stays about sending.

- outgoing_prepare(message, delivery): the open-tracking image when the
  distribution tracks opens (services.tracking); over SMTP, the VERP return path
  (distributions.bounces.verp); through an email service provider
  (django-anymail, config.email_provider), the owner's From as the message's
  sender (providers set their own envelope sender and report bounces by webhook)
  and the delivery's signed reference as metadata, which the provider echoes in
  its tracking webhooks (distributions.bounces.webhooks).
- provider_send(backend, message): an anymail backend's send, its errors turned
  into ProviderRefused, transient (429, 5xx, the network: retried with backoff)
  or permanent (other 4xx, every recipient refused).
- provider_message_id(message): the provider's id of a sent message, which
  send.py stores on its delivery (Delivery.provider_message_id) with its sent
  outcome, for webhooks that carry no metadata.
"""

from django.conf import settings

from distributions.bounces.verp import delivery_reference, return_path_apply
from distributions.services.tracking import open_pixel_html

# The metadata key a provider echoes back (services.bounces reads it).
METADATA_KEY = "canvass_delivery"


def uses_provider() -> bool:
    return settings.EMAIL_BACKEND.startswith("anymail.")


def outgoing_prepare(message, *, delivery) -> None:
    """Ready one built email for its backend (see the module's docstring)."""
    delivery_id = delivery.pk
    if delivery.distribution.track_opens:
        _add_open_pixel(message, delivery_id)
    if not uses_provider():
        return_path_apply(message, delivery_id=delivery_id)
        return
    header_from = message.extra_headers.pop("From", None)
    if header_from:
        message.from_email = header_from
    message.metadata = {METADATA_KEY: delivery_reference(delivery_id)}


def _add_open_pixel(message, delivery_id: int) -> None:
    """Put the open-tracking image at the end of the HTML part."""
    if not message.alternatives:
        return
    html, mimetype = message.alternatives[0]
    pixel = open_pixel_html(delivery_id)
    at = html.lower().rfind("</body>")
    html = html[:at] + pixel + html[at:] if at >= 0 else html + pixel
    alternative = message.alternatives[0]
    message.alternatives[0] = (
        alternative._replace(content=html)
        if hasattr(alternative, "_replace")
        else (html, mimetype)
    )


class ProviderRefused(Exception):
    """The provider did not take the email; `permanent`: never retry it."""

    def __init__(self, reason: str, *, permanent: bool, bounced: bool = False):
        super().__init__(reason)
        self.permanent = permanent
        self.bounced = bounced


def provider_send(backend, message) -> None:
    """Send through an anymail backend; raise ProviderRefused (smtp.py turns it
    into its TransientError or PermanentError)."""
    from anymail.exceptions import (
        AnymailAPIError,
        AnymailError,
        AnymailRecipientsRefused,
    )

    try:
        backend.send_messages([message])
    except AnymailRecipientsRefused as exc:
        status = getattr(message, "anymail_status", None)
        statuses = {s.status for s in getattr(status, "recipients", {}).values()}
        raise ProviderRefused(
            f"The provider refused the recipient ({', '.join(sorted(statuses))})",
            permanent=True,
            bounced="invalid" in statuses,
        ) from exc
    except AnymailAPIError as exc:
        code = getattr(exc, "status_code", None)
        transient = code is None or code == 429 or code >= 500
        raise ProviderRefused(
            f"The provider did not take it: {_reason(exc)}", permanent=not transient
        ) from exc
    except AnymailError as exc:
        raise ProviderRefused(
            f"The provider refused it: {_reason(exc)}", permanent=True
        ) from exc


def _reason(exc) -> str:
    # anymail's message describes the HTTP response, when there is one.
    try:
        return str(exc)
    except Exception:  # noqa: BLE001  a half-built error still has its words
        return " ".join(str(arg) for arg in exc.args)


def provider_message_id(message) -> str | None:
    """The provider's id of a sent message (None over SMTP): send.py writes it on
    the delivery with the sent outcome (outcomes.py, one statement for several),
    for webhooks that carry no metadata (Delivery.provider_message_id)."""
    status = getattr(message, "anymail_status", None)
    if status is None or status.message_id is None:
        return None
    return str(status.message_id)[:255]
