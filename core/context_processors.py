from django.conf import settings
from django.utils import timezone


def canvass(request):
    return {
        "DEBUG": settings.DEBUG,
        # Sign-up links are shown only where a password sign-up is possible.
        "REGISTRATION_OPEN": settings.REGISTRATION_OPEN and settings.PASSWORD_LOGIN,
        "PASSWORD_LOGIN": settings.PASSWORD_LOGIN,
        # The zone OwnerTimezoneMiddleware activated for this request.
        "TIME_ZONE_NAME": timezone.get_current_timezone_name(),
    }
