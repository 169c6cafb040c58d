"""Sweeping: resolve what a dead worker left behind, re-enqueue lost tasks.

Owns the periodic sweep_stuck task's work (docs/architecture.md, the sending
pipeline): deliveries left "sending" by a worker that died between claiming and
recording (see deliveries_sweep for the at-most-once policy), queued deliveries
whose send_batch task was lost, distributions that are done, and personal-links
batches whose generate_links task was lost (links_batches_requeue).
"""

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import ProgrammingError, transaction
from django.db import connection as db
from django.utils import timezone

from core.leases import leases_delete, leases_read
from core.queue import enqueue_now, queue_is_idle
from distributions.models import Delivery, Distribution
from distributions.services.dispatch import (
    delivery_batches_enqueue,
    distributions_finish,
)
from distributions.services.links import links_run_active
from distributions.services.send import BATCH_LEASE, CLAIM_LEASE
from distributions.status import INTERRUPTED

logger = logging.getLogger(__name__)


def deliveries_sweep(
    *,
    stuck_after: timedelta | None = None,
    requeue_after: timedelta | None = None,
    dead_after: timedelta | None = None,
) -> dict[str, int]:
    """Resolve deliveries a dead worker left behind; re-enqueue lost work.

    A claim (a group of deliveries moved to "sending" together: a distribution
    and a claimed_at) is dead when its lease (core.leases, renewed every few
    seconds by the live worker that holds it) went stale: LEASE_DEAD_AFTER
    (default 30 s) without renewal. A live but slow worker keeps renewing, so it
    is never taken for dead; a claim older than DISTRIBUTIONS_STUCK_AFTER is
    taken back regardless (a live lane stops using a claim after half of that).
    For a dead claim's deliveries still "sending":
    - the lowest in_flight ids of the group (the lane's DISTRIBUTIONS_IN_FLIGHT,
      kept in the claim's lease; the setting when the lease is gone) were
      perhaps handed to the mail server, which may or may not have accepted
      them: failed with INTERRUPTED, never re-sent (at most once). The owner
      may resend these (services.resend).
    - the others never started (outcomes are written in the order sent, and an
      email starts only once all but the last in_flight - 1 before it are
      written: outcomes.py): queued again and re-enqueued, so they go out
      once, later.
    - if PostgreSQL crashed after the claim (not a clean restart: see
      _database_crashed) and per-email marks commit without waiting for the
      flush (DISTRIBUTIONS_FAST_COMMITS), marks of the last moments may be lost:
      the whole group is in doubt and failed with INTERRUPTED.

    The deliveries of a send_batch whose lease went stale (its worker died) and
    that are still queued are enqueued again at once. Other queued deliveries of
    sending distributions whose task was due more than requeue_after ago
    (DISTRIBUTIONS_REQUEUE_AFTER) and that no live batch holds are enqueued
    again when the broker's queue is empty (their task is lost: Redis was
    flushed or restarted), or regardless after ten times that (a queue that
    never empties). A duplicate task is harmless, since each delivery is claimed
    before it is sent. Then finish what is done, and kick dispatch if due.
    """
    now = timezone.now()
    stuck_after = stuck_after or timedelta(seconds=settings.DISTRIBUTIONS_STUCK_AFTER)
    requeue_after = requeue_after or timedelta(
        seconds=settings.DISTRIBUTIONS_REQUEUE_AFTER
    )
    dead_after = dead_after or timedelta(seconds=settings.LEASE_DEAD_AFTER)
    # Read before the rows: a claim older than dead_after committed its lease
    # before this read.
    claims = leases_read(CLAIM_LEASE, dead_after=dead_after.total_seconds())
    batches = leases_read(BATCH_LEASE, dead_after=dead_after.total_seconds())
    live_claims = {
        datetime.fromisoformat(data["claimed_at"]) for data in claims.live.values()
    }
    # How many of a claim's lowest "sending" ids may have reached the server.
    in_flight = {
        datetime.fromisoformat(data["claimed_at"]): data.get("in_flight", 1)
        for data in [*claims.live.values(), *claims.stale.values()]
    }
    table = Delivery._meta.db_table
    with transaction.atomic(), db.cursor() as cursor:
        crashed = settings.DISTRIBUTIONS_FAST_COMMITS and _database_crashed(cursor)
        # Locked first, so a late outcome from a live worker waits for this
        # transaction and then finds the claim resolved.
        # Deliveries are only ever "sending" in distributions being sent; the
        # (distribution, status) index finds them.
        cursor.execute(
            "SELECT d.id, d.distribution_id, d.claimed_at, "
            "d.claimed_at < pg_postmaster_start_time() "
            f"FROM {table} d JOIN {Distribution._meta.db_table} dist "
            "ON dist.id = d.distribution_id "
            "WHERE dist.status = 'sending' AND d.status = 'sending' "
            "AND d.claimed_at < %s "
            "ORDER BY d.distribution_id, d.claimed_at, d.id FOR UPDATE OF d",
            [now - min(dead_after, stuck_after)],
        )
        in_doubt, never_started, seen = [], [], Counter()
        for pk, distribution_id, claimed_at, before_restart in cursor.fetchall():
            dead = claimed_at < now - stuck_after or (
                claims.judged and claimed_at not in live_claims
            )
            if not dead:
                continue
            group = (distribution_id, claimed_at)
            window = in_flight.get(claimed_at, settings.DISTRIBUTIONS_IN_FLIGHT)
            if (before_restart and crashed) or seen[group] < window:
                in_doubt.append(pk)
            else:
                never_started.append(pk)
            seen[group] += 1
        cursor.execute(
            f"UPDATE {table} SET status = 'failed', error = %s WHERE id = ANY(%s)",
            [INTERRUPTED, in_doubt],
        )
        cursor.execute(
            f"UPDATE {table} SET status = 'queued', enqueued_at = NULL "
            "WHERE id = ANY(%s)",
            [never_started],
        )
        # A dead worker's batches: what it had not claimed goes back at once.
        orphaned = [pk for data in batches.stale.values() for pk in data["ids"]]
        cursor.execute(
            f"UPDATE {table} SET enqueued_at = NULL "
            "WHERE id = ANY(%s) AND status = 'queued'",
            [orphaned],
        )
    leases_delete([*claims.stale, *batches.stale])
    held = [pk for data in batches.live.values() for pk in data["ids"]]
    interrupted, unclaimed = in_doubt, len(never_started)
    # While batches wait in the queue, their deliveries wait too: do not copy a
    # long campaign's backlog into the queue every sweep.
    overdue = now - requeue_after * (1 if queue_is_idle() else 10)
    with db.cursor() as cursor:
        # Row locks serialize two sweepers: the second re-reads enqueued_at after
        # the first commits and finds these rows no longer overdue.
        cursor.execute(
            f"UPDATE {table} d SET enqueued_at = %s "
            f"FROM {Distribution._meta.db_table} dist "
            "WHERE d.distribution_id = dist.id AND dist.status = 'sending' "
            "AND d.status = 'queued' "
            "AND (d.enqueued_at IS NULL OR d.enqueued_at < %s) "
            "AND NOT d.id = ANY(%s) "
            "RETURNING d.id",
            [now, overdue, held],
        )
        requeued = sorted(row[0] for row in cursor.fetchall())
    delivery_batches_enqueue(requeued)
    sending = Distribution.objects.filter(
        status=Distribution.Status.SENDING
    ).values_list("pk", flat=True)
    finished = distributions_finish(distribution_ids=list(sending))
    due = Distribution.objects.filter(
        kind=Distribution.Kind.EMAIL,
        status=Distribution.Status.SCHEDULED,
        send_at__lte=now,
    ).exists()
    if due:
        enqueue_now("distributions.dispatch_due")
    if interrupted or unclaimed or requeued or finished:
        logger.warning(
            "sweeper: %s interrupted deliveries failed, %s never-started claims "
            "released, %s requeued, %s distributions finished",
            len(interrupted),
            unclaimed,
            len(requeued),
            finished,
        )
    return {
        "interrupted": len(interrupted),
        "released": unclaimed,
        "requeued": len(requeued),
        "finished": finished,
    }


