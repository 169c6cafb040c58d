"""The respondent pages' hand-written reads return what the ORM would."""

from django.forms.models import model_to_dict

from surveys.lookups import anonymous_response_by_resume_key, survey_by_public_key
from surveys.models import Answer, Response, Survey
from surveys.respondent import new_resume_key, response_create


def test_reads_match_the_orm(survey):
    response = response_create(
        survey=survey,
        channel="anonymous",
        resume_key=new_resume_key(),
        contact={"first_name": "Ana", "embedded_data": {"Cohort": "2026"}},
    )
    question = survey.questions.first()
    Answer.objects.create(response=response, question_id=question.pk, value=["a", 1])

    found = anonymous_response_by_resume_key(survey.public_key, response.resume_key)

    expected = Response.objects.get(pk=response.pk)
    assert model_to_dict(found) == model_to_dict(expected)
    assert found.created_at == expected.created_at
    assert found.embedded_data == {"Cohort": "2026"}
    assert found.saved_answers == {str(question.pk): ["a", 1]}
    assert model_to_dict(found.survey) == model_to_dict(
        Survey.objects.get(pk=survey.pk)
    )
    assert found.survey.updated_at == Survey.objects.get(pk=survey.pk).updated_at
    assert model_to_dict(survey_by_public_key(survey.public_key)) == model_to_dict(
        survey
    )


def test_reads_find_nothing_for_other_keys(survey, other_owner):
    from tests.factories import build_survey

    response = response_create(
        survey=survey, channel="anonymous", resume_key=new_resume_key()
    )
    other = build_survey(other_owner)

    assert survey_by_public_key("nope") is None
    assert anonymous_response_by_resume_key(survey.public_key, "nope") is None
    # A resume key works only on its own survey's link.
    assert (
        anonymous_response_by_resume_key(other.public_key, response.resume_key) is None
    )
    fresh = anonymous_response_by_resume_key(survey.public_key, response.resume_key)
    assert fresh.saved_answers == {}
