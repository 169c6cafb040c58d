"""Recording what happened to claimed deliveries: outcomes and releases.

Owns the writes a sending lane makes after its claim (send.py): the outcomes of
the emails it sent, written several at a time in one statement (Outcomes), and
the release of claims it never tried (release). Both are guarded by the claim's
claimed_at, so repeating one after a lost connection is harmless, and a late
write never touches a later claim of the same delivery.

Why several at a time: one UPDATE and commit per email was a quarter of a lane's
time (issue 15). A lane keeps at most DISTRIBUTIONS_IN_FLIGHT emails whose
outcome is not yet committed, counting the one on the wire: before the SMTP
transaction of an email starts, every earlier one but the last IN_FLIGHT - 1 is
recorded. Outcomes are written in the order the emails were sent, so what a
dead lane leaves "sending" in a group is its lowest ids, and of those only the
lowest IN_FLIGHT can have reached the mail server (sweeper.py relies on this).
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection as db

from core.reconnect import CONNECTION_ERRORS
from directories.services.suppressions import suppression_add
from distributions.models import Delivery

logger = logging.getLogger(__name__)

_TABLE = Delivery._meta.db_table

# One statement for any number of outcomes: the columns travel as arrays.
_WRITE_SQL = f"""
    UPDATE {_TABLE} d SET
        status = v.status,
        attempts = v.attempts,
        error = v.error,
        message_id = COALESCE(v.message_id, d.message_id),
        sent_at = COALESCE(v.sent_at, d.sent_at),
        enqueued_at = COALESCE(v.enqueued_at, d.enqueued_at),
        provider_message_id = COALESCE(v.provider_message_id, d.provider_message_id),
        language = COALESCE(NULLIF(v.language, ''), d.language)
    FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::text[], %s::text[],
                %s::timestamptz[], %s::timestamptz[], %s::text[], %s::text[])
        AS v(id, status, attempts, error, message_id, sent_at, enqueued_at,
             provider_message_id, language)
    WHERE d.id = v.id AND d.claimed_at = %s
"""


@dataclass
class Outcome:
    """What one SMTP transaction (or its absence) did to one delivery."""

    delivery: Delivery
    status: str
    attempts: int
    error: str = ""
    message_id: str | None = None
    sent_at: datetime | None = None
    enqueued_at: datetime | None = None
    # An email service provider's id of the sent message (outgoing.py).
    provider_message_id: str | None = None
    # A hard bounce: the address joins the owner's suppressions.
    bounced: bool = False
    # Seconds until a retried delivery's task (None: not retried).
    retry_in: int | None = None
    # The count it adds to ("sent", "failed", "retried").
    kind: str = ""


@dataclass
class Outcomes:
    """The outcomes of one claim group not yet written, in the order sent."""

    claimed_at: datetime
    run: object  # send._with_database: reconnect and retry a guarded statement
    pending: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.pending.append(outcome)

    def write(self, counts, retry) -> None:
        """Write every pending outcome in one statement and commit it.

        Counted (and retries scheduled) only once committed: a write that
        fails for good leaves them "sending", in doubt, for the sweeper.
        """
        pending, claimed_at = self.pending, self.claimed_at
        if not pending:
            return

        def write():
            with db.cursor() as cursor:
                cursor.execute(
                    _WRITE_SQL,
                    [
                        [o.delivery.pk for o in pending],
                        [o.status for o in pending],
                        [o.attempts for o in pending],
                        [o.error for o in pending],
                        [o.message_id for o in pending],
                        [o.sent_at for o in pending],
                        [o.enqueued_at for o in pending],
                        [o.provider_message_id for o in pending],
                        # The language version it was built with (send._build).
                        [o.delivery.language for o in pending],
                        claimed_at,
                    ],
                )

        self.run(write, "outcomes")
        self.pending = []
        for outcome in pending:
            counts[outcome.kind] += 1
            if outcome.retry_in is not None:
                retry[outcome.retry_in].append(outcome.delivery.pk)
            if outcome.bounced:
                delivery = outcome.delivery
                self.run(
                    lambda d=delivery: suppression_add(
                        owner=d.distribution.owner,
                        team_id=d.distribution.team_id,
                        email=d.invitation.email,
                        reason="bounced",
                    ),
                    "a bounce",
                )

    def write_or_leave(self, counts, retry) -> None:
        """Write what is pending if the database lets us; else leave it in doubt."""
        try:
            self.write(counts, retry)
        except CONNECTION_ERRORS:
            logger.error(
                "%s outcomes could not be written; left to the sweeper",
                len(self.pending),
            )


def release(deliveries: list[Delivery], claimed_at, run) -> list[int]:
    """Put claimed deliveries a lane never tried back to queued; return their ids.

    Best effort: on a database that stays away they stay "sending" without a
    live lease, and the sweeper resolves them.
    """
    if not deliveries:
        return []
    ids = [d.pk for d in deliveries]

    def release():
        with db.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_TABLE} SET status = 'queued', enqueued_at = now() "
                "WHERE id = ANY(%s) AND claimed_at = %s AND status = 'sending' "
                "RETURNING id",
                [ids, claimed_at],
            )
            return [row[0] for row in cursor.fetchall()]

    try:
        return run(release, "a release")
    except CONNECTION_ERRORS:
        logger.error("%s untried claims could not be released", len(ids))
        return []
