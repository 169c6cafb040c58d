"""The sending pipeline: dispatch due distributions, send batches, sweep what is stuck.

DESIGN.md "Sending pipeline". PostgreSQL holds every fact; Celery/Redis only carry
"look at these ids now". So a lost, duplicated or redelivered task costs at most a
delay, never a second email:

- dispatch claims a due distribution under a row lock and, in the same transaction,
  snapshots invitations and deliveries and moves it to "sending". A worker killed
  mid-dispatch rolls everything back; the next dispatch_due starts over.
- send_batch claims each delivery (queued → sending, a conditional UPDATE) right
  before its SMTP transaction and records the outcome right after the reply. A
  delivery claimed by another process is skipped.
- the sweeper resolves deliveries left in "sending" by a dead worker (see
  deliveries_sweep for the policy) and re-enqueues queued deliveries whose task is
  overdue (worker killed with the task reserved, Redis flushed, retry lost).

Delivery outcomes. Permanent SMTP errors (5xx) → failed with the server's reply;
a recipient refused with 550/551/553 is also added to the owner's suppressions
(reason "bounced"), so later reminders skip it. Transient ones (4xx, connection
errors, timeouts) → queued again with exponential backoff
(DISTRIBUTIONS_RETRY_BASE_SECONDS × 2^(attempt-1), at most
DISTRIBUTIONS_RETRY_MAX_SECONDS), failed after DISTRIBUTIONS_MAX_ATTEMPTS attempts.
"""

import contextlib
import logging
import smtplib
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection as db
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from directories.models import Suppression
from distributions.models import Delivery, Distribution, Invitation
from distributions.services.email_message import delivery_email, email_bytes
from distributions.services.invitations import (
    invitation_statistics_refresh,
    invitations_create_from_list,
)
from surveys.models import Response, Survey

logger = logging.getLogger(__name__)

DEFAULT_LINK_DAYS = 60
# A recipient refused with one of these is a hard bounce: the mailbox does not
# exist or the address is malformed, so the owner should not mail it again.
HARD_BOUNCE_CODES = {550, 551, 553}
INTERRUPTED = (
    "Interrupted while sending (the worker stopped between claiming this email and "
    "recording the mail server's reply). Not retried, so it cannot arrive twice; "
    "it may or may not have been delivered."
)
_OPEN = (Delivery.Status.QUEUED, Delivery.Status.SENDING)


# --- Web-facing services -------------------------------------------------------


def distribution_dispatch_soon() -> None:
    """Ask a worker to dispatch due distributions once this transaction commits.

    Beat would find them within CELERY_DISPATCH_INTERVAL anyway; the kick makes
    "When: Now" immediate. on_commit: before the commit the worker could not see
    the new row.
    """
    from distributions.tasks import dispatch_due

    transaction.on_commit(dispatch_due.delay)


def distribution_cancel(*, user, distribution: Distribution) -> bool:
    """Cancel a scheduled distribution; return False if it already started sending.

    A conditional UPDATE: if dispatch holds the row it waits for dispatch to
    commit, then finds the status no longer "scheduled" and changes nothing.
    Reminders and thank-yous scheduled after it are cancelled with it.
    """
    now = timezone.now()
    with transaction.atomic():
        cancelled = Distribution.objects.filter(
            pk=distribution.pk, owner=user, status=Distribution.Status.SCHEDULED
        ).update(status=Distribution.Status.CANCELLED, cancelled_at=now)
        if cancelled:
            Distribution.objects.filter(
                parent_id=distribution.pk, status=Distribution.Status.SCHEDULED
            ).update(status=Distribution.Status.CANCELLED, cancelled_at=now)
    if cancelled:
        logger.info("distribution %s cancelled", distribution.pk)
    return bool(cancelled)


# --- Dispatch -------------------------------------------------------------------


