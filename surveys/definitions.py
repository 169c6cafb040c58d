"""The definitions respondents see: a survey's versions, read once per process."""

from surveys.models import SurveyVersion
from surveys.translations import translate_definition

# Published versions never change, so each process keeps the definitions it has read:
# a respondent page then costs one indexed lookup. Keys start with the survey's random
# public_key, never ids alone: ids can come back after a database restore or a test
# run's sequence reset, a public_key does not.
_DEFINITIONS: dict[tuple[str, str, int], tuple[int, dict]] = {}
_DEFINITIONS_MAX = 512


def published_definition(survey) -> tuple[int, dict]:
    """Return (SurveyVersion id, definition) of what respondents see now."""
    key = (survey.public_key, "number", survey.published_version)
    found = _DEFINITIONS.get(key)
    if found is None:
        version = SurveyVersion.objects.only("id", "number", "definition").get(
            survey=survey, number=survey.published_version
        )
        found = _remember(survey, version)
    return found


def version_definition(version_id: int, *, survey) -> dict:
    """Return the definition of one of the survey's versions (a response's own)."""
    found = _DEFINITIONS.get((survey.public_key, "id", version_id))
    if found is None:
        version = SurveyVersion.objects.only("id", "number", "definition").get(
            survey=survey, pk=version_id
        )
        found = _remember(survey, version)
    return found[1]


def _remember(survey, version) -> tuple[int, dict]:
    if len(_DEFINITIONS) >= _DEFINITIONS_MAX:
        _DEFINITIONS.clear()
    found = (version.pk, version.definition)
    _DEFINITIONS[(survey.public_key, "number", version.number)] = found
    _DEFINITIONS[(survey.public_key, "id", version.pk)] = found
    return found


# A version's definition in each language respondents asked for, made once per
# process: a translated page then costs what an untranslated one does.
_TRANSLATED: dict[tuple[str, int, str], dict] = {}


def definition_in(definition: dict, language: str, *, survey, version_id: int) -> dict:
    """Return the version's definition with its texts in `language` (the original
    where the version has no translation)."""
    if language == definition.get("default_language", language):
        return definition
    key = (survey.public_key, version_id, language)
    found = _TRANSLATED.get(key)
    if found is None:
        texts = (definition.get("translations") or {}).get(language) or {}
        found = translate_definition(definition, texts)
        if len(_TRANSLATED) >= _DEFINITIONS_MAX:
            _TRANSLATED.clear()
        _TRANSLATED[key] = found
    return found
