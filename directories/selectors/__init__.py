"""Reads of directories data, by team.

Every page's read takes the acting user and checks their right in the team
(teams.access: 404 to an outsider, 403 to a member without the right). Helpers
keyed by `team_id` alone serve other apps, which checked the right already.
"""

from collections.abc import Iterator

from django.db import connection
from django.db.models import Count, Exists, F, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, RowNumber
from django.shortcuts import get_object_or_404

from directories.models import Contact, ContactImport, ContactList, Suppression
from directories.selectors.suppressions import (
    OPT_OUT_REASONS,
    opted_out_match,
    suppression_for_email,
    suppression_hashed_queryset,
    suppression_queryset,
)
from directories.suppression_hash import email_hash_sql
from teams.access import Right, require


def contact_list_list(*, user, team_id: int) -> QuerySet[ContactList]:
    """Return the team's lists with `contact_count` annotated, by name."""
    require(user, team_id, Right.VIEW)
    return (
        ContactList.objects.filter(team_id=team_id)
        .annotate(contact_count=Count("contacts"))
        .order_by(Lower("name"))
    )


def contact_list_get(*, user, pk: int, right: Right = Right.VIEW) -> ContactList:
    """Return a list the user may use with `right`: Http404 when it does not exist
    or is not in one of the user's teams, PermissionDenied without the right."""
    contact_list = get_object_or_404(ContactList, pk=pk)
    require(user, contact_list.team_id, right)
    return contact_list


def contact_list_in_team(*, team_id: int, pk) -> ContactList | None:
    """Return the list if it is (still) in the team, else None.

    For a page reached by token, with no acting user (a preview link's sample
    contact): it reads no team table, the caller's token stands for the right.
    """
    return ContactList.objects.filter(team_id=team_id, pk=pk).first()


def contact_list_by_name(*, user, team_id: int, name: str) -> ContactList | None:
    """Return the team's list with this name (ignoring case and outer spaces)."""
    require(user, team_id, Right.VIEW)
    return ContactList.objects.filter(
        team_id=team_id, name__iexact=name.strip()
    ).first()


def _without_opted_out(contacts: QuerySet, *, team_id: int) -> QuerySet:
    # NOT EXISTS: an anti-join on the unique (team, lower(email)) index.
    contacts = contacts.filter(~Exists(opted_out_match(team_id=team_id)))
    hashed = suppression_hashed_queryset(team_id=team_id).filter(
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


def _list_contacts(contact_list: ContactList, *, without_opted_out: bool) -> QuerySet:
    contacts = Contact.objects.filter(contact_list=contact_list)
    if without_opted_out:
        contacts = _without_opted_out(contacts, team_id=contact_list.team_id)
    return contacts


def contact_list_size(
    *, contact_list: ContactList, without_opted_out: bool = False
) -> int:
    """Return how many contacts the list has (without the opted-out ones, if asked)."""
    return _list_contacts(contact_list, without_opted_out=without_opted_out).count()


def contact_list_opt_out_counts(*, user, team_id: int) -> dict[int, int]:
    """Return {list id: contacts who opted out} for the team's lists, one query.

    Only lists with at least one such contact appear; OPT_OUT_REASONS says who.
    """
    require(user, team_id, Right.VIEW)
    return dict(
        Contact.objects.filter(contact_list__team_id=team_id)
        .filter(Exists(opted_out_match(team_id=team_id)))
        .values("contact_list_id")
        .annotate(n=Count("id"))
        .values_list("contact_list_id", "n")
    )


def contact_list_opted_out_count(*, contact_list: ContactList) -> int:
    """Return how many of the list's contacts are on its team's suppression list."""
    team_id = contact_list.team_id
    suppressed = Q(
        email_lower__in=suppression_queryset(team_id=team_id).values("email_lower")
    )
    contacts = contact_list.contacts.annotate(email_lower=Lower("email"))
    hashed = suppression_hashed_queryset(team_id=team_id).values("email_hash")
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


def contacts_by_emails(*, contact_list: ContactList, emails) -> list[Contact]:
    """Return the list's contacts with these addresses (ignoring case)."""
    wanted = {e.strip().lower() for e in emails if e.strip()}
    if not wanted:
        return []
    return list(
        Contact.objects.select_related("contact_list")
        .annotate(email_lower=Lower("email"))
        .filter(contact_list=contact_list, email_lower__in=wanted)
    )


def contact_get(*, user, list_pk: int, pk: int, right: Right = Right.VIEW) -> Contact:
    """Return a contact of the list, checked against the list's team."""
    contact = get_object_or_404(
        Contact.objects.select_related("contact_list"), pk=pk, contact_list_id=list_pk
    )
    require(user, contact.contact_list.team_id, right)
    return contact


def contact_import_get(
    *, user, list_pk: int, pk: int, right: Right = Right.VIEW
) -> ContactImport:
    """Return an import into the list, by any member of the list's team."""
    contact_import = get_object_or_404(
        ContactImport.objects.select_related("contact_list"),
        pk=pk,
        contact_list_id=list_pk,
    )
    require(user, contact_import.contact_list.team_id, right)
    return contact_import


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


def directory_summary(*, user, team_id: int) -> dict:
    require(user, team_id, Right.VIEW)
    return {
        "lists": ContactList.objects.filter(team_id=team_id).count(),
        "contacts": Contact.objects.filter(contact_list__team_id=team_id).count(),
        "suppressions": Suppression.objects.filter(team_id=team_id).count(),
    }


def contact_import_recent(*, contact_list: ContactList, limit: int = 5):
    return contact_list.imports.order_by("-created_at")[:limit]


# --- a person (an address across the team's lists) ---------------------------------


def person_contacts(*, team_id: int, email: str) -> QuerySet[Contact]:
    """Return every contact of the team's lists with this address (ignoring case)."""
    return (
        Contact.objects.filter(
            contact_list__team_id=team_id, email__iexact=email.strip()
        )
        .select_related("contact_list")
        .order_by("id")
    )


def person_directory_data(*, team_id: int, email: str) -> dict:
    """Return what the team's directory holds about an address, for its export."""
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
        for contact in person_contacts(team_id=team_id, email=email)
    ]
    suppression = suppression_for_email(team_id=team_id, email=email)
    return {
        "contacts": contacts,
        "opt_out": {
            "suppressed": suppression is not None,
            "reason": suppression.get_reason_display() if suppression else None,
            "since": suppression.created_at.isoformat() if suppression else None,
        },
    }


def imports_finished_since(*, team_ids, since) -> QuerySet:
    """Return rows of the teams' imports that ended (done or failed) since then."""
    return (
        ContactImport.objects.filter(team_id__in=list(team_ids), finished_at__gte=since)
        .values(
            "id",
            "team_id",
            "contact_list_id",
            "status",
            "added",
            "updated",
            "rejected",
            "finished_at",
        )
        .order_by("id")
    )


def opt_outs_since(*, team_ids, since) -> QuerySet:
    """Return rows of the teams' opt-outs (people who unsubscribed) since then."""
    return (
        Suppression.objects.filter(
            team_id__in=list(team_ids),
            reason=Suppression.Reason.OPTED_OUT,
            created_at__gte=since,
        )
        .values("id", "team_id", "email", "created_at")
        .order_by("id")
    )
