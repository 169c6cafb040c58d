"""The definitions respondents see: a survey's versions, read once per process."""

from surveys.models import SurveyVersion

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
