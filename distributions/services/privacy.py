"""A person's erasure and a survey's close-and-strip, across the apps.

distributions orchestrates: it knows how a person's invitations, responses and
contacts hang together. Each app changes only its own tables, through its own
services: directories deletes the contacts and keeps an opt-out as a hash, surveys
deletes or blanks the responses, and this module blanks invitations and
deliveries. One transaction for all, with an audit entry (core.audit) that names
no address. docs/architecture.md, "Privacy: export, erasure, close and strip".
"""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Collate, Lower

from core.audit import audit_record
from core.models import AuditEntry
from core.tokens import new_token
from directories.selectors.suppressions import opted_out_queryset
from directories.services.privacy import person_directory_erase
from distributions.models import Delivery, Invitation
from distributions.person import (
    ERASED_DELIVERY_ERROR,
    ERASED_EMAIL_PREFIX,
    person_finishes_keep,
)
from distributions.selectors.privacy import person_found
from surveys.selectors import person_responses
from surveys.services.privacy import person_responses_erase, survey_strip_identifiers
from teams.services import personal_team_id

STRIPPED_DELIVERY_ERROR = "Not sent: the survey's identifiers were removed."
# Any address quoted in a mail server's reply kept as a delivery's error.
_ADDRESS_PATTERN = r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+"


def unknown_address_message(email: str) -> str:
    return (
        f"No contact, invitation, response or opt-out of yours has the address "
        f"{email}. Nothing was changed."
    )


@transaction.atomic
def person_erase(
    *,
    actor,
    owner,
    email: str,
    keep_responses: bool,
    via: str = "",
    team_id: int | None = None,
):
    """Erase an address from everything the team holds; return the counts.

    `team_id` None: the owner's personal team. `owner` is the member who erases.
    Raise ValidationError (nothing changed) if the team holds nothing with it.
    The caller checks the right (MANAGE; the command line acts as staff).
    """
    if team_id is None:
        team_id = personal_team_id(owner.pk)
    email = email.strip()
    found = person_found(user=owner, team_id=team_id, email=email)
    if found is None:
        raise ValidationError(unknown_address_message(email))
    if not keep_responses:
        # Deleting a finished response must not unfinish its invitation: it keeps
        # "Survey Finished" the way an anonymous response's does.
        finished = person_responses(
            user=owner,
            email=email,
            person_key=found["person_key"],
            response_ids=found["response_ids"],
            team_id=team_id,
        ).filter(finished_at__isnull=False)
        for response_id, finished_at in finished.values_list("id", "finished_at"):
            Invitation.objects.filter(response_id=response_id).update(
                finished_anonymously_at=finished_at
            )
    invitations = Invitation.objects.filter(id__in=found["invitation_ids"])
    counts = {
        "invitations": _invitations_blank(invitations, rotate_tokens=True),
        "deliveries": _deliveries_blank(
            Delivery.objects.filter(invitation_id__in=found["invitation_ids"]),
            reason=ERASED_DELIVERY_ERROR,
        ),
    }
    counts.update(
        person_responses_erase(
            owner=owner,
            email=email,
            person_key=found["person_key"],
            response_ids=found["response_ids"],
            keep_responses=keep_responses,
            team_id=team_id,
        )
    )
    counts.update(person_directory_erase(team_id=team_id, email=email))
    audit_record(
        actor=actor,
        owner=owner,
        team_id=team_id,
        action=AuditEntry.Action.PERSON_ERASED,
        subject="a person (address not recorded)"
        + (", responses kept without identity" if keep_responses else ""),
        counts=counts,
        via=via,
    )
    return counts


@transaction.atomic
def survey_close_and_strip(*, actor, survey, via: str = "") -> dict[str, int]:
    """Close the survey and strip names, emails, external references and embedded
    data from all its invitations, deliveries and responses; statuses and counts
    stay. Idempotent: a second run finds nothing left to strip."""
    invitations = Invitation.objects.filter(distribution__survey_id=survey.pk)
    counts = {
        "invitations": _invitations_blank(invitations, rotate_tokens=False),
        "deliveries": _deliveries_blank(
            Delivery.objects.filter(invitation__distribution__survey_id=survey.pk),
            reason=STRIPPED_DELIVERY_ERROR,
        ),
        "responses": survey_strip_identifiers(survey=survey),
    }
    audit_record(
        actor=actor,
        owner=survey.owner,
        team_id=survey.team_id,
        action=AuditEntry.Action.SURVEY_STRIPPED,
        subject=f"survey {survey.pk} “{survey.title}”",
        counts=counts,
        via=via,
    )
    return counts


def _invitations_blank(invitations, *, rotate_tokens: bool) -> int:
    """Blank the contact snapshot of invitations not blanked yet; return how many.

    Their statuses stay: revoked_at, expires_at, the response and its times are
    kept. rotate_tokens: the old link stops working (an erased person's), so
    nobody answers again under a blanked row.
    """
    pending = invitations.filter(
        Q(email__contains="@")
        | ~Q(first_name="")
        | ~Q(last_name="")
        | ~Q(external_reference="")
        | ~Q(embedded_data={})
        | Q(contact_id__isnull=False)
    )
    ids = list(pending.values_list("id", flat=True))
    if not ids:
        return 0
    # A finish by another of the person's links is found through the address
    # about to go: keep it on the row.
    person_finishes_keep(ids)
    # Whoever had opted out stays in the Opted Out counts without an address.
    for team_id in invitations.values_list(
        "distribution__team_id", flat=True
    ).distinct():
        pending.filter(distribution__team_id=team_id).alias(
            email_key=Collate(Lower("email"), "C")
        ).filter(email_key__in=opted_out_queryset(team_id=team_id)).update(
            opted_out_at_removal=True
        )
    table = Invitation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET email = %s || id, first_name = '', last_name = '', "
            "external_reference = '', embedded_data = '{}'::jsonb, contact_id = NULL "
            "WHERE id = ANY(%s)",
            [ERASED_EMAIL_PREFIX, ids],
        )
    if rotate_tokens:
        for invitation_id in ids:
            Invitation.objects.filter(id=invitation_id).update(token=new_token())
    return len(ids)


def _deliveries_blank(deliveries, *, reason: str) -> int:
    """Stop the queued emails of blanked invitations and take addresses out of
    the mail servers' replies kept as errors; return how many rows changed."""
    stopped = deliveries.filter(status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.OPTED_OUT, error=reason
    )
    ids = list(deliveries.filter(error__contains="@").values_list("id", flat=True))
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Delivery._meta.db_table} "
                "SET error = regexp_replace(error, %s, '[removed]', 'g') "
                "WHERE id = ANY(%s)",
                [_ADDRESS_PATTERN, ids],
            )
    return stopped + len(ids)
