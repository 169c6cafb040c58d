"""Recording what comes back after the send: bounces and complaints.

A report reaches here three ways: `manage.py process_bounce` (one returned
message on standard input, what a Postfix pipe or a .forward runs), the bounce
mailbox poller (distributions.bounces.mailbox), and later providers' webhooks.
Each finds its delivery (the VERP address it was returned to, else the
returned message's Message-ID) and records, in one transaction:

- hard bounce: the delivery's `bounce` becomes "hard" (its status reads Email
  Bounced, distributions.status) and the address is suppressed for the owner
  (reason bounced), so no later reminder goes to it;
- soft bounce: recorded on the delivery (`bounce` "soft"), nothing suppressed;
- complaint (a spam report): `complained_at` set and the address opted out.

Each UPDATE is conditional on the report being news (a hard bounce not yet
recorded, a first complaint), so a duplicate or a late report (a soft one after
a hard one) changes nothing, even two at once: the second waits for the first's
row lock and then matches no row. A report for no known delivery is logged and
ignored.
"""

import logging

from django.db import transaction
from django.utils import timezone

from directories.services.suppressions import suppression_add
from distributions.bounces.dsn import COMPLAINT, HARD, SOFT, report_parse
from distributions.bounces.mailbox import mailbox_messages_process
from distributions.bounces.verp import delivery_id_from
from distributions.models import Bounce, Delivery

logger = logging.getLogger(__name__)

# Outcomes of recording one report.
RECORDED = "recorded"
DUPLICATE = "duplicate"
UNKNOWN = "unknown"
IGNORED = "ignored"


def bounce_message_process(raw: bytes, *, recipient: str = "") -> str:
    """Record one returned message; return RECORDED, DUPLICATE, UNKNOWN or IGNORED.

    `recipient`: the address it was delivered to, when the caller knows it (a
    Postfix pipe's ${recipient}); else it is read from the message's headers.
    """
    report = report_parse(raw)
    if not report.kind:
        logger.info("a returned message that is no bounce or complaint was ignored")
        return IGNORED
    delivery_id = delivery_id_from(recipient) or delivery_id_from(report.delivered_to)
    if delivery_id is None and report.message_ids:
        delivery_id = (
            Delivery.objects.filter(message_id__in=report.message_ids[:20])
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
    if delivery_id is None:
        logger.warning("a %s report for no known delivery was ignored", report.kind)
        return UNKNOWN
    return delivery_report_record(
        delivery_id=delivery_id, kind=report.kind, detail=report.detail
    )


def bounce_mailbox_poll() -> int:
    """Process the bounce mailbox's new messages (BOUNCE_IMAP_*); return how many."""
    handled = mailbox_messages_process(bounce_message_process)
    if handled:
        logger.info("%s messages of the bounce mailbox processed", handled)
    return handled


@transaction.atomic
def delivery_report_record(*, delivery_id: int, kind: str, detail: str = "") -> str:
    """Record a hard or soft bounce or a complaint on one delivery (see above)."""
    delivery = (
        Delivery.objects.select_related("invitation", "distribution__owner")
        .only(
            "pk",
            "invitation__email",
            "distribution__owner",
        )
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        logger.warning(
            "a %s report for unknown delivery %s was ignored", kind, delivery_id
        )
        return UNKNOWN
    now = timezone.now()
    detail = " ".join((detail or "").split())[:500]
    mine = Delivery.objects.filter(pk=delivery_id)
    if kind == HARD:
        changed = mine.exclude(bounce=Bounce.HARD).update(
            bounce=Bounce.HARD, bounce_detail=detail, bounced_at=now
        )
        reason = "bounced"
    elif kind == SOFT:
        # Never over a hard bounce: a late "delayed" report changes nothing.
        changed = mine.filter(bounce="").update(
            bounce=Bounce.SOFT, bounce_detail=detail, bounced_at=now
        )
        reason = None
    elif kind == COMPLAINT:
        changed = mine.filter(complained_at__isnull=True).update(complained_at=now)
        reason = "opted_out"
    else:
        raise ValueError(f"not a report kind: {kind!r}")
    if not changed:
        logger.info(
            "a repeated %s report for delivery %s changed nothing", kind, delivery_id
        )
        return DUPLICATE
    email = delivery.invitation.email
    # An erased person's invitation keeps no address (services.privacy).
    if reason and "@" in email:
        suppression_add(owner=delivery.distribution.owner, email=email, reason=reason)
    logger.info("delivery %s: %s report recorded", delivery_id, kind)
    return RECORDED
