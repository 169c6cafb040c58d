"""A team's suppression list: addresses no list of the team may email again.

Each row keeps `owner`, the member who added it (or whose distribution the
person unsubscribed from or bounced on).
"""

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction

from directories.models import Suppression
from directories.selectors.suppressions import suppression_exists
from directories.services import DirectoryError
from directories.suppression_hash import email_hash, normalized
from teams.services import personal_team_id


@transaction.atomic
def suppression_add(
    *,
    owner,
    email: str,
    reason: str = Suppression.Reason.MANUAL,
    team_id: int | None = None,
) -> bool:
    """Suppress an address in the team (default: `owner`'s personal team); return
    False if it already was.

    Used by distributions for unsubscribes and hard bounces.
    """
    if team_id is None:
        team_id = personal_team_id(owner.pk)
    email = email.strip()
    if suppression_exists(team_id=team_id, email=email):
        # Also an erased person's hashed opt-out: their address stays out.
        return False
    # The unique constraint on (team, lower(email)) settles a concurrent double add.
    _, created = Suppression.objects.get_or_create(
        team_id=team_id,
        email=email,
        defaults={"reason": reason, "owner": owner},
    )
    return created


def suppressions_add(*, team_id: int, owner_id: int, emails, reason: str) -> None:
    """Suppress many addresses in one team at once (bounces reported in bulk).

    Addresses already suppressed, by themselves or as an erased person's hashed
    opt-out, stay as they are: one query for the hashes, one INSERT … ON CONFLICT
    DO NOTHING (the unique (team, lower(email)) index) for the rest, so a
    thousand bounces cost two statements rather than three each.
    """
    by_hash = {}
    for email in emails:
        email = (email or "").strip()
        if email:
            by_hash.setdefault(email_hash(normalized(email)), email)
    if not by_hash:
        return
    erased = set(
        Suppression.objects.filter(
            team_id=team_id, email_hash__in=list(by_hash)
        ).values_list("email_hash", flat=True)
    )
    Suppression.objects.bulk_create(
        [
            Suppression(owner_id=owner_id, team_id=team_id, email=email, reason=reason)
            for hashed, email in by_hash.items()
            if hashed not in erased
        ],
        ignore_conflicts=True,
    )


def suppression_add_manual(*, owner, team_id: int, email: str) -> Suppression:
    """Add an address to the team's opt-out list by hand (`owner` adds it)."""
    email = email.strip()
    try:
        EmailValidator()(email)
    except ValidationError as exc:
        raise DirectoryError(f"{email!r} is not a valid email address.") from exc
    if not suppression_add(
        owner=owner, team_id=team_id, email=email, reason=Suppression.Reason.MANUAL
    ):
        raise DirectoryError(f"{email} is already on your opt-out list.")
    return Suppression.objects.get(team_id=team_id, email__iexact=email)


def suppression_remove(*, suppression: Suppression) -> None:
    suppression.delete()
