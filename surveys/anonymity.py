"""Anonymous responses (Survey.anonymous_responses, Qualtrics' "Anonymize responses").

A finished response of an anonymous survey keeps its answers and nothing that names
its person: no person key, no resume key, no name, email, external reference or
embedded data (the contact's, which identify as well as a name can), and its times
cut to the date (midnight UTC), so they cannot be matched against the history's
finish times. The caller that knows which invitations led to the response
(distributions) registers a hook that runs first, in the same transaction, to drop
its own ties (docs/architecture.md, "One person across many links").
"""

import datetime
from collections.abc import Callable

from django.db import transaction
from django.db.models.functions import TruncDay

from surveys.models import Response, Survey

_hooks: list[Callable] = []


def register_anonymize_hook(hook: Callable) -> None:
    """Run hook(*, survey_id, responses) before responses are anonymized.

    responses: [(id, person_key, finished_at)], read before anything is blanked.
    """
    if hook not in _hooks:
        _hooks.append(hook)


def _midnight(field: str):
    return TruncDay(field, tzinfo=datetime.UTC)


def responses_anonymize(*, survey_id: int, response_ids=None) -> int:
    """Anonymize the survey's finished responses (those of response_ids if given).

    Call inside the transaction that finished them; return how many it wrote.
    Idempotent: an anonymized response has nothing left to blank, and its times
    are at midnight already.
    """
    with transaction.atomic():
        finished = Response.objects.filter(
            survey_id=survey_id, finished_at__isnull=False
        )
        if response_ids is not None:
            finished = finished.filter(pk__in=list(response_ids))
        rows = list(
            finished.select_for_update()
            .order_by("pk")
            .values_list("pk", "person_key", "finished_at")
        )
        if not rows:
            return 0
        for hook in _hooks:
            hook(survey_id=survey_id, responses=rows)
        return Response.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(
            person_key=None,
            resume_key=None,
            first_name="",
            last_name="",
            email="",
            external_reference="",
            embedded_data={},
            created_at=_midnight("created_at"),
            started_at=_midnight("started_at"),
            last_activity_at=_midnight("last_activity_at"),
            finished_at=_midnight("finished_at"),
        )


def survey_finished_identified_count(*, survey: Survey) -> int:
    """Return how many finished responses still carry their person's identity."""
    return (
        Response.objects.filter(survey=survey, finished_at__isnull=False)
        .exclude(
            person_key=None,
            resume_key=None,
            first_name="",
            last_name="",
            email="",
            external_reference="",
            embedded_data={},
        )
        .count()
    )


def survey_responses_anonymize(*, survey: Survey) -> int:
    """Anonymize the finished responses already collected; cannot be undone."""
    return responses_anonymize(survey_id=survey.pk)
