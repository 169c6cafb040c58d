"""Bulk creation of invitations: a list's contacts snapshotted into personal links.

One mechanism for every path (an email distribution's dispatch, a personal-links
batch, a sample): the contacts are copied inside PostgreSQL by one
INSERT ... SELECT per step, each row with a token made by core.tokens.new_token().
"""

from django.db import connection, transaction
from django.utils import timezone

from core.tokens import new_token
from directories.selectors import contact_list_size, contact_snapshot_rows
from distributions.models import Delivery, Distribution, Invitation
from distributions.personal_link import TOKEN_LENGTH

# A batch of at least this many invitations refreshes the planner's statistics.
ANALYZE_AFTER = 10_000


@transaction.atomic
def invitations_create_from_list(
    *,
    distribution: Distribution,
    contact_list,
    expires_at,
    sample_size: int | None = None,
    without_opted_out: bool = False,
) -> int:
    """Give every contact of the list (or a random sample) a personal link.

    One statement for the whole list. Contacts are unique per list by address, so
    the invitations are too. `without_opted_out` leaves out (and samples without)
    the contacts who opted out. Return how many were created.
    """
    size = None  # the whole list: the statement counts the contacts it takes
    if sample_size is not None:
        # A sample's statement is told its exact size: counting the sample itself
        # would draw it at random twice.
        size = min(
            sample_size,
            contact_list_size(
                contact_list=contact_list, without_opted_out=without_opted_out
            ),
        )
        if not size:
            return 0
    made, _ = invitations_copy_rows(
        distribution=distribution,
        contact_list=contact_list,
        expires_at=expires_at,
        limit=size,
        sample=sample_size is not None,
        without_opted_out=without_opted_out,
    )
    return made


def invitations_copy_rows(
    *,
    distribution: Distribution,
    contact_list,
    expires_at,
    after_contact_id: int = 0,
    through_contact_id: int | None = None,
    limit: int | None = 20000,
    skip_existing: bool = False,
    sample: bool = False,
    without_opted_out: bool = False,
) -> tuple[int, int]:
    """Give links to up to `limit` contacts of the list after `after_contact_id`
    (and up to `through_contact_id`, when given), in id order (no `limit`: to
    all of them); with `sample`, to exactly `limit` contacts drawn at random (the
    caller counted that many).

    The contacts are copied inside PostgreSQL (INSERT ... SELECT over
    directories' contact_snapshot_rows): no contact row makes the round trip
    through Python. The caller owns the transaction (call it inside one), so a long
    batch can commit step by step. `skip_existing` passes over contacts that
    already have a link in this distribution: a rerun after a crash.
    `without_opted_out` gives none to the contacts who opted out, in the same
    statement (directories' selector compiled into it). Return (how many were
    made, the last contact id given a link).
    """
    already_linked = (
        Invitation.objects.filter(
            distribution_id=distribution.pk, contact_id__isnull=False
        ).values("contact_id")
        if skip_existing
        else None
    )
    contacts = contact_snapshot_rows(
        contact_list=contact_list,
        after_id=after_contact_id,
        through_id=through_contact_id,
        exclude_ids=already_linked,
        limit=limit,
        sample_size=limit if sample else None,
        without_opted_out=without_opted_out,
    )
    # A token for each contact the step takes, no more. A range's last step
    # often takes none: at 100k links in steps of 20,000, six such steps minted,
    # quoted and sent 120,000 tokens for nothing (a tenth of the batch's time).
    taking = limit if sample else contacts.count()
    if not taking:
        return 0, after_contact_id
    # Never more rows than tokens: a contact added since the count is left to
    # the next step, if any (the list's count and the insert always saw the
    # list a moment apart).
    contacts_sql, contacts_params = contacts[:taking].query.sql_with_params()
    # The tokens are made here and sent as one bytes value, each in its
    # fixed-width slot: the nth contact takes the nth slot. Measured at 100k
    # links, a list of strings costs 0.4 s to quote, and joining the tokens to
    # the contacts by number costs 0.2 s more than slicing them.
    slots = "".join(new_token() for _ in range(taking)).encode("ascii")
    sql = f"""
        WITH made AS (
            INSERT INTO {Invitation._meta.db_table} (
                distribution_id, contact_id, first_name, last_name, email,
                external_reference, language, embedded_data, token, expires_at,
                created_at
            )
            SELECT %s, c.id, c.first_name, c.last_name, c.email,
                   c.external_reference, c.language, c.embedded_data,
                   convert_from(substring(%s::bytea FROM (c.n - 1) * %s + 1 FOR %s),
                                'UTF8'),
                   %s, %s
            FROM (
                SELECT contact.*, row_number() OVER ()::int AS n
                FROM ({contacts_sql}) AS contact
            ) AS c
            RETURNING contact_id
        )
        SELECT count(*), coalesce(max(contact_id), %s) FROM made
    """
    params = [
        distribution.pk,
        slots,
        TOKEN_LENGTH,
        TOKEN_LENGTH,
        expires_at,
        timezone.now(),
        *contacts_params,
        after_contact_id,
    ]
    with connection.cursor() as cursor:
        # Numbering the contacts may sort them: in memory, not in temporary files.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
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
