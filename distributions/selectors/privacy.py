"""A person's data across the owner's apps, for its export (and its erasure).

A person is an address, ignoring case, within one team (docs/architecture.md,
"Privacy: export, erasure, close and strip"). Each app reads its own part through
its own selector; this module reads distributions' part (invitations and their
deliveries) and puts the parts together into the export.
"""

from django.db.models import (
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Collate, Lower
from django.utils import timezone

from directories.selectors import person_contacts, person_directory_data
from directories.selectors.suppressions import suppression_exists
from distributions.models import Delivery, Invitation
from distributions.person import person_key
from distributions.status import DELIVERY_RANK, invitation_status
from surveys.selectors import (
    person_responses,
    person_responses_data,
    response_list,
    survey_titles,
)
from teams import access
from teams.access import Right

EXPORT_FORMAT = "canvass-person-export/1"


def person_invitations(
    *, team_id: int, email: str, contact_ids=()
) -> QuerySet[Invitation]:
    """Return the invitations of the team's distributions made for this person.

    By address (the invitation_one_per_address index, per distribution) or made
    from one of the person's contacts (contact_ids) under an address since edited.
    """
    match = Q(email_key=email.strip().lower())
    if contact_ids:
        match |= Q(contact_id__in=list(contact_ids))
    return (
        Invitation.objects.filter(distribution__team_id=team_id)
        .annotate(email_key=Collate(Lower("email"), "C"))
        .filter(match)
        .select_related("distribution")
        .order_by("id")
    )


def person_found(*, user, team_id: int, email: str) -> dict | None:
    """Return what identifies the person in each app (the team's invitations; the
    other apps' parts through their selectors), or None if nothing has the
    address: {"contact_ids", "invitation_ids", "response_ids", "person_key"}."""
    email = email.strip()
    if not email:
        return None
    contact_ids = list(
        person_contacts(team_id=team_id, email=email).values_list("id", flat=True)
    )
    invitations = list(
        person_invitations(
            team_id=team_id, email=email, contact_ids=contact_ids
        ).values_list("id", "response_id")
    )
    found = {
        "contact_ids": contact_ids,
        "invitation_ids": [pk for pk, _ in invitations],
        "response_ids": [pk for _, pk in invitations if pk is not None],
        "person_key": person_key(email=email),
    }
    responses = person_responses(
        user=user,
        email=email,
        person_key=found["person_key"],
        response_ids=found["response_ids"],
        team_id=team_id,
    )
    if (
        contact_ids
        or invitations
        or responses.exists()
        or suppression_exists(team_id=team_id, email=email)
    ):
        return found
    return None


def person_export(*, user, team_id: int, email: str) -> dict | None:
    """Return everything the team holds about an address (the JSON export), or
    None if nothing has it. The user must be allowed to analyse there."""
    access.require(user, team_id, Right.ANALYSE)
    found = person_found(user=user, team_id=team_id, email=email)
    if found is None:
        return None
    email = email.strip()
    directory = person_directory_data(team_id=team_id, email=email)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "email": email,
        "contacts": directory["contacts"],
        "opt_out": directory["opt_out"],
        "invitations": _invitations_data(
            user=user, team_id=team_id, ids=found["invitation_ids"]
        ),
        "responses": person_responses_data(
            user=user,
            email=email,
            person_key=found["person_key"],
            response_ids=found["response_ids"],
            team_id=team_id,
        ),
    }


def _invitations_data(*, user, team_id: int, ids: list[int]) -> list[dict]:
    titles = survey_titles(user=user, team_id=team_id)
    deliveries = Delivery.objects.select_related("distribution").order_by("id")
    invitations = (
        Invitation.objects.filter(id__in=ids, distribution__team_id=team_id)
        .annotate(
            delivery_rank=Coalesce(
                Subquery(
                    Delivery.objects.filter(invitation=OuterRef("pk"))
                    .values("invitation")
                    .annotate(rank=Max(DELIVERY_RANK))
                    .values("rank")[:1],
                    output_field=IntegerField(),
                ),
                Value(0),
            )
        )
        .select_related("distribution", "response")
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
        .order_by("id")
    )
    return [
        {
            "survey": titles.get(invitation.distribution.survey_id, ""),
            "distribution": str(invitation.distribution),
            "created_at": invitation.created_at.isoformat(),
            "first_name": invitation.first_name,
            "last_name": invitation.last_name,
            "email": invitation.email,
            "external_reference": invitation.external_reference,
            "language": invitation.language,
            "embedded_data": invitation.embedded_data,
            "link_expires_at": invitation.expires_at.isoformat(),
            "link_revoked_at": _iso(invitation.revoked_at),
            "status": invitation_status(invitation),
            "response_id": invitation.response.public_id
            if invitation.response_id
            else None,
            "deliveries": [
                {
                    "email_type": delivery.distribution.get_message_type_display(),
                    "status": delivery.get_status_display(),
                    "sent_at": _iso(delivery.sent_at),
                    "error": delivery.error,
                }
                for delivery in invitation.deliveries.all()
            ],
        }
        for invitation in invitations
    ]


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def survey_strip_preview(*, user, survey) -> dict[str, int]:
    """Return how many rows a close-and-strip of the survey would touch."""
    access.require(user, survey.team_id, Right.VIEW)
    invitations = Invitation.objects.filter(distribution__survey_id=survey.pk)
    return {
        "invitations": invitations.count(),
        "deliveries": Delivery.objects.filter(invitation__in=invitations).count(),
        "responses": response_list(user=user, survey=survey).count(),
    }
