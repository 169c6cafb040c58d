"""Kept database connections stay healthy without a round trip per request.

CONN_HEALTH_CHECKS made Django send SELECT 1 before each request's first query;
core.database's backend reads the socket instead (issue 15). A connection the server
closed (a restart, a crash, a terminated backend) must still be replaced before the
next request uses it, in this process and behind gunicorn.
"""

import http.client
import time
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from core.reconnect import connection_alive
from tests import harness
from tests.helpers import wait_until


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    """End a backend from another connection, as a restart or an admin would."""
    with psycopg.connect(harness.test_database_url(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_live_connection_is_usable_without_a_query(monkeypatch):
    backend_pid()
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    assert connection.is_usable()

    def no_round_trip(*args, **kwargs):
        raise AssertionError("the health check sent a query")

    monkeypatch.setattr(connection.connection, "cursor", no_round_trip)
    monkeypatch.setattr(connection.connection, "execute", no_round_trip)
    assert connection.is_usable()


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_before_the_next_request():
    old = backend_pid()
    terminate(old)
    # The server's goodbye arrives on the socket: no query needed to see it.
    wait_until(lambda: not connection_alive(connection.connection), timeout=5)

    # What Django does at a request's (or a task's) start, then its first query.
    connection.close_if_unusable_or_obsolete()
    new = backend_pid()

    assert new != old


@pytest.mark.django_db(transaction=True)
def test_a_connection_that_raised_is_checked_with_a_query():
    backend_pid()
    connection.errors_occurred = True
    assert connection.is_usable()  # SELECT 1 answered
    terminate(backend_pid())
    wait_until(lambda: not connection_alive(connection.connection), timeout=5)
    assert not connection.is_usable()
    connection.close()


# --- behind gunicorn, with PostgreSQL restarted and crashed -------------------------


def get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        reply = conn.getresponse()
        reply.read()
        return reply.status
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("how", ["restart", "crash"])
def test_the_personal_link_survives_a_postgresql_restart(throwaway_postgres, how):
    """Every worker's kept connections break; the next pages open all the same."""
    from tests.distributions.ui_support import email_distribution, published_survey
    from tests.factories import UserFactory
    from tests.helpers import make_list

    owner = UserFactory()
    survey = published_survey(owner, access="invitation")
    distribution = email_distribution(
        survey, make_list(owner, n=1), expires_in=timedelta(days=5)
    )
    path = f"/s/{distribution.invitations.get().token}/"
    assert distribution.invitations.get().expires_at > timezone.now()
    server, port = harness.start_gunicorn(
        DATABASE_URL=throwaway_postgres.url("canvass")
    )
    try:
        wait_until(lambda: _answers(port, path), timeout=60)
        # Many requests on few threads: every worker thread keeps a connection.
        assert {get(port, path) for _ in range(40)} == {200}
        getattr(throwaway_postgres, how)()
        time.sleep(0.5)  # the servers' goodbyes reach every kept connection
        statuses = [get(port, path) for _ in range(40)]
        assert set(statuses) == {200}, statuses
    finally:
        harness.stop_gunicorn(server)


def _answers(port, path) -> bool:
    try:
        return get(port, path) == 200
    except OSError:
        return False
