from django.conf import settings


def canvass(request):
    return {
        "DEBUG": settings.DEBUG,
        "REGISTRATION_OPEN": settings.REGISTRATION_OPEN,
    }
