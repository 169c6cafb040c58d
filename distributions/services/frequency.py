"""The contact frequency rule (issue 17 e): a team's "at most N emails to one
address in D days, across all our distributions".

Applied when a distribution is dispatched (services.dispatch calls
frequency_rule_apply right after making its deliveries, in the same
transaction): each queued delivery whose address already had N emails from this
team in the last D days (sent, or queued or being sent by another
distribution) becomes Email Skipped, with the rule in its error. Reminders and
thank-yous are exempt when the team says so (then they are neither limited nor
counted). A transaction-level advisory lock per team makes two distributions
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
from teams import access
from teams.access import Right

# Advisory lock namespace of the rule (pg_advisory_xact_lock(namespace, team)).
_LOCK_NAMESPACE = 17


def frequency_rule_set(
    *,
    user,
    team_id: int,
    max_emails: int | None,
    days: int | None,
    exempt_follow_ups: bool,
) -> ContactFrequencyRule | None:
    """Set the team's rule, or remove it when max_emails or days is empty (the
    user must manage the team)."""
    access.require(user, team_id, Right.MANAGE)
    if not max_emails or not days:
        ContactFrequencyRule.objects.filter(team_id=team_id).delete()
        return None
    rule, _ = ContactFrequencyRule.objects.update_or_create(
        team_id=team_id,
        defaults={
            "owner": user,
            "max_emails": max_emails,
            "days": days,
            "exempt_follow_ups": exempt_follow_ups,
        },
    )
    return rule


def skipped_error(rule: ContactFrequencyRule) -> str:
    return f"Not sent: the team's contact frequency rule ({rule.describe()})."


def frequency_rule_apply(distribution: Distribution, now) -> int:
    """Skip the distribution's queued deliveries its team's rule forbids; return
    how many. Runs inside the dispatch's transaction."""
    rule = ContactFrequencyRule.objects.filter(team_id=distribution.team_id).first()
    if rule is None:
        return 0
    follow_up = distribution.parent_id is not None
    if follow_up and rule.exempt_follow_ups:
        return 0
    since = now - timedelta(days=rule.days)
    counted = Distribution.objects.filter(
        team_id=distribution.team_id, kind=Distribution.Kind.EMAIL
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
            [_LOCK_NAMESPACE, distribution.team_id],
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
