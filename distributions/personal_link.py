"""The personal link: its token and every URL built from it.

A personal link is `<SITE_URL>/s/<token>/`, where the token is `core.tokens.new_token()`
(256 bits, never derived from ids). Everything that shows, mails or exports a link
builds it here (docs/architecture.md, "The path of a personal link").
"""

from django.conf import settings

from core.tokens import new_token

# Always the same (43 characters: 32 bytes of unpadded base64url), so many tokens
# can travel to PostgreSQL in fixed-width slots of one value.
TOKEN_LENGTH = len(new_token())


def personal_link_prefix() -> str:
    """Return what every personal link starts with, for loops over many links."""
    return f"{settings.SITE_URL}/s/"


def personal_link_url(token: str) -> str:
    """Return the personal link of a token."""
    return f"{personal_link_prefix()}{token}/"


def opt_out_url(token: str) -> str:
    """Return the one-click opt-out link of a token (List-Unsubscribe, messages)."""
    return f"{personal_link_prefix()}{token}/opt-out/"
