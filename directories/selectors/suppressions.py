"""Reads of a team's suppression list: who must not be emailed, and who opted out.

The helpers keyed by `team_id` serve other apps' statements, which checked the
acting user's right to the team already; suppression_list and suppression_get
are the pages' reads and check it themselves (teams.access).
"""

from django.db.models import OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from directories.models import Suppression
from directories.suppression_hash import email_hash, email_hash_sql, normalized
from teams.access import Right, require

# The suppressions that mean "do not contact this person": they opted out, or a
# member added them by hand. Personal-link batches leave these out; a hard bounce
# only says the email address fails, and a personal link may still reach them.
OPT_OUT_REASONS = (Suppression.Reason.OPTED_OUT, Suppression.Reason.MANUAL)


def opted_out_queryset(*, team_id: int) -> QuerySet:
    """Return the team's opted-out addresses as unordered `email_lower` rows.

    For another app's statement, which compiles it or filters on it
    (`lower(email) IN (...)`); OPT_OUT_REASONS says which suppressions count.
    """
    return (
        Suppression.objects.filter(team_id=team_id, reason__in=OPT_OUT_REASONS)
        .order_by()
        .values(email_lower=Lower("email"))
    )


def opted_out_match(*, team_id) -> QuerySet:
    """Return the team's opt-out of the outer query's contact (for Exists);
    `team_id` may be an OuterRef."""
    return Suppression.objects.annotate(email_lower=Lower("email")).filter(
        team_id=team_id,
        reason__in=OPT_OUT_REASONS,
        email_lower=Lower(OuterRef("email")),
    )


class SuppressedAddresses(set):
    """The team's suppressed addresses, lower-cased; `in` also matches the hashed
    opt-outs of erased people (directories.suppression_hash)."""

    def __init__(self, addresses, hashes):
        super().__init__(addresses)
        self.hashes = frozenset(hashes)

    def __contains__(self, email) -> bool:
        email = normalized(email)
        return super().__contains__(email) or (
            bool(self.hashes) and email_hash(email) in self.hashes
        )


def suppressed_email_set(*, team_id: int, reasons=None) -> SuppressedAddresses:
    """Return the team's suppressed addresses (see SuppressedAddresses), or only
    those suppressed for one of `reasons` (OPT_OUT_REASONS: who opted out)."""
    addresses, hashes = set(), set()
    rows = Suppression.objects.filter(team_id=team_id)
    if reasons is not None:
        rows = rows.filter(reason__in=reasons)
    for email, hashed in rows.values_list("email", "email_hash"):
        if email:
            addresses.add(email.lower())
        else:
            hashes.add(hashed)
    return SuppressedAddresses(addresses, hashes)


def suppression_queryset(*, team_id: int) -> QuerySet:
    """Return the team's suppressions by address as unordered (email_lower,
    reason) rows; the erased ones are suppression_hashed_queryset's.

    For another app's bulk statement, which compiles it
    (`qs.query.sql_with_params()`) and joins it on lower(email): a plain unordered
    SELECT, so PostgreSQL folds it into that join and the unique (team,
    lower(email)) index serves it as it would the table.
    """
    return (
        Suppression.objects.filter(team_id=team_id)
        .exclude(email="")
        .order_by()
        .values("reason", email_lower=Lower("email"))
    )


def suppression_hashed_queryset(*, team_id: int) -> QuerySet:
    """Return the team's hashed suppressions (erased people) as unordered
    (email_hash, reason) rows, for a bulk statement that joins them on
    suppression_email_hash_sql(its address column)."""
    return (
        Suppression.objects.filter(team_id=team_id)
        .exclude(email_hash="")
        .order_by()
        .values("email_hash", "reason")
    )


def suppression_email_hash_sql(column: str) -> tuple[str, list]:
    """Return (sql, params) hashing an address column as hashed suppressions are."""
    return email_hash_sql(column)


def suppression_reason_labels() -> dict[str, str]:
    """Return each suppression reason's label, by its stored value."""
    return dict(Suppression.Reason.choices)


def suppression_exists(*, team_id: int, email: str) -> bool:
    """Return whether the team suppresses the address (by itself or its hash)."""
    email = email.strip()
    if not email:
        return False
    return (
        Suppression.objects.filter(team_id=team_id)
        .filter(Q(email__iexact=email) | Q(email_hash=email_hash(email)))
        .exists()
    )


def suppression_for_email(*, team_id: int, email: str) -> Suppression | None:
    """Return the team's suppression of the address (by itself or its hash)."""
    email = email.strip()
    if not email:
        return None
    return (
        Suppression.objects.filter(team_id=team_id)
        .filter(Q(email__iexact=email) | Q(email_hash=email_hash(email)))
        .first()
    )


def suppression_list(*, user, team_id: int, query: str = "") -> QuerySet[Suppression]:
    """Return the team's opt-out list, newest first (404 to an outsider)."""
    require(user, team_id, Right.VIEW)
    suppressions = Suppression.objects.filter(team_id=team_id).order_by(
        "-created_at", "-id"
    )
    query = query.strip()
    if query:
        # The whole address also finds an erased person's hashed opt-out.
        suppressions = suppressions.filter(
            Q(email__icontains=query) | Q(email_hash=email_hash(query))
        )
    return suppressions


def suppression_get(*, user, pk: int, right: Right = Right.VIEW) -> Suppression:
    """Return a suppression of one of the user's teams where they have `right`."""
    suppression = get_object_or_404(Suppression, pk=pk)
    require(user, suppression.team_id, right)
    return suppression
