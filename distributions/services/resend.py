"""Resend to the emails in doubt: the owner's decision after an interruption.

A delivery the sweeper found interrupted mid-send (distributions.status.IN_DOUBT)
may or may not have reached its recipient, so it is never retried on its own.
The Emails page shows how many there are and offers "Resend to these N"; this
service queues exactly those deliveries again (some recipients may then receive
the email twice, which the confirmation says).
"""

import logging

from django.db import transaction
from django.utils import timezone

from distributions.models import Delivery, Distribution
from distributions.services.dispatch import delivery_batches_enqueue
from distributions.status import IN_DOUBT
from teams import access
from teams.access import Right

logger = logging.getLogger(__name__)


def in_doubt_count(*, distribution: Distribution) -> int:
    return Delivery.objects.filter(IN_DOUBT, distribution=distribution).count()


def deliveries_in_doubt_resend(*, user, distribution: Distribution) -> int:
    """Queue the distribution's in-doubt deliveries again; return how many.

    Only in a team where the user may send: another team's distribution resends
    nothing. The distribution
    goes back to "sending" until they are out (distributions_finish marks it sent
    again), since only a sending distribution's deliveries are sent.
    """
    with transaction.atomic():
        locked = (
            Distribution.objects.select_for_update()
            .filter(
                pk=distribution.pk,
                team_id__in=access.teams_with(user, Right.SEND),
                status__in=[Distribution.Status.SENDING, Distribution.Status.SENT],
            )
            .first()
        )
        if locked is None:
            return 0
        ids = list(
            Delivery.objects.filter(IN_DOUBT, distribution=locked)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        Delivery.objects.filter(pk__in=ids).update(
            status=Delivery.Status.QUEUED,
            error="",
            claimed_at=None,
            enqueued_at=timezone.now(),
        )
        if locked.status == Distribution.Status.SENT:
            locked.status = Distribution.Status.SENDING
            locked.finished_at = None
            locked.save(update_fields=["status", "finished_at"])
        # After the commit: the worker must see them queued.
        transaction.on_commit(lambda: delivery_batches_enqueue(ids))
    logger.info("distribution %s: %s in-doubt emails resent", distribution.pk, len(ids))
    return len(ids)
