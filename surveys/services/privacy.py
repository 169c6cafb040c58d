"""Taking people's identity off responses: one person's erasure, a survey's strip.

A response's identity is what a personal link copied onto it (names, email,
external reference, embedded data) and the keys that find it again (person_key,
resume_key): the fields the anonymous mode blanks. distributions orchestrates
both jobs (distributions.services.privacy) and passes what only it knows: the
person's key and the responses that person's invitations started.
"""

import re

from django.db import transaction
from django.db.models import Q, QuerySet

from surveys.models import Answer, Response, Survey
from surveys.selectors import person_responses
from surveys.services.publishing import survey_close
from teams.services import personal_team_id

RESPONSE_IDENTITY_BLANK = {
    "first_name": "",
    "last_name": "",
    "email": "",
    "external_reference": "",
    "embedded_data": {},
    "person_key": None,
    "resume_key": None,
}
# Responses that still carry any of it (so a second strip changes nothing).
_HAS_IDENTITY = (
    ~Q(first_name="")
    | ~Q(last_name="")
    | ~Q(email="")
    | ~Q(external_reference="")
    | ~Q(embedded_data={})
    | Q(person_key__isnull=False)
    | Q(resume_key__isnull=False)
)
ERASED = "[erased]"


@transaction.atomic
def person_responses_erase(
    *,
    owner,
    email: str,
    person_key: str | None,
    response_ids,
    keep_responses: bool,
    team_id: int | None = None,
) -> dict[str, int]:
    """Delete the person's responses to the team's surveys (`team_id`, else the
    owner's personal team), or keep them without identity; then take the address
    out of any answer to the team's surveys that quotes it. `owner` is the member
    who erases; the caller checked their right to.

    Return {"responses_deleted", "responses_anonymized", "answers_scrubbed"}.
    """
    if team_id is None:
        team_id = personal_team_id(owner.pk)
    ids = list(
        person_responses(
            user=owner,
            email=email,
            person_key=person_key,
            response_ids=response_ids,
            team_id=team_id,
        ).values_list("id", flat=True)
    )
    counts = {"responses_deleted": 0, "responses_anonymized": 0}
    responses = Response.objects.filter(id__in=ids)
    if keep_responses:
        counts["responses_anonymized"] = responses.update(**RESPONSE_IDENTITY_BLANK)
    else:
        counts["responses_deleted"] = len(ids)
        responses.delete()
    counts["answers_scrubbed"] = _answers_scrub(
        Answer.objects.filter(response__survey__team_id=team_id), email=email
    )
    return counts


@transaction.atomic
def survey_strip_identifiers(*, survey: Survey) -> int:
    """Close the survey and blank the identity of all its responses.

    Answers, statuses and timestamps stay. Return how many responses still had
    identity (0 the second time).
    """
    survey_close(survey=survey)
    return (
        Response.objects.filter(survey=survey)
        .filter(_HAS_IDENTITY)
        .update(**RESPONSE_IDENTITY_BLANK)
    )


def _answers_scrub(answers: QuerySet[Answer], *, email: str) -> int:
    """Replace the address wherever an answer quotes it (an email question, a
    comment); return how many answers changed."""
    pattern = re.compile(re.escape(email.strip()), re.IGNORECASE)

    def scrub(value):
        if isinstance(value, str):
            return pattern.sub(ERASED, value)
        if isinstance(value, list):
            return [scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        return value

    changed = 0
    for answer in answers.filter(value__icontains=email.strip()):
        answer.value = scrub(answer.value)
        answer.save(update_fields=["value", "updated_at"])
        changed += 1
    return changed
