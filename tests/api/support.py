"""Helpers for the API tests: a client that calls with a key, a webhook receiver."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rest_framework.test import APIClient

from api.services import api_key_create


def key_client(
    owner, *, access="write", name="test", team=None
) -> tuple[APIClient, object]:
    """Return an API client sending a new key of `owner`'s in `team` (default:
    their personal team), and the key row."""
    key, text = api_key_create(owner=owner, name=name, access=access, team=team)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
    return client, key


def set_role(user, team_id: int, role: str | None) -> None:
    """Give the user this role in the team, or remove them (None)."""
    from teams.models import Membership

    memberships = Membership.objects.filter(user=user, team_id=team_id)
    if role is None:
        memberships.delete()
    else:
        updated = memberships.update(role=role)
        if not updated:
            Membership.objects.create(user=user, team_id=team_id, role=role)


class Receiver:
    """An HTTP server that answers each POST with the next of `answers`."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(
                    ({k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
