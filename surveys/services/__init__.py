"""Writes to surveys: the builder (publishing and closing: services.publishing).
Responses: surveys.respondent."""

import secrets

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from surveys.models import Answer, Page, Question, Survey
from surveys.services.rules import rules_follow_copy
from teams.services import team_of

DEFAULT_CHOICES = {
    Question.Kind.SINGLE_CHOICE: ["Yes", "No"],
    Question.Kind.MULTIPLE_CHOICE: ["Option 1", "Option 2", "Option 3"],
    Question.Kind.DROPDOWN: ["Option 1", "Option 2", "Option 3"],
    Question.Kind.RANKING: ["Item 1", "Item 2", "Item 3"],
    Question.Kind.MATRIX: [
        "Strongly disagree",
        "Disagree",
        "Neutral",
        "Agree",
        "Strongly agree",
    ],
}
DEFAULT_STATEMENTS = ["Statement 1", "Statement 2"]
KINDS_WITH_CHOICES = {
    Question.Kind.SINGLE_CHOICE,
    Question.Kind.MULTIPLE_CHOICE,
    Question.Kind.DROPDOWN,
    Question.Kind.MATRIX,
    Question.Kind.RANKING,
}
# Kinds that may end with a text-entry "Other" choice (surveys.qtypes).
KINDS_WITH_OTHER = {
    Question.Kind.SINGLE_CHOICE,
    Question.Kind.MULTIPLE_CHOICE,
    Question.Kind.DROPDOWN,
}


def _new_item_id() -> str:
    # Short random ids: unique within a question, stable across relabel and reorder.
    return secrets.token_hex(4)


def labelled_items(labels: list[str], previous: list[dict] | None = None) -> list[dict]:
    """Return [{"id", "label"}] for labels, keeping the ids of previous items.

    A label that is still there keeps its id wherever it moved; the new labels take
    the ids of the vanished ones in order (a rename keeps its id), so answers already
    given follow the choice. Labels beyond those get new ids.
    """
    previous = previous or []
    by_label = {}
    for item in previous:
        by_label.setdefault(item["label"], item["id"])
    kept = {by_label[label] for label in labels if label in by_label}
    spare = [item["id"] for item in previous if item["id"] not in kept]
    items = []
    used = set()
    for label in labels:
        item_id = by_label.get(label)
        if item_id is None or item_id in used:
            item_id = spare.pop(0) if spare else _new_item_id()
        used.add(item_id)
        items.append({"id": item_id, "label": label})
    return items


def _touch(survey: Survey) -> None:
    Survey.objects.filter(pk=survey.pk).update(
        has_unpublished_changes=True, updated_at=timezone.now()
    )


@transaction.atomic
def survey_create(*, owner, title: str, team=None) -> Survey:
    """A new survey in `team` (default: the owner's personal team)."""
    survey = Survey.objects.create(
        owner=owner, team=team_of(user=owner, team=team), title=title
    )
    Page.objects.create(survey=survey, position=0)
    return survey


@transaction.atomic
def survey_rename(*, survey: Survey, title: str) -> Survey:
    survey.title = title
    survey.has_unpublished_changes = True
    survey.save(update_fields=["title", "has_unpublished_changes", "updated_at"])
    return survey


@transaction.atomic
def survey_update_header(*, survey: Survey, title: str, introduction: str) -> Survey:
    survey.title = title
    survey.introduction = introduction
    survey.has_unpublished_changes = True
    survey.save(
        update_fields=["title", "introduction", "has_unpublished_changes", "updated_at"]
    )
    return survey


