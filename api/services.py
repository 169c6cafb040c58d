"""Writes of the API's own data: keys."""

import hashlib
import hmac
from datetime import timedelta

from django.utils import timezone

from api.models import ApiKey
from core.tokens import new_token
from teams.services import team_of

KEY_PREFIX = "cvk_"
# last_used_at is a hint for the owner, so it is written at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(*, owner, name: str, access: str, team=None) -> tuple[ApiKey, str]:
    """Create a key that acts as `owner` in `team` (default: their personal team);
    return it and the full key text, which is never stored."""
    prefix = new_token()[:12].replace("-", "x").replace("_", "y")
    secret = new_token()
    key = ApiKey.objects.create(
        owner=owner,
        team=team_of(user=owner, team=team),
        name=name.strip()[:100] or "API key",
        prefix=prefix,
        secret_hash=_hash(secret),
        access=access,
    )
    return key, f"{KEY_PREFIX}{prefix}_{secret}"


def api_key_revoke(*, key: ApiKey) -> bool:
    """Revoke a key at once; return False when it was already revoked."""
    return bool(
        ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def api_key_check(text: str) -> ApiKey | None:
    """Return the key this text names, revoked or not, or None when it names none."""
    if not text.startswith(KEY_PREFIX):
        return None
    prefix, _, secret = text[len(KEY_PREFIX) :].partition("_")
    if not prefix or not secret:
        return None
    # Every API call runs this: a unique lookup, so no ORDER BY for first() to add.
    found = ApiKey.objects.select_related("owner").filter(prefix=prefix).order_by()
    key = next(iter(found[:1]), None)
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        return None
    return key


def api_key_touch(*, key: ApiKey) -> None:
    """Record the key's use, at most once per LAST_USED_RESOLUTION."""
    now = timezone.now()
    if key.last_used_at and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now
