"""DKIM signatures on SMTP mail (issue 17 g): dkimpy, a key and selector from the
environment (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY_FILE).

smtp.py signs the bytes email_message.email_bytes wrote, right before they are
sent, so the signature covers exactly what the mail server receives. Signed: the
headers a receiver shows or acts on (From, To, Subject, Date, Message-ID,
Reply-To, the one-click unsubscribe pair, the MIME structure); relaxed/relaxed
canonicalization, which survives the header refolding relays do. Providers'
APIs (EMAIL_PROVIDER) sign with the key they hold for the domain, so only SMTP
mail is signed here. README, "SPF, DKIM and DMARC", says what DNS needs.
"""

import functools

from django.conf import settings

SIGNED_HEADERS = [
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"Reply-To",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
]


@functools.lru_cache(maxsize=2)
def _key(path: str) -> bytes:
    with open(path, "rb") as key_file:
        return key_file.read()


def dkim_enabled() -> bool:
    return bool(settings.DKIM_DOMAIN and settings.DKIM_PRIVATE_KEY_FILE)


def dkim_sign(data: bytes) -> bytes:
    """Return the message with its DKIM-Signature header first (unchanged when off)."""
    if not dkim_enabled():
        return data
    import dkim

    signature = dkim.sign(
        data,
        settings.DKIM_SELECTOR.encode(),
        settings.DKIM_DOMAIN.encode(),
        _key(settings.DKIM_PRIVATE_KEY_FILE),
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=SIGNED_HEADERS,
        linesep=b"\r\n",
    )
    return signature + data
