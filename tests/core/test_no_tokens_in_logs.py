"""No personal-link token in any log line, at any level (core/logging.py).

Logged as an operator who is debugging would: every logger at DEBUG, Django's SQL
log on, gunicorn's access log on. The flows are the ones that carry tokens: a send
(the links are made and mailed), a respondent opening, answering and finishing, an
opt-out, mistyped links, and an error whose text holds a token.
"""

import logging
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction

from config.celery import app as celery_app
from distributions import tasks  # noqa: F401  registers the tasks by their names
from distributions.models import Invitation
from tests import harness
from tests.distributions.pipeline_support import email_distribution as scheduled
from tests.distributions.ui_support import (
    QUESTION_ID,
    email_distribution,
    published_survey,
)
from tests.helpers import make_list

LINE_FORMAT = logging.Formatter(
    "%(asctime)s %(levelname)s %(name)s %(pathname)s:%(lineno)d %(message)s"
)


class EveryLine(logging.Handler):
    """Keep every record formatted, with the SQL Django attaches to its records."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.names: set[str] = set()

    def emit(self, record):
        self.names.add(record.name)
        line = LINE_FORMAT.format(record)
        for extra in ("sql", "params"):
            if hasattr(record, extra):
                line += f" {extra}={getattr(record, extra)!r}"
        self.lines.append(line)


@pytest.fixture
def every_log_line(caplog):
    """Log everything at DEBUG, SQL included; yield the handler that keeps it all."""
    handler = EveryLine()
    caplog.set_level(logging.DEBUG)  # the root logger: LOG_LEVEL=DEBUG
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    # Loggers that do not pass records up to the root get the handler themselves.
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in loggers:
        logger.addHandler(handler)
    # Django logs SQL only with DEBUG=True, or with this.
    connection.force_debug_cursor = True
    yield handler
    connection.force_debug_cursor = False
    for logger in loggers:
        logger.removeHandler(handler)


def secret_forms(tokens):
    """Each token as text and as the hex a bytea literal would show it in."""
    return {token: (token, token.encode().hex()) for token in tokens}


def assert_no_token(lines, tokens):
    leaks = [
        (token, line)
        for token, forms in secret_forms(tokens).items()
        for line in lines
        if any(form in line for form in forms)
    ]
    assert leaks == [], f"{len(leaks)} log lines hold a token, e.g. {leaks[0]}"


@pytest.fixture
def eager(settings):
    # The pipeline in this process, as tests/distributions/test_sending.py runs it.
    celery_app.conf.task_always_eager = True
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def fresh_invalid_link_count():
    # The test client's address starts with no mistyped links counted.
    key = "surveys:invalid-link:127.0.0.1"
    cache.delete(key)
    yield
    cache.delete(key)


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_invalid_link_count")
def test_send_answer_finish_and_opt_out_log_no_token(
    owner, smtp_server, eager, every_log_line, caplog, client
):
    survey = published_survey(owner)
    distribution = scheduled(survey, make_list(owner, n=2))

    # The send: the links are made (one INSERT with every token) and mailed.
    celery_app.tasks["distributions.dispatch_due"].apply()
    assert len(smtp_server.wait_for(2)) == 2
    respondent, leaver = Invitation.objects.filter(distribution=distribution)

    # A respondent opens the link, answers and finishes.
    link = f"/s/{respondent.token}/"
    assert client.get(link).status_code == 200
    finished = client.post(link, {"page": "1", f"q{QUESTION_ID}": "c1"})
    assert "Thank you for completing this survey." in finished.content.decode()
    assert client.get(link).status_code == 200  # "already completed"

    # Another opts out, asked first, then by the one-click POST.
    assert client.get(f"/s/{leaver.token}/opt-out/").status_code == 200
    assert client.post(f"/s/{leaver.token}/opt-out/").status_code == 200

    # A mistyped link (Django logs "Not Found: <path>") and a cut-off one.
    assert client.get(f"/s/{respondent.token[:-1]}x/").status_code == 404
    assert client.get(f"/s/{respondent.token[:30]}/").status_code == 404

    # An error whose text holds a token, logged with its traceback.
    try:
        with transaction.atomic():
            Invitation.objects.filter(pk=leaver.pk).update(token=respondent.token)
    except IntegrityError:
        logging.getLogger("distributions").exception("Could not change a token")

    tokens = list(Invitation.objects.values_list("token", flat=True))
    lines = every_log_line.lines
    # The log did see all of it: the SQL that carries tokens, the 404s, the error.
    assert any("INSERT INTO distributions_invitation" in line for line in lines)
    # The personal link's lookup (distributions.selectors.invitations), a prepared
    # statement (core.database.prepared): the token is its argument.
    assert any("WHERE i.token = $1; args=['[redacted]']" in line for line in lines)
    assert any("Not Found: /s/[token]/" in line for line in lines)
    assert any("Key (" in line and "[token]" in line for line in lines)
    assert any("Traceback" in line for line in lines)
    assert_no_token(lines, tokens)
    assert_no_token([caplog.text], tokens)
    assert_no_token(
        [logging.Formatter().format(record) for record in caplog.records], tokens
    )


def test_redaction_keeps_what_is_not_a_secret():
    from core.logging import redact, sql_values_hidden

    token = "Abc_-" + "x1Y" * 12 + "Zz"  # 43 characters
    assert redact(f"GET /s/{token}/opt-out/?next={token}") == (
        "GET /s/[token]/opt-out/?next=[token]"
    )
    assert redact(f"Key (token)=({token}) already exists.") == (
        "Key (token)=([token]) already exists."
    )
    # Names longer than a token stay readable; ids, counts and words stay.
    name = "distributions_delivery_invitation_id_distribution_id_3f2a_uniq"
    assert redact(f'violates unique constraint "{name}" on row 42') == (
        f'violates unique constraint "{name}" on row 42'
    )
    assert sql_values_hidden("SELECT 1 FROM t WHERE a = 'it''s' AND b = 7") == (
        "SELECT 1 FROM t WHERE a = '[redacted]' AND b = 7"
    )
    assert sql_values_hidden((5, b"tokens", "x@example.edu", None, [1, "y"])) == (
        5,
        "[redacted]",
        "[redacted]",
        None,
        [1, "[redacted]"],
    )


@pytest.fixture
def gunicorn_server(transactional_db):
    """gunicorn serving Canvass from the repository root, access log on stdout."""
    port = harness.free_port()
    env = os.environ.copy()
    env.update(
        DATABASE_URL=harness.test_database_url(),
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
        LOG_LEVEL="DEBUG",
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"http://127.0.0.1:{port}",
        PYTHONUNBUFFERED="1",
    )
    # No --config: gunicorn reads ./gunicorn.conf.py, as make run and Docker do.
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            "-",
            "--log-level",
            "debug",
        ],
        cwd=harness.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start:\n{process.stdout.read()}")
            time.sleep(0.2)

    def stop() -> str:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        return output.decode()

    yield base, stop
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def fetch(url, *, headers=None, data=None) -> int:
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def test_gunicorn_access_and_error_logs_hold_no_token(owner, gunicorn_server):
    base, stop = gunicorn_server
    survey = published_survey(owner)
    distribution = email_distribution(survey, make_list(owner, n=1))
    token = distribution.invitations.get().token
    link = f"{base}/s/{token}/"

    assert fetch(link, headers={"Referer": link}) == 200
    assert fetch(f"{link}?again={token}") == 200
    assert fetch(f"{link}opt-out/") == 200
    assert fetch(f"{base}/s/{token[:-2]}zz/") == 404
    output = stop()

    # The access log was on and logged each request, with its path redacted.
    requests = re.findall(r'"GET (\S+) HTTP/1\.1" (\d+)', output)
    assert ("/s/[token]/", "200") in requests
    assert ("/s/[token]/?again=[token]", "200") in requests
    assert ("/s/[token]/opt-out/", "200") in requests
    assert ("/s/[token]/", "404") in requests
    assert "Not Found: /s/[token]/" in output  # Django's own log, same process
    assert_no_token(output.splitlines(), [token, token[:-2]])
