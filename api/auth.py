"""Who calls the API and how often: key authentication, access, rate limit."""

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework import authentication, exceptions, permissions, throttling

from api.models import ApiKey
from api.services import api_key_check, api_key_touch
from teams import access
from teams.selectors import current_team


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer cvk_...`; a revoked or unknown key is a 401."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give one key after Bearer.")
        try:
            text = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("This key is not valid.") from None
        key = api_key_check(text)
        if key is None:
            raise exceptions.AuthenticationFailed("This key is not valid.")
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This key was revoked.")
        if not key.owner.is_active:
            raise exceptions.AuthenticationFailed("This key's account is inactive.")
        api_key_touch(key=key)
        return key.owner, key

    def authenticate_header(self, request):
        return self.keyword


class KeyAccess(permissions.BasePermission):
    """Settle the team the call acts in, then let a read-only key read and a
    read-write key or a signed-in session write (the role decides the rest,
    api.scope).

    A key acts in its own team; a session in the team the switcher shows. A key
    whose owner left (or was removed from) its team is refused at once, 403.
    """

    message = "This key is read-only."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        key = request.auth
        team_id = key.team_id if isinstance(key, ApiKey) else current_team(request).pk
        if access.role_in(request.user, team_id) is None:
            raise exceptions.PermissionDenied(
                "This key's owner is no longer a member of its team."
            )
        request.api_team_id = team_id
        if request.method in permissions.SAFE_METHODS:
            return True
        return key is None or getattr(key, "writable", False)


class KeyRateThrottle(throttling.BaseThrottle):
    """API_RATE_LIMIT requests per API_RATE_WINDOW seconds per key (or session user),
    counted in the shared cache (Redis) in fixed windows."""

    def allow_request(self, request, view):
        limit = settings.API_RATE_LIMIT
        if not limit:
            return True
        window = settings.API_RATE_WINDOW
        who = (
            f"k{request.auth.pk}"
            if getattr(request.auth, "pk", None)
            else f"u{request.user.pk}"
        )
        now = time.time()
        slot = int(now // window)
        cache_key = f"api-rate:{who}:{slot}"
        try:
            if cache.add(cache_key, 1, timeout=window + 1):
                count = 1
            else:
                count = cache.incr(cache_key)
        except Exception:
            # The cache is down: serve rather than refuse every call.
            return True
        self._retry_after = max(1, int((slot + 1) * window - now + 0.999))
        return count <= limit

    def wait(self):
        return getattr(self, "_retry_after", 1)
