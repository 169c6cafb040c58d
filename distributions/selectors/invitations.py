"""One personal link: found by its token, listed with its status, its timeline."""

import functools
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import (
    DateTimeField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.database.prepared import fetchone_prepared
from distributions.models import Delivery, Distribution, Invitation
from distributions.person import invitation_person_key, with_person_progress
from distributions.status import (
    DELIVERY_RANK,
    person_progress,
    person_screened_out,
)
from surveys.respondent import respondent_row, respondent_sql
from surveys.selectors import person_response
from teams import access
from teams.access import Right


def invitations_with_status(
    *, distribution: Distribution, invitations: QuerySet | None = None
) -> QuerySet[Invitation]:
    """Return the root distribution's invitations annotated for the history.

    `invitations`: some of them (by default all). Annotations: delivery_rank,
    first_sent_at, and the person's progress by any
    route (distributions.person.with_person_progress). The status text comes from
    invitation_status(invitation).
    """
    root = distribution.root
    deliveries = Delivery.objects.filter(invitation=OuterRef("pk"))
    if invitations is None:
        invitations = Invitation.objects.filter(distribution=root)
    invitations = with_person_progress(invitations, survey=root.survey)
    return (
        invitations.annotate(
            delivery_rank=Coalesce(
                Subquery(
                    deliveries.values("invitation")
                    .annotate(rank=Max(DELIVERY_RANK))
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


def distribution_invitations_page(
    *, distribution: Distribution, number, per_page: int
) -> Page:
    """Return a page of the invitations whose emails this distribution sent, with
    their status and this distribution's delivery.

    A reminder or thank-you lists only the invitations it has a delivery for.
    """
    invitations = Invitation.objects.filter(distribution=distribution.root)
    if distribution.parent_id:
        invitations = invitations.filter(deliveries__distribution=distribution)
    this = Delivery.objects.filter(invitation=OuterRef("pk"), distribution=distribution)
    return _page_with_status(
        invitations,
        distribution=distribution,
        number=number,
        per_page=per_page,
        annotate={
            "this_delivery_status": Subquery(this.values("status")[:1]),
            "this_delivery_error": Subquery(this.values("error")[:1]),
            "this_delivery_sent_at": Subquery(this.values("sent_at")[:1]),
            "this_delivery_language": Subquery(this.values("language")[:1]),
        },
    )


def _page_with_status(
    invitations, *, distribution, number, per_page, annotate=None
) -> Page:
    """Paginate plain invitations (the count walks no annotation), then load only
    the page's rows with their status: at 100,000 links the person's progress is
    a lookup per shown row, not per row counted."""
    ids = Paginator(invitations.order_by("id").values_list("id", flat=True), per_page)
    page = ids.get_page(number)
    # By id alone: the primary key finds the page's rows whatever the planner
    # believes of a batch made a moment ago.
    rows = invitations_with_status(
        distribution=distribution,
        invitations=Invitation.objects.filter(id__in=list(page.object_list)),
    )
    if annotate:
        rows = rows.annotate(**annotate)
    page.object_list = list(rows)
    return page


def invitation_by_token(*, token: str) -> Invitation | None:
    """Return the invitation of a personal link, with its survey and response.

    One round trip, the SQL written once per process (_token_sql): the link is
    opened on every page a respondent sees, and the ORM's select_related built and
    compiled a five-table join for each (70 % of a page's CPU, issue 15). The
    response comes with its answers (.saved_answers). invitation.distribution has
    only id, survey and owner_id loaded; other fields load when read.
    """
    if not token or len(token) > 64:
        return None
    row = fetchone_prepared(_token_sql(), [token])
    if row is None:
        return None
    split = len(_INVITATION_FIELDS)
    invitation = _build(Invitation, _INVITATION_FIELDS, row[:split])
    distribution = Distribution.from_db(
        DEFAULT_DB_ALIAS, ["id", "survey_id", "owner_id"], row[split : split + 3]
    )
    survey, response = respondent_row(row[split + 3 :])
    distribution.survey = survey
    invitation.distribution = distribution
    if response is not None:
        invitation.response = response
    return invitation


# All but created_at, which no respondent page reads (it loads if read).
_INVITATION_FIELDS = [
    f for f in Invitation._meta.concrete_fields if f.attname != "created_at"
]


def _build(model, fields, values):
    values = [
        field.from_db_value(value, None, connection)
        if hasattr(field, "from_db_value")
        else value
        for field, value in zip(fields, values, strict=True)
    ]
    return model.from_db(DEFAULT_DB_ALIAS, [f.attname for f in fields], values)


@functools.cache
def _token_sql() -> str:
    # By the unique index on token (invitation_unique_token): no ORDER BY, no LIMIT.
    columns, joins = respondent_sql(
        survey_id="d.survey_id", response_id="i.response_id"
    )
    invitation = ", ".join(f'i."{f.column}"' for f in _INVITATION_FIELDS)
    return (
        f"SELECT {invitation}, d.id, d.survey_id, d.owner_id, {columns}"
        f" FROM {Invitation._meta.db_table} i"
        f" JOIN {Distribution._meta.db_table} d ON d.id = i.distribution_id"
        f"{joins} WHERE i.token = %s"
    )


def invitation_person_response(*, invitation: Invitation):
    """Return the response a personal link continues, or None.

    Its own response; else, unless the survey allows several per contact, the
    person's response to the survey made through another of their links.
    """
    if invitation.response_id is not None:
        return invitation.response
    survey = invitation.distribution.survey
    if survey.allow_multiple_responses:
        return None
    return person_response(
        survey_id=survey.pk, person_key=invitation_person_key(invitation)
    )


def recipient_search(
    *, distribution: Distribution, query: str = "", number=1, per_page: int = 25
) -> Page:
    """Return a page of a distribution's invitations with status, filtered by name
    or email."""
    invitations = Invitation.objects.filter(distribution=distribution.root)
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
    return _page_with_status(
        invitations, distribution=distribution, number=number, per_page=per_page
    )


def invitation_get(*, user, distribution: Distribution, pk: int) -> Invitation:
    """Return one invitation of the distribution with its status, or 404 (also
    when the user is not in the distribution's team)."""
    access.require(user, distribution.team_id, Right.VIEW)
    return get_object_or_404(invitations_with_status(distribution=distribution), pk=pk)


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
        elif status == Delivery.Status.SKIPPED:
            events.append(
                TimelineEvent(
                    delivery.created_at, f"{kind} email skipped", delivery.error
                )
            )
        elif status == Delivery.Status.OPTED_OUT:
            events.append(
                TimelineEvent(delivery.created_at, f"{kind} email skipped: opted out")
            )
        else:
            events.append(TimelineEvent(delivery.created_at, f"{kind} email queued"))
        # Reported after the send (services.bounces).
        if delivery.bounced_at:
            events.append(
                TimelineEvent(
                    delivery.bounced_at,
                    f"{kind} email bounced ({delivery.get_bounce_display().lower()})",
                    delivery.bounce_detail,
                )
            )
        if delivery.opened_at:
            events.append(
                TimelineEvent(delivery.opened_at, f"{kind} email opened (first time)")
            )
        if delivery.complained_at:
            events.append(
                TimelineEvent(
                    delivery.complained_at, f"{kind} email reported as spam: opted out"
                )
            )
    started, finished = person_progress(invitation)
    if started:
        events.append(TimelineEvent(started, "Survey started"))
    if finished:
        screened = person_screened_out(invitation)
        events.append(
            TimelineEvent(
                finished, "Survey screened out" if screened else "Survey finished"
            )
        )
    if invitation.revoked_at:
        events.append(TimelineEvent(invitation.revoked_at, "Link revoked"))
    epoch = timezone.now().replace(year=1970)
    return sorted(events, key=lambda event: event.at or epoch)
