"""Reads of distributions: invitation status, history rows, per-distribution counts.

Status is computed from the deliveries and the response, never stored twice
(DESIGN.md "Status of an invitation").
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from distributions.models import Delivery, Distribution, Invitation, Message


class InvitationStatus:
    LINK_CREATED = "Link Created"
    EMAIL_QUEUED = "Email Queued"
    EMAIL_SENT = "Email Sent"
    EMAIL_FAILED = "Email Failed"
    OPTED_OUT = "Opted Out"
    SURVEY_STARTED = "Survey Started"
    SURVEY_FINISHED = "Survey Finished"
    LINK_EXPIRED = "Link Expired"
    LINK_REVOKED = "Link Revoked"


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

# How far an invitation's emails got, when the survey was not yet started: a sent
# email outranks a failed retry, and an opt-out outranks both.
_DELIVERY_RANK = Case(
    When(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING], then=Value(1)),
    When(status=Delivery.Status.FAILED, then=Value(2)),
    When(status=Delivery.Status.SENT, then=Value(3)),
    When(status=Delivery.Status.OPTED_OUT, then=Value(4)),
    default=Value(0),
    output_field=IntegerField(),
)
_RANK_STATUS = {
    0: InvitationStatus.LINK_CREATED,
    1: InvitationStatus.EMAIL_QUEUED,
    2: InvitationStatus.EMAIL_FAILED,
    3: InvitationStatus.EMAIL_SENT,
    4: InvitationStatus.OPTED_OUT,
}


def personal_link(token: str) -> str:
    return f"{settings.SITE_URL}/s/{token}/"


def distribution_get(*, user, pk: int) -> Distribution:
    """Return one of the user's distributions, or raise Http404."""
    return get_object_or_404(
        Distribution.objects.select_related("survey"), owner=user, pk=pk
    )


def invitations_with_status(*, distribution: Distribution) -> QuerySet[Invitation]:
    """Return the root distribution's invitations annotated for the history.

    Annotations: delivery_rank, first_sent_at, started_at, finished_at,
    response_pk. The status text comes from invitation_status(invitation).
    """
    root = distribution.root
    deliveries = Delivery.objects.filter(invitation=OuterRef("pk"))
    return (
        Invitation.objects.filter(distribution=root)
        .annotate(
            delivery_rank=Coalesce(
                Subquery(
                    deliveries.values("invitation")
                    .annotate(rank=Max(_DELIVERY_RANK))
                    .values("rank")[:1],
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
            first_sent_at=Subquery(
                deliveries.filter(status=Delivery.Status.SENT)
                .values("invitation")
                .annotate(first=Min("sent_at"))
                .values("first")[:1],
                output_field=DateTimeField(),
            ),
        )
        .select_related("response")
        .order_by("id")
    )


def invitation_status(invitation: Invitation, *, now=None) -> str:
    """Return the furthest status an annotated invitation has reached."""
    response = invitation.response
    return _status(
        finished_at=response.finished_at if response is not None else None,
        started_at=response.started_at if response is not None else None,
        revoked_at=invitation.revoked_at,
        expires_at=invitation.expires_at,
        delivery_rank=getattr(invitation, "delivery_rank", 0),
        now=now or timezone.now(),
    )


def _status(*, finished_at, started_at, revoked_at, expires_at, delivery_rank, now):
    return _status_of(
        finished_at is not None,
        revoked_at is not None,
        expires_at <= now,
        started_at is not None,
        delivery_rank,
    )


def _status_of(finished, revoked, expired, started, delivery_rank) -> str:
    if finished:
        return InvitationStatus.SURVEY_FINISHED
    if revoked:
        return InvitationStatus.LINK_REVOKED
    if expired:
        return InvitationStatus.LINK_EXPIRED
    if started:
        return InvitationStatus.SURVEY_STARTED
    return _RANK_STATUS[delivery_rank or 0]


def _iso(value) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).isoformat(timespec="seconds")


def history_header(*, distribution: Distribution) -> list[str]:
    contact_list = distribution.root.contact_list
    extra = list(contact_list.embedded_fields) if contact_list else []
    return HISTORY_COLUMNS + extra


# ISO 8601 with the session time zone's offset, e.g. 2026-01-10T10:00:00-05:00.
_ISO_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'


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
            rank=Max(_DELIVERY_RANK),
            first_sent=Min("sent_at", filter=Q(status=Delivery.Status.SENT)),
        )
        .values("invitation_id", "rank", "first_sent")
    )
    delivery_sql, delivery_params = deliveries.query.sql_with_params()
    invitation_table = Invitation._meta.db_table
    response_table = Invitation._meta.get_field("response").related_model._meta.db_table
    sql = f"""
        SELECT i.last_name, i.first_name, i.email, i.external_reference, i.token,
               r.id,
               r.finished_at IS NOT NULL, i.revoked_at IS NOT NULL,
               i.expires_at <= %s, r.started_at IS NOT NULL, d.rank,
               to_char(d.first_sent, '{_ISO_FORMAT}'),
               to_char(r.started_at, '{_ISO_FORMAT}'),
               to_char(r.finished_at, '{_ISO_FORMAT}'),
               to_char(i.expires_at, '{_ISO_FORMAT}')
               {"".join(", i.embedded_data ->> %s" for _ in extra)}
        FROM {invitation_table} i
        LEFT JOIN {response_table} r ON r.id = i.response_id
        LEFT JOIN ({delivery_sql}) d ON d.invitation_id = i.id
        WHERE i.distribution_id = %s
        ORDER BY i.id
    """
    return sql, [now, *extra, *delivery_params, root.pk]


