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

Reports are recorded in batches (the mailbox poller hands over a whole poll):
one transaction, one UPDATE per kind over all the batch's deliveries, one
INSERT of suppressions per owner, so 10,000 reports cost seconds, mostly
parsing (bench/bench_bounces.py).
"""

import logging

from django.db import connection, transaction
from django.utils import timezone

from directories.services.suppressions import suppressions_add
from distributions.bounces.dsn import COMPLAINT, HARD, SOFT, report_parse
from distributions.bounces.mailbox import mailbox_messages_process
from distributions.bounces.verp import delivery_id_from, delivery_id_from_reference
from distributions.models import Delivery
from distributions.services.outgoing import METADATA_KEY

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
    [outcome] = bounce_messages_process([(raw, recipient)])
    return outcome


def bounce_messages_process(messages) -> list[str]:
    """Record returned messages, given as (raw bytes, recipient or "") pairs, in
    one transaction; return each one's outcome, in order."""
    reports = [report_parse(raw) for raw, _ in messages]
    found: list[int | None] = []
    by_message_id: dict[str, int] = {}
    wanted = set()
    for report, (_, recipient) in zip(reports, messages, strict=True):
        delivery_id = None
        if report.kind:
            delivery_id = delivery_id_from(recipient) or delivery_id_from(
                report.delivered_to
            )
            if delivery_id is None:
                wanted.update(report.message_ids[:20])
        found.append(delivery_id)
    if wanted:
        # Message-IDs are unique in practice; if not, the lowest id wins.
        for message_id, pk in (
            Delivery.objects.filter(message_id__in=wanted)
            .order_by("-pk")
            .values_list("message_id", "pk")
        ):
            by_message_id[message_id] = pk
    items = []
    for report, delivery_id in zip(reports, found, strict=True):
        if report.kind and delivery_id is None:
            delivery_id = next(
                (by_message_id[m] for m in report.message_ids if m in by_message_id),
                None,
            )
        items.append((delivery_id, report.kind, report.detail))
    outcomes = deliveries_reports_record(items)
    for outcome, (_, kind, _) in zip(outcomes, items, strict=True):
        if outcome == IGNORED:
            logger.info("a returned message that is no bounce or complaint was ignored")
        elif outcome == UNKNOWN:
            logger.warning("a %s report for no known delivery was ignored", kind)
    return outcomes


# anymail's normalized event types → report kinds. "rejected": the provider
# refused to send (its own suppression list, an invalid address): as final as a
# hard bounce. Delivered, opened, clicked and the rest record nothing here.
PROVIDER_EVENTS = {
    "bounced": HARD,
    "rejected": HARD,
    "deferred": SOFT,
    "complained": COMPLAINT,
}


def provider_event_record(
    *, event_type: str, message_id: str, metadata: dict, detail: str, provider: str
) -> str:
    """Record one provider tracking event (a verified webhook call's)."""
    kind = PROVIDER_EVENTS.get(event_type)
    if kind is None:
        return IGNORED
    delivery_id = delivery_id_from_reference(metadata.get(METADATA_KEY))
    if delivery_id is None and message_id:
        delivery_id = (
            Delivery.objects.filter(provider_message_id=message_id)
            .values_list("pk", flat=True)
            .first()
        )
    if delivery_id is None:
        logger.warning(
            "a %s %s event for no known delivery was ignored", provider, event_type
        )
        return UNKNOWN
    return delivery_report_record(
        delivery_id=delivery_id, kind=kind, detail=detail or f"Reported by {provider}"
    )


def bounce_mailbox_poll() -> int:
    """Process the bounce mailbox's new messages (BOUNCE_IMAP_*); return how many."""
    handled = mailbox_messages_process(bounce_messages_process)
    if handled:
        logger.info("%s messages of the bounce mailbox processed", handled)
    return handled


def delivery_report_record(*, delivery_id: int, kind: str, detail: str = "") -> str:
    """Record a hard or soft bounce or a complaint on one delivery (see above)."""
    [outcome] = deliveries_reports_record([(delivery_id, kind, detail)])
    return outcome


# kind → (what the UPDATE sets, the condition that makes the report news)
_UPDATES = {
    HARD: (
        "bounce = 'hard', bounce_detail = v.detail, bounced_at = %s",
        "d.bounce <> 'hard'",
    ),
    SOFT: (
        "bounce = 'soft', bounce_detail = v.detail, bounced_at = %s",
        "d.bounce = ''",
    ),
    COMPLAINT: ("complained_at = %s", "d.complained_at IS NULL"),
}
# The suppression each kind adds (directories' reasons).
_SUPPRESS = {HARD: "bounced", COMPLAINT: "opted_out"}


@transaction.atomic
def deliveries_reports_record(items) -> list[str]:
    """Record (delivery id or None, kind, detail) reports; return their outcomes.

    Hard bounces first, so a soft report in the same batch finds the hard one and
    changes nothing. Within one kind a delivery's first report counts, a repeat
    is DUPLICATE. A kind of "" (no report) is IGNORED.
    """
    outcomes = [IGNORED if not kind else UNKNOWN for _, kind, _ in items]
    ids = {delivery_id for delivery_id, kind, _ in items if kind and delivery_id}
    known = {
        pk: ((team_id, owner_id), email)
        for pk, team_id, owner_id, email in Delivery.objects.filter(
            pk__in=ids
        ).values_list(
            "pk", "distribution__team_id", "distribution__owner_id", "invitation__email"
        )
    }
    now = timezone.now()
    for kind in (HARD, SOFT, COMPLAINT):
        if kind not in _UPDATES:
            continue
        first: dict[int, int] = {}
        for index, (delivery_id, item_kind, _) in enumerate(items):
            if item_kind != kind or delivery_id not in known:
                continue
            if delivery_id in first:
                outcomes[index] = DUPLICATE
            else:
                first[delivery_id] = index
        if not first:
            continue
        changes, condition = _UPDATES[kind]
        details = [" ".join((items[i][2] or "").split())[:500] for i in first.values()]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Delivery._meta.db_table} d SET {changes} "
                "FROM unnest(%s::bigint[], %s::text[]) AS v(id, detail) "
                f"WHERE d.id = v.id AND {condition} RETURNING d.id",
                [now, list(first), details],
            )
            changed = {row[0] for row in cursor.fetchall()}
        suppress: dict[tuple[int, int], list[str]] = {}
        for delivery_id, index in first.items():
            if delivery_id not in changed:
                outcomes[index] = DUPLICATE
                continue
            outcomes[index] = RECORDED
            team_and_owner, email = known[delivery_id]
            # An erased person's invitation keeps no address (services.privacy).
            if kind in _SUPPRESS and "@" in email:
                suppress.setdefault(team_and_owner, []).append(email)
        for (team_id, owner_id), emails in suppress.items():
            suppressions_add(
                team_id=team_id,
                owner_id=owner_id,
                emails=emails,
                reason=_SUPPRESS[kind],
            )
    recorded = outcomes.count(RECORDED)
    if recorded:
        logger.info("%s bounce or complaint reports recorded", recorded)
    return outcomes
