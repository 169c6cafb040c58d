"""Surveys Started / Finished stay live on the Emails page after the sending ends.

A respondent who opens the link an hour after the email went out shows up on the
page the owner already has open, without a reload.
"""

import pytest

from tests.distributions.ui_support import (
    deliver,
    email_distribution,
    published_survey,
)
from tests.helpers import make_list

pytestmark = pytest.mark.browser


def test_a_response_after_the_sending_shows_without_a_reload(
    logged_in_page, browser, live_server, owner, transactional_db
):
    survey = published_survey(owner, access="invitation")
    distribution = email_distribution(survey, make_list(owner, n=2))
    for invitation in distribution.invitations.all():
        deliver(distribution, invitation)
    page = logged_in_page
    page.goto(f"/surveys/{survey.pk}/distributions/")
    row = page.locator(f'tr[data-distribution="{distribution.pk}"]')
    assert "Sent" in row.locator(".status-cell").inner_text()
    assert row.locator('[data-count="surveys-finished"]').inner_text() == "0"
    page.evaluate("window.__same_document = true")

    # A contact answers through the personal link, in a browser of their own.
    respondent = browser.new_context(base_url=live_server.url)
    tab = respondent.new_page()
    tab.goto(f"/s/{distribution.invitations.first().token}/")
    tab.get_by_label("Yes").check()
    tab.get_by_role("button", name="Submit").click()
    tab.get_by_text("Thank you for completing this survey.").wait_for()
    respondent.close()

    finished = row.locator('[data-count="surveys-finished"]')
    finished.filter(has_text="1").wait_for(timeout=15_000)
    assert page.evaluate("window.__same_document") is True  # no reload happened
