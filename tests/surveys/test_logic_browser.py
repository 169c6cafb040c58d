"""Issue 16's acceptance: piped greeting, display logic, a screen-out, a cap of 2.

The owner sets the rules in the builder; four contacts open their personal links;
the owner sees Ben screened out and downloads the .xlsx (read with openpyxl) and the
.sav (read with pyreadstat).
"""

import io
from pathlib import Path

import openpyxl
import pyreadstat
import pytest
from django.conf import settings

from distributions.models import Distribution
from surveys.models import Response, Survey
from surveys.services import logic as logic_services
from tests.surveys.logic_support import SCREEN_OUT, logic_survey, personal_links

pytestmark = pytest.mark.browser


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


def _respond(browser, live_server, link, *, teach: str) -> str:
    """Answer through a personal link in a fresh browser; return each page's text."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    seen = []
    try:
        tab.goto(link)
        seen.append(tab.locator("main").inner_text())
        if "Do you teach?" not in seen[-1]:
            return "\n".join(seen)
        tab.get_by_label(teach, exact=True).check()
        tab.get_by_label("Your course?").fill("Optics")
        tab.get_by_role("button", name="Next").click()
        tab.wait_for_load_state()
        while True:
            text = tab.locator("main").inner_text()
            seen.append(text)
            if "Lab Physics" in text:
                tab.get_by_label("Lab Physics").check()
            button = (
                "Submit" if tab.get_by_role("button", name="Submit").count() else "Next"
            )
            if not tab.get_by_role("button", name=button).count():
                return "\n".join(seen)
            tab.get_by_role("button", name=button).click()
            tab.wait_for_load_state()
    finally:
        context.close()


def test_rules_set_in_the_builder_hold_for_each_contact(
    page, browser, live_server, client, owner
):
    survey, q = logic_survey(owner, publish=False)
    logic_services.question_set_logic(question=q["q1"], display_logic={}, skip_logic={})
    logic_services.question_set_logic(question=q["q3"], display_logic={}, skip_logic={})
    _sign_in(page.context, client, owner, live_server)

    # Display logic on Q3, skip logic on Q1, then a cap of 2: all in the builder.
    page.goto(f"/surveys/{survey.pk}/questions/{q['q3'].pk}/logic/")
    page.locator("#id_display-source_0").select_option(
        label="Embedded field: Department"
    )
    page.locator("#id_display-op_0").select_option("is")
    page.locator("#id_display-value_0").fill("Physics")
    page.get_by_role("button", name="Save logic").click()
    page.get_by_text("Shown if Department is Physics").wait_for()

    page.goto(f"/surveys/{survey.pk}/questions/{q['q1'].pk}/logic/")
    page.locator("#id_skip-source_0").select_option(value=f"q:{q['q1'].pk}")
    page.locator("#id_skip-value_0").fill("No")
    page.locator("#id_skip-to").select_option("end")
    page.locator("#id_skip-message").fill(SCREEN_OUT)
    page.get_by_role("button", name="Save logic").click()
    page.get_by_text("If Q1 is No, skip to the end of the survey").wait_for()

    page.goto(f"/surveys/{survey.pk}/closing/")
    page.get_by_label("Close after this many finished responses").fill("2")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Closing rules and embedded data saved.").wait_for()

    page.goto(f"/surveys/{survey.pk}/")
    page.get_by_role("button", name="Publish").first.click()
    page.get_by_text("Published version 1.").wait_for()

    survey.refresh_from_db()
    links = personal_links(owner, survey)

    ana = _respond(browser, live_server, links["ana@example.edu"], teach="Yes")
    assert "Hi Ana, as a member of Physics, tell us." in ana
    assert "Which lab, Ana?" in ana
    assert "How big is Optics?" in ana
    assert "Thanks Ana!" in ana

    ben = _respond(browser, live_server, links["ben@example.edu"], teach="No")
    assert "Hi Ben, as a member of Chemistry" in ben
    assert SCREEN_OUT in ben
    assert "Which lab" not in ben

    cy = _respond(browser, live_server, links["cy@example.edu"], teach="Yes")
    assert "Which lab, Cy?" in cy and "Thanks Cy!" in cy

    di = _respond(browser, live_server, links["di@example.edu"], teach="Yes")
    assert "no longer accepts responses" in di
    assert "Do you teach?" not in di

    survey.refresh_from_db()
    assert survey.state == Survey.State.CLOSED
    assert (
        Response.objects.filter(finished_at__isnull=False, screened_out=False).count()
        == 2
    )
    assert Response.objects.filter(screened_out=True).count() == 1

    # The history names Ben's outcome; the exports open with the right labels.
    distribution = Distribution.objects.get(survey=survey)
    page.goto(f"/surveys/{survey.pk}/distributions/{distribution.pk}/recipients/?q=ben")
    page.get_by_text("Survey Screened Out").wait_for()
    by_email = _xlsx_rows(page, survey)
    assert by_email["ana@example.edu"]["Do you teach?"] == "Yes"
    assert by_email["ana@example.edu"]["Department"] == "Physics"
    assert by_email["ben@example.edu"]["Finished"] == "True"
    assert by_email["ben@example.edu"]["Screened Out"] == "True"
    assert by_email["cy@example.edu"]["Screened Out"] == "False"
    assert "di@example.edu" not in by_email  # the closed survey started nothing
    frame, meta = _sav(page, survey)
    assert meta.variable_value_labels["Q1"] == {1.0: "Yes", 2.0: "No"}
    assert meta.variable_value_labels["ScreenedOut"] == {1.0: "True", 0.0: "False"}
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["Q1"] == "Do you teach?"
    rows = {row["RecipientEmail"]: row for _, row in frame.iterrows()}
    assert rows["ana@example.edu"]["Q1"] == 1.0
    assert rows["ben@example.edu"]["Q1"] == 2.0
    assert rows["ben@example.edu"]["ScreenedOut"] == 1.0
    assert rows["cy@example.edu"]["Department"] == "Physics"


def _download(page, survey, fmt: str, values: str):
    page.goto(f"/surveys/{survey.pk}/responses/exports/")
    page.locator(f"input[name=format][value={fmt}]").check()
    page.locator(f"input[name=values][value={values}]").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    return info.value.path()


def _xlsx_rows(page, survey) -> dict:
    # A download's path has no extension, which openpyxl wants: read the bytes.
    body = Path(_download(page, survey, "xlsx", "text")).read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(body))
    header, *rows = list(book["Responses"].iter_rows(values_only=True))
    return {
        row[header.index("Email")]: dict(zip(header, row, strict=True)) for row in rows
    }


def _sav(page, survey):
    return pyreadstat.read_sav(str(_download(page, survey, "sav", "coded")))
