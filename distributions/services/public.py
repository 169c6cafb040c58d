"""Writes made from a personal link: the person's response, the opt-out, and the
invitations' side of an anonymous finish.

The response is made by surveys (response_create, person_response_get_or_create)
and the suppression by directories (suppression_add): this module only ties them
to the invitation (docs/architecture.md, "One person across many links").
"""

from django.db import connection, transaction

from directories.services.suppressions import suppression_add
from distributions.models import Distribution, Invitation
from distributions.person import invitation_person_key
from surveys.respondent import person_response_get_or_create, response_create


def _contact(invitation: Invitation) -> dict:
    return {
        "first_name": invitation.first_name,
        "last_name": invitation.last_name,
        "email": invitation.email,
        "external_reference": invitation.external_reference,
        "embedded_data": dict(invitation.embedded_data or {}),
    }


@transaction.atomic
def invitation_response_get_or_create(*, invitation_id: int):
    """Return the response a personal link's submit goes to, creating it if none.

    The invitation's own response; else, unless the survey allows several per
    contact, the person's response to the survey whichever link started it (the
    constraint response_one_per_person makes two links submitting at once share
    one). The invitation is tied to the response (Invitation.response) only when
    the response was made through it, so each row counts what its own links did.

    The row lock makes two first submits of one link (two devices, a double click)
    wait for each other, and the second finds the first's response. The contact's
    data is copied onto the response (docs/architecture.md).
    """
    # Held until the engine's transaction ends, so the second submit sees the link.
    # The response is read after the lock, not joined: a row re-read after waiting
    # on the lock comes back with the new response_id but the joined columns of the
    # first snapshot (empty).
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("distribution__survey")
        .get(pk=invitation_id)
    )
    if invitation.response_id is not None:
        return invitation.response
    survey = invitation.distribution.survey
    key = None if survey.allow_multiple_responses else invitation_person_key(invitation)
    if key is None:
        response, created = (
            response_create(
                survey=survey, channel="invitation", contact=_contact(invitation)
            ),
            True,
        )
    else:
        response, created = person_response_get_or_create(
            survey=survey, person_key=key, contact=_contact(invitation)
        )
    if created:
        invitation.response = response
        invitation.save(update_fields=["response"])
    return response


def invitations_finish_anonymously(*, survey_id: int, responses) -> None:
    """Drop the invitations' ties to responses being anonymized; keep "Finished".

    Registered with surveys (register_anonymize_hook), it runs in the transaction
    that anonymizes them. responses: [(id, person_key, finished_at)]. The link that
    started a response loses its response_id; it and, for a response that names its
    person (one per contact), every link of the person to the survey get
    finished_anonymously_at (the finish time: counts, reminders, the history and
    "already completed" read it).
    """
    finished = {pk: at for pk, _, at in responses}
    # A response without a person key (several allowed per contact) finishes
    # only the link that started it.
    by_key = {key: at for _, key, at in responses if key}
    emails = {k[len("email:") :]: at for k, at in by_key.items() if k[:6] == "email:"}
    contacts = {
        int(k[len("contact:") :]): at for k, at in by_key.items() if k[:8] == "contact:"
    }
    table = Invitation._meta.db_table
    survey_distributions = (
        f"SELECT id FROM {Distribution._meta.db_table} WHERE survey_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} i
            SET response_id = NULL, finished_anonymously_at = v.finished_at
            FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, finished_at)
            WHERE i.response_id = v.id
            """,
            [list(finished), list(finished.values())],
        )
        if emails:
            # lower(email) COLLATE "C" per distribution: invitation_one_per_address.
            cursor.execute(
                f"""
                UPDATE {table} i
                SET finished_anonymously_at =
                    COALESCE(i.finished_anonymously_at, v.finished_at)
                FROM unnest(%s::text[], %s::timestamptz[]) AS v(email, finished_at)
                WHERE i.distribution_id IN ({survey_distributions})
                  AND lower(i.email) COLLATE "C" = v.email COLLATE "C"
                """,
                [list(emails), list(emails.values()), survey_id],
            )
        if contacts:
            cursor.execute(
                f"""
                UPDATE {table} i
                SET finished_anonymously_at =
                    COALESCE(i.finished_anonymously_at, v.finished_at)
                FROM unnest(%s::bigint[], %s::timestamptz[])
                    AS v(contact_id, finished_at)
                WHERE i.distribution_id IN ({survey_distributions})
                  AND i.email = '' AND i.contact_id = v.contact_id
                """,
                [list(contacts), list(contacts.values()), survey_id],
            )


def invitation_opt_out(*, invitation: Invitation) -> bool:
    """Add the invitation's address to its owner's suppressions; False if already."""
    return suppression_add(
        owner=invitation.distribution.owner,
        team_id=invitation.distribution.team_id,
        email=invitation.email,
        reason="opted_out",
    )
