"""Settings come from the environment; a bad value stops the start, naming the variable."""

import os
import secrets
import subprocess
import sys

import pytest

from tests.harness import ROOT, free_port


def manage(*args, **env):
    return run_python("manage.py", *args, **env)


def run_python(*args, **env):
    full_env = os.environ.copy()
    # conftest sets this for Playwright; a deployment never has it.
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    full_env.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORT", "eighty", "PORT must be a whole number"),
        ("PORT", "70000", "PORT must be between 1 and 65535"),
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("TIME_ZONE", "Mars/Olympus_Mons", "TIME_ZONE must be an IANA time zone"),
        ("REGISTRATION_OPEN", "sometimes", "REGISTRATION_OPEN must be true or false"),
        ("EMAIL_PORT", "smtp", "EMAIL_PORT must be a whole number"),
        ("SITE_URL", "canvass.example.org", "SITE_URL must be a URL starting with"),
        ("DATABASE_URL", "mysql://db/canvass", "DATABASE_URL must be a URL"),
        ("REDIS_URL", "amqp://broker", "REDIS_URL must be a URL"),
    ],
)
def test_a_bad_value_fails_at_start_naming_the_variable(name, value, message):
    result = manage("check", **{name: value})

    assert result.returncode != 0
    # The message alone, on one line: no traceback to read it from.
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["-c", "import config.wsgi"],
        ["-m", "celery", "-A", "config", "worker", "-Q", "never-consumed"],
        ["bin/canvass-run"],
    ],
    ids=["wsgi", "celery", "make-run"],
)
def test_every_entry_point_prints_only_the_message(command):
    result = run_python(*command, DEBUG="maybe", PORT=str(free_port()))

    assert result.returncode == 1
    assert result.stderr == "DEBUG must be true or false, not 'maybe'.\n"


def test_both_tls_and_ssl_is_refused_by_a_system_check():
    result = manage("check", EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")

    assert result.returncode != 0
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL are both true" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SITE_URL="https://canvass.example.org",
        ALLOWED_HOSTS="canvass.example.org",
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="31536000",
        BEHIND_HTTPS_PROXY="true",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_deploy_check_names_a_site_url_outside_allowed_hosts():
    result = manage(
        "check",
        "--deploy",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SITE_URL="https://links.example.org",
        ALLOWED_HOSTS="canvass.example.org",
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="31536000",
    )

    assert "canvass.W001" in result.stderr + result.stdout


def test_no_secret_key_without_debug_is_refused():
    result = manage("check", SECRET_KEY="", DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY is empty" in result.stderr


def test_the_deploy_check_refuses_empty_allowed_hosts():
    result = manage(
        "check",
        "--deploy",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SITE_URL="https://canvass.example.org",
        ALLOWED_HOSTS="",
    )

    assert result.returncode != 0
    assert "ALLOWED_HOSTS is empty" in result.stderr
