"""Compose Email in a browser: insert buttons, the list's fields, When, accessibility."""

import re

import pytest

from tests.conftest import assert_no_axe_violations
from tests.distributions.ui_support import (
    deliver,
    email_distribution,
    published_survey,
)
from tests.helpers import make_list

pytestmark = pytest.mark.browser


@pytest.fixture
def survey(owner, transactional_db):
    return published_survey(owner)


def test_insert_buttons_fields_and_when(logged_in_page, owner, survey):
    make_list(owner, name="Cohorts", n=2, embedded_fields=["Cohort"])
    make_list(owner, name="Plain", n=1)
    page = logged_in_page
    page.goto(f"/surveys/{survey.pk}/distributions/")
    page.get_by_role("link", name="Compose Email").click()

    to = page.get_by_role("combobox", name=re.compile(r"^To"))
    body = page.get_by_role("textbox", name=re.compile(r"^Message"))
    to.select_option(label="Cohorts (2 contacts, 0 opted out)")
    body.fill("Hello ")
    page.get_by_role("button", name="First name").click()
    page.get_by_role("button", name="Cohort", exact=True).click()
    page.get_by_role("button", name="Survey link").click()
    assert body.input_value() == (
        "Hello ${m://FirstName}${e://Field/Cohort}${l://SurveyLink?d=Take the survey}"
    )
    # Another list has other fields.
    to.select_option(label="Plain (1 contact, 0 opted out)")
    assert page.get_by_role("button", name="Cohort", exact=True).count() == 0

    custom = page.get_by_label("Date and time")
    assert not custom.is_visible()
    page.get_by_role("radio", name="Custom...").check()
    assert custom.is_visible()
    page.get_by_role("radio", name="In 1 hour").check()
    assert not custom.is_visible()

    expiry_day = page.get_by_label("Expiry date")
    assert not expiry_day.is_visible()
    page.get_by_role("combobox", name=re.compile(r"^Link expires")).select_option(
        label="Custom date..."
    )
    assert expiry_day.is_visible()

    # Load Message fills subject and message.
    page.get_by_role("combobox", name="Load Message").select_option(
        label="Default reminder"
    )
    subject = page.get_by_role("textbox", name=re.compile(r"^Subject"))
    assert subject.input_value() == "Reminder: your survey is waiting"
    assert "${l://SurveyLink?d=Continue to the survey}" in body.input_value()


def test_compose_and_emails_pages_have_no_axe_violations(logged_in_page, owner, survey):
    students = make_list(owner, n=2)
    distribution = email_distribution(survey, students)
    for invitation in distribution.invitations.all():
        deliver(distribution, invitation)
    page = logged_in_page

    page.goto(f"/surveys/{survey.pk}/distributions/")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Actions for the email to Students").click()
    page.get_by_role("link", name="View").wait_for()
    page.goto(f"/surveys/{survey.pk}/distributions/emails/compose/")
    assert_no_axe_violations(page)
    page.goto(f"/surveys/{survey.pk}/distributions/emails/{distribution.pk}/")
    assert_no_axe_violations(page)
    page.goto("/messages/")
    assert_no_axe_violations(page)
