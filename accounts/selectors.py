import zoneinfo
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model

from accounts.models import SenderAddress


def owner_time_zone(user) -> zoneinfo.ZoneInfo:
    """Return the zone an owner sees and enters dates in (their profile, else TIME_ZONE)."""
    profile = getattr(user, "profile", None) if user is not None else None
    try:
        return zoneinfo.ZoneInfo(profile.time_zone if profile else settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def owner_locale(user) -> str:
    """Return the locale an owner's pages follow (their profile's, else
    LANGUAGE_CODE, whose formats are ISO 8601: config/formats/en)."""
    profile = getattr(user, "profile", None) if user is not None else None
    return (profile.locale if profile else "") or settings.LANGUAGE_CODE


# --- Verified senders (docs/architecture.md, Security) -----------------------------


def sender_addresses(*, user):
    """Return the owner's sender addresses, confirmed or waiting, by address."""
    return SenderAddress.objects.filter(owner=user).order_by("email")


def instance_sender() -> str:
    """Return the instance's own address (DEFAULT_FROM_EMAIL's), the envelope sender."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


def _domain_allowed(domain: str) -> bool:
    for allowed in getattr(settings, "ALLOWED_FROM_DOMAINS", ()):
        allowed = allowed.strip().lower()
        if allowed.startswith("*.") and domain.endswith(allowed[1:]):
            return True
        if domain == allowed:
            return True
    return False


def sender_allowed(user, address: str) -> bool:
    """Return whether this owner may send email From this address.

    Their own sign-in address, an address they confirmed by the link mailed to it,
    an address at a domain in ALLOWED_FROM_DOMAINS, or the instance's own address.
    The one check of Compose Email, reminders, thank-yous, the preview email and
    the sender (distributions).
    """
    address = (address or "").strip().lower()
    if not address or "@" not in address or user is None:
        return False
    own = {(user.email or "").lower(), (user.get_username() or "").lower()}
    if address in own or address == instance_sender().lower():
        return True
    if _domain_allowed(address.rpartition("@")[2]):
        return True
    return SenderAddress.objects.filter(
        owner=user, email__iexact=address, confirmed_at__isnull=False
    ).exists()


def sender_problem(user, address: str) -> str | None:
    """Return why this owner may not send from this address (None: they may)."""
    if sender_allowed(user, address):
        return None
    domains = ", ".join(getattr(settings, "ALLOWED_FROM_DOMAINS", ()))
    also = f", or an address at {domains}" if domains else ""
    return (
        f"You cannot send from {address}: use your sign-in address{also}, or add "
        "this address under Your profile → Sender addresses and confirm it by the "
        "link emailed to it."
    )


def owner_by_email(email: str):
    """Return the owner signing in with this address, or None.

    Owners sign in with their address as username (accounts.services
    owner_sign_up); an account made otherwise (createsuperuser) is found by its
    email field when exactly one account has it.
    """
    User = get_user_model()
    owner = User.objects.filter(username__iexact=email).first()
    if owner is not None:
        return owner
    matches = list(User.objects.filter(email__iexact=email)[:2])
    return matches[0] if len(matches) == 1 else None
