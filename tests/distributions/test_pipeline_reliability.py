"""The pipeline under failure, with real worker processes, Redis and SMTP server.

Every test here is bounded: each wait has a deadline, and pytest-timeout stops the
rest. Small batch sizes (DISTRIBUTIONS_BATCH_SIZE in the worker's environment) make
a kill or a flush land in the middle of a campaign.
"""

import re
import time
from collections import Counter
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from distributions.models import Delivery, Distribution
from distributions.services.dispatch import (
    delivery_batches_enqueue,
    distribution_dispatch_soon,
)
from distributions.services.sweeper import INTERRUPTED, deliveries_sweep
from tests.distributions.pipeline_support import (
    delivery_statuses,
    email_distribution,
    open_deliveries,
    published_survey,
)
from tests.helpers import make_list, wait_until

# Slow by nature (worker kills and restarts, waits past visibility timeouts): `make
# test` runs them, `make test-fast` leaves them to test_sending.py's in-process twins.
pytestmark = [pytest.mark.worker, pytest.mark.slow]


def received_per_address(smtp_server) -> Counter:
    return Counter(r.lower() for m in list(smtp_server.received) for r in m.recipients)


def start_campaign(count: int, **fields) -> Distribution:
    survey = published_survey()
    distribution = email_distribution(
        survey, make_list(survey.owner, n=count), **fields
    )
    distribution_dispatch_soon()
    return distribution


def wait_until_done(distribution, *, timeout=120, sweep=None):
    """Wait until the distribution is sent (nothing queued or sending), sweeping
    as beat would. Return the sweeps' totals."""
    swept = Counter()

    def done():
        if sweep:
            swept.update(deliveries_sweep(**sweep))
        return Distribution.objects.filter(
            pk=distribution.pk, status=Distribution.Status.SENT
        ).exists()

    wait_until(done, timeout=timeout, interval=1 if sweep else 0.2, message="done")
    distribution.refresh_from_db()
    return swept


def test_worker_killed_mid_send_then_restarted(smtp_server, celery_worker_factory):
    """SIGKILL the worker mid-campaign; a new worker and the sweeper finish it.

    Every invitation ends Email Sent or Email Failed; no address receives its
    invitation twice; none is skipped.

    The window that remains is DISTRIBUTIONS_IN_FLIGHT deliveries per sending
    lane (a worker process runs DISTRIBUTIONS_SEND_THREADS lanes, 2 by
    default): those handed to the mail server whose outcomes were not yet
    written (a lane writes them a few at a time, in one statement). The sweeper
    marks them failed with INTERRUPTED and never re-sends them, whether or not
    the server had accepted them: at most once, never twice. The rest of their
    claim group had not started and is queued again. So at most 2 processes × 2
    lanes × IN_FLIGHT deliveries may end "failed" (received or not); all others
    are sent exactly once.
    """
    env = {"DISTRIBUTIONS_BATCH_SIZE": "50"}
    first = celery_worker_factory(concurrency=2, extra_env=env, name="first")
    distribution = start_campaign(1000)

    smtp_server.wait_for(300, timeout=120)
    first.kill()
    received_at_kill = len(smtp_server.received)
    assert received_at_kill < 1000, "the kill came after the campaign ended"
    assert open_deliveries(distribution) > 0
    # Longer than stuck_after below, so the dead worker's claims count as stuck
    # while the new worker's live ones (milliseconds old) never do.
    time.sleep(2.5)
    celery_worker_factory(concurrency=2, extra_env=env, name="second")
    swept = wait_until_done(
        distribution,
        sweep={
            "stuck_after": timedelta(seconds=2),
            "requeue_after": timedelta(seconds=1),
        },
    )

    statuses = delivery_statuses(distribution)
    assert set(statuses) <= {"sent", "failed"}
    assert sum(statuses.values()) == 1000
    per_address = received_per_address(smtp_server)
    assert max(per_address.values()) == 1, "an address received two emails"
    failed = list(Delivery.objects.filter(distribution=distribution, status="failed"))
    assert len(failed) <= 2 * 2 * settings.DISTRIBUTIONS_IN_FLIGHT
    assert all(d.error == INTERRUPTED for d in failed)
    sent = Delivery.objects.filter(distribution=distribution, status="sent")
    for email in sent.values_list("invitation__email", flat=True):
        assert per_address[email] == 1, f"{email} marked sent but not received"
    assert len(per_address) >= 1000 - len(failed)
    assert distribution.status == "sent"
    # What the kill left, for the record (pytest -s shows it).
    print(
        f"killed at {received_at_kill} received; sweeper: {dict(swept)}; "
        f"failed: {len(failed)}, received in total: {len(per_address)}"
    )


