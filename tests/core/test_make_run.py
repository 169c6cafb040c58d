"""`make run`'s orchestrator on a fresh var/ folder: embedded PostgreSQL, on-disk broker.

It must serve the sign-in page, keep data across a restart, and stop every process it
started (PostgreSQL included) on Ctrl-C.
"""

import contextlib
import os
import signal
import subprocess
import sys
import urllib.request

import psutil
import pytest

from tests.harness import ROOT, free_port
from tests.helpers import wait_until

RUNNING = "Canvass is running at "

# Starts an embedded PostgreSQL and the whole stack twice: `make test` only.
pytestmark = pytest.mark.slow


def start(var_dir, port, log_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "EMAIL_HOST", "DEBUG", "SITE_URL"}
    }
    env.update(CANVASS_VAR_DIR=str(var_dir), PORT=str(port), WEB_CONCURRENCY="1")
    env.update(CELERY_CONCURRENCY="1")
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = open(log_path, "ab")  # noqa: SIM115  (closed when the process ends)
    process = subprocess.Popen(
        [sys.executable, "bin/canvass-run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def this_run() -> str:
        return log_path.read_text(errors="replace").split("[canvass] stopped")[-1]

    with contextlib.suppress(TimeoutError):
        wait_until(
            lambda: RUNNING in this_run() or process.poll() is not None,
            timeout=120,
            interval=0.3,
        )
    if RUNNING in this_run() and process.poll() is None:
        return process
    process.kill()
    pytest.fail("make run did not come up:\n" + log_path.read_text()[-4000:])


def stop(process):
    descendants = psutil.Process(process.pid).children(recursive=True)
    os.kill(process.pid, signal.SIGINT)  # what Ctrl-C sends
    assert process.wait(timeout=60) == 0

    def left_running():
        return [p for p in descendants if p.is_running() and p.status() != "zombie"]

    # Children stopped by their parents may take a moment to be reaped.
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: not left_running(), timeout=10)
    return left_running()


def get(url):
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.status, reply.read().decode()


def postgres_running(var_dir):
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and str(var_dir / "pgdata") in " ".join(
            process.info["cmdline"] or []
        ):
            return True
    return False


def test_make_run_serves_keeps_data_and_stops_everything(tmp_path):
    var_dir, port, log_path = tmp_path / "var", free_port(), tmp_path / "run.log"
    base = f"http://127.0.0.1:{port}"

    process = start(var_dir, port, log_path)
    status, page = get(base + "/accounts/login/")
    assert status == 200 and "Sign in to Canvass" in page
    assert f"{RUNNING}{base}/" in log_path.read_text()
    assert (
        get(base + "/healthz")[1]
        == '{"status": "ok", "database": "ok", "broker": "ok"}'
    )
    # An account made through the app's own database survives the restart.
    subprocess.run(
        [sys.executable, "-c",
         "import django; django.setup(); from accounts.services import owner_sign_up; "
         "owner_sign_up(email='kept@example.org', password='plum-orchard-47-lantern')"],
        cwd=ROOT,
        env={**os.environ, "CANVASS_VAR_DIR": str(var_dir), "DEBUG": "true",
             "DJANGO_SETTINGS_MODULE": "config.settings",
             "DATABASE_URL": "", "REDIS_URL": ""},
        check=True,
        timeout=60,
    )  # fmt: skip
    leftovers = stop(process)
    assert leftovers == []
    assert not postgres_running(var_dir)

    process = start(var_dir, port, log_path)
    try:
        with urllib.request.urlopen(base + "/accounts/login/", timeout=10) as reply:
            assert reply.status == 200
        check = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from django.contrib.auth.models import User; "
             "print(User.objects.filter(username='kept@example.org').count())"],
            cwd=ROOT,
            env={**os.environ, "CANVASS_VAR_DIR": str(var_dir), "DEBUG": "true",
                 "DATABASE_URL": "", "REDIS_URL": ""},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert check.stdout.strip().endswith("1"), check.stdout + check.stderr
    finally:
        assert stop(process) == []
    assert not postgres_running(var_dir)
