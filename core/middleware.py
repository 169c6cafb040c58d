"""Refuse text PostgreSQL cannot store with a 400, before any view sees it.

PostgreSQL refuses a NUL character in text and jsonb, so a NUL in a URL, a query
value, a posted field or a cookie that reached a query was a 500 (issue 14): the
token lookups of /s/<token>/ and /r/<key>/, the answers the survey engine stores, a
session key. One check here, at the edge, rather than one in every lookup and every
raw `request.POST.get`: no person types a NUL, so refusing the whole request loses
nothing, and new views are covered without thinking of it. Django's form CharFields
refuse NUL too; this is the net under the code that reads the request directly.

Lone surrogates are refused with it. Django decodes undecodable bytes to U+FFFD, so
none should get this far, but one would fail in the same places (UTF-8 cannot encode
it), and checking costs one regular expression per value.
"""

import re

from django.views.defaults import bad_request

FORBIDDEN_TEXT = re.compile("[\x00\ud800-\udfff]")


def reads_own_body(view):
    """Mark a view that must install upload handlers before the body is read.

    RequestTextGuard leaves such a view's POST data to the view: reading it earlier
    would parse an upload before the view's size cap is in place. Such a view reads
    only files, whose names Django strips of unprintable characters.
    """
    view.reads_own_body = True
    return view


def _has_forbidden(pairs) -> bool:
    search = FORBIDDEN_TEXT.search
    for key, values in pairs:
        if search(key) or any(search(value) for value in values):
            return True
    return False


class RequestTextGuard:
    """Answer 400 to a request whose path, query, cookies or form data hold a NUL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            FORBIDDEN_TEXT.search(request.path)
            or _has_forbidden(request.GET.lists())
            or _has_forbidden((k, [v]) for k, v in request.COOKIES.items())
        ):
            return _refuse(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Runs before CsrfViewMiddleware's check, which reads request.POST for every
        # POST anyway: parsing it here first costs nothing more.
        if request.method != "POST" or getattr(view_func, "reads_own_body", False):
            return None
        if _has_forbidden(request.POST.lists()):
            return _refuse(request)
        return None


def _refuse(request):
    return bad_request(request, exception=None)
