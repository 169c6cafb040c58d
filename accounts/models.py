import zoneinfo

from django.conf import global_settings, settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a known time zone.") from None


# The locales an owner's pages may follow: dates and numbers (Django's formats for
# the locale), and the owner pages' words where a catalogue has them (English is
# shipped). "" is Canvass's own: ISO 8601 dates (config/formats/en).
OWNER_LOCALES = [
    ("", "ISO 8601 (2026-01-31 14:05)"),
    ("en-us", "English (United States)"),
    ("en-gb", "English (United Kingdom)"),
    ("en-au", "English (Australia)"),
    ("en-ca", "English (Canada)"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("pt-br", "Português (Brasil)"),
    ("sv", "Svenska"),
]
# Every other language Django knows: a catalogue added under locale/ for any of them
# reaches its owners without a code change (locale/README.md).
OWNER_LOCALES += [
    (code, str(name))
    for code, name in global_settings.LANGUAGES
    if code not in {tag for tag, _ in OWNER_LOCALES} and code != "en"
]


class Profile(models.Model):
    """What Canvass keeps about an owner beyond Django's User."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone]
    )
    # How the owner's pages show dates and numbers (OWNER_LOCALES; "" = ISO),
    # activated per request by accounts.middleware.OwnerLocaleMiddleware.
    locale = models.CharField(
        max_length=16, blank=True, default="", db_default="", choices=OWNER_LOCALES
    )

    def __str__(self):
        return f"Profile of {self.user}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class SenderAddress(models.Model):
    """An address an owner may send from, once they confirm they read its mail.

    The confirmation link's token is kept as its SHA-256 only, so a database
    reader cannot confirm an address; it works once and until token_expires_at.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sender_addresses",
    )
    email = models.EmailField(max_length=254)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    token_digest = models.CharField(max_length=64, blank=True, db_index=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), "owner", name="accounts_sender_one_per_owner"
            )
        ]

    def __str__(self):
        return self.email
