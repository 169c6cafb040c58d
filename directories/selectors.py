"""Reads of directories data. Every owner-facing read takes the acting user."""

from collections.abc import Iterator

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, RowNumber
from django.shortcuts import get_object_or_404

from directories.models import Contact, ContactImport, ContactList, Suppression
from directories.suppression_hash import email_hash, email_hash_sql, normalized


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


def contact_list_by_name(*, user, name: str) -> ContactList | None:
    """Return the user's list with this name (ignoring case and outer spaces)."""
    return ContactList.objects.filter(owner=user, name__iexact=name.strip()).first()


# The suppressions that mean "do not contact this person": they opted out, or the
# owner added them by hand. Personal-link batches leave these out; a hard bounce
# only says the email address fails, and a personal link may still reach them.
OPT_OUT_REASONS = (Suppression.Reason.OPTED_OUT, Suppression.Reason.MANUAL)


def opted_out_queryset(*, owner_id: int) -> QuerySet:
    """Return the owner's opted-out addresses as unordered `email_lower` rows.

    For another app's statement, which compiles it or filters on it
    (`lower(email) IN (...)`); OPT_OUT_REASONS says which suppressions count.
    """
    return (
        Suppression.objects.filter(owner_id=owner_id, reason__in=OPT_OUT_REASONS)
        .order_by()
        .values(email_lower=Lower("email"))
    )


def _without_opted_out(contacts: QuerySet, *, owner_id: int) -> QuerySet:
    # NOT EXISTS: an anti-join on the unique (owner, lower(email)) index.
    contacts = contacts.filter(~Exists(_opted_out_match(owner_id=owner_id)))
    hashed = suppression_hashed_queryset(owner_id=owner_id).filter(
        reason__in=OPT_OUT_REASONS
    )
    if hashed.exists():
        # An erased person who had opted out, imported again: only then, since
        # hashing every contact's address costs two sha256 calls each.
        sql, params = email_hash_sql(f"{Contact._meta.db_table}.email")
        contacts = contacts.annotate(email_hashed=RawSQL(sql, params)).exclude(
            email_hashed__in=hashed.values("email_hash")
        )
    return contacts


def _opted_out_match(**owner) -> QuerySet:
    """The owner's opt-out of the outer query's contact (for Exists)."""
    return Suppression.objects.annotate(email_lower=Lower("email")).filter(
        **owner, reason__in=OPT_OUT_REASONS, email_lower=Lower(OuterRef("email"))
    )


def _list_contacts(contact_list: ContactList, *, without_opted_out: bool) -> QuerySet:
    contacts = Contact.objects.filter(contact_list=contact_list)
    if without_opted_out:
        contacts = _without_opted_out(contacts, owner_id=contact_list.owner_id)
    return contacts


def contact_list_size(
    *, contact_list: ContactList, without_opted_out: bool = False
) -> int:
    """Return how many contacts the list has (without the opted-out ones, if asked)."""
    return _list_contacts(contact_list, without_opted_out=without_opted_out).count()


def contact_list_opt_out_counts(*, user) -> dict[int, int]:
    """Return {list id: contacts who opted out} for the user's lists, one query.

    Only lists with at least one such contact appear; OPT_OUT_REASONS says who.
    """
    return dict(
        Contact.objects.filter(contact_list__owner=user)
        .filter(Exists(_opted_out_match(owner=user)))
        .values("contact_list_id")
        .annotate(n=Count("id"))
        .values_list("contact_list_id", "n")
    )


def contact_list_opted_out_count(*, contact_list: ContactList) -> int:
    """Return how many of the list's contacts are on the owner's suppression list."""
    owner_id = contact_list.owner_id
    suppressed = Q(
        email_lower__in=suppression_queryset(owner_id=owner_id).values("email_lower")
    )
    contacts = contact_list.contacts.annotate(email_lower=Lower("email"))
    hashed = suppression_hashed_queryset(owner_id=owner_id).values("email_hash")
    if hashed.exists():
        # Only then: hashing every contact's address costs two sha256 calls each.
        sql, params = email_hash_sql(f"{Contact._meta.db_table}.email")
        contacts = contacts.annotate(email_hashed=RawSQL(sql, params))
        suppressed |= Q(email_hashed__in=hashed)
    return contacts.filter(suppressed).count()


