"""Bulk creation of invitations: a list's contacts snapshotted into personal links."""

import json
import secrets

from django.db import connection, transaction
from django.utils import timezone

from directories.models import Contact, ContactList
from distributions.models import Delivery, Distribution, Invitation

# Contacts are read in keyset batches of this size, so memory stays flat.
CONTACT_BATCH = 5000
# Personal-link tokens: secrets.token_urlsafe of this many bytes (256 bits).
TOKEN_BYTES = 32
# Always the same for a given number of bytes (43 for 32): unpadded base64url.
TOKEN_LENGTH = len(secrets.token_urlsafe(TOKEN_BYTES))
# A batch of at least this many invitations refreshes the planner's statistics.
ANALYZE_AFTER = 10_000
COPY_COLUMNS = (
    "distribution_id",
    "contact_id",
    "first_name",
    "last_name",
    "email",
    "external_reference",
    "language",
    "embedded_data",
    "token",
    "expires_at",
    "created_at",
)


def _contact_batches(contact_list: ContactList, sample_size: int | None):
    fields = (
        "id",
        "first_name",
        "last_name",
        "email",
        "external_reference",
        "language",
        "embedded_data",
    )
    contacts = Contact.objects.filter(contact_list=contact_list)
    if sample_size is not None:
        # A random sample is small next to the list; read it in one go.
        yield list(contacts.order_by("?").values_list(*fields)[:sample_size])
        return
    last_id = 0
    while True:
        batch = list(
            contacts.filter(id__gt=last_id)
            .order_by("id")
            .values_list(*fields)[:CONTACT_BATCH]
        )
        if not batch:
            return
        yield batch
        last_id = batch[-1][0]


@transaction.atomic
def invitations_create_from_list(
    *,
    distribution: Distribution,
    contact_list: ContactList,
    expires_at,
    sample_size: int | None = None,
) -> int:
    """Give every contact of the list (or a random sample) a personal link.

    Rows go in through one COPY: the ORM's per-object path is several times slower
    at 100k contacts (DESIGN.md). Contacts are unique per list by address, so the
    invitations are too. Return how many were created.
    """
    table = Invitation._meta.db_table
    copy_sql = f"COPY {table} ({', '.join(COPY_COLUMNS)}) FROM STDIN"
    now = timezone.now()
    created = 0
    with connection.cursor() as cursor:
        # One COPY per batch: the connection cannot read contacts mid-COPY.
        for batch in _contact_batches(contact_list, sample_size):
            with cursor.cursor.copy(copy_sql) as copy:
                for contact_id, first, last, email, ref, language, data in batch:
                    copy.write_row(
                        (
                            distribution.pk,
                            contact_id,
                            first,
                            last,
                            email,
                            ref,
                            language,
                            json.dumps(data or {}),
                            secrets.token_urlsafe(TOKEN_BYTES),
                            expires_at,
                            now,
                        )
                    )
            created += len(batch)
    return created


def invitations_copy_rows(
    *,
    distribution: Distribution,
    contact_list: ContactList,
    expires_at,
    after_contact_id: int = 0,
    through_contact_id: int | None = None,
    limit: int = 20000,
    skip_existing: bool = False,
) -> tuple[int, int]:
    """Give links to up to `limit` contacts of the list after `after_contact_id`
    (and up to `through_contact_id`, when given), in id order.

    The contacts are copied inside PostgreSQL (INSERT ... SELECT): no contact row
    makes the round trip through Python. The caller owns the transaction (call it
    inside one), so a long batch can commit step by step. `skip_existing` passes
    over contacts that already have a link in this distribution: a rerun after a
    crash. Return (how many were made, the last contact id given a link).
    """
    table = Invitation._meta.db_table
    contact_table = Contact._meta.db_table
    # The tokens are made here by `secrets` and sent as one bytes value, each in
    # its fixed-width slot: the nth contact takes the nth slot. Measured at 100k
    # links, a list of strings costs 0.4 s to quote, and joining the tokens to
    # the contacts by number costs 0.2 s more than slicing them.
    slots = "".join(secrets.token_urlsafe(TOKEN_BYTES) for _ in range(limit))
    through = "AND id <= %(through)s" if through_contact_id is not None else ""
    not_linked = (
        f"""AND NOT EXISTS (
            SELECT 1 FROM {table} AS linked
            WHERE linked.contact_id = {contact_table}.id
              AND linked.distribution_id = %(distribution)s)"""
        if skip_existing
        else ""
    )
    sql = f"""
        WITH made AS (
            INSERT INTO {table} (
                distribution_id, contact_id, first_name, last_name, email,
                external_reference, language, embedded_data, token, expires_at,
                created_at
            )
            SELECT %(distribution)s, c.id, c.first_name, c.last_name, c.email,
                   c.external_reference, c.language, c.embedded_data,
                   convert_from(
                       substring(%(slots)s::bytea
                                 FROM (c.n - 1) * %(width)s + 1 FOR %(width)s),
                       'UTF8'
                   ),
                   %(expires_at)s, %(now)s
            FROM (
                SELECT id, first_name, last_name, email, external_reference, language,
                       embedded_data, row_number() OVER (ORDER BY id)::int AS n
                FROM {contact_table}
                WHERE contact_list_id = %(contact_list)s AND id > %(after)s
                      {through} {not_linked}
                ORDER BY id
                LIMIT %(limit)s
            ) AS c
            RETURNING contact_id
        )
        SELECT count(*), coalesce(max(contact_id), %(after)s) FROM made
    """
    with connection.cursor() as cursor:
        # Numbering the contacts may sort them: in memory, not in temporary files.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            sql,
            {
                "distribution": distribution.pk,
                "slots": slots.encode("ascii"),
                "width": TOKEN_LENGTH,
                "expires_at": expires_at,
                "now": timezone.now(),
                "contact_list": contact_list.pk,
                "after": after_contact_id,
                "through": through_contact_id,
                "limit": limit,
            },
        )
        made, last = cursor.fetchone()
        return made, last


def invitation_statistics_refresh(*, added: int) -> bool:
    """ANALYZE the invitation and delivery tables after a batch of `added` rows.

    Autovacuum would within a minute or so; until then the planner takes a new
    100k batch for one row and its Recipients page for a full scan (250 ms
    instead of 50). Small batches change the statistics too little to matter.
    Return whether it ran.
    """
    if added < ANALYZE_AFTER:
        return False
    tables = (Invitation._meta.db_table, Delivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")
    return True
