"""Faults mid-send on real services, with the default settings (issue 13).

Each test breaks one thing while a campaign is being sent: the worker is
SIGKILLed, PostgreSQL (a throwaway cluster, tests/throwaway.py) is restarted or
crashes, Redis (a throwaway server) stops, the mail server answers 421. Each
asserts that nothing is lost and nothing doubled: every recipient is mailed
exactly once, except at most DISTRIBUTIONS_IN_FLIGHT emails in doubt per
sending lane (those handed to the mail server whose outcomes were not yet
written, failed with INTERRUPTED and never re-sent), and
that the campaign finishes within the stated time, with no setting shortened:
workers, beat and sweeper run as deployed. Slow (a minute or two each): `make
test` runs them, `make test-fast` does not.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import InterfaceError, OperationalError
from django.test import Client
from django.utils import timezone

from distributions.models import Delivery, Distribution
from distributions.services import sweeper
from distributions.services.dispatch import distribution_dispatch_soon
from distributions.services.links import links_generate
from distributions.status import INTERRUPTED
from tests.distributions.pipeline_support import (
    email_distribution,
    published_survey,
)
from tests.distributions.ui_support import published_survey as answerable_survey
from tests.factories import UserFactory
from tests.helpers import make_list

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.timeout(600)]

# A worker process runs DISTRIBUTIONS_SEND_THREADS (2) lanes; the tests start
# workers of concurrency 2. A lane may have DISTRIBUTIONS_IN_FLIGHT emails
# handed to the mail server whose outcomes are not yet written.
LANES_PER_WORKER = 2 * 2
IN_DOUBT_PER_WORKER = LANES_PER_WORKER * settings.DISTRIBUTIONS_IN_FLIGHT
RECOVERY_SECONDS = 90


def campaign(count: int, *, kick=True, survey=None) -> Distribution:
    survey = survey or published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=count))
    if kick:
        distribution_dispatch_soon()
    return distribution


def survive(query):
    """Run a query; None while the database is away (it is being restarted)."""
    try:
        return query()
    except (OperationalError, InterfaceError):
        connection.close()
        return None


def wait_until_sent(distribution, *, timeout: float) -> float:
    """Wait until the distribution is sent; return when (time.monotonic())."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if survive(
            lambda: Distribution.objects.filter(
                pk=distribution.pk, status=Distribution.Status.SENT
            ).exists()
        ):
            return time.monotonic()
        time.sleep(0.5)
    statuses = survive(lambda: delivery_counts(distribution))
    raise TimeoutError(f"not sent in {timeout}s: {statuses}")


def delivery_counts(distribution) -> Counter:
    return Counter(
        Delivery.objects.filter(distribution=distribution).values_list(
            "status", flat=True
        )
    )


def assert_each_mailed_once(distribution, smtp_server, *, count, in_doubt_at_most):
    """Nothing lost, nothing doubled; return how many ended in doubt."""
    statuses = delivery_counts(distribution)
    assert set(statuses) <= {"sent", "failed"}, statuses
    assert sum(statuses.values()) == count
    received = Counter(
        r.lower() for m in list(smtp_server.received) for r in m.recipients
    )
    assert max(received.values()) == 1, "an address received two emails"
    failed = list(Delivery.objects.filter(distribution=distribution, status="failed"))
    assert all(d.error == INTERRUPTED for d in failed), {d.error for d in failed}
    assert len(failed) <= in_doubt_at_most
    sent = Delivery.objects.filter(distribution=distribution, status="sent")
    for email in sent.values_list("invitation__email", flat=True):
        assert received[email] == 1, f"{email} marked sent but not received"
    assert len(received) >= count - len(failed)
    return len(failed)


def received_but_not_written(distribution, smtp_server) -> set[str]:
    """The addresses the mail server has that are still "sending" (in doubt)."""
    received = {r.lower() for m in list(smtp_server.received) for r in m.recipients}
    sending = Delivery.objects.filter(distribution=distribution, status="sending")
    return received & set(sending.values_list("invitation__email", flat=True))


