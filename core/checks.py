from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


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
    return errors