def distributions_dispatch_due() -> list[int]:
    """Dispatch every due distribution, one transaction each; return their ids."""
    dispatched = []
    while True:
        distribution_id = _dispatch_one()
        if distribution_id is None:
            return dispatched
        dispatched.append(distribution_id)
        queued = deliveries_enqueue(distribution_id=distribution_id)
        invitation_statistics_refresh(added=queued)
        distributions_finish(distribution_ids=[distribution_id])


@transaction.atomic
def _dispatch_one() -> int | None:
    now = timezone.now()
    # The row lock lasts until commit: another dispatcher skips this row, and a
    # concurrent cancel waits and then finds it no longer scheduled. Children wait
    # until their parent has its links (not scheduled, not generating).
    distribution = (
        Distribution.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            kind=Distribution.Kind.EMAIL,
            status=Distribution.Status.SCHEDULED,
            send_at__lte=now,
        )
        .exclude(
            parent__status__in=[
                Distribution.Status.SCHEDULED,
                Distribution.Status.GENERATING,
            ]
        )
        .select_related("survey", "parent")
        .order_by("send_at", "pk")
        .first()
    )
    if distribution is None:
        return None
    parent = distribution.parent
    if parent is not None and parent.status in (
        Distribution.Status.CANCELLED,
        Distribution.Status.FAILED,
    ):
        distribution.status = Distribution.Status.CANCELLED
        distribution.cancelled_at = now
        distribution.error = "Its first distribution was cancelled or failed."
        distribution.save(update_fields=["status", "cancelled_at", "error"])
        return distribution.pk
    if distribution.survey.state != Survey.State.PUBLISHED:
        distribution.status = Distribution.Status.FAILED
        distribution.finished_at = now
        distribution.error = (
            f"Not sent: the survey is {distribution.survey.get_state_display().lower()}"
            " at the scheduled time."
        )
        distribution.save(update_fields=["status", "finished_at", "error"])
        logger.info("distribution %s not sent: survey not published", distribution.pk)
        return distribution.pk

    if (
        parent is None
        and distribution.contact_list_id is not None
        and not Invitation.objects.filter(distribution=distribution).exists()
    ):
        invitations_create_from_list(
            distribution=distribution,
            contact_list=distribution.contact_list,
            expires_at=distribution.link_expires_at
            or now + timedelta(days=DEFAULT_LINK_DAYS),
        )
    _create_deliveries(distribution, now)
    distribution.status = Distribution.Status.SENDING
    distribution.dispatched_at = now
    distribution.recipients_total = Delivery.objects.filter(
        distribution=distribution
    ).count()
    distribution.save(update_fields=["status", "dispatched_at", "recipients_total"])
    logger.info(
        "distribution %s dispatched to %s recipients",
        distribution.pk,
        distribution.recipients_total,
    )
    return distribution.pk


_AUDIENCE_SQL = {
    Distribution.Audience.ALL: "",
    Distribution.Audience.NOT_FINISHED: "AND r.finished_at IS NULL",
    Distribution.Audience.NOT_STARTED: "AND r.started_at IS NULL",
    Distribution.Audience.STARTED_NOT_FINISHED: (
        "AND r.started_at IS NOT NULL AND r.finished_at IS NULL"
    ),
    Distribution.Audience.FINISHED: "AND r.finished_at IS NOT NULL",
}


