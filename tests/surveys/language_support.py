"""A survey offered in English, Spanish and Arabic, for the language tests."""

from surveys.services import publishing
from surveys.services import translations as services
from surveys.translations import translation_rows
from tests.factories import build_survey

SPANISH = {
    "title": "Vida en el campus",
    "Do you live on campus?": "¿Vive en el campus?",
    "Yes": "Sí",
    "No": "No",
    "Which college?": "¿Qué colegio?",
    "How many courses?": "¿Cuántos cursos?",
    "thank_you_message": "Gracias por completar la encuesta.",
}
ARABIC = {
    "title": "الحياة في الحرم الجامعي",
    "Do you live on campus?": "هل تسكن في الحرم الجامعي؟",
    "Yes": "نعم",
    "No": "لا",
}


def translate(survey, language, words: dict) -> None:
    """Translate the survey's texts found in `words` (by key or by original)."""
    services.survey_language_add(survey=survey, language=language)
    tag = language.lower()
    texts = {}
    for row in translation_rows(survey, tag):
        text = words.get(row["key"]) or words.get(row["original"])
        if text:
            texts[row["key"]] = text
    services.survey_translation_save(survey=survey, language=tag, texts=texts)


def multilingual_survey(owner, *, access="anyone"):
    survey = build_survey(owner, access=access)
    translate(survey, "ES", SPANISH)
    translate(survey, "AR", ARABIC)
    publishing.survey_publish(survey=survey)
    survey.refresh_from_db()
    return survey
