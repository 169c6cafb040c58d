"""Real services for tests: a Celery worker process, an SMTP server, a browser.

Each is a pytest fixture in tests/conftest.py; the classes here do the work.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from django.db import connection

from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """Return a DATABASE_URL for the test database this process is using."""
    db = connection.settings_dict
    host = db.get("HOST") or ""
    host_part = quote(host, safe="") if host.startswith("/") else host
    port = f":{db['PORT']}" if db.get("PORT") else ""
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{host_part}{port}/{db['NAME']}"


class CeleryProcess:
    """A `celery worker` or `celery beat` subprocess on this test run's queue."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115  (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # Its own process group, so kill() reaches the pool's children too.
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 60) -> None:
        def logged():
            if text in self.log():
                return True
            if self.process.poll() is not None:
                raise RuntimeError(f"celery exited early:\n{self.log()[-4000:]}")
            return False

        wait_until(
            logged,
            timeout=timeout,
            message=lambda: f"{text!r} in the log:\n{self.log()[-4000:]}",
        )

    def kill(self) -> None:
        """SIGKILL the whole process group: a crash, not a shutdown."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


@dataclass
class ReceivedMail:
    mail_from: str
    recipients: list[str]
    message: EmailMessage
    # The bytes as received (a DKIM check needs them unparsed).
    raw: bytes = b""
    # When it arrived (time.monotonic()), for rate-limit checks.
    at: float = 0.0

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


@dataclass
class SmtpSink:
    """Collects what an aiosmtpd server on loopback receives.

    `refuse` maps a recipient address (lower case) to an SMTP reply such as
    "550 5.1.1 No such user" (permanent) or "451 4.3.0 Try again later" (temporary).
    A temporary refusal applies `temporary_times` times, then the address is accepted.
    Until `unavailable_until` (time.monotonic()) every recipient gets a 421: a
    server that is down for a while.
    """

    host: str = "127.0.0.1"
    port: int = 0
    received: list[ReceivedMail] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    temporary_times: int = 1
    unavailable_until: float = 0.0
    _temporary_seen: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if time.monotonic() < self.unavailable_until:
            return "421 4.3.2 Service not available, try again later"
        reply = self.refuse.get(address.lower())
        if reply:
            if reply.startswith("4"):
                with self._lock:
                    seen = self._temporary_seen.get(address.lower(), 0)
                    self._temporary_seen[address.lower()] = seen + 1
                if seen < self.temporary_times:
                    return reply
            else:
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.received.append(
                ReceivedMail(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    message,
                    bytes(envelope.original_content or envelope.content),
                    time.monotonic(),
                )
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[ReceivedMail]:
        address = address.lower()
        with self._lock:
            return [
                m for m in self.received if address in [r.lower() for r in m.recipients]
            ]

    def wait_for(self, count: int, timeout: float = 60) -> list[ReceivedMail]:
        wait_until(
            lambda: len(self.received) >= count,
            timeout=timeout,
            message=lambda: f"{count} emails ({len(self.received)} arrived)",
        )
        return list(self.received)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(
    *,
    workers: int = 2,
    threads: int = 2,
    log=None,
    app: str = "config.wsgi:application",
    **variables: str,
) -> tuple[subprocess.Popen, int]:
    """Start the app under a real gunicorn (gthread) on a free loopback port, on the
    test database, in its own process group (stop it with stop_gunicorn); return
    once /healthz answers. DEBUG static files, so no collectstatic is needed;
    `variables` are more environment (TRUSTED_PROXIES, API_RATE_LIMIT, ...).
    Another WSGI `app` (a test's own server) is up once it answers anything."""
    port = free_port()
    env = os.environ.copy()
    env.update(
        DATABASE_URL=test_database_url(),
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
        ALLOWED_HOSTS="127.0.0.1",
        PYTHONUNBUFFERED="1",
    )
    env.update(variables)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app]
        + ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
        + ["--worker-class", "gthread", "--threads", str(threads)],
        cwd=ROOT,
        env=env,
        # A file, not a pipe nobody reads: a full pipe would stall the server.
        stdout=log if log is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            probe.request("GET", "/healthz")
            probe.getresponse().read()
            return process, port
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_gunicorn(process)
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.2)


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def start_smtp_sink() -> tuple[SmtpSink, Controller]:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port, ready_timeout=10)
    controller.start()
    return sink, controller
