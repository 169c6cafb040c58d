import zoneinfo

from django.conf import settings


def owner_time_zone(user) -> zoneinfo.ZoneInfo:
    """Return the zone an owner sees and enters dates in (their profile, else TIME_ZONE)."""
    profile = getattr(user, "profile", None) if user is not None else None
    try:
        return zoneinfo.ZoneInfo(profile.time_zone if profile else settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)