def test_worker_sigkilled_mid_send_recovers_within_90s(
    smtp_server, celery_worker_factory, celery_beat_factory
):
    """The worker group is SIGKILLed; the supervisor starts a new one. Its
    claims are taken back once their leases go stale (30 s), not after the
    10-minute claim limit."""
    first = celery_worker_factory(concurrency=2, name="first")
    celery_beat_factory()
    distribution = campaign(3000)

    smtp_server.wait_for(800, timeout=180)
    first.kill()
    killed = time.monotonic()
    assert len(smtp_server.received) < 3000, "the kill came after the campaign"
    # Outcomes are written a few at a time: what reached the server and is not
    # yet written sent is what the kill can leave unresolved.
    unwritten = received_but_not_written(distribution, smtp_server)
    assert len(unwritten) <= IN_DOUBT_PER_WORKER
    celery_worker_factory(concurrency=2, name="second")
    done = wait_until_sent(distribution, timeout=180)

    in_doubt = assert_each_mailed_once(
        distribution, smtp_server, count=3000, in_doubt_at_most=IN_DOUBT_PER_WORKER
    )
    # Each of those is among the ones in doubt, never sent again.
    failed = Delivery.objects.filter(distribution=distribution, status="failed")
    assert unwritten <= set(failed.values_list("invitation__email", flat=True))
    print(
        f"worker kill: {len(unwritten)} received but unwritten at the kill; sent"
        f" {done - killed:.1f}s after it, {in_doubt} in doubt"
    )
    assert done - killed < RECOVERY_SECONDS


def test_postgresql_restarted_mid_send(
    throwaway_postgres, smtp_server, celery_worker_factory, celery_beat_factory
):
    """A clean restart of PostgreSQL during a 5,000-email send: lanes reconnect
    and go on, so at most the email in flight per lane is in doubt (usually
    none: its outcome is recorded after reconnecting)."""
    worker = celery_worker_factory(concurrency=2)
    celery_beat_factory()
    distribution = campaign(5000)

    smtp_server.wait_for(1500, timeout=240)
    throwaway_postgres.restart()
    restarted = time.monotonic()
    connection.close()  # broken by the restart
    with connection.cursor() as cursor:
        assert not sweeper._database_crashed(cursor), "taken for a crash"
    assert survive(lambda: delivery_counts(distribution)["queued"]) != 0
    done = wait_until_sent(distribution, timeout=240)

    in_doubt = assert_each_mailed_once(
        distribution, smtp_server, count=5000, in_doubt_at_most=IN_DOUBT_PER_WORKER
    )
    print(
        f"PostgreSQL restart: sent {done - restarted:.1f}s after, {in_doubt} in doubt"
    )
    assert done - restarted < RECOVERY_SECONDS
    # The restart did land mid-send: lanes reconnected, or tasks retried.
    log = worker.log()
    assert "database connection lost" in log or "retry: Retry in" in log


def test_postgresql_crash_mid_send_sends_nothing_twice(
    throwaway_postgres, smtp_server, celery_worker_factory, celery_beat_factory
):
    """A crash (no shutdown checkpoint) may lose the last per-email marks, so
    the sweeper holds each group in progress at the crash in doubt as a whole:
    never a second email, at most a claim group per lane in doubt."""
    from django.conf import settings

    celery_worker_factory(concurrency=2)
    celery_beat_factory()
    distribution = campaign(3000)

    smtp_server.wait_for(1000, timeout=240)
    throwaway_postgres.crash()
    crashed = time.monotonic()
    connection.close()  # broken by the crash
    with connection.cursor() as cursor:
        assert sweeper._database_crashed(cursor), "taken for a clean restart"
    done = wait_until_sent(distribution, timeout=240)

    in_doubt = assert_each_mailed_once(
        distribution,
        smtp_server,
        count=3000,
        in_doubt_at_most=IN_DOUBT_PER_WORKER * settings.DISTRIBUTIONS_CLAIM_GROUP,
    )
    print(f"PostgreSQL crash: sent {done - crashed:.1f}s after, {in_doubt} in doubt")
    assert done - crashed < RECOVERY_SECONDS


