"""A phone-sized browser: build, publish, answer through the anonymous link, export."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import assert_no_axe_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _sign_in(context, client, owner, live_server):
    client.force_login(owner)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _add_question(page, page_number, kind, text, **fields):
    page.get_by_label("Question type").nth(page_number - 1).select_option(label=kind)
    page.get_by_role("button", name=f"Add question to page {page_number}").click()
    page.get_by_label("Question text").fill(text)
    for label, value in fields.items():
        target = page.get_by_label(label)
        if value is True:
            target.check()
        else:
            target.fill(value)
    page.get_by_role("button", name="Save question").click()
    page.get_by_text(text).first.wait_for()


def test_build_answer_on_a_phone_and_export(
    phone_page, browser, live_server, client, owner
):
    owner_page = phone_page
    _sign_in(owner_page.context, client, owner, live_server)

    # Build: two pages, five question types.
    owner_page.goto("/surveys/")
    owner_page.get_by_label("New survey name").fill("Campus life")
    owner_page.get_by_role("button", name="Create survey").click()
    owner_page.get_by_label("Introduction", exact=True).fill("Tell us about your term.")
    owner_page.get_by_role("button", name="Save title and introduction").click()
    _add_question(
        owner_page,
        1,
        "Single choice",
        "Do you live on campus?",
        **{"Choices": "Yes\nNo", "Require an answer": True},
    )
    _add_question(owner_page, 1, "Short text", "Which college?")
    _add_question(
        owner_page, 1, "Number", "How many courses?", Minimum="1", Maximum="10"
    )
    owner_page.get_by_role("button", name="Add page break").click()
    _add_question(
        owner_page,
        2,
        "Multiple choice",
        "Which services do you use?",
        Choices="Library\nGym\nCanteen",
    )
    _add_question(
        owner_page,
        2,
        "Rating scale",
        "How likely are you to recommend us?",
        **{"Scale starts at": "0", "Scale ends at": "10", "Require an answer": True},
    )
    owner_page.get_by_role("button", name="Publish").click()
    owner_page.get_by_text("Published version 1.").wait_for()
    link = owner_page.get_by_label("Anonymous link").input_value()
    assert link.endswith("/")
    path = link[link.index("/r/") :]

    # Answer on another phone, without any login.
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    respondent = context.new_page()
    try:
        respondent.goto(path)
        assert respondent.get_by_text("Page 1 of 2").is_visible()
        assert respondent.get_by_text("Tell us about your term.").is_visible()
        assert_no_axe_violations(respondent)

        # A missing required answer: the message sits by the question and in a summary.
        respondent.get_by_role("button", name="Next").click()
        alert = respondent.get_by_role("alert")
        assert "There is a problem with 1 answer" in alert.inner_text()
        assert respondent.locator(
            "#question-1-error, .invalid-feedback"
        ).first.is_visible()
        assert_no_axe_violations(respondent)

        respondent.get_by_label("Yes").check()
        respondent.get_by_label("Which college?").fill("Trinity")
        respondent.get_by_label("How many courses?").fill("4")
        respondent.get_by_role("button", name="Next").click()
        respondent.get_by_text("Page 2 of 2").wait_for()

        # Reload: still on page 2; Back shows page 1's answers.
        respondent.reload()
        respondent.get_by_text("Page 2 of 2").wait_for()
        respondent.get_by_role("button", name="Back").click()
        respondent.get_by_text("Page 1 of 2").wait_for()
        assert respondent.get_by_label("Yes").is_checked()
        assert respondent.get_by_label("Which college?").input_value() == "Trinity"
        assert respondent.get_by_label("How many courses?").input_value() == "4"
        respondent.get_by_role("button", name="Next").click()

        respondent.get_by_label("Library").check()
        respondent.get_by_label("Canteen").check()
        respondent.get_by_text("9", exact=True).click()
        assert_no_axe_violations(respondent)
        respondent.get_by_role("button", name="Submit").click()
        respondent.get_by_text("Thank you for completing this survey.").wait_for()
        assert_no_axe_violations(respondent)

        respondent.goto(path)
        respondent.get_by_text("You have already completed this survey.").wait_for()
    finally:
        context.close()

    # The owner sees the response, its chart and the export.
    owner_page.get_by_role("link", name="Responses", exact=True).first.click()
    owner_page.get_by_text("1 finished · 0 in progress").wait_for()
    owner_page.locator("#responses a").first.click()
    owner_page.get_by_text("Trinity").wait_for()
    assert owner_page.get_by_text("Library, Canteen").is_visible()

    owner_page.get_by_role("link", name="← All responses").click()
    owner_page.get_by_role("link", name="Summary").click()
    chart = owner_page.get_by_role(
        "table", name="Answers to Which services do you use?"
    )
    assert "Library" in chart.inner_text()
    assert "1 (100%)" in chart.inner_text()
    assert owner_page.locator(".summary-bar-fill").count() >= 5

    owner_page.get_by_role("link", name="Export responses").click()
    with owner_page.expect_download() as download_info:
        owner_page.get_by_role("button", name="Download").click()
    content = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    header, row = rows[0], rows[1]
    assert header[:5] == [
        "Response ID",
        "Start Date",
        "End Date",
        "Duration (in seconds)",
        "Finished",
    ]
    assert row[header.index("Which college?")] == "Trinity"
    assert row[header.index("Which services do you use? - Canteen")] == "1"
    assert row[header.index("Which services do you use? - Gym")] == "0"
    assert row[header.index("How likely are you to recommend us?")] == "9"
    assert row[4] == "True"
