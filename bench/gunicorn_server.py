"""The benches' gunicorn: the production settings on a free loopback port.

bench_history, bench_respondent and bench_api time pages through a real gunicorn and
socket, as `make run` and the image serve them (tests have their own starter,
tests.harness.start_gunicorn, with DEBUG static files)."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    port: int,
    *,
    workers: int,
    threads: int,
    app: str = "config.wsgi:application",
    probe: str = "/healthz",
    options: tuple[str, ...] = (),
    **variables: str,
) -> subprocess.Popen:
    """Start gunicorn (gthread) with DEBUG off in its own process group; return once
    `probe` answers below 500. `variables` are more environment."""
    env = os.environ.copy()
    env.update(
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"http://127.0.0.1:{port}",
        LOG_LEVEL="WARNING",
    )
    env.update(variables)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(workers), "--worker-class", "gthread"]
        + ["--threads", str(threads), "--log-level", "warning", *options],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", probe)
            if conn.getresponse().status < 500:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn did not answer {probe} in 60 s")
