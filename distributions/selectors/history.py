"""The history and links CSVs: one row per invitation, streamed.

Columns are the Qualtrics family (docs/architecture.md, "History and links CSV");
each row's Status comes from distributions.status (its SQL form), its Link from
distributions.personal_link. Each CSV is one query whose columns are the cells
(a core.csv_export.CopySource): PostgreSQL writes the file, Python passes it on.
"""

from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from core.csv_export import CopySource, safe_cell_sql
from directories.selectors.suppressions import opted_out_queryset
from distributions.models import Delivery, Distribution, Invitation
from distributions.person import person_progress_sql
from distributions.personal_link import personal_link_prefix
from distributions.status import DELIVERY_RANK, status_sql

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
    # The language of the message version its emails were sent in (issue 20):
    # "es", or "en, es" when a follow-up went out in another.
    "Language",
]

# A batch that included contacts who opted out flags them, as Qualtrics' contact
# export does, in a last column: "1" if the address is opted out at download time.
UNSUBSCRIBED_COLUMN = "Unsubscribed"

# ISO 8601 with the session time zone's offset, e.g. 2026-01-10T10:00:00-05:00.
_ISO_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'

# For the history's transaction: the per-invitation delivery aggregate stays in
# memory and is built once (parallel workers would each rebuild it), and a plan
# this simple gains nothing from JIT compilation (~0.4 s at 100k rows).
_HISTORY_SETTINGS = {
    "work_mem": "32MB",
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
}


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
        team_id=distribution.root.team_id
    ).query.sql_with_params()
    wrapped = f"""
        SELECT h.*,
               CASE WHEN lower(h.email) IN ({opted_out}) THEN '1' ELSE '0' END
                   AS unsubscribed
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
    sent_in_a_language = Q(status=Delivery.Status.SENT) & ~Q(language="")
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
            # Two plain aggregates rather than string_agg(DISTINCT ...), whose
            # ordered input would take the hash aggregate away: the emails of one
            # link are in one language, or two when a follow-up had no version
            # in theirs (with more, the first and last alphabetically).
            language_low=Min("language", filter=sent_in_a_language),
            language_high=Max("language", filter=sent_in_a_language),
        )
        .values("invitation_id", "rank", "first_sent", "language_low", "language_high")
    )
    delivery_sql, delivery_params = deliveries.query.sql_with_params()
    # The person's progress by any of their links (distributions.person).
    person = person_progress_sql(survey=root.survey)
    started, finished = person.started_at, person.finished_at
    sql = f"""
        SELECT i.last_name, i.first_name, i.email, i.external_reference, i.token,
               {person.public_id} AS response_id,
               {finished} IS NOT NULL AS finished,
               {person.screened_out} AS screened_out,
               i.revoked_at IS NOT NULL AS revoked,
               i.expires_at <= %s AS expired, {started} IS NOT NULL AS started,
               d.rank,
               to_char(d.first_sent, '{_ISO_FORMAT}') AS sent_on,
               to_char({started}, '{_ISO_FORMAT}') AS started_on,
               to_char({finished}, '{_ISO_FORMAT}') AS finished_on,
               to_char(i.expires_at, '{_ISO_FORMAT}') AS expires_on,
               CASE WHEN d.language_low = d.language_high THEN d.language_low
                    ELSE d.language_low || ', ' || d.language_high END AS languages
               {"".join(f", i.embedded_data ->> %s AS f{n}" for n in range(len(extra)))}
        FROM {Invitation._meta.db_table} i
        {person.joins}
        LEFT JOIN ({delivery_sql}) d ON d.invitation_id = i.id
        WHERE i.distribution_id = %s
        ORDER BY i.id
    """
    return sql, [now, *extra, *person.params, *delivery_params, root.pk]


def history_source(*, distribution: Distribution) -> CopySource:
    """Return the history CSV's rows as one query: a cell per column, in order.

    The facts query (_history_sql) wrapped in the cells made of them: the status
    (distributions.status), the link, and every cell of someone's text
    formula-safe. Dates come out in the active time zone (core.csv_export sets
    the transaction's TimeZone to it).
    """
    extra = _embedded_fields(distribution)
    sql, params = _history_sql(distribution, now=timezone.now(), extra=extra)
    flag = ""
    if flags_unsubscribed(distribution):
        sql, params = _with_unsubscribed(sql, params, distribution)
        flag = ", h.unsubscribed"
    status = status_sql(
        finished="h.finished",
        revoked="h.revoked",
        expired="h.expired",
        started="h.started",
        delivery_rank="h.rank",
        screened_out="h.screened_out",
    )
    cells = f"""
        SELECT h.response_id, {safe_cell_sql("h.last_name")},
               {safe_cell_sql("h.first_name")}, {safe_cell_sql("h.email")},
               {safe_cell_sql("h.external_reference")}, {status},
               h.sent_on, h.started_on, h.finished_on, %s || h.token || '/',
               h.expires_on, h.languages
               {"".join(f", {safe_cell_sql(f'h.f{n}')}" for n in range(len(extra)))}
               {flag}
        FROM ({sql}) AS h
    """
    return CopySource(
        cells, [personal_link_prefix(), *params], settings=_HISTORY_SETTINGS
    )


def history_rows(*, distribution: Distribution, chunk_size: int = 2000) -> Iterator:
    """Yield the history CSV's rows as lists of text (the cells the file holds).

    The same query as the file (history_source), read from a server-side cursor;
    dates in the active time zone.
    """
    source = history_source(distribution=distribution)
    zone = timezone.get_current_timezone()
    with transaction.atomic():
        with connection.cursor() as setup:
            setup.execute(
                "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in range(4)),
                [
                    "TimeZone",
                    getattr(zone, "key", "UTC"),
                    *(i for pair in source.settings.items() for i in pair),
                ],
            )
        with connection.chunked_cursor() as cursor:
            cursor.execute(source.sql, source.params)
            while rows := cursor.fetchmany(chunk_size):
                for row in rows:
                    yield ["" if cell is None else cell for cell in row]


def links_csv_source(*, distribution: Distribution) -> CopySource:
    """Return the links CSV's rows as one query: the current link, to mail-merge.

    The history's columns with the link's own state as Status (Link Created, Link
    Revoked or Link Expired: distributions.status with no email or response
    facts), so no join into deliveries or responses.
    """
    root = distribution.root
    extra = _embedded_fields(distribution)
    status = status_sql(
        finished="false",
        revoked="h.revoked_at IS NOT NULL",
        expired="h.expires_at <= %s",
        started="false",
        delivery_rank="0",
    )
    flag, flag_params = "", []
    if flags_unsubscribed(distribution):
        # The opt-outs as of now, a hashed set looked up once per link.
        opted_out, flag_params = opted_out_queryset(
            team_id=root.team_id
        ).query.sql_with_params()
        flag = f", CASE WHEN lower(h.email) IN ({opted_out}) THEN '1' ELSE '0' END"
    sql = f"""
        SELECT NULL, {safe_cell_sql("h.last_name")}, {safe_cell_sql("h.first_name")},
               {safe_cell_sql("h.email")}, {safe_cell_sql("h.external_reference")},
               {status}, NULL, NULL, NULL, %s || h.token || '/',
               to_char(h.expires_at, '{_ISO_FORMAT}'), NULL
               {"".join(f", {safe_cell_sql(f'h.f{n}')}" for n in range(len(extra)))}
               {flag}
        FROM (
            SELECT i.last_name, i.first_name, i.email, i.external_reference, i.token,
                   i.revoked_at, i.expires_at
                   {"".join(f", i.embedded_data ->> %s AS f{n}" for n in range(len(extra)))}
            FROM {Invitation._meta.db_table} i
            WHERE i.distribution_id = %s
            ORDER BY i.id
        ) AS h
    """
    params = [
        timezone.now(),
        personal_link_prefix(),
        *flag_params,
        *extra,
        root.pk,
    ]
    return CopySource(sql, params)
