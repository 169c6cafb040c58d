"""The VERP return path: an envelope sender that names its delivery.

With BOUNCE_DOMAIN set, each email's envelope sender (MAIL FROM, where a DSN
goes) is `bounces+<delivery id>-<check>@<BOUNCE_DOMAIN>`, so a bounce names the
delivery it is about whatever the remote server wrote in it. The check is an HMAC
of the id under SECRET_KEY (12 hex digits, 48 bits): anyone can send mail to the
bounce address, and without it a stranger could bounce any delivery by guessing
ids and so suppress other people's addresses. Hex and lower case, because some
mail servers lower-case the local part on the way back.
"""

import hmac
import re
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.utils.crypto import salted_hmac

LOCAL_PART = "bounces"
_SALT = "canvass.distributions.bounces.verp"
_ADDRESS = re.compile(rf"\b{LOCAL_PART}\+(\d{{1,18}})-([0-9a-f]{{12}})@", re.IGNORECASE)


def _check(delivery_id: int) -> str:
    return salted_hmac(_SALT, str(delivery_id)).hexdigest()[:12]


def return_path(delivery_id: int) -> str:
    """Return the delivery's VERP address, or "" when BOUNCE_DOMAIN is not set."""
    domain = settings.BOUNCE_DOMAIN
    if not domain:
        return ""
    return f"{LOCAL_PART}+{delivery_id}-{_check(delivery_id)}@{domain}"


def return_path_apply(message, *, delivery_id: int) -> None:
    """Make the message's envelope sender its delivery's VERP address (if enabled).

    The envelope sender is the message's `from_email` (email_message.email_bytes);
    the From header the reader sees is extra_headers["From"], unchanged.
    """
    address = return_path(delivery_id)
    if address:
        name = parseaddr(message.from_email)[0]
        message.from_email = formataddr((name, address)) if name else address


def delivery_id_from(text: str) -> int | None:
    """Return the delivery id of the first genuine VERP address in text, or None."""
    for match in _ADDRESS.finditer(text or ""):
        delivery_id = int(match.group(1))
        if hmac.compare_digest(match.group(2).lower(), _check(delivery_id)):
            return delivery_id
    return None


def delivery_reference(delivery_id: int) -> str:
    """Return "<id>-<check>": a delivery named in a provider's metadata, signed."""
    return f"{delivery_id}-{_check(delivery_id)}"


def delivery_id_from_reference(reference) -> int | None:
    """Return the delivery id of a genuine delivery_reference, or None."""
    delivery_id, _, check = str(reference or "").partition("-")
    if not delivery_id.isdigit() or len(delivery_id) > 18:
        return None
    if hmac.compare_digest(check.lower(), _check(int(delivery_id))):
        return int(delivery_id)
    return None
