"""The history and links CSVs: one row per invitation, streamed.

Columns are the Qualtrics family (docs/architecture.md, "History and links CSV");
each row's Status comes from distributions.status, its Link from
distributions.personal_link.
"""

import datetime
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import Case, Max, Min, Q, TextField, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Lower
from django.utils import timezone

from directories.selectors.suppressions import opted_out_queryset
from distributions.models import Delivery, Distribution, Invitation
from distributions.person import person_progress_sql
from distributions.personal_link import personal_link_prefix
from distributions.status import DELIVERY_RANK, status_from

HISTORY_COLUMNS = [
    "Response ID",
    "Last Name",
    "First Name",
    "Email",
    "External Data Reference",
    "Status",
    "Sent Date",
    "Start Date",
    "End Date",
    "Link",
    "Link Expiration",
]

# A batch that included contacts who opted out flags them, as Qualtrics' contact
# export does, in a last column: "1" if the address is opted out at download time.
UNSUBSCRIBED_COLUMN = "Unsubscribed"

# ISO 8601 with the session time zone's offset, e.g. 2026-01-10T10:00:00-05:00.
_ISO_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'


def history_header(*, distribution: Distribution) -> list[str]:
    """Return the CSV's columns: the fixed ones, the list's embedded fields, then
    Unsubscribed for a personal-links batch that included contacts who opted out."""
    flag = [UNSUBSCRIBED_COLUMN] if flags_unsubscribed(distribution) else []
    return HISTORY_COLUMNS + _embedded_fields(distribution) + flag


def flags_unsubscribed(distribution: Distribution) -> bool:
    root = distribution.root
    return root.kind == Distribution.Kind.LINKS and root.include_opted_out


def _embedded_fields(distribution: Distribution) -> list[str]:
    contact_list = distribution.root.contact_list
    return list(contact_list.embedded_fields) if contact_list else []


def _with_unsubscribed(
    sql: str, params: list, distribution: Distribution
) -> tuple[str, list]:
    """Add the Unsubscribed flag ("1"/"0") after the columns of the history query.

    Around the query rather than inside it: the ordered inner query is not
    flattened (its ORDER BY keeps it whole), so its row order stands, and the
    opt-outs are a hashed set looked up once per row.
    """
    opted_out, opted_out_params = opted_out_queryset(
        owner_id=distribution.root.owner_id
    ).query.sql_with_params()
    wrapped = f"""
        SELECT h.*,
               CASE WHEN lower(h.email) IN ({opted_out}) THEN '1' ELSE '0' END
        FROM ({sql}) AS h
    """
    return wrapped, [*opted_out_params, *params]


def _history_sql(distribution: Distribution, *, now, extra=()) -> tuple[str, list]:
    """Return one query for the whole history: invitations, responses, deliveries.

    Deliveries are aggregated once per invitation in a hash join (not a subquery
    per row), and dates come back as text already in the session's time zone: at
    100,000 invitations, building model instances and datetimes in Python cost
    most of the time (bench/bench_history.py).
    """
    root = distribution.root
    deliveries = (
        # The root's links get emails from the root and its reminders/thank-yous.
        Delivery.objects.filter(
            distribution_id__in=[
                root.pk,
                *Distribution.objects.filter(parent_id=root.pk).values_list(
                    "pk", flat=True
                ),
            ]
        )
        .values("invitation_id")
        .annotate(
            rank=Max(DELIVERY_RANK),
            first_sent=Min("sent_at", filter=Q(status=Delivery.Status.SENT)),
        )
        .values("invitation_id", "rank", "first_sent")
    )
    delivery_sql, delivery_params = deliveries.query.sql_with_params()
    # The person's progress by any of their links (distributions.person).
    person = person_progress_sql(survey=root.survey)
    started, finished = person.started_at, person.finished_at
    sql = f"""
        SELECT i.last_name, i.first_name, i.email, i.external_reference, i.token,
               {person.public_id},
               {finished} IS NOT NULL, {person.screened_out},
               i.revoked_at IS NOT NULL,
               i.expires_at <= %s, {started} IS NOT NULL, d.rank,
               to_char(d.first_sent, '{_ISO_FORMAT}'),
               to_char({started}, '{_ISO_FORMAT}'),
               to_char({finished}, '{_ISO_FORMAT}'),
               to_char(i.expires_at, '{_ISO_FORMAT}')
               {"".join(", i.embedded_data ->> %s" for _ in extra)}
        FROM {Invitation._meta.db_table} i
        {person.joins}
        LEFT JOIN ({delivery_sql}) d ON d.invitation_id = i.id
        WHERE i.distribution_id = %s
        ORDER BY i.id
    """
    return sql, [now, *extra, *person.params, *delivery_params, root.pk]


