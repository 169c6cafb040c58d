"""The `next` query parameter: the page on this site to send the person back to."""

from urllib.parse import urlencode

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request) -> str:
    """Return the request's next (a form's, else the query's) when it is a path on
    this site, else "". A bare word is no path: redirect() would take it for a
    view's name."""
    target = request.POST.get("next") or request.GET.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def with_query(url: str, **params) -> str:
    """Return url with the non-empty params as its query string."""
    query = urlencode({name: value for name, value in params.items() if value})
    return f"{url}?{query}" if query else url