def history_rows(
    *, distribution: Distribution, chunk_size: int = 2000
) -> Iterator[list]:
    """Yield one history row per invitation, streamed from a server-side cursor.

    Dates are rendered in the active time zone (the owner's, set by the caller).
    """
    zone = timezone.get_current_timezone()
    header = history_header(distribution=distribution)
    extra = header[len(HISTORY_COLUMNS) :]
    sql, params = _history_sql(distribution, now=timezone.now(), extra=extra)
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
    link_prefix = personal_link("")[:-1]
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
                    _status_of(finished, revoked, expired, started, rank),
                    sent_on or "",
                    started_on or "",
                    finished_on or "",
                    link_prefix + token + "/",
                    expires_on or "",
                    *[value or "" for value in fields],
                ]


@dataclass(frozen=True)
class DistributionCounts:
    recipients: int = 0
    emails_queued: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    opted_out: int = 0
    surveys_started: int = 0
    surveys_finished: int = 0


def distribution_counts(
    distributions: list[Distribution],
) -> dict[int, DistributionCounts]:
    """Return the row counts for each distribution, in at most three grouped queries.

    Started counts respondents who started and have not finished; Finished those who
    finished. For reminders and thank-yous, they are those of the parent's links.
    """
    ids = [d.pk for d in distributions]
    root_ids = {d.root.pk for d in distributions}
    emails = {
        row["distribution_id"]: row
        for row in Delivery.objects.filter(distribution_id__in=ids)
        .values("distribution_id")
        .annotate(
            total=Count("id"),
            queued=Count(
                "id",
                filter=Q(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]),
            ),
            sent=Count("id", filter=Q(status=Delivery.Status.SENT)),
            failed=Count("id", filter=Q(status=Delivery.Status.FAILED)),
            opted_out=Count("id", filter=Q(status=Delivery.Status.OPTED_OUT)),
        )
    }
    # Totals from the invitations' own index, only where no email was made (the
    # deliveries already count an email's recipients); progress from the (fewer)
    # responses, joined through the unique invitation.response_id, so no query
    # walks every invitation joined to its response.
    total_ids = {d.root.pk for d in distributions if d.pk not in emails}
    progress = (
        {
            row["distribution_id"]: dict(row)
            for row in Invitation.objects.filter(distribution_id__in=total_ids)
            .values("distribution_id")
            .annotate(total=Count("id"))
        }
        if total_ids
        else {}
    )
    response_model = Invitation._meta.get_field("response").related_model
    for row in (
        response_model.objects.filter(invitation__distribution_id__in=root_ids)
        .values("invitation__distribution_id")
        .annotate(
            started=Count(
                "id", filter=Q(started_at__isnull=False, finished_at__isnull=True)
            ),
            finished=Count("id", filter=Q(finished_at__isnull=False)),
        )
    ):
        progress.setdefault(row["invitation__distribution_id"], {}).update(
            started=row["started"], finished=row["finished"]
        )
    counts = {}
    for distribution in distributions:
        mail = emails.get(distribution.pk, {})
        links = progress.get(distribution.root.pk, {})
        counts[distribution.pk] = DistributionCounts(
            recipients=mail.get("total") or links.get("total", 0),
            emails_queued=mail.get("queued", 0),
            emails_sent=mail.get("sent", 0),
            emails_failed=mail.get("failed", 0),
            opted_out=mail.get("opted_out", 0),
            surveys_started=links.get("started", 0),
            surveys_finished=links.get("finished", 0),
        )
    return counts


