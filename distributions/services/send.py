"""Sending: claim queued deliveries and send them, recording each outcome.

Owns what a send_batch task does (docs/architecture.md, the sending pipeline):
deliveries_send claims a batch's deliveries in groups (queued → sending, one
durable commit per group, _claim_group) right before their SMTP transactions and
records each outcome right after the reply (_deliver), the per-email commits
made cheap by _fast_commits. Groups are shared among DISTRIBUTIONS_SEND_THREADS
lanes, each with its own SMTP and database connections. A delivery claimed by
another process is skipped; a claim held too long is released.

Outcomes. Permanent SMTP errors (5xx) → failed with the server's reply; a
recipient refused with a hard-bounce code (smtp.HARD_BOUNCE_CODES) is also added
to the owner's suppressions (reason "bounced"), so later reminders skip it.
Transient ones (4xx, connection errors, timeouts) → queued again with exponential
backoff (smtp.retry_delay), failed after DISTRIBUTIONS_MAX_ATTEMPTS attempts.
What a dead worker leaves "sending" is sweeper.py's business.
"""

import contextlib
import logging
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from directories.services.suppressions import suppression_add
from distributions.models import Delivery, Distribution
from distributions.services.dispatch import (
    delivery_batches_enqueue,
    distributions_finish,
)
from distributions.services.email_message import delivery_email
from distributions.services.smtp import (
    PermanentError,
    SmtpConnection,
    TransientError,
    retry_delay,
    smtp_send,
)

logger = logging.getLogger(__name__)


def _claim_group(ids: list[int]) -> dict[int, object]:
    """Move queued deliveries to sending in one durable commit; return {id: claimed_at}.

    Claims are committed synchronously whatever the session's setting: a claim
    lost in a PostgreSQL crash could send an email twice. One commit (one WAL
    flush, ~4 ms on a plain disk) for a group instead of one per email.
    """
    with transaction.atomic(), db.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO on")
        cursor.execute(
            f"UPDATE {Delivery._meta.db_table} "
            "SET status = 'sending', claimed_at = now() "
            "WHERE id = ANY(%s) AND status = 'queued' RETURNING id, claimed_at",
            [ids],
        )
        return dict(cursor.fetchall())


@contextlib.contextmanager
def _fast_commits():
    """Commit this session's per-email marks without waiting for the WAL flush.

    A worker killed after such a commit loses nothing: PostgreSQL has it. Only a
    PostgreSQL crash can lose the last few hundred milliseconds of marks, and the
    sweeper treats every delivery claimed before the server's start time as in
    doubt (failed, never re-sent). DISTRIBUTIONS_FAST_COMMITS = False turns it off
    (e.g. a primary that can fail over to a replica).
    """
    if not settings.DISTRIBUTIONS_FAST_COMMITS:
        yield
        return
    with db.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        # Best effort: a broken connection is discarded anyway.
        with contextlib.suppress(Exception), db.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def deliveries_send(*, delivery_ids: list[int]) -> dict[str, int]:
    """Send the queued deliveries among delivery_ids; return counts by outcome.

    Deliveries are claimed in groups of DISTRIBUTIONS_CLAIM_GROUP (queued →
    sending, one claimed_at per group), then sent one at a time in id order, each
    outcome committed before the next SMTP transaction starts. So in a group a
    dead worker left behind, the lowest id still "sending" is the only one that
    can have reached the mail server; the sweeper relies on this.

    The groups are shared among DISTRIBUTIONS_SEND_THREADS lanes, each a thread
    with its own SMTP and database connections: sending waits on two servers for
    every email, so one process keeps a few conversations going at once.
    """
    deliveries = list(
        Delivery.objects.filter(
            pk__in=delivery_ids,
            status=Delivery.Status.QUEUED,
            distribution__status=Distribution.Status.SENDING,
        )
        .select_related("invitation", "distribution")
        .order_by("pk")
    )
    size = settings.DISTRIBUTIONS_CLAIM_GROUP
    groups = [deliveries[i : i + size] for i in range(0, len(deliveries), size)]
    lanes = max(1, min(settings.DISTRIBUTIONS_SEND_THREADS, len(groups)))
    if lanes == 1:
        results = [_send_lane(groups)]
    else:
        with ThreadPoolExecutor(lanes, thread_name_prefix="send-lane") as pool:
            results = list(
                pool.map(_send_lane_in_thread, [groups[k::lanes] for k in range(lanes)])
            )
    outcome, retry = Counter(), defaultdict(list)
    for lane_outcome, lane_retry in results:
        outcome.update(lane_outcome)
        for delay, ids in lane_retry.items():
            retry[delay].extend(ids)
    for delay, ids in retry.items():
        delivery_batches_enqueue(sorted(ids), countdown=delay)
    distributions_finish(distribution_ids={d.distribution_id for d in deliveries})
    outcome = {key: value for key, value in outcome.items() if value}
    if deliveries:
        logger.info("send_batch of %s deliveries: %s", len(delivery_ids), outcome)
    return outcome


