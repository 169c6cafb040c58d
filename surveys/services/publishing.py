"""Publish, close and reopen a survey: the draft frozen as the version respondents see."""

from django.db import transaction
from django.utils import timezone

from surveys import engine
from surveys.models import Question, Survey, SurveyTranslation, SurveyVersion
from surveys.services.rules import rules_problems


class PublishRefused(Exception):
    """Publish found rules that cannot run; .problems names each (in words)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def survey_definition(survey: Survey) -> dict:
    """Return the survey's current draft as a definition (what Publish freezes)."""
    questions = list(survey.questions.all())
    by_page: dict[int, list[Question]] = {}
    for question in questions:
        by_page.setdefault(question.page_id, []).append(question)
    pages = []
    # A skip's target Page id -> its index among the kept pages (an empty page's
    # skips go to the next kept page; past the last, to the end).
    targets = {}
    for page in survey.pages.order_by("position", "id"):
        targets[page.pk] = len(pages)
        items = sorted(by_page.get(page.pk, []), key=lambda q: (q.position, q.pk))
        if items:
            pages.append(
                {
                    "id": page.pk,
                    "introduction": page.introduction,
                    "display_logic": page.display_logic,
                    "questions": [_question_definition(q) for q in items],
                }
            )
    for page in pages:
        for question in page["questions"]:
            skip = question["skip_logic"]
            if skip and skip.get("to") != "end":
                at = targets.get(skip.get("to"), len(pages))
                question["skip_logic"] = {
                    **skip,
                    "to": at if at < len(pages) else "end",
                }
    return {
        "title": survey.title,
        "introduction": survey.introduction,
        "thank_you_message": survey.thank_you_message,
        "embedded_fields": survey.embedded_fields,
        "pages": pages,
    }


def survey_publishable_definition(survey: Survey) -> dict:
    """The draft as Publish freezes it: with its languages and their translations
    (surveys.translations), so each version shows the texts it was published with."""
    definition = survey_definition(survey)
    languages = [tag for tag in survey.languages if tag != survey.default_language]
    rows = SurveyTranslation.objects.filter(survey=survey, language__in=languages)
    definition["default_language"] = survey.default_language
    definition["languages"] = languages
    definition["translations"] = {
        row.language: {key: text for key, text in row.texts.items() if text}
        for row in rows
    }
    return definition


def _question_definition(question: Question) -> dict:
    return {
        "id": question.pk,
        "kind": question.kind,
        "text": question.text,
        "help_text": question.help_text,
        "required": question.required,
        "choices": question.choices,
        "statements": question.statements,
        "min_value": question.min_value,
        "max_value": question.max_value,
        "display_logic": question.display_logic,
        "skip_logic": dict(question.skip_logic),
    }


@transaction.atomic
def survey_publish(*, survey: Survey) -> SurveyVersion:
    """Freeze the draft as the next version; respondents see it from now on."""
    # Lock the survey so two Publish clicks cannot both take the same number.
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    problems = rules_problems(survey)
    if problems:
        raise PublishRefused(problems)
    number = survey.published_version + 1
    version = SurveyVersion.objects.create(
        survey=survey, number=number, definition=survey_publishable_definition(survey)
    )
    Survey.objects.filter(pk=survey.pk).update(
        published_version=number,
        has_unpublished_changes=False,
        # Publishing a closed survey updates what it will show once reopened.
        state=(
            Survey.State.CLOSED
            if survey.state == Survey.State.CLOSED
            else Survey.State.PUBLISHED
        ),
        updated_at=timezone.now(),
    )
    return version


@transaction.atomic
def survey_close(*, survey: Survey) -> None:
    Survey.objects.filter(pk=survey.pk, state=Survey.State.PUBLISHED).update(
        state=Survey.State.CLOSED, updated_at=timezone.now()
    )


@transaction.atomic
def survey_reopen(*, survey: Survey) -> None:
    Survey.objects.filter(pk=survey.pk, state=Survey.State.CLOSED).update(
        state=Survey.State.PUBLISHED, updated_at=timezone.now()
    )


def version_question_ids(survey: Survey) -> set[int]:
    ids = set()
    for definition in survey.versions.values_list("definition", flat=True):
        ids.update(q["id"] for q in engine.questions_of(definition))
    return ids
