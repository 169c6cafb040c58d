"""Dispatching: due distributions become deliveries, and deliveries become tasks.

Owns a distribution's way from "scheduled" to "sending" to "sent"
(docs/architecture.md, the sending pipeline):

- distribution_cancel and distribution_dispatch_soon, the web-facing services.
- distributions_dispatch_due claims one due distribution at a time under a row
  lock and, in the same transaction, snapshots its invitations and deliveries and
  moves it to "sending". A worker killed mid-dispatch rolls everything back; the
  next dispatch_due starts over.
- deliveries_enqueue / delivery_batches_enqueue fan the queued deliveries out to
  send_batch tasks (send.py sends them), and distributions_finish marks a
  distribution sent once nothing of it is queued or sending.

PostgreSQL holds every fact; Celery/Redis only carry "look at these ids now". So a
lost, duplicated or redelivered task costs at most a delay, never a second email.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection as db
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.queue import enqueue, enqueue_now
from directories.selectors.suppressions import (
    suppression_email_hash_sql,
    suppression_hashed_queryset,
    suppression_queryset,
    suppression_reason_labels,
)
from distributions.models import Delivery, Distribution, Invitation
from distributions.person import ERASED_DELIVERY_ERROR, person_progress_sql
from distributions.services.frequency import frequency_rule_apply
from distributions.services.invitations import (
    invitation_statistics_refresh,
    invitations_create_from_list,
)
from distributions.team_rights import sender_refusal
from teams import access
from teams.access import Right

logger = logging.getLogger(__name__)

DEFAULT_LINK_DAYS = 60
_OPEN = (Delivery.Status.QUEUED, Delivery.Status.SENDING)


# --- Web-facing services -------------------------------------------------------


def distribution_dispatch_soon() -> None:
    """Ask a worker to dispatch due distributions once this transaction commits.

    Beat would find them within CELERY_DISPATCH_INTERVAL anyway; the kick makes
    "When: Now" immediate.
    """
    enqueue("distributions.dispatch_due")


def distribution_cancel(*, user, distribution: Distribution) -> bool:
    """Cancel a scheduled distribution; return False if it already started sending.

    A conditional UPDATE: if dispatch holds the row it waits for dispatch to
    commit, then finds the status no longer "scheduled" and changes nothing.
    Reminders and thank-yous scheduled after it are cancelled with it. Only in a
    team where the user may send (teams.access): elsewhere nothing changes.
    """
    now = timezone.now()
    with transaction.atomic():
        cancelled = Distribution.objects.filter(
            pk=distribution.pk,
            team_id__in=access.teams_with(user, Right.SEND),
            status=Distribution.Status.SCHEDULED,
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
    # Whoever scheduled it must still be allowed to send in its team now: a
    # member removed or demoted since sends nothing (teams.access).
    refusal = sender_refusal(distribution)
    if refusal:
        distribution.status = Distribution.Status.FAILED
        distribution.finished_at = now
        distribution.error = refusal
        distribution.save(update_fields=["status", "finished_at", "error"])
        logger.info("distribution %s not sent: %s", distribution.pk, refusal)
        return distribution.pk
    survey = distribution.survey
    if survey.state != survey.State.PUBLISHED:
        distribution.status = Distribution.Status.FAILED
        distribution.finished_at = now
        distribution.error = (
            f"Not sent: the survey is {survey.get_state_display().lower()}"
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
    # Issue 17 hook: the owner's contact frequency rule (services.frequency).
    frequency_rule_apply(distribution, now)
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


# Over the person's progress by any of their links ({started}, {finished}: the
# expressions of distributions.person.person_progress_sql).
_AUDIENCE_SQL = {
    Distribution.Audience.ALL: "",
    Distribution.Audience.NOT_FINISHED: "AND {finished} IS NULL",
    Distribution.Audience.NOT_STARTED: "AND {started} IS NULL AND {finished} IS NULL",
    Distribution.Audience.STARTED_NOT_FINISHED: (
        "AND {started} IS NOT NULL AND {finished} IS NULL"
    ),
    Distribution.Audience.FINISHED: "AND {finished} IS NOT NULL",
}


def _create_deliveries(distribution: Distribution, now) -> int:
    """Insert one delivery per recipient in one statement; return how many.

    The recipients are the root's invitations; for a reminder or thank-you,
    filtered by its audience as of now, without revoked or expired links. An
    address in the owner's suppressions gets an opted_out delivery (no email).
    ON CONFLICT: re-running finds the rows already there.

    The owner's suppressions and the survey's responses come from their apps'
    selectors, compiled into this one INSERT … SELECT: PostgreSQL folds those
    plain subqueries into the joins, so the plan is the same as joining the
    tables themselves, which this statement never names.
    """
    root_id = distribution.parent_id or distribution.pk
    audience, audience_params = "", []
    person_joins, person_params = "", []
    if distribution.parent_id:
        # The audience is chosen by the person's response to the survey, by any
        # of their links (distributions.person), as it is now.
        person = person_progress_sql(survey=distribution.survey)
        person_joins, person_params = person.joins, person.params
        # A follow-up skips a hard-bounced address without a row of its own, so
        # its history keeps "Email Failed" (with the server's reply) rather than
        # reading "Opted Out".
        audience = _AUDIENCE_SQL[distribution.audience].format(
            started=person.started_at, finished=person.finished_at
        ) + (
            " AND i.revoked_at IS NULL AND i.expires_at > %s"
            " AND (s.reason IS NULL OR s.reason NOT IN ('bounced', 'erased'))"
        )
        audience_params = [now]
    suppressions, suppressions_params = suppression_queryset(
        team_id=distribution.team_id
    ).query.sql_with_params()
    # Erased people's opt-outs match by hash; an erased invitation (no address
    # left, services/privacy.py) matches as "erased": never emailed.
    hashed, hashed_params = suppression_hashed_queryset(
        team_id=distribution.team_id
    ).query.sql_with_params()
    email_hash, email_hash_params = suppression_email_hash_sql("i.email")
    reasons = suppression_reason_labels()
    sql = f"""
        INSERT INTO {Delivery._meta.db_table}
            (distribution_id, invitation_id, status, attempts, message_id, error,
             created_at, enqueued_at)
        SELECT %s, i.id,
               CASE WHEN s.reason IS NULL THEN 'queued' ELSE 'opted_out' END,
               0, '',
               CASE WHEN s.reason IS NULL THEN ''
                    WHEN s.reason = 'bounced' THEN %s
                    WHEN s.reason = 'opted_out' THEN %s
                    WHEN s.reason = 'erased' THEN %s
                    ELSE %s END,
               %s, %s
        FROM {Invitation._meta.db_table} i
        LEFT JOIN ({suppressions}) s_address ON s_address.email_lower = lower(i.email)
        LEFT JOIN ({hashed}) s_hash ON s_hash.email_hash = {email_hash}
        CROSS JOIN LATERAL (
            SELECT COALESCE(
                s_address.reason,
                s_hash.reason,
                CASE WHEN i.email NOT LIKE '%%@%%' THEN 'erased' END
            ) AS reason
        ) s
        {person_joins}
        WHERE i.distribution_id = %s {audience}
        ORDER BY i.id
        ON CONFLICT (distribution_id, invitation_id) DO NOTHING
    """
    params = [
        distribution.pk,
        f"Not sent: suppressed ({reasons['bounced']}).",
        f"Not sent: suppressed ({reasons['opted_out']}).",
        ERASED_DELIVERY_ERROR,
        f"Not sent: suppressed ({reasons['manual']}).",
        now,
        now,
        *suppressions_params,
        *hashed_params,
        *email_hash_params,
        *person_params,
        root_id,
        *audience_params,
    ]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
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
    delivery_batches_enqueue(ids)
    return len(ids)


def delivery_batches_enqueue(ids: list[int], *, countdown: float = 0) -> None:
    """Enqueue send_batch tasks of DISTRIBUTIONS_BATCH_SIZE deliveries for ids.

    At once, not on commit: every caller (dispatch, a send_batch retrying, the
    sweeper) runs in a task and has committed the deliveries' state already.
    """
    size = settings.DISTRIBUTIONS_BATCH_SIZE
    for start in range(0, len(ids), size):
        enqueue_now(
            "distributions.send_batch", ids[start : start + size], countdown=countdown
        )


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
