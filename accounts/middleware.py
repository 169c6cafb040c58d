from django.utils import timezone, translation

from accounts.selectors import owner_locale, owner_time_zone


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


class OwnerLocaleMiddleware:
    """Show the signed-in owner's pages in their locale (Profile.locale): dates and
    numbers in its formats, words from its catalogue where there is one.

    Only while the request is handled: the thread's next request, perhaps a
    respondent's (whose pages choose their own language), starts from
    LANGUAGE_CODE again. Signed-out pages are left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        language = owner_locale(user)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            return self.get_response(request)
        finally:
            translation.deactivate()
