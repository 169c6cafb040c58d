"""Writes of rules: display and skip logic, page settings, closing rules."""

from django.db import transaction

from surveys.models import Page, Question, Survey
from surveys.services import _touch


@transaction.atomic
def question_set_logic(*, question: Question, display_logic: dict, skip_logic: dict):
    """Save a question's rules to the draft (respondents see them after Publish)."""
    question.display_logic = display_logic
    question.skip_logic = skip_logic
    question.save(update_fields=["display_logic", "skip_logic"])
    _touch(question.survey)
    return question


@transaction.atomic
def page_update(*, page: Page, introduction: str, display_logic: dict) -> Page:
    page.introduction = introduction
    page.display_logic = display_logic
    page.save(update_fields=["introduction", "display_logic"])
    _touch(page.survey)
    return page


@transaction.atomic
def survey_set_closing(
    *,
    survey: Survey,
    embedded_fields: list[str],
    close_at,
    close_after_finished: int | None,
    quotas: list[dict],
    screen_out_message: str,
) -> Survey:
    """Save embedded data declarations and closing rules; they apply at once.

    The declarations also go into the next published version (piping, logic), so
    they mark the draft changed; a cap already reached by the finished responses
    closes the survey at the next finish (surveys.closing).
    """
    changed_fields = survey.embedded_fields != embedded_fields
    survey.embedded_fields = embedded_fields
    survey.close_at = close_at
    survey.close_after_finished = close_after_finished
    survey.quotas = quotas
    survey.screen_out_message = screen_out_message
    survey.has_unpublished_changes = survey.has_unpublished_changes or changed_fields
    survey.save(
        update_fields=[
            "embedded_fields",
            "close_at",
            "close_after_finished",
            "quotas",
            "screen_out_message",
            "has_unpublished_changes",
            "updated_at",
        ]
    )
    return survey
