"""Writes for owner accounts: sign-up, profile changes, failed-login bookkeeping."""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

from accounts.models import Profile


@transaction.atomic
def owner_sign_up(*, email: str, password: str, time_zone: str = ""):
    """Create an owner whose username is their email address."""
    User = get_user_model()
    email = User.objects.normalize_email(email).strip()
    user = User.objects.create_user(
        username=email.lower(), email=email, password=password
    )
    Profile.objects.create(user=user, time_zone=time_zone or settings.TIME_ZONE)
    return user


@transaction.atomic
def profile_update(*, user, time_zone: str) -> Profile:
    profile, _ = Profile.objects.get_or_create(
        user=user, defaults={"time_zone": time_zone}
    )
    profile.time_zone = time_zone
    profile.full_clean()
    profile.save(update_fields=["time_zone"])
    return profile


def _failure_key(ip: str, username: str) -> str:
    # Hashed, so neither the address nor the username sits in the cache in clear.
    digest = hashlib.sha256(f"{ip}|{username.strip().lower()}".encode()).hexdigest()
    return f"login-failures:{digest}"


def login_failure_count(*, ip: str, username: str) -> int:
    return cache.get(_failure_key(ip, username), 0)


def login_is_throttled(*, ip: str, username: str) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    return login_failure_count(ip=ip, username=username) >= limit


def login_failure_record(*, ip: str, username: str) -> int:
    """Count one failed sign-in for this address and username; return the count."""
    key = _failure_key(ip, username)
    window = settings.LOGIN_FAILURE_WINDOW_MINUTES * 60
    # add() is a no-op when the key exists, so the window starts at the first failure.
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1


def login_failures_clear(*, ip: str, username: str) -> None:
    cache.delete(_failure_key(ip, username))
