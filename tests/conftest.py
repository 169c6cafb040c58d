"""Fixtures every app's tests share: owners, a real worker, SMTP server and browser."""

import os
import shutil
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app as celery_app
from tests import harness
from tests.factories import PASSWORD, UserFactory
from tests.helpers import reset_rate_limits

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
# the test itself are still synchronous, so let them through.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# One Celery queue per test run, so runs sharing a broker never take each other's tasks.
TEST_QUEUE = f"canvass-test-{uuid.uuid4().hex[:8]}"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or ""
# The cache settings a `make run` with this environment uses (tests use their own).
APP_CACHES: dict = {}


# The domains the tests' owners send From (an institution's ALLOWED_FROM_DOMAINS);
# worker and gunicorn subprocesses inherit it. Tests of the rule set their own.
TEST_FROM_DOMAINS = "example.edu,uni.example"


def pytest_configure(config):
    os.environ.setdefault("ALLOWED_FROM_DOMAINS", TEST_FROM_DOMAINS)
    settings.ALLOWED_FROM_DOMAINS = os.environ["ALLOWED_FROM_DOMAINS"].split(",")
    if not os.environ.get("SECRET_KEY"):
        # Worker subprocesses read it from the environment.
        os.environ["SECRET_KEY"] = "test-only-" + uuid.uuid4().hex
        settings.SECRET_KEY = os.environ["SECRET_KEY"]
    settings.CELERY_TASK_DEFAULT_QUEUE = TEST_QUEUE
    # This process's own cache: rate-limit counts never reach the cache of a
    # `make run` on this machine (var/cache or Redis), and clearing it is safe.
    # Only web requests use the cache, and live_server serves from this process.
    APP_CACHES.update(settings.CACHES)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": TEST_QUEUE,
        }
    }
    # Hashing a password the production way costs ~0.3 s on this machine's cores;
    # tests sign in many owners and check no hash strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    celery_app.conf.task_default_queue = TEST_QUEUE
    # Tests render {% static %} without a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


def pytest_sessionfinish(session, exitstatus):
    from config import embedded

    # Leave no server behind that this run started (`make run` keeps its own).
    if embedded.started_by_this_process:
        embedded.stop_embedded_database(settings.VAR_DIR)


@pytest.fixture(autouse=True)
def _no_rate_limit_counts():
    """Each test starts with no invalid-link or failed sign-in count."""
    reset_rate_limits()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def other_owner(db):
    return UserFactory()


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django's SMTP backend points at it."""
    sink, controller = harness.start_smtp_sink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    yield sink
    controller.stop()


def _celery_env(extra_env: dict[str, str] | None) -> dict[str, str]:
    env = os.environ.copy()
    env.update(
        DATABASE_URL=harness.test_database_url(),
        CELERY_QUEUE=TEST_QUEUE,
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
    )
    if settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        env.update(EMAIL_HOST=settings.EMAIL_HOST, EMAIL_PORT=str(settings.EMAIL_PORT))
    env.update(extra_env or {})
    return env


@pytest.fixture
def celery_worker_factory(transactional_db, tmp_path):
    """Start real `celery worker` processes on the test database and queue.

    Use with transactional tests (the worker must see committed rows). Call
    `start(concurrency=2)`; the handle has kill() (SIGKILL) and stop().
    Start the smtp_server fixture first so the worker mails it.
    """
    started: list[harness.CeleryProcess] = []

    def start(*, concurrency=1, extra_env=None, name=None):
        name = name or f"worker{len(started) + 1}"
        worker = harness.CeleryProcess(
            [
                "worker",
                "-Q",
                TEST_QUEUE,
                "-c",
                str(concurrency),
                "-n",
                f"{name}-{TEST_QUEUE}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
            ],
            _celery_env(extra_env),
            tmp_path / f"{name}.log",
        )
        started.append(worker)
        worker.wait_for_log("ready.")
        return worker

    yield start
    for worker in started:
        # The test has its answers: a kill ends the process group at once, where a
        # warm shutdown takes about 1.5 s a worker (tests that stop one on purpose
        # call stop() themselves).
        worker.kill()
        worker.stop()
    celery_app.control.purge()


@pytest.fixture
def celery_worker(celery_worker_factory):
    return celery_worker_factory(concurrency=2)


@pytest.fixture
def celery_beat_factory(transactional_db, tmp_path):
    """Start a real `celery beat` process that sends to the test queue."""
    started: list[harness.CeleryProcess] = []

    def start(*, extra_env=None):
        beat = harness.CeleryProcess(
            [
                "beat",
                "-l",
                "INFO",
                "-s",
                str(tmp_path / "beat-schedule"),
                "--pidfile",
                str(tmp_path / "beat.pid"),
            ],
            _celery_env(extra_env),
            tmp_path / "beat.log",
        )
        started.append(beat)
        beat.wait_for_log("beat: Starting")
        return beat

    yield start
    for beat in started:
        beat.stop()


def close_idle_connections() -> None:
    """Close this thread's database connections that no transaction is using."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


@pytest.fixture(scope="session")
def browser():
    """A headless system Chromium driven by Playwright (no downloaded browser)."""
    if not CHROMIUM or not Path(CHROMIUM).exists():
        reason = "browser test: no Chromium found (install Debian's chromium)"
        if os.environ.get("CANVASS_REQUIRE_BROWSER") == "1":
            # CI installs Chromium: a silent skip there would hide untested pages.
            pytest.fail(reason + ", and CANVASS_REQUIRE_BROWSER=1")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # While Playwright's loop runs in this thread, Django keeps this thread's
    # connections in another store (asgiref's Local, as for async code): one opened
    # before would stay open, unseen, and the test database could not be dropped at
    # the end ("being accessed by other users"). So none is open on either side.
    close_idle_connections()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
        close_idle_connections()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab (desktop size) against the live test server."""
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A fresh browser tab the size of a phone."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def logged_in_page(page, live_server, owner, client):
    """A browser tab already signed in as `owner`."""
    client.force_login(owner)
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_cookie.value,
                "url": live_server.url,
            }
        ]
    )
    return page


def assert_no_axe_violations(page) -> None:
    """Run axe-core in the page and fail with the violations it finds."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture
def throwaway_redis():
    """A redis-server of this test's own, to stop and start (tests/throwaway.py)."""
    from tests.throwaway import ThrowawayRedis

    server = ThrowawayRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def throwaway_postgres(transactional_db):
    """A PostgreSQL cluster of this test's own with the test database's schema.

    This process's connection and the workers this test starts use it, so the
    test may restart or crash it; the shared server is never touched.
    """
    from django.db import connections

    from tests.throwaway import ThrowawayPostgres, postgres_bin

    if postgres_bin() is None:
        pytest.skip("no PostgreSQL server binaries (set POSTGRES_BIN)")
    server = ThrowawayPostgres()
    server.start()
    server.copy_schema(harness.test_database_url(), "canvass")
    connection = connections["default"]
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(
        NAME="canvass", HOST="127.0.0.1", PORT=str(server.port), USER="postgres",
        PASSWORD="",
    )  # fmt: skip
    yield server
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)
    server.stop()
