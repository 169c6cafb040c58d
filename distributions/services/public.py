"""Writes made from a personal link: the invitation's response, the opt-out.

The response is made by surveys (response_create) and the suppression by
directories (suppression_add): this module only ties them to the invitation.
"""

from django.db import transaction

from directories.services.suppressions import suppression_add
from distributions.models import Invitation
from surveys.respondent import response_create


@transaction.atomic
def invitation_response_get_or_create(*, invitation_id: int):
    """Return the invitation's response, creating it on the respondent's first submit.

    Exactly one response per invitation: the row lock makes two first submits (two
    devices, a double click) wait for each other, and the second finds the first's
    response. The contact's data is copied onto the response (docs/architecture.md).
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
    response = response_create(
        survey=invitation.distribution.survey,
        channel="invitation",
        contact={
            "first_name": invitation.first_name,
            "last_name": invitation.last_name,
            "email": invitation.email,
            "external_reference": invitation.external_reference,
            "embedded_data": dict(invitation.embedded_data or {}),
        },
    )
    invitation.response = response
    invitation.save(update_fields=["response"])
    return response


def invitation_opt_out(*, invitation: Invitation) -> bool:
    """Add the invitation's address to its owner's suppressions; False if already."""
    return suppression_add(
        owner=invitation.distribution.owner,
        email=invitation.email,
        reason="opted_out",
    )