def test_redis_stopped_mid_send_and_during_respondent_requests(
    settings, throwaway_redis, smtp_server, celery_worker_factory, celery_beat_factory
):
    """Redis (broker and cache) stops mid-send and loses every queued task:
    personal links answer 200 the whole time, and sending resumes when it is
    back (the sweeper re-enqueues from PostgreSQL)."""
    env = {"REDIS_URL": throwaway_redis.url}
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": throwaway_redis.url,
        }
    }
    celery_worker_factory(concurrency=2, extra_env=env)
    celery_beat_factory(extra_env=env)
    # No kick from this process (its broker is the shared Redis): beat
    # dispatches it within CELERY_DISPATCH_INTERVAL.
    owner = UserFactory()
    distribution = campaign(2000, kick=False, survey=answerable_survey(owner))

    smtp_server.wait_for(300, timeout=180)
    throwaway_redis.stop()
    tokens = list(distribution.invitations.values_list("token", flat=True)[:5])
    for token in tokens:
        assert Client().get(f"/s/{token}/").status_code == 200
        time.sleep(1)
    throwaway_redis.start()
    back = time.monotonic()
    for token in tokens:
        assert Client().get(f"/s/{token}/").status_code == 200
    done = wait_until_sent(distribution, timeout=240)

    in_doubt = assert_each_mailed_once(
        distribution, smtp_server, count=2000, in_doubt_at_most=IN_DOUBT_PER_WORKER
    )
    print(
        f"Redis stop: sent {done - back:.1f}s after it came back, {in_doubt} in doubt"
    )
    assert done - back < RECOVERY_SECONDS


def test_smtp_421_for_a_while(smtp_server, celery_worker_factory, celery_beat_factory):
    """The mail server answers 421 for 20 s: every email is retried with
    backoff and sent once; none fails."""
    celery_worker_factory(concurrency=2)
    celery_beat_factory()
    smtp_server.unavailable_until = time.monotonic() + 20
    started = time.monotonic()
    distribution = campaign(300)

    done = wait_until_sent(distribution, timeout=180)

    assert delivery_counts(distribution) == {"sent": 300}
    assert_each_mailed_once(distribution, smtp_server, count=300, in_doubt_at_most=0)
    assert Delivery.objects.filter(distribution=distribution, attempts__gt=1).exists()
    print(f"SMTP 421 for 20 s: all sent {done - started:.1f}s after the start")
    assert done - started < 20 + RECOVERY_SECONDS


def test_a_links_batch_whose_task_was_lost_is_made_by_the_sweep(
    celery_worker_factory, celery_beat_factory
):
    """The broker lost generate_links before a worker took it (flushed, or
    restarted without its data): the batch would read "generating" for ever.
    The sweep enqueues it again once the queue is empty and no run holds it."""
    from config.celery import app as celery_app

    survey = published_survey()
    the_list = make_list(survey.owner, n=40)
    batch = links_generate(
        user=survey.owner,
        survey=survey,
        contact_list=the_list,
        expires_at=timezone.now() + timedelta(days=7),
        synchronous=False,
    )
    celery_app.control.purge()
    batch.refresh_from_db()
    assert batch.status == Distribution.Status.GENERATING

    celery_worker_factory(concurrency=2)
    celery_beat_factory()
    started = time.monotonic()
    while time.monotonic() - started < RECOVERY_SECONDS:
        batch.refresh_from_db()
        if batch.status != Distribution.Status.GENERATING:
            break
        time.sleep(1)
    assert batch.status == Distribution.Status.READY
    tokens = list(batch.invitations.values_list("token", flat=True))
    assert len(tokens) == len(set(tokens)) == 40
