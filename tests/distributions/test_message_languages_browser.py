"""Language versions of a message in a browser: Add a language, Load Message."""

import re

import pytest

from distributions.models import Distribution, Message
from teams.services import personal_team_id
from tests.conftest import assert_no_axe_violations
from tests.distributions.ui_support import GOOD_BODY, published_survey
from tests.helpers import make_list

pytestmark = pytest.mark.browser

ES_BODY = "Hola ${m://FirstName},\n\n${l://SurveyLink?d=Responder}"


@pytest.fixture
def survey(owner, transactional_db):
    return published_survey(owner)


def test_add_a_language_and_load_a_message_with_versions(logged_in_page, owner, survey):
    make_list(owner, name="Mixed", rows=[{"email": "a@example.edu", "language": "ES"}])
    Message.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        name="Bilingual",
        message_type="invite",
        subject="Survey",
        body=GOOD_BODY,
        versions={"fr": {"subject": "Enquête", "body": "${l://SurveyURL}"}},
    )
    page = logged_in_page
    page.goto(f"/surveys/{survey.pk}/distributions/emails/compose/")

    # Load Message brings the library message's versions.
    page.get_by_role("combobox", name="Load Message").select_option(label="Bilingual")
    assert page.get_by_label("Language", exact=True).input_value() == "fr"
    assert page.get_by_label("Translated subject").input_value() == "Enquête"

    # Remove it, add Spanish by hand, and insert piped text into it.
    page.get_by_label("Remove this language").check()
    page.get_by_role("button", name="Add a language").click()
    page.get_by_label("Language", exact=True).nth(1).fill("ES")
    page.get_by_label("Translated subject").nth(1).fill("Encuesta")
    message = page.get_by_label("Translated message").nth(1)
    message.fill("Hola ")
    page.get_by_role("button", name="First name").click()
    message.press("End")
    message.type(",\n\n${l://SurveyLink?d=Responder}")
    assert message.input_value() == ES_BODY
    assert_no_axe_violations(page)

    page.get_by_role("combobox", name=re.compile(r"^To")).select_option(
        label="Mixed (1 contact, 0 opted out)"
    )
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_text("Your email to Mixed is being sent.").wait_for()
    distribution = Distribution.objects.get(survey=survey)
    [(language, version)] = distribution.versions.items()
    assert (language, version["subject"]) == ("es", "Encuesta")
    # A browser sends its line breaks as CRLF, as it does for the default message.
    assert version["body"].replace("\r\n", "\n") == ES_BODY
