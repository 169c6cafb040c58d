"""Writes to directories data."""

from django.db import transaction

from directories.models import Suppression


@transaction.atomic
def suppression_add(
    *, owner, email: str, reason: str = Suppression.Reason.MANUAL
) -> bool:
    """Suppress an address for this owner; return False if it already was.

    Used by distributions for unsubscribes and hard bounces.
    """
    email = email.strip()
    if Suppression.objects.filter(owner=owner, email__iexact=email).exists():
        return False
    # The unique constraint on (owner, lower(email)) settles a concurrent double add.
    _, created = Suppression.objects.get_or_create(
        owner=owner, email=email, defaults={"reason": reason}
    )
    return created
