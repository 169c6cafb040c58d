import re
from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from core.languages import language_known


@register()
def canvass_settings_check(app_configs, **kwargs):
    errors = []
    try:
        has_secret_key = bool(settings.SECRET_KEY)
    except ImproperlyConfigured:
        has_secret_key = False
    if not has_secret_key:
        errors.append(
            Error(
                "SECRET_KEY is empty: set SECRET_KEY to a long random string "
                "(only DEBUG=true may run without one).",
                id="canvass.E001",
            )
        )
    if settings.EMAIL_USE_TLS and settings.EMAIL_USE_SSL:
        errors.append(
            Error(
                "EMAIL_USE_TLS and EMAIL_USE_SSL are both true: choose one.",
                id="canvass.E002",
            )
        )
    domain = settings.BOUNCE_DOMAIN
    if domain and not _DOMAIN.fullmatch(domain):
        errors.append(
            Error(
                f"BOUNCE_DOMAIN must be a domain name such as bounces.uni.example "
                f"(no @, no scheme, no port), not {domain!r}.",
                hint="Its mail must reach manage.py process_bounce or the bounce "
                "mailbox (README, Bounces and complaints).",
                id="canvass.E004",
            )
        )
    errors += _dkim_errors()
    if not language_known(settings.CANVASS_DEFAULT_LANGUAGE):
        errors.append(
            Error(
                f"CANVASS_DEFAULT_LANGUAGE must be a language code such as en or "
                f"es-MX, not {settings.CANVASS_DEFAULT_LANGUAGE!r}.",
                id="canvass.E007",
            )
        )
    if not settings.PASSWORD_LOGIN and not settings.SOCIALACCOUNT_PROVIDERS:
        errors.append(
            Error(
                "PASSWORD_LOGIN is false and no campus provider is configured: "
                "nobody could sign in.",
                hint="Set OIDC_SERVER_URL (and OIDC_CLIENT_ID, OIDC_CLIENT_SECRET) "
                "or SAML_ORGANIZATION, or PASSWORD_LOGIN=true (README, Campus "
                "sign-in).",
                id="canvass.E006",
            )
        )
    return errors


def _dkim_errors() -> list:
    domain, key_file = settings.DKIM_DOMAIN, settings.DKIM_PRIVATE_KEY_FILE
    if not domain and not key_file:
        return []
    if not (domain and key_file):
        return [
            Error(
                "DKIM_DOMAIN and DKIM_PRIVATE_KEY_FILE go together: set both or "
                "neither.",
                id="canvass.E005",
            )
        ]
    problems = []
    if not _DOMAIN.fullmatch(domain):
        problems.append(f"DKIM_DOMAIN must be a domain name, not {domain!r}.")
    try:
        with open(key_file, "rb") as handle:
            if b"PRIVATE KEY" not in handle.read():
                problems.append(
                    f"DKIM_PRIVATE_KEY_FILE {key_file!r} holds no PEM private key."
                )
    except OSError as exc:
        problems.append(
            f"DKIM_PRIVATE_KEY_FILE {key_file!r} cannot be read ({exc.strerror})."
        )
    return [Error(problem, id="canvass.E005") for problem in problems]


# A host name of dot-separated labels (letters, digits, inner hyphens), one dot at least.
_DOMAIN = re.compile(
    r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?"
)


@register(deploy=True)
def canvass_site_url_check(app_configs, **kwargs):
    """Personal links are built from SITE_URL: it must be a host this instance serves."""
    warnings = []
    if not settings.DEBUG and not settings.ALLOWED_HOSTS:
        warnings.append(
            Error(
                "ALLOWED_HOSTS is empty: with DEBUG false every request would be "
                "refused.",
                hint="Set ALLOWED_HOSTS to the host name of SITE_URL.",
                id="canvass.E003",
            )
        )
    host = urlparse(settings.SITE_URL).hostname or ""
    allowed = settings.ALLOWED_HOSTS
    if (
        host
        and "*" not in allowed
        and not any(
            host == entry or (entry.startswith(".") and host.endswith(entry))
            for entry in allowed
        )
    ):
        warnings.append(
            Warning(
                f"SITE_URL's host {host!r} is not in ALLOWED_HOSTS: links in emails "
                "would point at a host that refuses them.",
                hint="Add the host to ALLOWED_HOSTS.",
                id="canvass.W001",
            )
        )
    for origin in settings.CAMPUS_FORM_ACTION:
        if not settings.DEBUG and not origin.startswith("https://"):
            warnings.append(
                Warning(
                    f"The campus sign-in provider {origin} is not https://: its "
                    "codes and tokens would travel unencrypted.",
                    hint="Use the provider's https:// URL in OIDC_SERVER_URL or "
                    "SAML_IDP_METADATA_URL / SAML_IDP_SSO_URL.",
                    id="canvass.W003",
                )
            )
    if not settings.DEBUG and not settings.SITE_URL.startswith("https://"):
        warnings.append(
            Warning(
                "SITE_URL is not https://: personal links and sign-in would travel "
                "unencrypted.",
                id="canvass.W002",
            )
        )
    return warnings