# --- Emails page, message library, personal-link entry (email UI) ---


@dataclass
class DistributionRow:
    """One row of the Emails page: a distribution, its counts and its children."""

    distribution: Distribution
    counts: DistributionCounts
    list_size: int
    children: list["DistributionRow"]

    @property
    def progress_percent(self) -> int:
        """Return how much of the sending is done, for the live progress bar."""
        total = self.counts.recipients
        if not total:
            return 0
        done = total - self.counts.emails_queued
        return max(0, min(100, round(100 * done / total)))

    @property
    def is_active(self) -> bool:
        return self.distribution.status in (
            Distribution.Status.SCHEDULED,
            Distribution.Status.SENDING,
        )


def email_distribution_rows(*, user, survey) -> list[DistributionRow]:
    """Return the Emails page rows of one of the user's surveys, newest first.

    Every count comes from distribution_counts() (grouped queries), so the page
    costs the same few queries at 10 or 100,000 invitations.
    """
    roots = list(
        Distribution.objects.filter(
            owner=user, survey=survey, kind=Distribution.Kind.EMAIL, parent=None
        ).order_by("-created_at", "-pk")
    )
    children = list(
        Distribution.objects.filter(owner=user, parent__in=roots)
        .select_related("parent")
        .order_by("created_at", "pk")
    )
    counts = distribution_counts(roots + children)
    # A distribution not yet dispatched has no invitations: show its list's size.
    pending_list_ids = {
        d.contact_list_id
        for d in roots + children
        if d.contact_list_id and not counts[d.pk].recipients
    }
    list_sizes = {}
    if pending_list_ids:
        from directories.models import Contact

        list_sizes = dict(
            Contact.objects.filter(contact_list_id__in=pending_list_ids)
            .values("contact_list_id")
            .annotate(n=Count("id"))
            .values_list("contact_list_id", "n")
        )

    def row(distribution):
        recipients = counts[distribution.pk].recipients
        return DistributionRow(
            distribution=distribution,
            counts=counts[distribution.pk],
            list_size=recipients or list_sizes.get(distribution.contact_list_id, 0),
            children=[],
        )

    rows = {d.pk: row(d) for d in roots}
    for child in children:
        rows[child.parent_id].children.append(row(child))
    return [rows[d.pk] for d in roots]


def email_distribution_get(*, user, survey, pk: int) -> Distribution:
    """Return one of the survey's email distributions of this user, or raise Http404."""
    return get_object_or_404(
        Distribution.objects.select_related("survey", "parent", "contact_list"),
        owner=user,
        survey=survey,
        kind=Distribution.Kind.EMAIL,
        pk=pk,
    )


def distribution_invitations_page(*, distribution: Distribution) -> QuerySet:
    """Return the invitations whose emails this distribution sent, with status.

    A reminder or thank-you lists only the invitations it has a delivery for.
    """
    invitations = invitations_with_status(distribution=distribution)
    if distribution.parent_id:
        invitations = invitations.filter(deliveries__distribution=distribution)
    return invitations.annotate(
        this_delivery_status=Subquery(
            Delivery.objects.filter(
                invitation=OuterRef("pk"), distribution=distribution
            ).values("status")[:1]
        ),
        this_delivery_error=Subquery(
            Delivery.objects.filter(
                invitation=OuterRef("pk"), distribution=distribution
            ).values("error")[:1]
        ),
        this_delivery_sent_at=Subquery(
            Delivery.objects.filter(
                invitation=OuterRef("pk"), distribution=distribution
            ).values("sent_at")[:1]
        ),
    )


