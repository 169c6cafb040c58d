"""Every owner page needs a login: walk the whole URLconf, so new URLs are covered."""

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Pages anyone may open: respondent/public pages are named "public_*".
ANONYMOUS_ACCOUNT_PAGES = {
    "accounts:login",
    "accounts:logout",
    "accounts:signup",
    "accounts:signup_sent",
    "accounts:signup_confirm",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
}
# Campus sign-in (accounts/campus_urls.py, django-allauth's un-namespaced names): the
# way in, and the provider's way back.
CAMPUS_SIGN_IN_PAGES = {
    "openid_connect_login",
    "openid_connect_callback",
    "saml_acs",
    "saml_finish_acs",
    "saml_sls",
    "saml_metadata",
    "saml_login",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",
    "account_login",
    "account_inactive",
}
# The REST API's description is public; its calls answer 401 (below), not a redirect.
PUBLIC_API_PAGES = {"api:schema", "api:docs"}
DUMMY = {
    "int": 999999,
    "str": "dummy",
    "slug": "dummy",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "path": "dummy",
}


def _owner_urls():
    found = []

    def walk(resolver: URLResolver, namespaces: list[str]):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                space = (
                    namespaces + [entry.namespace] if entry.namespace else namespaces
                )
                walk(entry, space)
            elif isinstance(entry, URLPattern) and entry.name:
                found.append((":".join([*namespaces, entry.name]), entry))

    walk(get_resolver(), [])
    urls = []
    for full_name, entry in found:
        short_name = full_name.rsplit(":", 1)[-1]
        if (
            short_name.startswith("public_")
            or full_name in ANONYMOUS_ACCOUNT_PAGES
            or full_name in CAMPUS_SIGN_IN_PAGES
            or full_name.startswith("admin:")
            or full_name == "home"
            or full_name in PUBLIC_API_PAGES
        ):
            continue
        kwargs = {}
        converters = getattr(entry.pattern, "converters", {})
        for key, converter in converters.items():
            kind = type(converter).__name__.replace("Converter", "").lower()
            kwargs[key] = DUMMY.get(kind, "dummy")
        urls.append((full_name, reverse(full_name, kwargs=kwargs)))
    return urls


OWNER_URLS = _owner_urls()


def test_the_walk_finds_owner_pages():
    names = {name for name, _ in OWNER_URLS}
    assert {"accounts:profile", "accounts:password_change", "surveys:list"} <= names


@pytest.mark.parametrize(("name", "url"), OWNER_URLS, ids=[n for n, _ in OWNER_URLS])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_request_redirects_to_login(client, name, url, method):
    response = getattr(client, method)(url)
    if url.startswith("/api/v1/"):
        # An API call without a key or session: 401 problem details, not a page.
        assert response.status_code == 401, f"{name} answered {response.status_code}"
        assert response["Content-Type"] == "application/problem+json"
        return

    login = reverse(settings.LOGIN_URL)
    assert response.status_code == 302, f"{name} answered {response.status_code}"
    assert response["Location"].startswith(login + "?next="), response["Location"]
