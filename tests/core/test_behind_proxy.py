"""Canvass behind a reverse proxy: every limit sees the forwarded client address.

gunicorn serves the app; a small reverse proxy in front (as the README recommends
for TLS) appends X-Forwarded-For like nginx's $proxy_add_x_forwarded_for. Clients
connect to the proxy from different loopback addresses (127.0.0.2, 127.0.0.3), so
the app sees one peer, the proxy, and TRUSTED_PROXIES names it (issue 14 point 2).
"""

import http.client
import http.server
import re
import threading
import urllib.parse
import uuid

import pytest
from django.conf import global_settings
from django.contrib.auth import get_user_model

from tests import harness
from tests.distributions.ui_support import (
    deliver,
    email_distribution,
    published_survey,
)
from tests.helpers import make_list

# gunicorn and a proxy in subprocesses: `make test` and CI, not `make test-fast`.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

STRANGER, NEIGHBOUR = "127.0.0.2", "127.0.0.3"
PASSWORD = "plum-orchard-47-lantern"


def start_proxy(upstream_port: int) -> tuple[http.server.ThreadingHTTPServer, int]:
    class Forward(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args):
            pass

        def _forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {
                k: v for k, v in self.headers.items() if k.lower() != "connection"
            }
            seen = self.client_address[0]
            forwarded = self.headers.get("X-Forwarded-For")
            headers["X-Forwarded-For"] = f"{forwarded}, {seen}" if forwarded else seen
            upstream = http.client.HTTPConnection(
                "127.0.0.1", upstream_port, timeout=30
            )
            upstream.request(self.command, self.path, body=body, headers=headers)
            reply = upstream.getresponse()
            data = reply.read()
            self.send_response(reply.status)
            for name, value in reply.getheaders():
                if name.lower() not in ("connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            upstream.close()

        do_GET = do_POST = _forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


@pytest.fixture
def behind_proxy(transactional_db):
    """gunicorn with TRUSTED_PROXIES=127.0.0.1, and the proxy in front of it."""
    process, port = harness.start_gunicorn(
        workers=1, threads=4, TRUSTED_PROXIES="127.0.0.1"
    )
    proxy, proxy_port = start_proxy(port)
    yield proxy_port
    proxy.shutdown()
    harness.stop_gunicorn(process)


class Browser:
    """One client of the proxy, connecting from its own loopback address."""

    def __init__(self, port: int, source: str):
        self.port, self.source, self.cookies = port, source, {}

    def request(self, method, path, data=None, headers=None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.source, 0)
        )
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        reply = connection.getresponse()
        text = reply.read().decode(errors="replace")
        for name, value in reply.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";")[0]
        connection.close()
        return reply.status, text

    def sign_in(self, email, password):
        _, page = self.request("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": email, "password": password},
        )
        return status


def test_mistyped_links_from_one_client_do_not_block_another(owner, behind_proxy):
    survey = published_survey(owner, access="invitation")
    distribution = email_distribution(survey, make_list(owner, n=1))
    invitation = distribution.invitations.get()
    deliver(distribution, invitation)
    stranger = Browser(behind_proxy, STRANGER)
    neighbour = Browser(behind_proxy, NEIGHBOUR)

    statuses = [
        # A forged header changes nothing: the proxy appends what it saw.
        stranger.request(
            "GET", f"/s/mistyped{n:035d}/", headers={"X-Forwarded-For": f"10.9.{n}.1"}
        )[0]
        for n in range(25)
    ]

    assert statuses[-1] == 429
    assert neighbour.request("GET", f"/s/mistyped{99:035d}/")[0] == 404
    assert neighbour.request("GET", f"/s/{invitation.token}/")[0] == 200


def test_wrong_passwords_from_one_client_do_not_stop_the_owner(behind_proxy, settings):
    # gunicorn checks passwords with the production hashers, not the tests' MD5.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    email = f"owner-{uuid.uuid4().hex[:8]}@example.org"
    get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
    stranger = Browser(behind_proxy, STRANGER)
    owner = Browser(behind_proxy, NEIGHBOUR)

    assert [stranger.sign_in(email, "wrong") for _ in range(5)] == [200] * 5
    assert stranger.sign_in(email, PASSWORD) == 429

    assert owner.sign_in(email, PASSWORD) == 302
    assert owner.request("GET", "/surveys/")[0] == 200