def _create_deliveries(distribution: Distribution, now) -> int:
    """Insert one delivery per recipient in one statement; return how many.

    The recipients are the root's invitations; for a reminder or thank-you,
    filtered by its audience as of now, without revoked or expired links. An
    address in the owner's suppressions gets an opted_out delivery (no email).
    ON CONFLICT: re-running finds the rows already there.
    """
    root_id = distribution.parent_id or distribution.pk
    audience = ""
    if distribution.parent_id:
        # A follow-up skips a hard-bounced address without a row of its own, so
        # its history keeps "Email Failed" (with the server's reply) rather than
        # reading "Opted Out".
        audience = _AUDIENCE_SQL[distribution.audience] + (
            " AND i.revoked_at IS NULL AND i.expires_at > %(now)s"
            " AND (s.id IS NULL OR s.reason <> 'bounced')"
        )
    reasons = dict(Suppression.Reason.choices)
    sql = f"""
        INSERT INTO {Delivery._meta.db_table}
            (distribution_id, invitation_id, status, attempts, message_id, error,
             created_at, enqueued_at)
        SELECT %(distribution)s, i.id,
               CASE WHEN s.id IS NULL THEN 'queued' ELSE 'opted_out' END,
               0, '',
               CASE WHEN s.id IS NULL THEN ''
                    WHEN s.reason = 'bounced' THEN %(bounced)s
                    WHEN s.reason = 'opted_out' THEN %(opted_out)s
                    ELSE %(manual)s END,
               %(now)s, %(now)s
        FROM {Invitation._meta.db_table} i
        LEFT JOIN {Suppression._meta.db_table} s
               ON s.owner_id = %(owner)s AND lower(s.email) = lower(i.email)
        LEFT JOIN {Response._meta.db_table} r ON r.id = i.response_id
        WHERE i.distribution_id = %(root)s {audience}
        ORDER BY i.id
        ON CONFLICT (distribution_id, invitation_id) DO NOTHING
    """
    with db.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "distribution": distribution.pk,
                "root": root_id,
                "owner": distribution.owner_id,
                "now": now,
                "bounced": f"Not sent: suppressed ({reasons['bounced']}).",
                "opted_out": f"Not sent: suppressed ({reasons['opted_out']}).",
                "manual": f"Not sent: suppressed ({reasons['manual']}).",
            },
        )
        return cursor.rowcount


