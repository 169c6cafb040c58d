"""The one-way form of an address that an erasure leaves on the suppression list.

HMAC-SHA256 of the lower-cased address, keyed by settings.SUPPRESSION_HASH_SECRET
(SECRET_KEY when empty) through Django's salted_hmac. Keyed rather than a plain
SHA-256: addresses are easy to guess, so a plain hash in a leaked database dump
would confirm "was x@y.org ever on this list?" for anyone with a candidate list;
the keyed hash needs the server's secret as well. The cost: rotating that secret
unmatches every hashed opt-out, so SUPPRESSION_HASH_SECRET must keep the old value
(README, settings).

The same HMAC is written in SQL (`email_hash_sql`) from PostgreSQL's built-in
sha256(), so a bulk statement can hash a column without pgcrypto:
HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)), with K padded to H's 64-byte
block. tests/directories/test_suppression_hash.py checks both agree.
"""

import hashlib

from django.conf import settings
from django.utils.crypto import salted_hmac

KEY_SALT = "canvass.directories.suppression_hash"
BLOCK_SIZE = 64


def _secret() -> str:
    return settings.SUPPRESSION_HASH_SECRET or settings.SECRET_KEY


def normalized(email: str) -> str:
    return (email or "").strip().lower()


def email_hash(email: str) -> str:
    """Return the hex HMAC-SHA256 of the address, lower-cased."""
    return salted_hmac(
        KEY_SALT,
        normalized(email),
        secret=_secret(),
        algorithm="sha256",
    ).hexdigest()


def _pads() -> tuple[bytes, bytes]:
    """Return (K ^ ipad, K ^ opad) for salted_hmac's key K, as bytes."""
    key = hashlib.sha256((KEY_SALT + _secret()).encode()).digest()
    key = key.ljust(BLOCK_SIZE, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def email_hash_sql(column: str) -> tuple[str, list]:
    """Return (sql, params): email_hash() of an SQL text expression, in SQL."""
    inner, outer = _pads()
    sql = (
        "encode(sha256(%s::bytea || sha256(%s::bytea || "
        f"convert_to(lower({column}), 'UTF8'))), 'hex')"
    )
    return sql, [outer, inner]