def test_two_workers_on_one_distribution(smtp_server, celery_worker_factory):
    """Two workers take the same batches (every batch enqueued twice): one email each."""
    env = {"DISTRIBUTIONS_BATCH_SIZE": "40"}
    workers = [
        celery_worker_factory(concurrency=2, extra_env=env, name=name)
        for name in ("alpha", "beta")
    ]
    distribution = start_campaign(600)
    wait_until(
        lambda: (
            Distribution.objects.filter(pk=distribution.pk, status="sending")
            .exclude(dispatched_at=None)
            .exists()
            or open_deliveries(distribution) == 0
        ),
        message="dispatched",
    )
    # Enqueue every still-queued delivery a second time.
    delivery_batches_enqueue(
        list(
            Delivery.objects.filter(
                distribution=distribution, status="queued"
            ).values_list("pk", flat=True)
        )
    )

    wait_until_done(distribution)

    assert delivery_statuses(distribution) == {"sent": 600}
    per_address = received_per_address(smtp_server)
    assert len(per_address) == 600 and set(per_address.values()) == {1}
    assert distribution.status == "sent"
    logs = [worker.log() for worker in workers]
    assert all("send_batch" in log for log in logs)
    # Task arguments and log lines carry ids, never a personal-link token.
    tokens = distribution.invitations.values_list("token", flat=True)
    assert not any(token in log for token in tokens for log in logs)


def test_two_worker_groups_with_their_own_folders_mail_each_once(
    smtp_server, celery_worker_factory, tmp_path
):
    """Scale-out as two hosts run it: two worker groups, each with its own
    working folder (CANVASS_VAR_DIR), sharing only PostgreSQL and Redis, send one
    distribution together. Each recipient gets exactly one email, the one whose
    Message-ID its delivery recorded, and both groups did part of the work."""
    if not settings.REDIS_URL:
        pytest.skip("two hosts share a broker only through Redis (REDIS_URL)")
    groups = [
        celery_worker_factory(
            concurrency=2,
            name=name,
            extra_env={
                "DISTRIBUTIONS_BATCH_SIZE": "50",
                "CANVASS_VAR_DIR": str(tmp_path / name),
            },
        )
        for name in ("host-a", "host-b")
    ]
    distribution = start_campaign(1500)

    wait_until_done(distribution)

    assert delivery_statuses(distribution) == {"sent": 1500}
    mails = list(smtp_server.received)
    per_address = received_per_address(smtp_server)
    assert len(per_address) == 1500 and set(per_address.values()) == {1}
    received_ids = Counter(m.message["Message-ID"] for m in mails)
    assert set(received_ids.values()) == {1}
    recorded = set(distribution.deliveries.values_list("message_id", flat=True))
    assert recorded == set(received_ids)
    shares = [
        sum(
            int(n)
            for n in re.findall(r"succeeded in \S+: \{[^}]*'sent': (\d+)", worker.log())
        )
        for worker in groups
    ]
    assert sum(shares) == 1500 and min(shares) > 0, shares
    assert all((tmp_path / name).is_dir() for name in ("host-a", "host-b"))


