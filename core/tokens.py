"""The one place Canvass makes random tokens."""

import hashlib
import secrets


def new_token(nbytes: int = 32) -> str:
    """Return an unguessable URL-safe token of `nbytes` random bytes.

    The default, 256 bits, is a personal link's token (docs/architecture.md,
    "Personal link"); never derived from ids, so it reveals nothing.
    """
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """Return the SHA-256 (hex) a one-time link's token is stored as.

    Only the digest is kept, so whoever reads the database cannot use the link.
    """
    return hashlib.sha256(token.encode()).hexdigest()