def contact_list_sizes(*, list_ids) -> dict[int, int]:
    """Return {list id: number of contacts} for these lists, in one grouped query."""
    if not list_ids:
        return {}
    return dict(
        Contact.objects.filter(contact_list_id__in=list_ids)
        .values("contact_list_id")
        .annotate(n=Count("id"))
        .values_list("contact_list_id", "n")
    )


# What a personal link snapshots of its contact (distributions' invitations).
SNAPSHOT_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "external_reference",
    "language",
    "embedded_data",
)


def contact_snapshot_rows(
    *,
    contact_list: ContactList,
    after_id: int = 0,
    through_id: int | None = None,
    exclude_ids: QuerySet | None = None,
    limit: int | None = None,
    sample_size: int | None = None,
    without_opted_out: bool = False,
) -> QuerySet:
    """Return the list's contacts as SNAPSHOT_FIELDS rows, in id order.

    For another app's bulk INSERT ... SELECT (it compiles the query with
    `.query.sql_with_params()`), so no contact makes the round trip through Python:
    the contacts in (after_id, through_id], without `exclude_ids` (a query of
    contact ids, none NULL), at most `limit`; or a random sample of `sample_size`.
    `without_opted_out` leaves out those who opted out (OPT_OUT_REASONS) before
    the limit or the sample is taken. Served by the (contact_list, id) index.
    """
    contacts = _list_contacts(contact_list, without_opted_out=without_opted_out)
    if sample_size is not None:
        return contacts.order_by("?").values(*SNAPSHOT_FIELDS)[:sample_size]
    contacts = contacts.filter(id__gt=after_id)
    if through_id is not None:
        contacts = contacts.filter(id__lte=through_id)
    if exclude_ids is not None:
        contacts = contacts.exclude(id__in=exclude_ids)
    contacts = contacts.order_by("id").values(*SNAPSHOT_FIELDS)
    return contacts[:limit] if limit is not None else contacts


def contact_list_range_ends(
    *, contact_list: ContactList, size: int, without_opted_out: bool = False
) -> list[int]:
    """Return the id of every size-th contact of the list, in id order.

    Where each range of a large personal-links batch ends, so lanes can work on
    disjoint ranges; numbered inside PostgreSQL, no id list comes to Python.
    `without_opted_out` numbers only the contacts the batch will give links to.
    """
    numbered = (
        _list_contacts(contact_list, without_opted_out=without_opted_out)
        .annotate(n=Window(RowNumber(), order_by=F("id").asc()))
        .values("id", "n")
    )
    sql, params = numbered.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM ({sql}) AS numbered WHERE n %% %s = 0 ORDER BY id",
            [*params, size],
        )
        return [row[0] for row in cursor.fetchall()]


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


class SuppressedAddresses(set):
    """The owner's suppressed addresses, lower-cased; `in` also matches the hashed
    opt-outs of erased people (directories.suppression_hash)."""

    def __init__(self, addresses, hashes):
        super().__init__(addresses)
        self.hashes = frozenset(hashes)

    def __contains__(self, email) -> bool:
        email = normalized(email)
        return super().__contains__(email) or (
            bool(self.hashes) and email_hash(email) in self.hashes
        )


def suppressed_email_set(*, owner) -> SuppressedAddresses:
    """Return the owner's suppressed addresses (see SuppressedAddresses)."""
    addresses, hashes = set(), set()
    for email, hashed in Suppression.objects.filter(owner=owner).values_list(
        "email", "email_hash"
    ):
        if email:
            addresses.add(email.lower())
        else:
            hashes.add(hashed)
    return SuppressedAddresses(addresses, hashes)


def suppression_queryset(*, owner_id: int) -> QuerySet:
    """Return the owner's suppressions by address as unordered (email_lower,
    reason) rows; the erased ones are suppression_hashed_queryset's.

    For another app's bulk statement, which compiles it
    (`qs.query.sql_with_params()`) and joins it on lower(email): a plain unordered
    SELECT, so PostgreSQL folds it into that join and the unique (owner,
    lower(email)) index serves it as it would the table.
    """
    return (
        Suppression.objects.filter(owner_id=owner_id)
        .exclude(email="")
        .order_by()
        .values("reason", email_lower=Lower("email"))
    )


