"""Sending: claim queued deliveries and send them, recording their outcomes.

Owns what a send_batch task does (docs/architecture.md, the sending pipeline):
deliveries_send claims a batch's deliveries in groups (queued → sending, one
durable commit per group, _claim_group) right before their SMTP transactions,
sends them in id order and writes their outcomes a few at a time in one
statement (outcomes.py), at most DISTRIBUTIONS_IN_FLIGHT unwritten per lane.
Groups are shared among DISTRIBUTIONS_SEND_THREADS lanes, each with its own SMTP
and database connections. A delivery claimed by another process is skipped; a
claim held too long is released.

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
from distributions.models import Delivery, Distribution
from distributions.services.dispatch import (
    delivery_batches_enqueue,
    distributions_finish,
)
from distributions.services.email_message import delivery_email
from distributions.services.message_versions import message_version
from distributions.services.outcomes import Outcome, Outcomes, release
from distributions.services.outgoing import outgoing_prepare, provider_message_id
from distributions.services.send_rate import send_rate_acquire, send_rate_try
from distributions.services.smtp import (
    PermanentError,
    SmtpConnection,
    TransientError,
    retry_delay,
)

logger = logging.getLogger(__name__)

# The lease kinds the sweeper reads (core.leases).
CLAIM_LEASE = "send-claim"
BATCH_LEASE = "send-batch"


def _claim_group(ids: list[int], in_flight: int) -> tuple[dict[int, object], str]:
    """Move queued deliveries to sending in one durable commit, under a lease.

    Return ({id: claimed_at}, lease key). The lease (core.leases) is written in
    the claim's transaction and renewed by this process while it holds it, so
    the sweeper can tell a live worker's claim from a dead one's within
    LEASE_DEAD_AFTER; it carries the lane's in_flight (how many of the group's
    lowest "sending" ids may have reached the mail server, outcomes.py). Claims are committed synchronously whatever the session's
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
                lease_take(
                    key,
                    {"claimed_at": claimed_at.isoformat(), "in_flight": in_flight},
                )
        return rows

    claimed = _with_database(claim, "a claim")
    if claimed:
        lease_hold(key)
    return claimed, key


def _session_setup() -> None:
    """Commit this session's outcome writes without waiting for the WAL flush.

    A worker killed after such a commit loses nothing: PostgreSQL has it. Only a
    PostgreSQL crash can lose the last few hundred milliseconds of outcomes: the
    sweeper treats a group claimed before a crash as in doubt as a whole (failed,
    never re-sent; sweeper.py). The next claim's synchronous commit flushes every
    earlier outcome, so only the group in progress is at stake.
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
    sending, one claimed_at per group), then sent one at a time in id order,
    their outcomes written a few at a time in the same order (outcomes.py). So
    in a group a dead worker left behind, only the lowest DISTRIBUTIONS_IN_FLIGHT
    ids still "sending" can have reached the mail server; the sweeper relies on
    this.

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
        .select_related("invitation")
        .order_by("pk")
    )
    if not deliveries:
        return {}
    # One instance per distribution, not a copy of its message on every row.
    distributions = Distribution.objects.select_related("owner").in_bulk(
        {d.distribution_id for d in deliveries}
    )
    for delivery in deliveries:
        delivery.distribution = distributions[delivery.distribution_id]
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

    Outcomes are written several at a time (outcomes.Outcomes): before each
    SMTP transaction at most DISTRIBUTIONS_IN_FLIGHT - 1 earlier outcomes are
    unwritten. Before each SMTP transaction the lane also checks that its claim
    is still its own to use: younger than half of DISTRIBUTIONS_STUCK_AFTER, and
    its leases renewed within half of LEASE_DEAD_AFTER (else a sweeper may
    already have judged this worker dead). Otherwise, and when it must stop on
    an error, it writes what it knows and puts the claims it has not tried back
    to queued at once.
    """
    connection = SmtpConnection()
    in_flight = settings.DISTRIBUTIONS_IN_FLIGHT
    try:
        _with_database(_session_setup, "the session setup")
        for group in groups:
            claimed, key = _claim_group([d.pk for d in group], in_flight)
            claimed_here = time.monotonic()
            # Nothing got updated for the others: another process got there.
            outcome["skipped"] += len(group) - len(claimed)
            mine = [d for d in group if d.pk in claimed]
            if not mine:
                continue
            book = Outcomes(claimed[mine[0].pk], _with_database)
            resolved = False
            try:
                _send_group(mine, book, connection, claimed_here, outcome, retry)
                book.write(outcome, retry)
                resolved = True
            finally:
                # Unresolved, the lease row stays (no longer renewed): the
                # sweeper reads the claim's in_flight from it.
                lease_drop(key, delete=resolved)
    finally:
        connection.reset()


