"""Campus sign-in configuration: read from the environment (config/campus.py), a
bad value refused naming the variable, and the SAML service provider it makes."""

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from config.campus import SAML_MAIL, campus_settings
from config.env import SettingError
from tests.core.test_settings import manage

OIDC = {
    "OIDC_SERVER_URL": "https://login.uni.example/realms/staff",
    "OIDC_CLIENT_ID": "canvass",
    "OIDC_CLIENT_SECRET": "s3cret",
}


def test_nothing_set_means_passwords_only():
    campus = campus_settings({})

    assert campus["PASSWORD_LOGIN"] is True
    assert campus["SOCIALACCOUNT_PROVIDERS"] == {}
    assert campus["CAMPUS_FORM_ACTION"] == []


def test_openid_connect_from_the_environment():
    campus = campus_settings({**OIDC, "OIDC_NAME": "UniLogin", "PASSWORD_LOGIN": "off"})

    [app] = campus["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"]
    assert app["provider_id"] == "campus"
    assert app["name"] == "UniLogin"
    assert (app["client_id"], app["secret"]) == ("canvass", "s3cret")
    assert app["settings"]["server_url"] == OIDC["OIDC_SERVER_URL"]
    assert app["settings"]["canvass_trust_email"] is False
    assert campus["PASSWORD_LOGIN"] is False
    assert campus["CAMPUS_FORM_ACTION"] == ["https://login.uni.example"]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"OIDC_SERVER_URL": "login.uni.example"}, "OIDC_SERVER_URL must be a URL"),
        (
            {**OIDC, "OIDC_CLIENT_SECRET": ""},
            "OIDC_SERVER_URL is set: OIDC_CLIENT_SECRET is needed too.",
        ),
        ({**OIDC, "OIDC_SCOPES": "email"}, "OIDC_SCOPES must include openid"),
        ({**OIDC, "OIDC_PROVIDER_ID": "Uni Login"}, "OIDC_PROVIDER_ID must be"),
        ({**OIDC, "OIDC_TRUST_EMAIL": "perhaps"}, "OIDC_TRUST_EMAIL must be true"),
        ({"PASSWORD_LOGIN": "never"}, "PASSWORD_LOGIN must be true or false"),
        ({"SAML_ORGANIZATION": "uni"}, "SAML_IDP_ENTITY_ID, SAML_IDP_SSO_URL"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(environ, message):
    with pytest.raises(SettingError, match=message):
        campus_settings(environ)


def test_a_bad_value_stops_the_start():
    result = manage("check", OIDC_SERVER_URL="https://login.uni.example")

    assert result.returncode != 0
    assert result.stderr == "OIDC_SERVER_URL is set: OIDC_CLIENT_ID is needed too.\n"


def test_password_sign_in_off_without_a_campus_provider_is_refused():
    result = manage("check", PASSWORD_LOGIN="false")

    assert result.returncode != 0
    assert "PASSWORD_LOGIN is false and no campus provider" in result.stderr
    assert manage("check", PASSWORD_LOGIN="false", **OIDC).returncode == 0


def _certificate() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.uni.example")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    return "".join(line for line in pem.splitlines() if "CERTIFICATE" not in line)


@pytest.mark.django_db
def test_a_shibboleth_idp_gets_service_provider_metadata_and_a_button(client, settings):
    campus = campus_settings(
        {
            "SAML_ORGANIZATION": "uni",
            "SAML_NAME": "Uni Shibboleth",
            "SAML_IDP_ENTITY_ID": "https://idp.uni.example/idp/shibboleth",
            "SAML_IDP_SSO_URL": "https://idp.uni.example/idp/profile/SAML2/Redirect/SSO",
            "SAML_IDP_X509_CERT": _certificate(),
        }
    )
    settings.SOCIALACCOUNT_PROVIDERS = campus["SOCIALACCOUNT_PROVIDERS"]
    # SAML wants the service provider on a real domain name (not "testserver").
    settings.ALLOWED_HOSTS = ["canvass.uni.example"]
    client.defaults["HTTP_HOST"] = "canvass.uni.example"
    [app] = campus["SOCIALACCOUNT_PROVIDERS"]["saml"]["APPS"]
    assert app["settings"]["attribute_mapping"]["email"] == SAML_MAIL
    assert campus["CAMPUS_FORM_ACTION"] == ["https://idp.uni.example"]

    metadata = client.get("/accounts/campus/saml/uni/metadata/")
    assert metadata.status_code == 200, metadata.content
    xml = metadata.content.decode()
    assert "http://canvass.uni.example/accounts/campus/saml/uni/acs/" in xml
    assert "EntityDescriptor" in xml

    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with Uni Shibboleth" in page
    start = client.post("/accounts/campus/saml/uni/login/")
    assert start.status_code == 302
    assert start["Location"].startswith(
        "https://idp.uni.example/idp/profile/SAML2/Redirect/SSO?SAMLRequest="
    )