def history_rows(
    *, distribution: Distribution, chunk_size: int = 2000
) -> Iterator[list]:
    """Yield one history row per invitation, streamed from a server-side cursor.

    Dates are rendered in the active time zone (the owner's, set by the caller).
    """
    zone = timezone.get_current_timezone()
    extra = _embedded_fields(distribution)
    sql, params = _history_sql(distribution, now=timezone.now(), extra=extra)
    if flags_unsubscribed(distribution):
        # Read by _history_fetch as one more text field, the last.
        sql, params = _with_unsubscribed(sql, params, distribution)
    with transaction.atomic():
        with connection.cursor() as setup:
            # For this transaction only: PostgreSQL writes dates in the owner's zone;
            # the per-invitation delivery aggregate stays in memory and is built once
            # (parallel workers would each rebuild it), and a plan this simple gains
            # nothing from JIT compilation (~0.4 s at 100k rows).
            setup.execute(
                "SELECT set_config('TimeZone', %s, true), "
                "set_config('work_mem', '32MB', true), set_config('jit', 'off', true), "
                "set_config('max_parallel_workers_per_gather', '0', true)",
                [getattr(zone, "key", "UTC")],
            )
        yield from _history_fetch(sql, params, chunk_size)


def _history_fetch(sql, params, chunk_size) -> Iterator[list]:
    link_prefix = personal_link_prefix()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        # A named (server-side) cursor: rows arrive chunk by chunk, memory stays flat.
        while rows := cursor.fetchmany(chunk_size):
            for (
                last_name,
                first_name,
                email,
                external_reference,
                token,
                response_id,
                finished,
                screened_out,
                revoked,
                expired,
                started,
                rank,
                sent_on,
                started_on,
                finished_on,
                expires_on,
                *fields,
            ) in rows:
                yield [
                    response_id or "",
                    last_name,
                    first_name,
                    email,
                    external_reference,
                    status_from(
                        finished=finished,
                        revoked=revoked,
                        expired=expired,
                        started=started,
                        delivery_rank=rank,
                        screened_out=screened_out,
                    ),
                    sent_on or "",
                    started_on or "",
                    finished_on or "",
                    f"{link_prefix}{token}/",
                    expires_on or "",
                    *[value or "" for value in fields],
                ]


def links_csv_rows(
    *, distribution: Distribution, chunk_size: int = 5000
) -> Iterator[list]:
    """Yield one links-CSV row per invitation: the current link, ready to mail-merge.

    The history's columns with the link's own state as Status (Link Created, Link
    Revoked or Link Expired: distributions.status with no email or response facts),
    so no join into deliveries or responses. Dates and embedded fields arrive as
    text, and the few distinct expiry times are formatted once each: parsing
    100,000 timestamps and JSON documents would cost more than the rest of the file.
    """
    now = timezone.now()
    extra = _embedded_fields(distribution)
    link_prefix = personal_link_prefix()
    extra_names = [f"extra_{n}" for n in range(len(extra))]
    flag = {}
    if flags_unsubscribed(distribution):
        # The opt-outs as of now, a hashed set looked up once per link.
        opted_out = opted_out_queryset(owner_id=distribution.root.owner_id)
        flag["unsubscribed"] = Case(
            When(email_lower__in=opted_out, then=Value("1")), default=Value("0")
        )
    rows = (
        Invitation.objects.filter(distribution=distribution.root)
        .order_by("id")
        .alias(email_lower=Lower("email"))
        .annotate(
            **flag,
            expires_text=Cast("expires_at", TextField()),
            **{
                alias: KeyTextTransform(name, "embedded_data")
                for alias, name in zip(extra_names, extra, strict=True)
            },
        )
        .values_list(
            "last_name",
            "first_name",
            "email",
            "external_reference",
            "token",
            "expires_text",
            "revoked_at",
            *extra_names,
            *flag,
        )
    )
    # expires text -> (ISO in the active zone, already expired?)
    expiry_cache: dict[str, tuple[str, bool]] = {}
    for row in rows.iterator(chunk_size=chunk_size):
        last, first, email, ref, token, expires_text, revoked_at = row[:7]
        expiry = expiry_cache.get(expires_text)
        if expiry is None:
            value = _parse_pg_timestamp(expires_text)
            expiry = expiry_cache[expires_text] = (
                timezone.localtime(value).isoformat(timespec="seconds"),
                value <= now,
            )
        status = status_from(
            finished=False,
            revoked=revoked_at is not None,
            expired=expiry[1],
            started=False,
            delivery_rank=0,
        )
        yield [
            "",
            last,
            first,
            email,
            ref,
            status,
            "",
            "",
            "",
            f"{link_prefix}{token}/",
            expiry[0],
            *row[7:],
        ]


def _parse_pg_timestamp(text: str) -> datetime.datetime:
    """Parse PostgreSQL's text form of a timestamptz ("2026-01-28 04:24:46.7+00")."""
    if text[-3] in "+-":
        text += ":00"
    return datetime.datetime.fromisoformat(text)
