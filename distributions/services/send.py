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

import logging
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from core.leases import (
    lease_data,
    lease_drop,
    lease_hold,
    lease_take,
    new_lease_key,
    renewal_age,
)
from core.reconnect import CONNECTION_ERRORS, with_reconnect
from directories.services.suppressions import suppression_add
from distributions.models import Delivery, Distribution
from distributions.services.dispatch import (
    delivery_batches_enqueue,
    distributions_finish,
)
from distributions.services.email_message import delivery_email
from distributions.services.outgoing import (
    outgoing_prepare,
    provider_message_id_record,
)
from distributions.services.send_rate import send_rate_acquire
from distributions.services.smtp import (
    PermanentError,
    SmtpConnection,
    TransientError,
    retry_delay,
    smtp_send,
)

logger = logging.getLogger(__name__)

# The lease kinds the sweeper reads (core.leases).
CLAIM_LEASE = "send-claim"
BATCH_LEASE = "send-batch"


def _claim_group(ids: list[int]) -> tuple[dict[int, object], str]:
    """Move queued deliveries to sending in one durable commit, under a lease.

    Return ({id: claimed_at}, lease key). The lease (core.leases) is written in
    the claim's transaction and renewed by this process while it holds it, so
    the sweeper can tell a live worker's claim from a dead one's within
    LEASE_DEAD_AFTER. Claims are committed synchronously whatever the session's
    setting: a claim lost in a PostgreSQL crash could send an email twice. One
    commit (one WAL flush, ~4 ms on a plain disk) for a group, not one per email.
    Safe to retry after a lost connection: a retry first looks for its lease,
    i.e. whether the lost attempt had committed.
    """
    key = new_lease_key(CLAIM_LEASE)
    attempts = []

    def claim():
        if attempts:
            data = lease_data(key)
            if data is not None:
                claimed_at = datetime.fromisoformat(data["claimed_at"])
                return dict(
                    Delivery.objects.filter(
                        pk__in=ids,
                        claimed_at=claimed_at,
                        status=Delivery.Status.SENDING,
                    ).values_list("pk", "claimed_at")
                )
        attempts.append(1)
        with transaction.atomic(), db.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO on")
            cursor.execute(
                f"UPDATE {Delivery._meta.db_table} "
                "SET status = 'sending', claimed_at = now() "
                "WHERE id = ANY(%s) AND status = 'queued' RETURNING id, claimed_at",
                [ids],
            )
            rows = dict(cursor.fetchall())
            if rows:
                claimed_at = next(iter(rows.values()))
                lease_take(key, {"claimed_at": claimed_at.isoformat()})
        return rows

    claimed = _with_database(claim, "a claim")
    if claimed:
        lease_hold(key)
    return claimed, key


def _session_setup() -> None:
    """Commit this session's per-email marks without waiting for the WAL flush.

    A worker killed after such a commit loses nothing: PostgreSQL has it. Only a
    PostgreSQL crash can lose the last few hundred milliseconds of marks: the
    sweeper treats a group claimed before a crash as in doubt as a whole (failed,
    never re-sent; sweeper.py). The next claim's synchronous commit flushes every
    earlier mark, so only the group in progress is at stake.
    DISTRIBUTIONS_FAST_COMMITS = False turns it off (e.g. a primary that can fail
    over to a replica). Run again on every new connection (with_reconnect).
    """
    if settings.DISTRIBUTIONS_FAST_COMMITS:
        with db.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")


def _with_database(work, what: str):
    """Run work(), surviving a database restart (core.reconnect)."""
    return with_reconnect(
        work,
        give_up_after=settings.DISTRIBUTIONS_DB_OUTAGE_SECONDS,
        on_reconnect=_session_setup,
        what=what,
    )


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

    The batch is held under a lease (core.leases) while it runs: if this worker
    dies, the sweeper re-enqueues its deliveries not yet claimed within a minute.
    A database error a lane could not outlast (DISTRIBUTIONS_DB_OUTAGE_SECONDS)
    is raised after the other lanes finished, and the task retries.
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
    if not deliveries:
        return {}
    batch_key = new_lease_key(BATCH_LEASE)
    lease_take(batch_key, {"ids": [d.pk for d in deliveries]})
    lease_hold(batch_key)
    try:
        return _send_groups(deliveries, len(delivery_ids))
    finally:
        lease_drop(batch_key)


