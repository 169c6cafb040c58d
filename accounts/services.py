"""Writes for owner accounts: sign-up, profile changes."""

from django.conf import settings
from django.contrib.auth import get_user_model
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
