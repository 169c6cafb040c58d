"""Reads of directories data. Every owner-facing read takes the acting user."""

from collections.abc import Iterator

from django.db.models import Count, QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from directories.models import Contact, ContactList, Suppression


def contact_list_list(*, user) -> QuerySet[ContactList]:
    """Return the user's lists with `contact_count` annotated, by name."""
    return (
        ContactList.objects.filter(owner=user)
        .annotate(contact_count=Count("contacts"))
        .order_by(Lower("name"))
    )


def contact_list_get(*, user, pk: int) -> ContactList:
    """Return one of the user's lists, or raise Http404 (also for another owner's)."""
    return get_object_or_404(ContactList, owner=user, pk=pk)


def contact_list_size(*, contact_list: ContactList) -> int:
    return contact_list.contacts.count()


def contact_list_opted_out_count(*, contact_list: ContactList) -> int:
    """Return how many of the list's contacts are on the owner's suppression list."""
    suppressed = Suppression.objects.filter(owner_id=contact_list.owner_id).values(
        email_lower=Lower("email")
    )
    return (
        contact_list.contacts.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=suppressed)
        .count()
    )


def contact_iter(
    *, contact_list: ContactList, batch_size: int = 5000
) -> Iterator[Contact]:
    """Yield the list's contacts in id order, in keyset batches (flat memory)."""
    last_id = 0
    while True:
        batch = list(
            Contact.objects.filter(contact_list=contact_list, id__gt=last_id).order_by(
                "id"
            )[:batch_size]
        )
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def suppressed_email_set(*, owner) -> set[str]:
    """Return the owner's suppressed addresses, lower-cased."""
    return {
        email.lower()
        for email in Suppression.objects.filter(owner=owner).values_list(
            "email", flat=True
        )
    }


def suppression_exists(*, owner, email: str) -> bool:
    return Suppression.objects.filter(owner=owner, email__iexact=email.strip()).exists()