def _send_group(mine, book, connection, claimed_here, outcome, retry) -> None:
    """Send one claimed group in id order, each email's body written together
    with the next one's MAIL, RCPT and DATA (smtp.SmtpConnection.send)."""
    claim_lifetime = settings.DISTRIBUTIONS_STUCK_AFTER / 2
    lease_margin = settings.LEASE_DEAD_AFTER / 2
    in_flight = settings.DISTRIBUTIONS_IN_FLIGHT
    built = paid = None
    for index, delivery in enumerate(mine):
        if (
            time.monotonic() - claimed_here > claim_lifetime
            or renewal_age() > lease_margin
        ):
            # Stop sending from a claim well before the sweeper would take it.
            book.write_or_leave(outcome, retry)
            _release(mine[index:], book, retry, outcome)
            return
        try:
            message = built if built is not None else _build(delivery)
            built = None
            if isinstance(message, Outcome):
                book.add(message)
            else:
                if paid is not delivery:
                    _rate_acquire(send_rate_acquire)
                following = None
                if index + 1 < len(mine):
                    built = _build(mine[index + 1])
                    # Announced only with its token in hand (send_rate_try).
                    if not isinstance(built, Outcome) and _rate_acquire(send_rate_try):
                        following, paid = built, mine[index + 1]
                book.add(_deliver(delivery, message, connection, following))
        except _Untried:
            book.write_or_leave(outcome, retry)
            _release(mine[index:], book, retry, outcome)
            raise
        except Exception:
            # This one may have reached the mail server: in doubt.
            book.write_or_leave(outcome, retry)
            _release(mine[index + 1 :], book, retry, outcome)
            raise
        if len(book.pending) >= in_flight:
            book.write(outcome, retry)


def _rate_acquire(take):
    """Issue 17 hook: a token of the sending account's rate limits, shared by
    all workers (services.send_rate), before an email's SMTP transaction. It
    waits only with nothing announced on the connection. Raises _Untried when
    the limits' Redis fails: the email did not start."""
    try:
        return take()
    except Exception as exc:
        logger.exception("the send rate limits could not be read")
        raise _Untried() from exc


def _release(deliveries: list[Delivery], book: Outcomes, retry, outcome) -> None:
    """Put claimed deliveries this lane never tried back to queued (best effort)."""
    released = release(deliveries, book.claimed_at, _with_database)
    retry[0].extend(released)
    outcome["released"] += len(released)


def _build(delivery: Delivery):
    """Return the email of a claimed delivery, or its failed Outcome when it
    cannot be built. Raises _Untried on a database error."""
    try:
        # The recipient's language version, recorded with the outcome (outcomes.py).
        version = message_version(delivery.distribution, delivery.invitation.language)
        delivery.language = version.language
        message = delivery_email(
            distribution=delivery.distribution,
            invitation=delivery.invitation,
            version=version,
        )
        # Issue 17 hook: what this email needs for the way it leaves (the open
        # pixel; a VERP return path as the envelope sender over SMTP; a
        # provider's sender and metadata), services.outgoing. Here, before the
        # email can be announced ahead of its turn (smtp.SmtpConnection.send).
        outgoing_prepare(message, delivery=delivery)
        return message
    except CONNECTION_ERRORS as exc:
        raise _Untried() from exc
    except Exception as exc:
        # A fault of ours (rendering, a bad header): record it rather than loop.
        logger.exception("delivery %s could not be built", delivery.pk)
        return _failed(
            delivery,
            delivery.attempts + 1,
            f"Could not build or send the email: {exc.__class__.__name__}",
        )


def _deliver(delivery: Delivery, message, connection: SmtpConnection, following):
    """Send one claimed delivery's email; return its Outcome, to be written by
    the caller. `following` (the next email, or None) is announced with it."""
    attempts = delivery.attempts + 1
    try:
        connection.send(message, following)
    except PermanentError as exc:
        failed = _failed(delivery, attempts, str(exc))
        failed.bounced = exc.bounced
        return failed
    except TransientError as exc:
        connection.reset()
        if attempts >= settings.DISTRIBUTIONS_MAX_ATTEMPTS:
            return _failed(
                delivery,
                attempts,
                f"Gave up after {attempts} attempts; last reply: {exc}",
            )
        delay = retry_delay(attempts)
        return Outcome(
            delivery,
            Delivery.Status.QUEUED,
            attempts,
            error=f"Attempt {attempts} failed, will retry: {exc}",
            enqueued_at=timezone.now() + timedelta(seconds=delay),
            retry_in=delay,
            kind="retried",
        )
    except Exception as exc:
        logger.exception("delivery %s could not be sent", delivery.pk)
        connection.reset()
        return _failed(
            delivery,
            attempts,
            f"Could not build or send the email: {exc.__class__.__name__}",
        )
    # The server has accepted the message; its outcome is written with the next
    # few (outcomes.py). A crash before that leaves it "sending", among the
    # lowest DISTRIBUTIONS_IN_FLIGHT of its group: the sweeper marks it failed
    # (INTERRUPTED) rather than send it twice. Over the sweeper's "failed" too:
    # it guessed, and this is the truth.
    return Outcome(
        delivery,
        Delivery.Status.SENT,
        attempts,
        message_id=message.extra_headers["Message-ID"],
        sent_at=timezone.now(),
        # Issue 17 hook: a provider's id of the message, for its webhooks.
        provider_message_id=provider_message_id(message),
        kind="sent",
    )


def _failed(delivery: Delivery, attempts: int, error: str) -> Outcome:
    return Outcome(
        delivery, Delivery.Status.FAILED, attempts, error=error, kind="failed"
    )