def message_list(*, user) -> QuerySet:
    """Return the user's saved messages (the message library), by type and name."""
    return Message.objects.filter(owner=user).order_by("message_type", "name")


def message_get(*, user, pk: int):
    """Return one of the user's saved messages, or raise Http404."""
    return get_object_or_404(Message, owner=user, pk=pk)


def invitation_by_token(*, token: str) -> Invitation | None:
    """Return the invitation of a personal link, with its survey and response."""
    if not token or len(token) > 64:
        return None
    return (
        Invitation.objects.select_related(
            "distribution__survey", "distribution__owner", "response"
        )
        .filter(token=token)
        .first()
    )


# --- personal links ---


def links_csv_header(*, distribution: Distribution) -> list[str]:
    return history_header(distribution=distribution)


def links_csv_rows(
    *, distribution: Distribution, chunk_size: int = 5000
) -> Iterator[list]:
    """Yield one links-CSV row per invitation: the current link, ready to mail-merge.

    The history columns, with Status "Link Created" for every usable link (or Link
    Revoked / Link Expired); no join into deliveries or responses. Cells that come
    from contacts are already formula-safe (core.csv_export.safe_cell). Dates and
    embedded fields arrive as text, and the few distinct expiry times are formatted
    once each: parsing 100,000 timestamps and JSON documents would cost more than
    the rest of the file.
    """
    from django.db.models import TextField
    from django.db.models.fields.json import KeyTextTransform
    from django.db.models.functions import Cast

    from core.csv_export import safe_cell

    now = timezone.now()
    header = history_header(distribution=distribution)
    extra = header[len(HISTORY_COLUMNS) :]
    site = settings.SITE_URL
    extra_names = [f"extra_{n}" for n in range(len(extra))]
    rows = (
        Invitation.objects.filter(distribution=distribution.root)
        .order_by("id")
        .annotate(
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
        )
    )
    # expires text -> (ISO in the active zone, already expired?)
    expiry_cache: dict[str, tuple[str, bool]] = {}
    parse = _parse_pg_timestamp
    created = InvitationStatus.LINK_CREATED
    for row in rows.iterator(chunk_size=chunk_size):
        last, first, email, ref, token, expires_text, revoked_at = row[:7]
        expiry = expiry_cache.get(expires_text)
        if expiry is None:
            value = parse(expires_text)
            expiry = expiry_cache[expires_text] = (_iso(value), value <= now)
        if revoked_at is not None:
            status = InvitationStatus.LINK_REVOKED
        elif expiry[1]:
            status = InvitationStatus.LINK_EXPIRED
        else:
            status = created
        yield [
            "",
            safe_cell(last),
            safe_cell(first),
            safe_cell(email),
            safe_cell(ref),
            status,
            "",
            "",
            "",
            f"{site}/s/{token}/",
            expiry[0],
            *[safe_cell(value) for value in row[7:]],
        ]


def _parse_pg_timestamp(text: str):
    """Parse PostgreSQL's text form of a timestamptz ("2026-01-28 04:24:46.7+00")."""
    import datetime

    if text[-3] in "+-":
        text += ":00"
    return datetime.datetime.fromisoformat(text)


def links_csv_chunks(*, distribution: Distribution, rows_per_chunk: int = 1000):
    """Yield the links CSV as text: BOM and header, then a chunk of rows at a time.

    Same file as core.csv_export.csv_lines would write for links_csv_rows (the
    cells are already safe), but in chunks, so 100,000 rows take one csv call per
    thousand rows and the memory stays flat.
    """
    import csv
    import io

    from core.csv_export import csv_lines

    header = links_csv_header(distribution=distribution)
    yield next(csv_lines(header, []))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    pending = 0
    for row in links_csv_rows(distribution=distribution):
        writer.writerow(row)
        pending += 1
        if pending == rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


@dataclass
class LinkBatchRow:
    """One row of the Personal links page: a batch, its counts and its children."""

    distribution: Distribution
    counts: DistributionCounts
    done: int
    children: list

    @property
    def is_generating(self) -> bool:
        return self.distribution.status == Distribution.Status.GENERATING

    @property
    def progress_percent(self) -> int:
        total = self.distribution.recipients_total
        if not total:
            return 0
        return max(0, min(100, round(100 * self.done / total)))


