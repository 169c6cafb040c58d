"""One personal link: found by its token, listed with its status, its timeline."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
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

from distributions.models import Delivery, Distribution, Invitation
from distributions.person import invitation_person_key, with_person_progress
from distributions.status import DELIVERY_RANK, person_progress
from surveys.selectors import person_response


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
        events.append(TimelineEvent(finished, "Survey finished"))
    if invitation.revoked_at:
        events.append(TimelineEvent(invitation.revoked_at, "Link revoked"))
    epoch = timezone.now().replace(year=1970)
    return sorted(events, key=lambda event: event.at or epoch)