def _send_groups(deliveries: list[Delivery], asked: int) -> dict[str, int]:
    size = settings.DISTRIBUTIONS_CLAIM_GROUP
    groups = [deliveries[i : i + size] for i in range(0, len(deliveries), size)]
    lanes = max(1, min(settings.DISTRIBUTIONS_SEND_THREADS, len(groups)))
    if lanes == 1:
        results = [_send_lane_caught(groups)]
    else:
        with ThreadPoolExecutor(lanes, thread_name_prefix="send-lane") as pool:
            results = list(
                pool.map(_send_lane_in_thread, [groups[k::lanes] for k in range(lanes)])
            )
    outcome, retry, errors = Counter(), defaultdict(list), []
    for lane_outcome, lane_retry, error in results:
        outcome.update(lane_outcome)
        for delay, ids in lane_retry.items():
            retry[delay].extend(ids)
        if error is not None:
            errors.append(error)
    for delay, ids in retry.items():
        delivery_batches_enqueue(sorted(ids), countdown=delay)
    if errors:
        # Its unclaimed deliveries are still queued: the task retries them.
        raise errors[0]
    distributions_finish(distribution_ids={d.distribution_id for d in deliveries})
    outcome = {key: value for key, value in outcome.items() if value}
    logger.info("send_batch of %s deliveries: %s", asked, outcome)
    return outcome


def _send_lane_in_thread(groups):
    try:
        return _send_lane_caught(groups)
    finally:
        # This thread's own database connection.
        db.close()


def _send_lane_caught(groups):
    outcome, retry = Counter(), defaultdict(list)
    try:
        _send_lane(groups, outcome, retry)
    except Exception as exc:  # noqa: BLE001  handed to the task, after the others
        logger.exception("a sending lane stopped")
        return outcome, retry, exc
    return outcome, retry, None


class _Untried(Exception):
    """The delivery failed before its SMTP transaction started: release it."""


def _send_lane(groups: list[list[Delivery]], outcome: Counter, retry) -> None:
    """Claim and send groups one after another over one SMTP connection.

    Before each SMTP transaction the lane checks that its claim is still its
    own to use: younger than half of DISTRIBUTIONS_STUCK_AFTER, and its leases
    renewed within half of LEASE_DEAD_AFTER (else a sweeper may already have
    judged this worker dead). Otherwise, and when it must stop on an error, the
    claims it has not tried go back to queued at once.
    """
    connection = SmtpConnection()
    # Stop sending from a claim well before the sweeper would take it back.
    claim_lifetime = settings.DISTRIBUTIONS_STUCK_AFTER / 2
    lease_margin = settings.LEASE_DEAD_AFTER / 2
    try:
        _with_database(_session_setup, "the session setup")
        for group in groups:
            claimed, key = _claim_group([d.pk for d in group])
            claimed_here = time.monotonic()
            # Nothing got updated for the others: another process got there.
            outcome["skipped"] += len(group) - len(claimed)
            mine = [d for d in group if d.pk in claimed]
            try:
                for index, delivery in enumerate(mine):
                    if (
                        time.monotonic() - claimed_here > claim_lifetime
                        or renewal_age() > lease_margin
                    ):
                        _release(mine[index:], claimed, retry, outcome)
                        break
                    try:
                        result = _deliver(
                            delivery, claimed[delivery.pk], connection, retry
                        )
                    except _Untried:
                        _release(mine[index:], claimed, retry, outcome)
                        raise
                    except Exception:
                        # This one may have reached the mail server: in doubt.
                        _release(mine[index + 1 :], claimed, retry, outcome)
                        raise
                    outcome[result] += 1
            finally:
                if claimed:
                    lease_drop(key)
    finally:
        connection.reset()


def _release(deliveries: list[Delivery], claimed, retry, outcome) -> None:
    """Put claimed deliveries this lane never tried back to queued (best effort)."""
    if not deliveries:
        return
    ids = [d.pk for d in deliveries]
    claimed_at = claimed[ids[0]]

    def release():
        with db.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Delivery._meta.db_table} "
                "SET status = 'queued', enqueued_at = now() "
                "WHERE id = ANY(%s) AND claimed_at = %s AND status = 'sending' "
                "RETURNING id",
                [ids, claimed_at],
            )
            return [row[0] for row in cursor.fetchall()]

    try:
        released = _with_database(release, "a release")
    except CONNECTION_ERRORS:
        # Left "sending" without a live lease: the sweeper resolves them.
        logger.error("%s untried claims could not be released", len(ids))
        return
    retry[0].extend(released)
    outcome["released"] += len(released)


