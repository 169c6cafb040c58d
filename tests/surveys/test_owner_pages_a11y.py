"""The owner's survey pages pass an automated accessibility check."""

import pytest
from django.test import Client

from tests.conftest import assert_no_axe_violations
from tests.factories import build_survey
from tests.surveys.conftest import page1_answers, page2_answers

pytestmark = pytest.mark.browser


def test_builder_options_responses_and_summary(logged_in_page, owner):
    survey = build_survey(owner)
    respondent = Client()
    respondent.post(f"/r/{survey.public_key}/", page1_answers(survey))
    respondent.post(f"/r/{survey.public_key}/", page2_answers(survey))
    response = survey.responses.get()

    for path, text in [
        ("/surveys/", "Campus life"),
        (f"/surveys/{survey.pk}/", "Add page break"),
        (f"/surveys/{survey.pk}/options/", "Invitation only"),
        (f"/surveys/{survey.pk}/questions/{survey.questions.first().pk}/", "Choices"),
        (f"/surveys/{survey.pk}/responses/", "1 finished"),
        (f"/surveys/{survey.pk}/responses/{response.public_id}/", "Trinity"),
        (f"/surveys/{survey.pk}/responses/summary/", "How much do you agree?"),
        (f"/surveys/{survey.pk}/preview/", "Preview."),
    ]:
        logged_in_page.goto(path)
        logged_in_page.get_by_text(text).first.wait_for()
        assert_no_axe_violations(logged_in_page)
