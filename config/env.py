"""Strict readers for settings that come from the environment.

A bad value raises SettingError naming the variable, so the process refuses to start
instead of running half-configured. Each entry point (manage.py, config/wsgi.py,
config/celery.py, bin/canvass-run) calls read_settings_or_exit() first, so the person
sees that one line, not a traceback ending in it.
"""

import ipaddress
import os
import sys
import zoneinfo
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class SettingError(ImproperlyConfigured):
    """An environment variable Canvass cannot use; the message names it and says why."""


def read_settings_or_exit() -> None:
    """Load the settings now; for a bad variable print only its message and exit 1."""
    try:
        settings.INSTALLED_APPS  # noqa: B018  (the first read loads config.settings)
    except SettingError as error:
        sys.stderr.write(f"{error}\n")
        raise SystemExit(1) from None


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool, *, environ=None) -> bool:
    raw = (os.environ if environ is None else environ).get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise SettingError(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int = 2**31) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name} must be a whole number, not {raw!r}.") from None
    if not minimum <= value <= maximum:
        raise SettingError(f"{name} must be between {minimum} and {maximum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str = "", *, schemes: tuple[str, ...]) -> str:
    raw = os.environ.get(name, default).strip()
    if not raw:
        return ""
    parsed = urlparse(raw)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise SettingError(f"{name} must be a URL starting with {allowed}")
    return raw


def env_time_zone(name: str, default: str) -> str:
    value = os.environ.get(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingError(
            f"{name} must be an IANA time zone such as Europe/Paris, not {value!r}."
        ) from None
    return value


def env_networks(name: str, *, environ=None) -> list[str]:
    """Return a comma-separated list of IP addresses or CIDR networks, each checked."""
    raw = (os.environ if environ is None else environ).get(name, "")
    items = [item.strip() for item in raw.split(",") if item.strip()]
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks such as 10.0.0.0/8, "
                f"not {item!r}."
            ) from None
    return items
