"""The contact frequency rule (issue 17 e): an owner's "at most N emails to one
address in D days, across all my distributions".

Applied when a distribution is dispatched (services.dispatch calls
frequency_rule_apply right after making its deliveries, in the same
transaction): each queued delivery whose address already had N emails from this
owner in the last D days (sent, or queued or being sent by another
distribution) becomes Email Skipped, with the rule in its error. Reminders and
thank-yous are exempt when the owner says so (then they are neither limited nor
counted). A transaction-level advisory lock per owner makes two distributions
dispatched at once count each other.
"""

from datetime import timedelta

from django.db import connection
from django.db.models import Q

from distributions.models import (
    ContactFrequencyRule,
    Delivery,
    Distribution,
    Invitation,
)
from teams.services import personal_team_id

# Advisory lock namespace of the rule (pg_advisory_xact_lock(namespace, owner)).
_LOCK_NAMESPACE = 17


def frequency_rule_set(
    *, owner, max_emails: int | None, days: int | None, exempt_follow_ups: bool
) -> ContactFrequencyRule | None:
    """Set the owner's rule, or remove it when max_emails or days is empty."""
    if not max_emails or not days:
        ContactFrequencyRule.objects.filter(owner=owner).delete()
        return None
    rule, _ = ContactFrequencyRule.objects.update_or_create(
        owner=owner,
        defaults={
            "team_id": personal_team_id(owner.pk),
            "max_emails": max_emails,
            "days": days,
            "exempt_follow_ups": exempt_follow_ups,
        },
    )
    return rule


def skipped_error(rule: ContactFrequencyRule) -> str:
    return f"Not sent: your contact frequency rule ({rule.describe()})."


def frequency_rule_apply(distribution: Distribution, now) -> int:
    """Skip the distribution's queued deliveries the owner's rule forbids; return
    how many. Runs inside the dispatch's transaction."""
    rule = ContactFrequencyRule.objects.filter(owner_id=distribution.owner_id).first()
    if rule is None:
        return 0
    follow_up = distribution.parent_id is not None
    if follow_up and rule.exempt_follow_ups:
        return 0
    since = now - timedelta(days=rule.days)
    counted = Distribution.objects.filter(
        owner_id=distribution.owner_id, kind=Distribution.Kind.EMAIL
    ).filter(Q(finished_at__isnull=True) | Q(finished_at__gte=since))
    if rule.exempt_follow_ups:
        counted = counted.filter(parent__isnull=True)
    counted_sql, counted_params = (
        counted.exclude(pk=distribution.pk).values("pk").query.sql_with_params()
    )
    deliveries = Delivery._meta.db_table
    invitations = Invitation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [_LOCK_NAMESPACE, distribution.owner_id],
        )
        cursor.execute(
            f"""
            WITH recent AS (
                SELECT lower(i.email) AS address, count(*) AS n
                FROM {deliveries} d JOIN {invitations} i ON i.id = d.invitation_id
                WHERE d.distribution_id IN ({counted_sql})
                  AND (d.status = 'sent' AND d.sent_at >= %s
                       OR d.status IN ('queued', 'sending'))
                GROUP BY lower(i.email)
            )
            UPDATE {deliveries} d SET status = 'skipped', error = %s
            FROM {invitations} i, recent r
            WHERE d.distribution_id = %s AND d.status = 'queued'
              AND i.id = d.invitation_id AND r.address = lower(i.email)
              AND r.n >= %s
            """,
            [
                *counted_params,
                since,
                skipped_error(rule),
                distribution.pk,
                rule.max_emails,
            ],
        )
        return cursor.rowcount
