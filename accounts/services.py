"""Writes for owner accounts: sign-up (confirmed by email), profile, sender addresses.

Sign-up and password reset answer the same whether or not an address has an
account, and their emails are sent by a worker (accounts.tasks), so neither the
page nor its time tells a stranger who has an account (docs/architecture.md,
Security).
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import throttle
from accounts.models import Profile, SenderAddress
from core.queue import enqueue
from core.tokens import new_token
from teams.services import personal_team


@transaction.atomic
def owner_sign_up(*, email: str, password: str = "", time_zone: str = "", **extra):
    """Create an owner whose username is their email address.

    `password_hash` (in extra) sets an already hashed password instead.
    """
    User = get_user_model()
    email = User.objects.normalize_email(email).strip()
    user = User.objects.create_user(
        username=email.lower(), email=email, password=password or None
    )
    if extra.get("password_hash"):
        user.password = extra["password_hash"]
        user.save(update_fields=["password"])
    Profile.objects.create(user=user, time_zone=time_zone or settings.TIME_ZONE)
    personal_team(user)
    return user


@transaction.atomic
def profile_update(*, user, time_zone: str, locale: str | None = None) -> Profile:
    """Save an owner's time zone and (unless None) their locale."""
    profile, _ = Profile.objects.get_or_create(
        user=user, defaults={"time_zone": time_zone}
    )
    profile.time_zone = time_zone
    fields = ["time_zone"]
    if locale is not None:
        profile.locale = locale
        fields.append("locale")
    profile.full_clean()
    profile.save(update_fields=fields)
    return profile


# --- Sign-up, confirmed by email ---------------------------------------------------
#
# A sign-up is kept in the shared cache (hashed password, time zone) until the link
# mailed to the address is used; no account exists before that, so nobody can
# claim an address they cannot read. The same request for an address that has an
# account stores the same and mails its owner instead (accounts.emails).


def _pending_key(token: str) -> str:
    return "accounts:signup:" + hashlib.sha256(token.encode()).hexdigest()


def _pending_email_key(email: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return "accounts:signup-email:" + digest


def signup_request(*, email: str, password: str, time_zone: str) -> None:
    """Keep a sign-up until its email link is used, and have a worker mail it."""
    token = new_token()
    email = get_user_model().objects.normalize_email(email).strip()
    pending = {
        "email": email,
        "password_hash": make_password(password),
        "time_zone": time_zone,
    }
    timeout = settings.PASSWORD_RESET_TIMEOUT
    cache.set(_pending_key(token), pending, timeout=timeout)
    cache.set(_pending_email_key(email), token, timeout=timeout)
    enqueue("accounts.signup_email_send", email)


def signup_pending_token(*, email: str) -> str | None:
    """Return the newest sign-up link token for this address (for its email)."""
    return cache.get(_pending_email_key(email))


def signup_pending(*, token: str) -> dict | None:
    return cache.get(_pending_key(token))


def signup_confirm(*, token: str):
    """Create the account a sign-up link stands for; return (user, created).

    (None, False) when the link is unknown, used or expired; (the existing user,
    False) when the address got an account meanwhile.
    """
    pending = cache.get(_pending_key(token))
    if not pending:
        return None, False
    cache.delete(_pending_key(token))
    User = get_user_model()
    existing = User.objects.filter(username__iexact=pending["email"]).first()
    if existing:
        return existing, False
    return owner_sign_up(**pending), True


# --- Sender addresses ----------------------------------------------------------------

SENDER_CONFIRMATIONS_PER_HOUR = 10


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sender_add(*, user, email: str) -> SenderAddress:
    """Add an address the owner wants to send from; a worker mails its link.

    At most SENDER_CONFIRMATIONS_PER_HOUR confirmation emails per owner an hour,
    so the form cannot be used to mail strangers in bulk.
    """
    email = get_user_model().objects.normalize_email(email).strip()
    sender = SenderAddress.objects.filter(owner=user, email__iexact=email).first()
    if sender and sender.confirmed_at:
        return sender
    if not throttle.sender_confirmation_allowed(user.pk, SENDER_CONFIRMATIONS_PER_HOUR):
        raise ValidationError(
            "Too many confirmation emails this hour: try again later."
        )
    if sender is None:
        sender = SenderAddress.objects.create(owner=user, email=email)
    enqueue("accounts.sender_confirm_send", sender.pk)
    return sender


def sender_confirmation_token(*, sender_id: int) -> tuple[SenderAddress, str] | None:
    """Give a waiting sender address a new one-time link token; return it.

    Only its digest is stored; an earlier link stops working.
    """
    sender = SenderAddress.objects.filter(pk=sender_id, confirmed_at=None).first()
    if sender is None:
        return None
    token = new_token()
    sender.token_digest = _digest(token)
    sender.token_expires_at = timezone.now() + timedelta(
        seconds=settings.PASSWORD_RESET_TIMEOUT
    )
    sender.save(update_fields=["token_digest", "token_expires_at"])
    return sender, token


def sender_waiting(*, user, token: str) -> SenderAddress | None:
    """Return the owner's address this link confirms, if it still can."""
    return SenderAddress.objects.filter(
        owner=user,
        token_digest=_digest(token),
        confirmed_at=None,
        token_expires_at__gt=timezone.now(),
    ).first()


def sender_confirm(*, user, token: str) -> SenderAddress | None:
    """Confirm the owner's address of this link (once); None when it cannot."""
    sender = sender_waiting(user=user, token=token)
    if sender is None:
        return None
    sender.confirmed_at = timezone.now()
    sender.token_digest = ""
    sender.token_expires_at = None
    sender.save(update_fields=["confirmed_at", "token_digest", "token_expires_at"])
    return sender


def sender_remove(*, user, pk: int) -> bool:
    deleted, _ = SenderAddress.objects.filter(owner=user, pk=pk).delete()
    return bool(deleted)
