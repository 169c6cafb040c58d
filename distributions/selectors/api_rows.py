"""Keyset pages of a distribution's invitations for the REST API (the `api` app):
a batch's links with their own state, and the history with each status."""

from django.db.models import Case, CharField, QuerySet, Value, When
from django.db.models.functions import Concat, Now
from django.utils import timezone

from distributions.models import Delivery, Distribution, Invitation
from distributions.personal_link import personal_link_prefix
from distributions.selectors.counts import distribution_counts
from distributions.selectors.invitations import invitations_with_status
from distributions.status import InvitationStatus, invitation_status


def survey_distributions(*, survey, kind: str):
    """Return the survey's top-level distributions of this kind, whoever sent them
    (the caller checked the survey's team)."""
    return Distribution.objects.filter(
        survey=survey, kind=kind, parent=None
    ).select_related("survey")


def followups(*, distribution: Distribution, message_type: str):
    """Return the reminders or thank-yous of a top-level distribution."""
    return Distribution.objects.filter(
        parent=distribution.root, message_type=message_type
    ).select_related("survey")


def distribution_counts_dict(distribution: Distribution) -> dict:
    """Return the counts of the Emails / Personal links row as a dict."""
    return vars(distribution_counts([distribution])[distribution.pk]).copy()


def batch_links(*, distribution: Distribution) -> QuerySet:
    """Return a batch's links with `link` and `status` annotated (the link's own
    state, as the links CSV: revoked, expired or created), for keyset pages."""
    return Invitation.objects.filter(distribution=distribution.root).annotate(
        link=Concat(
            Value(personal_link_prefix()), "token", Value("/"), output_field=CharField()
        ),
        status=Case(
            When(revoked_at__isnull=False, then=Value(InvitationStatus.LINK_REVOKED)),
            When(expires_at__lte=Now(), then=Value(InvitationStatus.LINK_EXPIRED)),
            default=Value(InvitationStatus.LINK_CREATED),
            output_field=CharField(),
        ),
    )


def history_page(
    *, distribution: Distribution, after_id: int, limit: int, updated_since=None
) -> list:
    """Return up to `limit` invitations after `after_id` with their status."""
    invitations = Invitation.objects.filter(
        distribution=distribution.root, id__gt=after_id
    ).order_by("id")
    if updated_since is not None:
        invitations = invitations.filter(response__last_activity_at__gte=updated_since)
    ids = list(invitations.values_list("id", flat=True)[:limit])
    now = timezone.now()
    loaded = invitations_with_status(
        distribution=distribution, invitations=Invitation.objects.filter(id__in=ids)
    )
    prefix = personal_link_prefix()
    return [
        {
            "id": invitation.pk,
            "first_name": invitation.first_name,
            "last_name": invitation.last_name,
            "email": invitation.email,
            "external_reference": invitation.external_reference,
            "embedded_data": invitation.embedded_data,
            "link": f"{prefix}{invitation.token}/",
            "status": invitation_status(invitation, now=now),
            "response_id": invitation.response.public_id
            if invitation.response_id
            else None,
            "expires_at": invitation.expires_at,
        }
        for invitation in loaded
    ]


def distribution_for_token(*, team_id: int, compose_token: str) -> Distribution | None:
    """Return the team's distribution created with this one-time token, if any."""
    return Distribution.objects.filter(
        team_id=team_id, compose_token=compose_token
    ).first()


def deliveries_failed_since(*, team_ids, since):
    """Return rows of the teams' deliveries that failed and were last claimed at or
    after `since` (the webhook event "delivery failed")."""
    return (
        Delivery.objects.filter(
            distribution__team_id__in=list(team_ids),
            status=Delivery.Status.FAILED,
            claimed_at__gte=since,
        )
        .values(
            "id",
            "distribution_id",
            "distribution__team_id",
            "distribution__survey_id",
            "invitation__email",
            "error",
            "claimed_at",
        )
        .order_by("id")
    )


def link_batches_ready_since(*, team_ids, since):
    """Return rows of the teams' personal-link batches that became ready since then."""
    return (
        Distribution.objects.filter(
            team_id__in=list(team_ids),
            kind=Distribution.Kind.LINKS,
            status=Distribution.Status.READY,
            finished_at__gte=since,
        )
        .values("id", "team_id", "survey_id", "recipients_total", "finished_at")
        .order_by("id")
    )