def _deliver(delivery: Delivery, claimed_at, connection: SmtpConnection, retry) -> str:
    """Send one claimed delivery and record its outcome; return the outcome.

    Raises _Untried when the database failed before the SMTP transaction; a
    database error after it (the outcome could not be recorded, even after
    reconnecting) leaves the delivery "sending": in doubt.
    """
    # This claim's row (a later claim has another claimed_at). No status test:
    # what this worker saw beats the sweeper's guess, and a status condition can
    # lead the planner away from the primary key.
    mine = Delivery.objects.filter(pk=delivery.pk, claimed_at=claimed_at)
    attempts = delivery.attempts + 1

    def record(**fields):
        _with_database(lambda: mine.update(**fields), "an outcome")

    try:
        message = delivery_email(
            distribution=delivery.distribution, invitation=delivery.invitation
        )
    except CONNECTION_ERRORS as exc:
        raise _Untried() from exc
    except Exception as exc:
        # A fault of ours (rendering, a bad header): record it rather than loop.
        logger.exception("delivery %s could not be built", delivery.pk)
        record(
            status=Delivery.Status.FAILED,
            attempts=attempts,
            error=f"Could not build or send the email: {exc.__class__.__name__}",
        )
        return "failed"
    # Issue 17 hook: what this email needs for the way it leaves (a VERP return
    # path over SMTP; a provider's sender and metadata), services.outgoing.
    outgoing_prepare(message, delivery=delivery)
    # Issue 17 hook: the sending account's rate limits, shared by all workers.
    send_rate_acquire()
    try:
        smtp_send(connection.get(), message)
    except PermanentError as exc:
        record(status=Delivery.Status.FAILED, attempts=attempts, error=str(exc))
        if exc.bounced:
            _with_database(
                lambda: suppression_add(
                    owner=delivery.distribution.owner,
                    email=delivery.invitation.email,
                    reason="bounced",
                ),
                "a bounce",
            )
        return "failed"
    except TransientError as exc:
        connection.reset()
        if attempts >= settings.DISTRIBUTIONS_MAX_ATTEMPTS:
            record(
                status=Delivery.Status.FAILED,
                attempts=attempts,
                error=f"Gave up after {attempts} attempts; last reply: {exc}",
            )
            return "failed"
        delay = retry_delay(attempts)
        record(
            status=Delivery.Status.QUEUED,
            attempts=attempts,
            error=f"Attempt {attempts} failed, will retry: {exc}",
            enqueued_at=timezone.now() + timedelta(seconds=delay),
        )
        retry[delay].append(delivery.pk)
        return "retried"
    except Exception as exc:
        logger.exception("delivery %s could not be sent", delivery.pk)
        connection.reset()
        record(
            status=Delivery.Status.FAILED,
            attempts=attempts,
            error=f"Could not build or send the email: {exc.__class__.__name__}",
        )
        return "failed"

    # The window: the server has accepted the message and this UPDATE is not yet
    # committed. A crash here leaves the delivery "sending", the lowest of its
    # group; the sweeper marks it failed (INTERRUPTED) rather than send it twice.
    # A lost connection is retried on a new one (the UPDATE is guarded by the
    # claim, so repeating it is harmless). Over the sweeper's "failed" too: it
    # guessed, and this is the truth. Raw SQL: this runs once per email, and the
    # ORM's update costs 4× the query.
    def mark_sent():
        with db.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Delivery._meta.db_table} SET status = 'sent', "
                "attempts = %s, sent_at = now(), message_id = %s, error = '' "
                "WHERE id = %s AND claimed_at = %s",
                [
                    attempts,
                    message.extra_headers["Message-ID"],
                    delivery.pk,
                    claimed_at,
                ],
            )

    _with_database(mark_sent, "a sent mark")
    # Issue 17 hook: a provider's id of the message, for its webhooks (no-op
    # over SMTP); best effort, the metadata names the delivery as well.
    _with_database(
        lambda: provider_message_id_record(delivery.pk, message), "a provider id"
    )
    return "sent"
