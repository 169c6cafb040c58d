"""Creating responses: a personal link's (its person's, at most one per survey
unless the survey allows more) and an anonymous link's (resumed by its key).
Part of surveys.respondent's contract, which re-exports them."""

from django.db import IntegrityError, transaction

from core.tokens import new_token
from surveys.definitions import published_definition
from surveys.models import Response


def response_create(
    *, survey, channel, contact=None, resume_key=None, person_key=None
) -> Response:
    """Create a response on the survey's published version, copying the contact."""
    version_id, _ = published_definition(survey)
    contact = contact or {}
    return Response.objects.create(
        survey=survey,
        version_id=version_id,
        channel=channel,
        resume_key=resume_key,
        person_key=person_key,
        first_name=contact.get("first_name") or "",
        last_name=contact.get("last_name") or "",
        email=contact.get("email") or "",
        external_reference=contact.get("external_reference") or "",
        embedded_data=contact.get("embedded_data") or {},
    )


def person_response_get_or_create(
    *, survey, person_key: str, contact: dict
) -> tuple[Response, bool]:
    """Return the person's response to the survey and whether it was made now.

    Two of a person's links submitting a first page at the same instant both try
    the INSERT; response_one_per_person makes the second wait for the first's
    commit and fail, in a savepoint, and it then reads the first's response.
    """
    try:
        with transaction.atomic():
            response = response_create(
                survey=survey,
                channel=Response.Channel.INVITATION,
                contact=contact,
                person_key=person_key,
            )
        return response, True
    except IntegrityError:
        return Response.objects.get(survey=survey, person_key=person_key), False


def new_resume_key() -> str:
    return new_token()
