"""Campus sign-in: the university's OpenID Connect or SAML (Shibboleth) provider.

django-allauth's social accounts do the protocol; these variables configure it
(README, "Campus sign-in"). A missing or bad value stops the start with a message
naming the variable (SettingError), like every other setting.

OpenID Connect: OIDC_SERVER_URL (the issuer, or its
/.well-known/openid-configuration), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET;
OIDC_NAME (the button), OIDC_PROVIDER_ID (in the callback URL), OIDC_SCOPES,
OIDC_TRUST_EMAIL.

SAML: SAML_ORGANIZATION (in the SP URLs), and the IdP either by
SAML_IDP_METADATA_URL or by SAML_IDP_ENTITY_ID + SAML_IDP_SSO_URL +
SAML_IDP_X509_CERT; SAML_NAME, SAML_ATTRIBUTE_EMAIL, SAML_ATTRIBUTE_UID,
SAML_TRUST_EMAIL.

An address the provider does not say it verified never signs anyone in
(accounts.campus); OIDC_TRUST_EMAIL / SAML_TRUST_EMAIL say that every address the
provider gives is the university's own, verified or not.
"""

import re
from urllib.parse import urlparse

from config.env import SettingError, env_bool

# allauth's provider settings key holding Canvass's own "trust the email" flag.
TRUST_EMAIL = "canvass_trust_email"
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
# eduPerson attributes a Shibboleth IdP releases: mail, eduPersonPrincipalName.
SAML_MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
SAML_EPPN = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"


# django-allauth, for campus sign-in only: its account pages are not mounted
# (accounts/campus_urls.py), sign-in, sign-up and passwords stay the accounts app's.
ALLAUTH_SETTINGS = {
    "SOCIALACCOUNT_ADAPTER": "accounts.campus.CampusAccountAdapter",
    # Owners are matched by a verified address in accounts.campus itself: allauth's
    # own matching would wipe the password of an owner it has no verified record of.
    "SOCIALACCOUNT_EMAIL_AUTHENTICATION": False,
    "SOCIALACCOUNT_AUTO_SIGNUP": True,
    "SOCIALACCOUNT_EMAIL_REQUIRED": True,
    # The adapter refuses an address the provider did not verify: allauth mails none.
    "SOCIALACCOUNT_EMAIL_VERIFICATION": "none",
    "ACCOUNT_EMAIL_VERIFICATION": "none",
    "SOCIALACCOUNT_STORE_TOKENS": False,
    "SOCIALACCOUNT_OPENID_CONNECT_URL_PREFIX": "oidc",
    "ACCOUNT_LOGIN_METHODS": {"email"},
    "ACCOUNT_SIGNUP_FIELDS": ["email*"],
    "ACCOUNT_UNIQUE_EMAIL": True,
}


def campus_settings(environ) -> dict:
    """Return the settings: PASSWORD_LOGIN, SOCIALACCOUNT_PROVIDERS,
    CAMPUS_FORM_ACTION (provider origins the sign-in form may lead to) and
    ALLAUTH_SETTINGS."""
    providers, origins = {}, []
    oidc = _oidc_app(environ)
    if oidc:
        providers["openid_connect"] = {"APPS": [oidc], "OAUTH_PKCE_ENABLED": True}
        origins.append(_origin(oidc["settings"]["server_url"]))
    saml, saml_origin = _saml_app(environ)
    if saml:
        providers["saml"] = {"APPS": [saml]}
        origins.append(saml_origin)
    return {
        "PASSWORD_LOGIN": env_bool("PASSWORD_LOGIN", True, environ=environ),
        "SOCIALACCOUNT_PROVIDERS": providers,
        # The campus button posts to Canvass, which redirects to the provider:
        # browsers hold that redirect to the form-action policy too.
        "CAMPUS_FORM_ACTION": sorted(set(origins)),
        **ALLAUTH_SETTINGS,
    }


def _oidc_app(environ) -> dict | None:
    server_url = _get(environ, "OIDC_SERVER_URL")
    if not server_url:
        return None
    _require_url("OIDC_SERVER_URL", server_url)
    for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"):
        if not _get(environ, name):
            raise SettingError(f"OIDC_SERVER_URL is set: {name} is needed too.")
    scopes = _get(environ, "OIDC_SCOPES") or "openid email profile"
    if "openid" not in scopes.split():
        raise SettingError(f"OIDC_SCOPES must include openid, not {scopes!r}.")
    return {
        "provider_id": _slug(environ, "OIDC_PROVIDER_ID", "campus"),
        "name": _get(environ, "OIDC_NAME") or "Campus account",
        "client_id": _get(environ, "OIDC_CLIENT_ID"),
        "secret": _get(environ, "OIDC_CLIENT_SECRET"),
        "settings": {
            "server_url": server_url,
            "scope": scopes.split(),
            "fetch_userinfo": True,
            "oauth_pkce_enabled": True,
            TRUST_EMAIL: env_bool("OIDC_TRUST_EMAIL", False, environ=environ),
        },
    }


def _saml_app(environ) -> tuple[dict | None, str]:
    organization = _get(environ, "SAML_ORGANIZATION")
    if not organization:
        return None, ""
    _slug(environ, "SAML_ORGANIZATION", "")
    metadata_url = _get(environ, "SAML_IDP_METADATA_URL")
    if metadata_url:
        _require_url("SAML_IDP_METADATA_URL", metadata_url)
        idp, origin = {"metadata_url": metadata_url}, _origin(metadata_url)
    else:
        names = ("SAML_IDP_ENTITY_ID", "SAML_IDP_SSO_URL", "SAML_IDP_X509_CERT")
        missing = [name for name in names if not _get(environ, name)]
        if missing:
            raise SettingError(
                "SAML_ORGANIZATION is set: SAML_IDP_METADATA_URL is needed, or "
                f"{', '.join(names)} ({', '.join(missing)} missing)."
            )
        sso_url = _get(environ, "SAML_IDP_SSO_URL")
        _require_url("SAML_IDP_SSO_URL", sso_url)
        idp = {
            "entity_id": _get(environ, "SAML_IDP_ENTITY_ID"),
            "sso_url": sso_url,
            "x509cert": _get(environ, "SAML_IDP_X509_CERT"),
        }
        origin = _origin(sso_url)
    app = {
        "client_id": organization,
        "name": _get(environ, "SAML_NAME") or "Campus account",
        "settings": {
            "idp": idp,
            "attribute_mapping": {
                "uid": _get(environ, "SAML_ATTRIBUTE_UID") or SAML_EPPN,
                "email": _get(environ, "SAML_ATTRIBUTE_EMAIL") or SAML_MAIL,
            },
            TRUST_EMAIL: env_bool("SAML_TRUST_EMAIL", False, environ=environ),
        },
    }
    return app, origin


def _get(environ, name: str) -> str:
    return environ.get(name, "").strip()


def _slug(environ, name: str, default: str) -> str:
    value = _get(environ, name) or default
    if not _SLUG.fullmatch(value):
        raise SettingError(
            f"{name} must be lower-case letters, digits and hyphens (it is part "
            f"of a URL), not {value!r}."
        )
    return value


def _require_url(name: str, value: str) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingError(f"{name} must be a URL starting with https://")


def _origin(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}"