def suppression_hashed_queryset(*, owner_id: int) -> QuerySet:
    """Return the owner's hashed suppressions (erased people) as unordered
    (email_hash, reason) rows, for a bulk statement that joins them on
    suppression_email_hash_sql(its address column)."""
    return (
        Suppression.objects.filter(owner_id=owner_id)
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


def suppression_exists(*, owner, email: str) -> bool:
    """Return whether the owner suppresses the address (by itself or its hash)."""
    email = email.strip()
    if not email:
        return False
    return (
        Suppression.objects.filter(owner=owner)
        .filter(Q(email__iexact=email) | Q(email_hash=email_hash(email)))
        .exists()
    )


def suppression_for_email(*, owner, email: str) -> Suppression | None:
    """Return the owner's suppression of the address (by itself or its hash)."""
    email = email.strip()
    if not email:
        return None
    return (
        Suppression.objects.filter(owner=owner)
        .filter(Q(email__iexact=email) | Q(email_hash=email_hash(email)))
        .first()
    )


TEMPLATE_COLUMNS = [
    "FirstName",
    "LastName",
    "Email",
    "ExternalDataReference",
    "Language",
]


def contact_search(*, contact_list: ContactList, query: str = "") -> QuerySet[Contact]:
    """Return the list's contacts matching a name or email fragment, in id order."""
    contacts = contact_list.contacts.order_by("id")
    query = query.strip()
    if query:
        words = query.split()
        for word in words:
            contacts = contacts.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
    return contacts


def contact_get(*, user, list_pk: int, pk: int) -> Contact:
    return get_object_or_404(
        Contact, pk=pk, contact_list_id=list_pk, contact_list__owner=user
    )


def contact_import_get(*, user, list_pk: int, pk: int) -> ContactImport:
    return get_object_or_404(
        ContactImport.objects.select_related("contact_list"),
        pk=pk,
        contact_list_id=list_pk,
        owner=user,
        contact_list__owner=user,
    )


def contact_export_header(*, contact_list: ContactList) -> list[str]:
    return [*TEMPLATE_COLUMNS, *contact_list.embedded_fields]


def contact_export_rows(*, contact_list: ContactList) -> Iterator[list[str]]:
    """Yield the list's contacts in the sample template's columns plus extra fields."""
    fields = contact_list.embedded_fields
    for contact in contact_iter(contact_list=contact_list):
        data = contact.embedded_data or {}
        yield [
            contact.first_name,
            contact.last_name,
            contact.email,
            contact.external_reference,
            contact.language,
            *[data.get(name, "") for name in fields],
        ]


def suppression_list(*, user, query: str = "") -> QuerySet[Suppression]:
    suppressions = Suppression.objects.filter(owner=user).order_by("-created_at", "-id")
    query = query.strip()
    if query:
        # The whole address also finds an erased person's hashed opt-out.
        suppressions = suppressions.filter(
            Q(email__icontains=query) | Q(email_hash=email_hash(query))
        )
    return suppressions


def suppression_get(*, user, pk: int) -> Suppression:
    return get_object_or_404(Suppression, owner=user, pk=pk)


def directory_summary(*, user) -> dict:
    return {
        "lists": ContactList.objects.filter(owner=user).count(),
        "contacts": Contact.objects.filter(contact_list__owner=user).count(),
        "suppressions": Suppression.objects.filter(owner=user).count(),
    }


def contact_import_recent(*, contact_list: ContactList, limit: int = 5):
    return contact_list.imports.order_by("-created_at")[:limit]


# --- a person (an address across the owner's lists) --------------------------------


def person_contacts(*, user, email: str) -> QuerySet[Contact]:
    """Return every contact of the user's lists with this address (ignoring case)."""
    return (
        Contact.objects.filter(contact_list__owner=user, email__iexact=email.strip())
        .select_related("contact_list")
        .order_by("id")
    )


def person_directory_data(*, user, email: str) -> dict:
    """Return what the user's directory holds about an address, for its export."""
    contacts = [
        {
            "list": contact.contact_list.name,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            "external_reference": contact.external_reference,
            "language": contact.language,
            "embedded_data": contact.embedded_data,
            "added_at": contact.created_at.isoformat(),
            "updated_at": contact.updated_at.isoformat(),
        }
        for contact in person_contacts(user=user, email=email)
    ]
    suppression = suppression_for_email(owner=user, email=email)
    return {
        "contacts": contacts,
        "opt_out": {
            "suppressed": suppression is not None,
            "reason": suppression.get_reason_display() if suppression else None,
            "since": suppression.created_at.isoformat() if suppression else None,
        },
    }