def _send_lane_in_thread(groups):
    try:
        return _send_lane(groups)
    finally:
        # This thread's own database connection.
        db.close()


def _send_lane(groups: list[list[Delivery]]):
    """Claim and send groups one after another over one SMTP connection."""
    outcome, retry = Counter(), defaultdict(list)
    connection = SmtpConnection()
    # Stop sending from a claim well before the sweeper would take it back.
    claim_lifetime = settings.DISTRIBUTIONS_STUCK_AFTER / 2
    try:
        with _fast_commits():
            for group in groups:
                claimed = _claim_group([d.pk for d in group])
                claimed_here = time.monotonic()
                # Nothing got updated for the others: another process got there.
                outcome["skipped"] += len(group) - len(claimed)
                for delivery in group:
                    if delivery.pk not in claimed:
                        continue
                    if time.monotonic() - claimed_here > claim_lifetime:
                        _release(delivery, claimed[delivery.pk])
                        retry[0].append(delivery.pk)
                        outcome["released"] += 1
                        continue
                    result = _deliver(delivery, claimed[delivery.pk], connection, retry)
                    outcome[result] += 1
    finally:
        connection.reset()
    return outcome, retry


def _release(delivery: Delivery, claimed_at) -> None:
    Delivery.objects.filter(pk=delivery.pk, claimed_at=claimed_at).update(
        status=Delivery.Status.QUEUED, enqueued_at=timezone.now()
    )


def _deliver(delivery: Delivery, claimed_at, connection: SmtpConnection, retry) -> str:
    """Send one claimed delivery and record its outcome; return the outcome."""
    # This claim's row (a later claim has another claimed_at). No status test:
    # what this worker saw beats the sweeper's guess, and a status condition can
    # lead the planner away from the primary key.
    mine = Delivery.objects.filter(pk=delivery.pk, claimed_at=claimed_at)
    attempts = delivery.attempts + 1
    try:
        message = delivery_email(
            distribution=delivery.distribution, invitation=delivery.invitation
        )
        smtp_send(connection.get(), message)
    except PermanentError as exc:
        mine.update(status=Delivery.Status.FAILED, attempts=attempts, error=str(exc))
        if exc.bounced:
            suppression_add(
                owner=delivery.distribution.owner,
                email=delivery.invitation.email,
                reason="bounced",
            )
        return "failed"
    except TransientError as exc:
        connection.reset()
        if attempts >= settings.DISTRIBUTIONS_MAX_ATTEMPTS:
            mine.update(
                status=Delivery.Status.FAILED,
                attempts=attempts,
                error=f"Gave up after {attempts} attempts; last reply: {exc}",
            )
            return "failed"
        delay = retry_delay(attempts)
        mine.update(
            status=Delivery.Status.QUEUED,
            attempts=attempts,
            error=f"Attempt {attempts} failed, will retry: {exc}",
            enqueued_at=timezone.now() + timedelta(seconds=delay),
        )
        retry[delay].append(delivery.pk)
        return "retried"
    except Exception as exc:
        # A fault of ours (rendering, a bad header): record it rather than loop.
        logger.exception("delivery %s could not be sent", delivery.pk)
        connection.reset()
        mine.update(
            status=Delivery.Status.FAILED,
            attempts=attempts,
            error=f"Could not build or send the email: {exc.__class__.__name__}",
        )
        return "failed"
    # The window: the server has accepted the message and this UPDATE is not yet
    # committed. A crash here leaves the delivery "sending", the lowest of its
    # group; the sweeper marks it failed (INTERRUPTED) rather than send it twice.
    # Over the sweeper's "failed" too: it guessed, and this is the truth. Raw
    # SQL: this runs once per email, and the ORM's update costs 4× the query.
    with db.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Delivery._meta.db_table} SET status = 'sent', attempts = %s, "
            "sent_at = now(), message_id = %s, error = '' "
            "WHERE id = %s AND claimed_at = %s",
            [attempts, message.extra_headers["Message-ID"], delivery.pk, claimed_at],
        )
    return "sent"
