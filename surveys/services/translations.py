"""Writes to a survey's languages and translations (surveys.translations has the keys).

Every change marks the survey as having unpublished changes: question texts reach
respondents with the next Publish, like the originals; the messages' translations
apply at once.
"""

import csv
import io

from django.db import transaction
from django.utils import timezone

from core.csv_export import cell_text
from core.languages import normalize_language
from surveys.models import Survey, SurveyTranslation
from surveys.services.publishing import survey_definition
from surveys.translations import survey_texts, text_problems

TRANSLATION_CSV_HEADER = ["key", "original", "translation"]
# A survey's translation file is its texts; more than this is not one.
TRANSLATION_CSV_MAX_BYTES = 5 * 1024 * 1024


class TranslationRefused(Exception):
    """The translation was not saved; .problems names each one (in words)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _changed(survey: Survey, **fields) -> None:
    Survey.objects.filter(pk=survey.pk).update(
        has_unpublished_changes=True, updated_at=timezone.now(), **fields
    )
    for name, value in fields.items():
        setattr(survey, name, value)


def _tag(language: str) -> str:
    tag = normalize_language(language)
    if tag is None:
        raise TranslationRefused([f"“{language}” is not a language code."])
    return tag


@transaction.atomic
def survey_language_add(*, survey: Survey, language: str) -> str:
    """Offer the survey in one more language; return its tag."""
    tag = _tag(language)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if tag != survey.default_language and tag not in survey.languages:
        _changed(survey, languages=[*survey.languages, tag])
    return tag


@transaction.atomic
def survey_language_remove(*, survey: Survey, language: str) -> None:
    """Stop offering a language; its translation is deleted."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    SurveyTranslation.objects.filter(survey=survey, language=language).delete()
    if language in survey.languages:
        _changed(survey, languages=[t for t in survey.languages if t != language])


@transaction.atomic
def survey_default_language_set(*, survey: Survey, language: str) -> str:
    """Say which language the survey's own texts are written in."""
    tag = _tag(language)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    SurveyTranslation.objects.filter(survey=survey, language=tag).delete()
    _changed(
        survey,
        default_language=tag,
        languages=[t for t in survey.languages if t != tag],
    )
    return tag


def _checked(survey: Survey, language: str, texts: dict, *, lines=None) -> dict:
    """Return the translation's non-blank texts, or raise naming every problem."""
    if language not in survey.languages:
        raise TranslationRefused([f"The survey is not offered in “{language}”."])
    definition = survey_definition(survey)
    known = {key for key, _, _ in survey_texts(survey, definition)}
    question_ids = {q["id"] for page in definition["pages"] for q in page["questions"]}
    problems, kept = [], {}
    for key, text in texts.items():
        where = f"Line {lines[key]}: " if lines else ""
        if key not in known:
            problems.append(f"{where}“{key}” is not a text of this survey.")
            continue
        text = (text or "").strip()
        for problem in text_problems(text, question_ids=question_ids):
            problems.append(f"{where}{key}: {problem}")
        if text:
            kept[key] = text
    if problems:
        raise TranslationRefused(problems)
    return kept


def _store(survey: Survey, language: str, texts: dict) -> SurveyTranslation:
    translation, _ = SurveyTranslation.objects.update_or_create(
        survey=survey, language=language, defaults={"texts": texts}
    )
    _changed(survey)
    return translation


@transaction.atomic
def survey_translation_save(
    *, survey: Survey, language: str, texts: dict
) -> SurveyTranslation:
    """Replace the survey's translation into `language` by `texts` ({key: text});
    refused whole if a key is unknown or a piped placeholder is broken."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    return _store(survey, language, _checked(survey, language, texts))


@transaction.atomic
def survey_translation_import(
    *, survey: Survey, language: str, content: bytes
) -> SurveyTranslation:
    """Apply a translation CSV (key, original, translation) as a whole, or nothing.

    Every row is checked first; any problem refuses the file with its line named.
    Texts the file does not mention keep their translation.
    """
    if len(content) > TRANSLATION_CSV_MAX_BYTES:
        raise TranslationRefused(["The file is larger than a survey's texts can be."])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TranslationRefused(["The file is not UTF-8 text."]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if header[:3] != TRANSLATION_CSV_HEADER:
        raise TranslationRefused(
            ["Line 1: the columns must be key, original, translation."]
        )
    texts, lines, problems = {}, {}, []
    while True:
        line = reader.line_num + 1  # where the row starts (a cell may span lines)
        row = next(reader, None)
        if row is None:
            break
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 3:
            problems.append(f"Line {line}: expected 3 columns, found {len(row)}.")
            continue
        key = row[0].strip()
        if key in lines:
            problems.append(f"Line {line}: “{key}” is also on line {lines[key]}.")
            continue
        texts[key], lines[key] = cell_text(row[2]), line
    if problems:
        raise TranslationRefused(problems)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    kept = _checked(survey, language, texts, lines=lines)
    current = (
        SurveyTranslation.objects.filter(survey=survey, language=language)
        .values_list("texts", flat=True)
        .first()
    ) or {}
    merged = {**current, **kept}
    for key in texts.keys() - kept.keys():  # a blank translation in the file
        merged.pop(key, None)
    return _store(survey, language, merged)