@transaction.atomic
def survey_set_options(
    *,
    survey: Survey,
    access: str,
    thank_you_message: str,
    closed_message: str,
    already_completed_message: str | None = None,
    allow_multiple_responses: bool | None = None,
    anonymous_responses: bool | None = None,
) -> Survey:
    """Save Options; they take effect at once (not versioned). Options left None
    keep their value. Turning anonymous responses on changes the responses that
    finish from now on; those already collected: survey_responses_anonymize."""
    survey.access = access
    survey.thank_you_message = thank_you_message
    survey.closed_message = closed_message
    fields = ["access", "thank_you_message", "closed_message", "updated_at"]
    for name, value in (
        ("already_completed_message", already_completed_message),
        ("allow_multiple_responses", allow_multiple_responses),
        ("anonymous_responses", anonymous_responses),
    ):
        if value is not None:
            setattr(survey, name, value)
            fields.append(name)
    survey.save(update_fields=fields)
    return survey


@transaction.atomic
def survey_duplicate(*, survey: Survey, owner) -> Survey:
    """Copy the survey's draft (questions and options) as a new unpublished survey."""
    copy = Survey.objects.create(
        owner=owner,
        team_id=survey.team_id,
        title=f"{survey.title} (copy)"[:200],
        introduction=survey.introduction,
        thank_you_message=survey.thank_you_message,
        closed_message=survey.closed_message,
        already_completed_message=survey.already_completed_message,
        allow_multiple_responses=survey.allow_multiple_responses,
        anonymous_responses=survey.anonymous_responses,
        access=survey.access,
        embedded_fields=survey.embedded_fields,
        screen_out_message=survey.screen_out_message,
    )
    page_ids: dict[int, int] = {}
    question_ids: dict[int, int] = {}
    for page in survey.pages.prefetch_related("questions"):
        new_page = Page.objects.create(
            survey=copy,
            position=page.position,
            introduction=page.introduction,
            display_logic=page.display_logic,
        )
        page_ids[page.pk] = new_page.pk
        originals = list(page.questions.all())
        copies = Question.objects.bulk_create(
            [
                Question(
                    survey=copy,
                    page=new_page,
                    position=q.position,
                    kind=q.kind,
                    text=q.text,
                    help_text=q.help_text,
                    required=q.required,
                    choices=q.choices,
                    statements=q.statements,
                    min_value=q.min_value,
                    max_value=q.max_value,
                    display_logic=q.display_logic,
                    skip_logic=q.skip_logic,
                )
                for q in originals
            ]
        )
        question_ids |= {
            old.pk: new.pk for old, new in zip(originals, copies, strict=True)
        }
    # Rules and piped answers name questions and pages by id: point them at the copies.
    rules_follow_copy(survey=copy, question_ids=question_ids, page_ids=page_ids)
    if not copy.pages.exists():
        Page.objects.create(survey=copy, position=0)
    return copy


@transaction.atomic
def survey_delete(*, survey: Survey) -> None:
    # Responses protect their versions (on_delete=PROTECT); delete them first.
    survey.responses.all().delete()
    survey.versions.all().delete()
    survey.delete()


def _ordered_pages(survey: Survey) -> list[Page]:
    pages = list(survey.pages.order_by("position", "id"))
    if not pages:
        pages = [Page.objects.create(survey=survey, position=0)]
    return pages


def _renumber(items) -> None:
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


@transaction.atomic
def page_add(*, survey: Survey) -> Page:
    """Add a page break: a new empty page at the end."""
    last = survey.pages.aggregate(last=Max("position"))["last"]
    page = Page.objects.create(survey=survey, position=0 if last is None else last + 1)
    _touch(survey)
    return page


@transaction.atomic
def page_delete(*, survey: Survey, page: Page) -> None:
    """Remove a page break: the page's questions join the page before (or after)."""
    pages = _ordered_pages(survey)
    if len(pages) == 1:
        return
    index = [p.pk for p in pages].index(page.pk)
    target = pages[index - 1] if index > 0 else pages[1]
    start = target.questions.aggregate(last=Max("position"))["last"]
    start = -1 if start is None else start
    for offset, question in enumerate(page.questions.order_by("position", "id")):
        question.page = target
        question.position = start + 1 + offset
        question.save(update_fields=["page", "position"])
    page.delete()
    _renumber([p for p in pages if p.pk != page.pk])
    _touch(survey)