def links_batches_requeue(*, requeue_after: timedelta | None = None) -> list[int]:
    """Enqueue again the task of personal-links batches it was lost for; return them.

    A large batch reads "generating" until its task makes the last link. One that
    has for longer than requeue_after (DISTRIBUTIONS_REQUEUE_AFTER) while the
    broker's queue is empty (its task is not waiting there) and no run holds its
    lock (a live run holds it from its first step to its last; a dead worker's
    connection took it away) lost its task: to a flushed or restarted broker, or
    with a worker killed mid-batch. Without this it would spin on the Personal
    links page for ever. A duplicate is harmless: a run resumes where the links
    stop, and one that waited behind another finds the batch Ready. Only while
    the queue is empty, so a sweep never piles copies behind one still waiting.
    """
    requeue_after = requeue_after or timedelta(
        seconds=settings.DISTRIBUTIONS_REQUEUE_AFTER
    )
    waiting = Distribution.objects.filter(
        kind=Distribution.Kind.LINKS,
        status=Distribution.Status.GENERATING,
        created_at__lt=timezone.now() - requeue_after,
    ).values_list("pk", flat=True)
    if not waiting.exists() or not queue_is_idle():
        return []
    lost = [pk for pk in waiting if not links_run_active(pk)]
    for pk in lost:
        enqueue_now("distributions.generate_links", pk)
    if lost:
        logger.warning("sweeper: personal-links batches %s requeued", lost)
    return lost


def _database_crashed(cursor) -> bool:
    """Return whether PostgreSQL's last start followed a crash (not a clean stop).

    After a crash PostgreSQL discards its statistics, stamping their reset time
    during startup; a clean shutdown keeps them. So a shared-statistics reset at
    or after the server's start means crash recovery (or an administrator's
    pg_stat_reset_shared, which errs on the safe side: more in doubt, never a
    second email). Without the privilege to read it, assume a crash.
    """
    try:
        with transaction.atomic():
            cursor.execute(
                "SELECT coalesce((SELECT stats_reset FROM pg_stat_bgwriter) "
                ">= pg_postmaster_start_time(), true)"
            )
            return cursor.fetchone()[0]
    except ProgrammingError:
        # Not allowed to read the statistics (a connection error propagates).
        return True
