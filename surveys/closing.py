"""Closing rules: a date and time, a number of finished responses, quotas.

The owner sets them on the Options page; they apply at once (like the messages),
to every version. A *finished* response here is one that reached the end and was
not screened out (Response.screened_out): screen-outs count toward nothing.

- **Date** (Survey.close_at, entered in the owner's time zone): from that moment
  every link shows the closed message, as if the owner had pressed Close.
- **Cap** (Survey.close_after_finished = N): the finish that makes N closes the
  survey (state Closed) in its own transaction, under a lock on the survey row,
  so N is never exceeded however many finish at once.
- **Quotas** ([{"source": "e:Department" | "q:<id>", "limit": N}]): a respondent
  whose value of that field (or answer) already has N finished responses gets the
  survey's screen-out message, checked when the page shows and at every submit,
  and once more under the lock when they finish.

**Responses in progress at closing** (by hand, by date or by the cap) stop where
they are: their next page shows the closed message, their answers so far stay as an
unfinished response (*Survey Started*), and they are never finished afterwards.
Chosen over "let them finish" because it keeps the cap exact and is what a closed
survey already did (surveys.respondent.survey_unavailable); reopening lets them go
on from their page. tests/surveys/test_closing.py keeps it so.
"""

from django.utils import timezone

from surveys.models import Answer, Response, Survey

FINISHED = "finished"
CLOSED = "closed"
SCREENED_OUT = "screened_out"
ALREADY = "already"


def closed_by_date(survey, *, now=None) -> bool:
    return survey.close_at is not None and survey.close_at <= (now or timezone.now())


def _finished(survey_id):
    return Response.objects.filter(
        survey_id=survey_id, finished_at__isnull=False, screened_out=False
    )


def finished_count(survey) -> int:
    return _finished(survey.pk).count()


def quota_screen_out(survey, definition, facts) -> str:
    """The screen-out message if the respondent's value of a quota is full, else ""."""
    for quota in survey.quotas or []:
        source, limit = quota.get("source", ""), quota.get("limit")
        kind, _, key = source.partition(":")
        if limit is None or not key:
            continue
        if kind == "e":
            value = facts.embedded.get(key)
            if value in (None, ""):
                continue
            count = _finished(survey.pk).filter(embedded_data__contains={key: value})
        elif kind == "q" and key.isdigit():
            value = facts.answers.get(int(key))
            if value in (None, "", []):
                continue
            count = Answer.objects.filter(
                response__in=_finished(survey.pk), question_id=int(key), value=value
            )
        else:
            continue
        if count.count() >= limit:
            return survey.screen_out_message
    return ""


def finish(survey, definition, facts, response_pk, *, current_page, **progress) -> str:
    """Finish the response (in the caller's transaction) unless a rule stops it.

    Returns FINISHED, CLOSED (the cap was reached by others or the survey was closed
    meanwhile: the response stays unfinished), SCREENED_OUT (its quota filled
    meanwhile) or ALREADY (finished by a concurrent submit).
    """
    now = timezone.now()
    mine = Response.objects.filter(pk=response_pk, finished_at__isnull=True)
    if survey.close_after_finished is not None or survey.quotas:
        # One finish at a time per survey with a cap or quotas: the count is exact.
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.state == Survey.State.CLOSED or closed_by_date(survey, now=now):
            return CLOSED
        cap = survey.close_after_finished
        if cap is not None and finished_count(survey) >= cap:
            Survey.objects.filter(pk=survey.pk).update(state=Survey.State.CLOSED)
            return CLOSED
        if quota_screen_out(survey, definition, facts):
            done = mine.update(
                finished_at=now,
                screened_out=True,
                current_page=current_page,
                **progress,
            )
            return SCREENED_OUT if done else ALREADY
    if not mine.update(finished_at=now, current_page=current_page, **progress):
        return ALREADY
    cap = survey.close_after_finished
    if cap is not None and finished_count(survey) >= cap:
        Survey.objects.filter(pk=survey.pk, state=Survey.State.PUBLISHED).update(
            state=Survey.State.CLOSED
        )
    return FINISHED
