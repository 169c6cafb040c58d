"""The one place Canvass makes random tokens."""

import secrets


def new_token(nbytes: int = 32) -> str:
    """Return an unguessable URL-safe token of `nbytes` random bytes.

    The default, 256 bits, is a personal link's token (docs/architecture.md,
    "Personal link"); never derived from ids, so it reveals nothing.
    """
    return secrets.token_urlsafe(nbytes)