@transaction.atomic
def question_add(*, survey: Survey, page: Page, kind: str) -> Question:
    last = page.questions.aggregate(last=Max("position"))["last"]
    question = Question(
        survey=survey,
        page=page,
        position=0 if last is None else last + 1,
        kind=kind,
        text=(
            "New text shown to respondents"
            if kind == Question.Kind.DESCRIPTIVE
            else "New question"
        ),
        choices=labelled_items(DEFAULT_CHOICES.get(kind, [])),
        statements=labelled_items(DEFAULT_STATEMENTS) if kind == "matrix" else [],
    )
    if kind == Question.Kind.RATING:
        question.min_value, question.max_value = 1, 5
    question.save()
    _touch(survey)
    return question


@transaction.atomic
def question_update(
    *,
    question: Question,
    text: str,
    help_text: str = "",
    required: bool = False,
    choice_labels: list[str] | None = None,
    statement_labels: list[str] | None = None,
    min_value: int | None = None,
    max_value: int | None = None,
    other_label: str | None = None,
) -> Question:
    """Save a question's wording and options. `other_label` ("" for none) sets the
    text-entry "Other" choice at the end of a choice question's list."""
    question.text = text
    question.help_text = help_text
    question.required = required and question.kind != Question.Kind.DESCRIPTIVE
    if question.kind in KINDS_WITH_CHOICES and choice_labels is not None:
        other = next((c for c in question.choices if c.get("other")), None)
        question.choices = labelled_items(
            choice_labels, [c for c in question.choices if not c.get("other")]
        )
        if other_label is None and other is not None:
            other_label = other["label"]
        if other_label and question.kind in KINDS_WITH_OTHER:
            used = {c["id"] for c in question.choices}
            other_id = other["id"] if other and other["id"] not in used else None
            question.choices.append(
                {"id": other_id or _new_item_id(), "label": other_label, "other": True}
            )
    if question.kind == Question.Kind.MATRIX and statement_labels is not None:
        question.statements = labelled_items(statement_labels, question.statements)
    if question.kind in (Question.Kind.NUMBER, Question.Kind.RATING):
        question.min_value = min_value
        question.max_value = max_value
    question.save()
    _touch(question.survey)
    return question


@transaction.atomic
def question_move(*, question: Question, direction: str) -> None:
    """Move a question up/down within its page, or to the previous/next page."""
    survey = question.survey
    pages = _ordered_pages(survey)
    page_ids = [p.pk for p in pages]
    siblings = list(question.page.questions.order_by("position", "id"))
    index = [q.pk for q in siblings].index(question.pk)
    page_index = page_ids.index(question.page_id)
    if direction in ("up", "down"):
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(siblings):
            siblings[index], siblings[other] = siblings[other], siblings[index]
            _renumber(siblings)
        elif direction == "up" and page_index > 0:
            direction = "previous_page"
        elif direction == "down" and page_index < len(pages) - 1:
            direction = "next_page"
    if direction in ("previous_page", "next_page"):
        target_index = page_index + (-1 if direction == "previous_page" else 1)
        if not 0 <= target_index < len(pages):
            return
        target = pages[target_index]
        others = list(target.questions.order_by("position", "id"))
        # Into the previous page: last; into the next page: first.
        ordered = (
            others + [question] if direction == "previous_page" else [question] + others
        )
        question.page = target
        question.save(update_fields=["page"])
        _renumber(ordered)
        _renumber([q for q in siblings if q.pk != question.pk])
    _touch(survey)


def question_has_answers(*, question: Question) -> bool:
    return Answer.objects.filter(
        response__survey_id=question.survey_id, question_id=question.pk
    ).exists()


@transaction.atomic
def question_delete(*, question: Question) -> None:
    """Delete a draft question. Its answers stay: exports read them by version."""
    survey = question.survey
    question.delete()
    _touch(survey)
