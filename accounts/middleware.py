from django.utils import timezone

from accounts.selectors import owner_time_zone


class OwnerTimezoneMiddleware:
    """Show and read every date in the signed-in owner's time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(owner_time_zone(user))
        else:
            timezone.deactivate()
        return self.get_response(request)