def deliveries_enqueue(*, distribution_id: int) -> int:
    """Fan out the distribution's queued deliveries to send_batch tasks."""
    ids = list(
        Delivery.objects.filter(
            distribution_id=distribution_id, status=Delivery.Status.QUEUED
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _enqueue_batches(ids)
    return len(ids)


def _enqueue_batches(ids: list[int], *, countdown: float = 0) -> None:
    from distributions.tasks import send_batch

    size = settings.DISTRIBUTIONS_BATCH_SIZE
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        if countdown:
            send_batch.apply_async((chunk,), countdown=countdown)
        else:
            send_batch.delay(chunk)


def distributions_finish(*, distribution_ids) -> int:
    """Mark sent each sending distribution with no delivery queued or sending."""
    open_deliveries = Delivery.objects.filter(
        distribution=OuterRef("pk"), status__in=_OPEN
    )
    return (
        Distribution.objects.filter(
            pk__in=list(distribution_ids), status=Distribution.Status.SENDING
        )
        .exclude(Exists(open_deliveries))
        .update(status=Distribution.Status.SENT, finished_at=timezone.now())
    )


# --- Sending --------------------------------------------------------------------


class _Connection:
    """One SMTP connection for a batch, opened on first use, reopened after errors."""

    def __init__(self):
        self.backend = None

    def get(self):
        if self.backend is None:
            self.backend = get_connection(fail_silently=False)
            self.backend.open()
        return self.backend

    def reset(self):
        if self.backend is not None:
            # A dead connection may fail to QUIT; it is dropped either way.
            with contextlib.suppress(Exception):
                self.backend.close()
            self.backend = None


class _Transient(Exception):
    pass


class _Permanent(Exception):
    def __init__(self, reason: str, *, bounced: bool = False):
        super().__init__(reason)
        self.bounced = bounced


def _reply(code: int, message) -> str:
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return f"{code} {message}".strip()


def _sendmail(smtp: smtplib.SMTP, sender: str, recipients: list[str], data: bytes):
    """smtplib's sendmail, with RFC 2920 PIPELINING when the server offers it.

    MAIL, RCPT and DATA go in one write and their replies are read together: two
    round trips per email instead of four. Errors raise what sendmail raises, so
    the caller classifies them the same way.
    """
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("pipelining") or len(recipients) != 1:
        smtp.sendmail(sender, recipients, data)
        return
    [recipient] = recipients
    smtp.send(
        f"MAIL FROM:{smtplib.quoteaddr(sender)}\r\n"
        f"RCPT TO:{smtplib.quoteaddr(recipient)}\r\n"
        "DATA\r\n"
    )
    mail_code, mail_reply = smtp.getreply()
    rcpt_code, rcpt_reply = smtp.getreply()
    data_code, data_reply = smtp.getreply()
    if data_code == 354:
        if mail_code != 250 or rcpt_code not in (250, 251):
            # A server that accepts DATA with no recipient gets an empty message.
            smtp.send(b".\r\n")
            smtp.getreply()
        else:
            body = smtplib._quote_periods(data)
            if not body.endswith(b"\r\n"):
                body += b"\r\n"
            smtp.send(body + b".\r\n")
            code, reply = smtp.getreply()
            if code != 250:
                if code == 421:
                    smtp.close()
                else:
                    smtp._rset()
                raise smtplib.SMTPDataError(code, reply)
            return
    if 421 in (mail_code, rcpt_code, data_code):
        smtp.close()
    else:
        smtp._rset()
    if mail_code != 250:
        raise smtplib.SMTPSenderRefused(mail_code, mail_reply, sender)
    if rcpt_code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({recipient: (rcpt_code, rcpt_reply)})
    raise smtplib.SMTPDataError(data_code, data_reply)


def _send(backend, message) -> None:
    """Send one message on the open connection; raise _Transient or _Permanent."""
    try:
        if isinstance(backend, SMTPBackend):
            _sendmail(backend.connection, *email_bytes(message))
        else:
            backend.send_messages([message])
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        if 400 <= code < 500:
            raise _Transient(_reply(code, reply)) from exc
        raise _Permanent(
            _reply(code, reply), bounced=code in HARD_BOUNCE_CODES
        ) from exc
    except smtplib.SMTPResponseException as exc:
        # Sender refused, data refused, 421 closing: the session is in doubt.
        if 400 <= exc.smtp_code < 500:
            raise _Transient(_reply(exc.smtp_code, exc.smtp_error)) from exc
        raise _Permanent(_reply(exc.smtp_code, exc.smtp_error)) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise _Transient(f"Connection to the mail server failed: {exc}") from exc
    except ValueError as exc:
        # Django's address sanitizing: an address that cannot be encoded.
        raise _Permanent(f"Invalid address: {exc}") from exc


def _backoff(attempts: int) -> int:
    return min(
        settings.DISTRIBUTIONS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0),
        settings.DISTRIBUTIONS_RETRY_MAX_SECONDS,
    )


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
        _enqueue_batches(sorted(ids), countdown=delay)
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
    connection = _Connection()
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


def _deliver(delivery: Delivery, claimed_at, connection: _Connection, retry) -> str:
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
        _send(connection.get(), message)
    except _Permanent as exc:
        mine.update(status=Delivery.Status.FAILED, attempts=attempts, error=str(exc))
        if exc.bounced:
            Suppression.objects.bulk_create(
                [
                    Suppression(
                        owner_id=delivery.distribution.owner_id,
                        email=delivery.invitation.email,
                        reason=Suppression.Reason.BOUNCED,
                    )
                ],
                ignore_conflicts=True,
            )
        return "failed"
    except _Transient as exc:
        connection.reset()
        if attempts >= settings.DISTRIBUTIONS_MAX_ATTEMPTS:
            mine.update(
                status=Delivery.Status.FAILED,
                attempts=attempts,
                error=f"Gave up after {attempts} attempts; last reply: {exc}",
            )
            return "failed"
        delay = _backoff(attempts)
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


# --- Sweeper --------------------------------------------------------------------


def _queue_is_idle() -> bool:
    """Return whether the broker holds no task for the workers' queue (or cannot say)."""
    from config.celery import app

    try:
        with app.connection_for_write() as connection:
            declared = connection.default_channel.queue_declare(
                queue=app.conf.task_default_queue, passive=True
            )
            return declared.message_count == 0
    except Exception:  # noqa: BLE001  no such queue (Redis drops empty lists) or no answer
        return True


def deliveries_sweep(
    *, stuck_after: timedelta | None = None, requeue_after: timedelta | None = None
) -> dict[str, int]:
    """Resolve deliveries a dead worker left behind; re-enqueue lost work.

    Policy for deliveries still "sending" stuck_after past their claim
    (DISTRIBUTIONS_STUCK_AFTER, default 10 minutes; a live worker stops using a
    claim after half of that), taken group by group (a distribution and a
    claimed_at: one claim):
    - the lowest id of the group was perhaps handed to the mail server, which
      may or may not have accepted it: failed with INTERRUPTED, never re-sent
      (at most once).
    - the others never started (each outcome is committed before the next email
      starts): queued again and re-enqueued, so they go out once, later.
    - if PostgreSQL restarted after the claim, the outcome marks of the last
      moments may be lost (see _fast_commits): the whole group is in doubt and
      failed with INTERRUPTED.

    Queued deliveries of sending distributions whose task was due more than
    requeue_after ago (DISTRIBUTIONS_REQUEUE_AFTER) are enqueued again when the
    broker's queue is empty (their task is lost: a killed worker had reserved
    it, or Redis was flushed), or regardless after ten times that (a queue that
    never empties). Released claims are enqueued at once. A duplicate task is
    harmless, since each delivery is claimed before it is sent. Then finish what
    is done, and kick dispatch if something is due.
    """
    now = timezone.now()
    stuck_after = stuck_after or timedelta(seconds=settings.DISTRIBUTIONS_STUCK_AFTER)
    requeue_after = requeue_after or timedelta(
        seconds=settings.DISTRIBUTIONS_REQUEUE_AFTER
    )
    table = Delivery._meta.db_table
    with transaction.atomic(), db.cursor() as cursor:
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
            [now - stuck_after],
        )
        in_doubt, never_started, seen_groups = [], [], set()
        for pk, distribution_id, claimed_at, before_restart in cursor.fetchall():
            group = (distribution_id, claimed_at)
            if before_restart or group not in seen_groups:
                in_doubt.append(pk)
            else:
                never_started.append(pk)
            seen_groups.add(group)
        cursor.execute(
            f"UPDATE {table} SET status = 'failed', error = %s WHERE id = ANY(%s)",
            [INTERRUPTED, in_doubt],
        )
        cursor.execute(
            f"UPDATE {table} SET status = 'queued', enqueued_at = NULL "
            "WHERE id = ANY(%s)",
            [never_started],
        )
    interrupted, unclaimed = in_doubt, len(never_started)
    # While batches wait in the queue, their deliveries wait too: do not copy a
    # long campaign's backlog into the queue every sweep.
    overdue = now - requeue_after * (1 if _queue_is_idle() else 10)
    with db.cursor() as cursor:
        # Row locks serialize two sweepers: the second re-reads enqueued_at after
        # the first commits and finds these rows no longer overdue.
        cursor.execute(
            f"UPDATE {table} d SET enqueued_at = %s "
            f"FROM {Distribution._meta.db_table} dist "
            "WHERE d.distribution_id = dist.id AND dist.status = 'sending' "
            "AND d.status = 'queued' "
            "AND (d.enqueued_at IS NULL OR d.enqueued_at < %s) "
            "RETURNING d.id",
            [now, overdue],
        )
        requeued = sorted(row[0] for row in cursor.fetchall())
    _enqueue_batches(requeued)
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
        from distributions.tasks import dispatch_due

        dispatch_due.delay()
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