def test_scheduled_send_fires_once_on_time_with_short_visibility_timeout(
    smtp_server, celery_worker_factory, celery_beat_factory
):
    """A send a few seconds ahead is dispatched by beat once, at its time.

    The schedule is a row in PostgreSQL polled every second, not a Celery ETA, so
    a 5-second visibility timeout has no ETA to redeliver in a loop; redelivered
    batch messages find their deliveries already claimed.
    """
    env = {
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "CELERY_DISPATCH_INTERVAL": "1",
        "DISTRIBUTIONS_BATCH_SIZE": "5",
    }
    celery_worker_factory(concurrency=2, extra_env=env)
    celery_beat_factory(extra_env=env)
    survey = published_survey()
    send_at = timezone.now() + timedelta(seconds=4)
    distribution = email_distribution(
        survey, make_list(survey.owner, n=20), send_at=send_at
    )

    smtp_server.wait_for(20, timeout=60)
    distribution.refresh_from_db()
    assert distribution.dispatched_at >= send_at
    assert distribution.dispatched_at - send_at < timedelta(seconds=5), "late"
    # Past two visibility timeouts: nothing is sent again.
    time.sleep(12)
    distribution.refresh_from_db()
    assert distribution.status == "sent"
    assert delivery_statuses(distribution) == {"sent": 20}
    per_address = received_per_address(smtp_server)
    assert len(per_address) == 20 and set(per_address.values()) == {1}
    assert distribution.invitations.count() == 20


def test_redis_flushed_mid_campaign(
    smtp_server, celery_worker_factory, celery_beat_factory
):
    """FLUSHDB (this run's Redis database only) loses every queued task; beat's
    sweeper re-enqueues from PostgreSQL and the campaign completes, once each."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    # The sweeper runs in the worker, with the worker's settings.
    env = {
        "DISTRIBUTIONS_BATCH_SIZE": "20",
        "DISTRIBUTIONS_SWEEP_INTERVAL": "1",
        "DISTRIBUTIONS_REQUEUE_AFTER": "2",
    }
    celery_worker_factory(concurrency=2, extra_env=env)
    distribution = start_campaign(1000)

    smtp_server.wait_for(200, timeout=120)
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    assert open_deliveries(distribution) > 0, "the flush came after the campaign"
    celery_beat_factory(extra_env=env)
    wait_until_done(distribution, timeout=30)

    assert delivery_statuses(distribution) == {"sent": 1000}
    per_address = received_per_address(smtp_server)
    assert len(per_address) == 1000 and set(per_address.values()) == {1}


def test_permanent_refusals_fail_and_temporary_ones_are_retried(
    smtp_server, celery_worker_factory
):
    env = {"DISTRIBUTIONS_RETRY_BASE_SECONDS": "1", "DISTRIBUTIONS_BATCH_SIZE": "7"}
    celery_worker_factory(concurrency=2, extra_env=env)
    permanent = {f"person{n}@example.edu" for n in (1, 5, 9)}
    temporary = {f"person{n}@example.edu" for n in (2, 6, 12)}
    smtp_server.refuse = {
        **dict.fromkeys(permanent, "550 5.1.1 No such user here"),
        **dict.fromkeys(temporary, "451 4.7.1 Greylisted, try again later"),
    }
    distribution = start_campaign(20)

    wait_until_done(distribution, timeout=60)

    deliveries = {
        d.invitation.email: d
        for d in Delivery.objects.filter(distribution=distribution).select_related(
            "invitation"
        )
    }
    for email in permanent:
        assert deliveries[email].status == "failed"
        assert deliveries[email].error == "550 5.1.1 No such user here"
        assert smtp_server.to(email) == []
    for email in temporary:
        assert deliveries[email].status == "sent"
        assert deliveries[email].attempts == 2
        assert len(smtp_server.to(email)) == 1
    assert delivery_statuses(distribution) == {"sent": 17, "failed": 3}
    assert distribution.status == "sent"
