"""A survey's texts in other languages: the keys, applying them, checking them.

Each respondent-visible text of a survey has a stable key:

    title, introduction                      the survey's
    thank_you_message, closed_message,       the messages (Options; they apply at
    already_completed_message,               once, read from SurveyTranslation)
    screen_out_message
    page:<page id>:introduction
    q:<question id>:text, q:<id>:help_text, q:<id>:choice:<choice id>,
    q:<id>:statement:<statement id>, q:<id>:skip_message

The owner's translations are SurveyTranslation rows ({key: text}); Publish copies
them into the version's definition ("translations": {language: {key: text}}), so a
response keeps the texts of the version it was given. A key without a translation
shows the original.
"""

import copy

from surveys.models import Survey, SurveyTranslation
from surveys.piping import piped_questions, piping_problems
from surveys.services.publishing import survey_definition

MESSAGE_KEYS = (
    ("thank_you_message", "Thank-you message"),
    ("closed_message", "Closed message"),
    ("already_completed_message", "Already-completed message"),
    ("screen_out_message", "Screen-out message"),
)


def offered_languages(source) -> list[str]:
    """The languages a definition (or survey) offers: its default, then the others."""
    if isinstance(source, Survey):
        default, others = source.default_language, source.languages
    else:
        default = source.get("default_language") or "en"
        others = source.get("languages") or []
    return [default, *[tag for tag in others if tag != default]]


def definition_texts(definition: dict) -> list[tuple[str, str, str]]:
    """(key, original, where) of every translatable text of a definition, in the
    order a respondent meets them."""
    found = [
        ("title", definition.get("title", ""), "Survey title"),
        ("introduction", definition.get("introduction", ""), "Survey introduction"),
    ]
    number = 0
    for page_number, page in enumerate(definition.get("pages", []), start=1):
        if page.get("id") is not None:
            found.append(
                (
                    f"page:{page['id']}:introduction",
                    page.get("introduction", ""),
                    f"Page {page_number} introduction",
                )
            )
        for question in page["questions"]:
            number += 1
            qid = question["id"]
            where = f"Q{number}"
            found.append((f"q:{qid}:text", question.get("text", ""), where))
            found.append(
                (f"q:{qid}:help_text", question.get("help_text", ""), f"{where} help")
            )
            for choice in question.get("choices") or []:
                found.append(
                    (
                        f"q:{qid}:choice:{choice['id']}",
                        choice["label"],
                        f"{where} choice",
                    )
                )
            for statement in question.get("statements") or []:
                found.append(
                    (
                        f"q:{qid}:statement:{statement['id']}",
                        statement["label"],
                        f"{where} statement",
                    )
                )
            message = (question.get("skip_logic") or {}).get("message")
            if message:
                found.append((f"q:{qid}:skip_message", message, f"{where} screen-out"))
    return [item for item in found if item[1]]


def survey_texts(survey: Survey, definition: dict) -> list[tuple[str, str, str]]:
    """Every translatable text of the survey: its draft definition's and its messages."""
    messages = [
        (key, getattr(survey, key), label)
        for key, label in MESSAGE_KEYS
        if getattr(survey, key)
    ]
    return definition_texts(definition) + messages


def translate_definition(definition: dict, texts: dict) -> dict:
    """Return a copy of the definition with its texts replaced where translated."""
    if not texts:
        return definition
    out = copy.deepcopy(definition)

    def put(target, field, key):
        text = texts.get(key)
        if text:
            target[field] = text

    put(out, "title", "title")
    put(out, "introduction", "introduction")
    for page in out.get("pages", []):
        put(page, "introduction", f"page:{page.get('id')}:introduction")
        for question in page["questions"]:
            qid = question["id"]
            put(question, "text", f"q:{qid}:text")
            put(question, "help_text", f"q:{qid}:help_text")
            for choice in question.get("choices") or []:
                put(choice, "label", f"q:{qid}:choice:{choice['id']}")
            for statement in question.get("statements") or []:
                put(statement, "label", f"q:{qid}:statement:{statement['id']}")
            skip = question.get("skip_logic") or {}
            if skip.get("message"):
                put(skip, "message", f"q:{qid}:skip_message")
    return out


def text_problems(text: str, *, question_ids) -> list[str]:
    """What is wrong with a translated text's piped placeholders, in sentences."""
    problems = list(piping_problems(text))
    if not problems and text and "${" in text:
        problems += [
            f"Piped text names question {qid}, which the survey does not have."
            for qid in sorted(piped_questions(text) - set(question_ids))
        ]
    return problems


def survey_message(survey: Survey, key: str, language: str | None) -> str:
    """One of the survey's messages in a language (the original where untranslated).

    The messages apply at once, like the originals, so they are read from the
    owner's translation, not the version: one indexed lookup, only on a message page
    in a language other than the default.
    """
    original = getattr(survey, key)
    if not language or language == survey.default_language:
        return original
    texts = (
        SurveyTranslation.objects.filter(survey_id=survey.pk, language=language)
        .values_list("texts", flat=True)
        .first()
    )
    return (texts or {}).get(key) or original


def translation_rows(survey: Survey, language: str) -> list[dict]:
    """The owner's side-by-side view of one language: every text of the draft with
    its translation ("" where untranslated)."""
    texts = (
        SurveyTranslation.objects.filter(survey=survey, language=language)
        .values_list("texts", flat=True)
        .first()
    ) or {}
    return [
        {
            "key": key,
            "where": where,
            "original": original,
            "translation": texts.get(key, ""),
        }
        for key, original, where in survey_texts(survey, survey_definition(survey))
    ]