def link_batch_rows(*, user, survey) -> list[LinkBatchRow]:
    """Return the Personal links page rows of one of the user's surveys, newest first.

    Counts come from distribution_counts() (grouped queries), never one per row.
    """
    roots = list(
        Distribution.objects.filter(
            owner=user, survey=survey, kind=Distribution.Kind.LINKS, parent=None
        ).order_by("-created_at", "-pk")
    )
    children = list(
        Distribution.objects.filter(owner=user, parent__in=roots).order_by(
            "created_at", "pk"
        )
    )
    counts = distribution_counts(roots + children)
    rows = {
        d.pk: LinkBatchRow(
            distribution=d,
            counts=counts[d.pk],
            done=counts[d.pk].recipients,
            children=[],
        )
        for d in roots
    }
    for child in children:
        rows[child.parent_id].children.append(
            LinkBatchRow(
                distribution=child, counts=counts[child.pk], done=0, children=[]
            )
        )
    return [rows[d.pk] for d in roots]


def link_batch_get(*, user, survey, pk: int) -> Distribution:
    """Return one personal-links batch of the user's survey, or raise Http404."""
    return get_object_or_404(
        Distribution.objects.select_related("survey", "contact_list"),
        owner=user,
        survey=survey,
        kind=Distribution.Kind.LINKS,
        parent=None,
        pk=pk,
    )


def root_distribution_get(*, user, survey, pk: int) -> Distribution:
    """Return a top-level distribution (email or links) of the user's survey, or 404."""
    return get_object_or_404(
        Distribution.objects.select_related("survey", "contact_list"),
        owner=user,
        survey=survey,
        parent=None,
        pk=pk,
    )


def recipient_search(*, distribution: Distribution, query: str = "") -> QuerySet:
    """Return a distribution's invitations with status, filtered by name or email."""
    invitations = invitations_with_status(distribution=distribution)
    for word in query.split()[:5]:
        if "@" in word:
            # An address: one column to scan instead of four.
            invitations = invitations.filter(email__icontains=word)
            continue
        invitations = invitations.filter(
            Q(email__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(external_reference__icontains=word)
        )
    return invitations


def invitation_get(*, user, distribution: Distribution, pk: int) -> Invitation:
    """Return one invitation of the user's distribution with its status, or 404."""
    return get_object_or_404(
        invitations_with_status(distribution=distribution).filter(
            distribution__owner=user
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class TimelineEvent:
    at: object
    label: str
    detail: str = ""


def invitation_timeline(*, invitation: Invitation) -> list[TimelineEvent]:
    """Return what happened to one link, oldest first: created, emails, progress."""
    events = [TimelineEvent(invitation.created_at, "Link created")]
    deliveries = Delivery.objects.filter(invitation=invitation).select_related(
        "distribution"
    )
    kinds = {"invite": "Invitation", "reminder": "Reminder", "thank_you": "Thank-you"}
    for delivery in deliveries.order_by("created_at", "pk"):
        kind = kinds.get(delivery.distribution.message_type, "Email")
        status = delivery.status
        if status == Delivery.Status.SENT:
            events.append(
                TimelineEvent(
                    delivery.sent_at, f"{kind} email sent", delivery.message_id
                )
            )
        elif status == Delivery.Status.FAILED:
            events.append(
                TimelineEvent(
                    delivery.claimed_at or delivery.created_at,
                    f"{kind} email failed",
                    delivery.error,
                )
            )
        elif status == Delivery.Status.OPTED_OUT:
            events.append(
                TimelineEvent(delivery.created_at, f"{kind} email skipped: opted out")
            )
        else:
            events.append(TimelineEvent(delivery.created_at, f"{kind} email queued"))
    response = invitation.response
    if response is not None and response.started_at:
        events.append(TimelineEvent(response.started_at, "Survey started"))
    if response is not None and response.finished_at:
        events.append(TimelineEvent(response.finished_at, "Survey finished"))
    if invitation.revoked_at:
        events.append(TimelineEvent(invitation.revoked_at, "Link revoked"))
    epoch = timezone.now().replace(year=1970)
    return sorted(events, key=lambda event: event.at or epoch)
