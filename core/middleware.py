"""Refuse text PostgreSQL cannot store with a 400, before any view sees it.

PostgreSQL refuses a NUL character in text and jsonb, so a NUL in a URL, a query
value, a posted field or a cookie that reached a query was a 500 (issue 14): the
token lookups of /s/<token>/ and /r/<key>/, the answers the survey engine stores, a
session key. One check here, at the edge, rather than one in every lookup and every
raw `request.POST.get`: no person types a NUL, so refusing the whole request loses
nothing, and new views are covered without thinking of it. Django's form CharFields
refuse NUL too; this is the net under the code that reads the request directly.

Undecodable text is refused too: bytes that are not UTF-8 (a lone surrogate's CESU-8
bytes among them) in the path, the query string or a urlencoded body. Django would
turn them into U+FFFD and carry on; no browser sends them for a page served as
UTF-8, so a 400 says plainly what is wrong. (A multipart body is decoded by Django
with replacement, field by field; its NULs are refused like any other.) A lone
surrogate that somehow got decoded is refused with NUL, by the same expression.
"""

import re
from urllib.parse import unquote_to_bytes

from django.urls import get_resolver

FORBIDDEN_TEXT = re.compile("[\x00\ud800-\udfff]")


def reads_own_body(view):
    """Mark a view that must install upload handlers before the body is read.

    RequestTextGuard leaves such a view's POST data to the view: reading it earlier
    would parse an upload before the view's size cap is in place. Such a view reads
    only files, whose names Django strips of unprintable characters.
    """
    view.reads_own_body = True
    return view


def _undecodable(raw: bytes) -> bool:
    """True when percent-encoded raw bytes do not decode as UTF-8."""
    if raw.isascii() and b"%" not in raw:
        return False  # the common case, at C speed
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _wsgi_bytes(request, key: str) -> bytes:
    # PEP 3333: the server hands bytes over as latin-1 text.
    return request.META.get(key, "").encode("latin-1", "replace")


def _has_forbidden(pairs) -> bool:
    search = FORBIDDEN_TEXT.search
    for key, values in pairs:
        if search(key) or any(search(value) for value in values):
            return True
    return False


class RequestTextGuard:
    """Answer 400 to a request whose path, query, cookies or form data hold a NUL,
    or whose path, query or urlencoded body is not UTF-8."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            # Django writes a path's bytes that are not UTF-8 back as %XX escapes.
            _undecodable(request.path_info.encode("utf-8", "surrogatepass"))
            or _undecodable(_wsgi_bytes(request, "QUERY_STRING"))
            or FORBIDDEN_TEXT.search(request.path)
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
        # Django itself refuses a urlencoded body that names another charset.
        urlencoded = request.content_type == "application/x-www-form-urlencoded"
        if urlencoded and _undecodable(request.body):
            return _refuse(request)
        if _has_forbidden(request.POST.lists()):
            return _refuse(request)
        return None


def _refuse(request):
    # The project's 400 handler (config.urls.handler400), so that the REST API can
    # answer in its own format; Django's bad_request when none is set.
    urlconf = getattr(request, "urlconf", None)
    return get_resolver(urlconf).resolve_error_handler(400)(request, exception=None)
