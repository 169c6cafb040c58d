from django.conf import settings
from django.utils import timezone


def canvass(request):
    return {
        "DEBUG": settings.DEBUG,
        "REGISTRATION_OPEN": settings.REGISTRATION_OPEN,
        # The zone OwnerTimezoneMiddleware activated for this request.
        "TIME_ZONE_NAME": timezone.get_current_timezone_name(),
    }
