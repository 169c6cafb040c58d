"""A real OpenID Connect provider for the campus sign-in tests (one per run)."""

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from config.campus import campus_settings
from tests import harness

PROVIDER_SETTINGS = "tests.accounts.oidc_provider.settings"
CLIENT_ID = "canvass-campus-client"
CLIENT_SECRET = "canvass-campus-secret-for-tests"
CALLBACK_PATH = "/accounts/campus/oidc/campus/login/callback/"


@dataclass
class OidcProvider:
    url: str

    def setup(self, *, redirect_hosts=(), people=()) -> None:
        """Register Canvass (its callback on each host) and add people."""
        body = {"people": list(people)}
        if redirect_hosts:
            body["client"] = {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [host + CALLBACK_PATH for host in redirect_hosts],
            }
        response = requests.post(self.url + "/setup/", json=body, timeout=30)
        response.raise_for_status()

    def environ(self, **more: str) -> dict[str, str]:
        """The environment a Canvass pointed at this provider would have."""
        return {
            "OIDC_SERVER_URL": self.url + "/o",
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_NAME": "Campus account",
            **more,
        }

    def configure(self, settings, **more: str) -> None:
        """Point this process's Canvass (test client, live server) at the provider,
        through the same reader of the environment as a deployment."""
        campus = campus_settings(self.environ(**more))
        settings.PASSWORD_LOGIN = campus["PASSWORD_LOGIN"]
        settings.SOCIALACCOUNT_PROVIDERS = campus["SOCIALACCOUNT_PROVIDERS"]
        settings.CAMPUS_FORM_ACTION = campus["CAMPUS_FORM_ACTION"]
        policy = settings.CONTENT_SECURITY_POLICY
        directives = dict(policy["DIRECTIVES"])
        directives["form-action"] = [
            *directives["form-action"],
            *campus["CAMPUS_FORM_ACTION"],
        ]
        settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """django-oauth-toolkit's OpenID Connect provider in its own process: a fresh
    RSA key and SQLite file, on a free loopback port."""
    folder = tmp_path_factory.mktemp("oidc-provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = folder / "key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    env = {
        "DJANGO_SETTINGS_MODULE": PROVIDER_SETTINGS,
        "OIDC_PROVIDER_DB": str(folder / "provider.sqlite3"),
        "OIDC_PROVIDER_KEY_FILE": str(key_file),
    }
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
        cwd=harness.ROOT,
        env={**os.environ, "PYTHONPATH": str(harness.ROOT), **env},
        check=True,
        timeout=120,
    )
    with open(folder / "server.log", "wb") as log:
        process, port = harness.start_gunicorn(
            workers=1,
            threads=4,
            log=log,
            app="tests.accounts.oidc_provider.wsgi:application",
            **env,
        )
    try:
        yield OidcProvider(url=f"http://127.0.0.1:{port}")
    finally:
        harness.stop_gunicorn(process)


def sign_in_at_provider(url: str, *, username: str, password: str, until: str) -> str:
    """Follow the provider's redirects from `url`, filling its sign-in form, until
    one leads to `until` (Canvass); return that URL."""
    session = requests.Session()
    for _ in range(10):
        if url.startswith(until):
            return url
        response = session.get(url, allow_redirects=False, timeout=30)
        if response.status_code == 200 and "Sign in to campus" in response.text:
            token = re.search(
                r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text
            )
            response = session.post(
                url,
                data={
                    "csrfmiddlewaretoken": unescape(token[1]),
                    "username": username,
                    "password": password,
                },
                allow_redirects=False,
                timeout=30,
            )
        assert response.status_code == 302, (response.status_code, response.text[:2000])
        url = urljoin(url, response.headers["Location"])
    raise AssertionError(f"the provider never sent the browser back to {until}")
