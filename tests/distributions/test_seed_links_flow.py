"""The seed article's personal-links flow, end to end, in a real browser.

"Create Personalized Links in Qualtrics Only" and "Check on Progress of
Respondents Via Personalized Links": Personal links → Generate Links (Select
Contacts, "Select when the link expires") → the CSV downloads → two links are
opened, one finished and one started → the row shows 1 started, 1 finished →
Download history → Schedule Reminder (not finished), When: Now → only the
unfinished receive it, with their own link, and the started one resumes at page 2.
"""

import csv
import io
import re
from pathlib import Path

import pytest

from distributions.models import Delivery, Distribution
from surveys.models import Survey
from tests.conftest import assert_no_axe_violations
from tests.factories import build_survey
from tests.helpers import answer_survey_in_browser, make_list, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def read_download(download) -> list[dict]:
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def row_counts(page):
    row = page.locator("tr[data-distribution]").first
    return (
        row.locator('[data-count="surveys-started"]').inner_text(),
        row.locator('[data-count="surveys-finished"]').inner_text(),
    )


def test_the_seed_personal_links_flow(
    smtp_server,
    celery_worker_factory,
    live_server,
    logged_in_page,
    browser,
    owner,
    settings,
):
    # Links in the CSV and in the reminder point at this live server.
    settings.SITE_URL = live_server.url
    celery_worker_factory(concurrency=2, extra_env={"SITE_URL": live_server.url})
    page = logged_in_page
    survey = build_survey(owner, title="Campus life", access=Survey.Access.INVITATION)
    make_list(owner, name="Students", n=4)

    # Distributions tab → left side: Personal links → Generate Links.
    page.goto(f"/surveys/{survey.pk}/distributions/")
    page.get_by_role("link", name="Personal links").click()
    page.get_by_role("heading", name="Personal Links").wait_for()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Generate Links").click()
    page.get_by_role("combobox", name="Select Contacts").select_option(
        label="Students (4 contacts)"
    )
    # The choices show the date they give: "1 month (until ...)".
    page.get_by_role("combobox", name="Select when the link expires").select_option(
        "1m"
    )
    assert_no_axe_violations(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Generate Links").click()
    links = read_download(download_info.value)

    # Back on the Personal Links screen, with the batch's row.
    page.get_by_text("4 links generated for Students.").wait_for()
    assert len(links) == 4
    assert {r["Status"] for r in links} == {"Link Created"}
    assert len({r["Link"] for r in links}) == 4
    for row in links:
        assert re.fullmatch(
            re.escape(live_server.url) + r"/s/[A-Za-z0-9_-]{43}/", row["Link"]
        )
    link_of = {r["Email"]: r["Link"] for r in links}
    finisher, starter = links[0]["Email"], links[1]["Email"]
    batch = Distribution.objects.get(survey=survey, kind="links")
    assert batch.recipients_total == 4
    assert row_counts(page) == ("0", "0")

    # Two respondents, each on their own device: one finishes, one starts.
    finished = answer_survey_in_browser(browser, live_server.url, link_of[finisher])
    assert "Thank you for completing this survey." in finished

    device = browser.new_context(base_url=live_server.url)
    tab = device.new_page()
    tab.goto(link_of[starter])
    tab.get_by_label("Yes").check()
    tab.get_by_label("Which college?").fill("Trinity")
    tab.get_by_role("button", name="Next").click()
    tab.get_by_text("Page 2 of 2").wait_for()
    device.close()

    # The row: 1 Surveys Started, 1 Surveys Finished, updated live by the page's
    # own polling (no reload).
    wait_until(
        lambda: row_counts(page) == ("1", "1"), timeout=20, message="1 started, 1 done"
    )
    row = page.locator("tr[data-distribution]").first
    assert "Students" in row.inner_text()

    # The down arrow → Download history.
    row.get_by_role("button", name="Actions for the links of Students").click()
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download history").click()
    history = {r["Email"]: r for r in read_download(download_info.value)}
    assert history[finisher]["Status"] == "Survey Finished"
    assert history[starter]["Status"] == "Survey Started"
    others = set(history) - {finisher, starter}
    assert len(others) == 2
    assert {history[e]["Status"] for e in others} == {"Link Created"}
    assert all(history[e]["Link"] == link_of[e] for e in history)

    # The down arrow → Schedule Reminder: not finished (default), When: Now.
    row.get_by_role("button", name="Actions for the links of Students").click()
    row.get_by_role("link", name="Schedule Reminder").click()
    assert page.get_by_role("radio", name="Everyone who has not finished").is_checked()
    assert page.get_by_role("radio", name="Now").is_checked()
    page.get_by_role("combobox", name="Load Message").select_option(
        label="Default reminder"
    )
    page.get_by_role("button", name="Schedule Reminder").click()
    page.get_by_text("Your reminder to Students is being sent.").wait_for()

    # Only the three unfinished receive it, each with their own original link.
    smtp_server.wait_for(3, timeout=60)
    reminder = Distribution.objects.get(parent=batch)
    wait_until(
        lambda: Distribution.objects.filter(pk=reminder.pk, status="sent").exists(),
        timeout=30,
        message="reminder sent",
    )
    assert Delivery.objects.filter(distribution=reminder).count() == 3
    received = {r for mail in smtp_server.received for r in mail.recipients}
    assert received == set(link_of) - {finisher}
    for email in received:
        [mail] = smtp_server.to(email)
        assert mail.subject == "Reminder: your survey is waiting"
        assert link_of[email] in mail.text()
    # The reminder shows under its row.
    page.goto(f"/surveys/{survey.pk}/distributions/links/")
    child = page.locator(f'tr[data-distribution="{reminder.pk}"]')
    assert "Reminder" in child.inner_text()

    # The row's detail: each contact's link, found by search, copied in one click.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    row = page.locator("tr[data-distribution]").first
    row.get_by_role("button", name="Actions for the links of Students").click()
    row.get_by_role("link", name="Recipients and links").click()
    page.get_by_label("Search by name or email").fill(starter)
    page.get_by_role("button", name="Search").click()
    assert page.locator("tr[data-invitation]").count() == 1
    assert "Survey Started" in page.locator("tr[data-invitation]").inner_text()
    page.get_by_role("button", name="Copy link").click()
    page.get_by_text("Link copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link_of[starter]

    # The started one resumes where it stopped, on another device: page 2, with
    # page 1's answers kept.
    [mail] = smtp_server.to(starter)
    link = re.search(re.escape(live_server.url) + r"/s/[A-Za-z0-9_-]{43}/", mail.text())
    device = browser.new_context(base_url=live_server.url)
    tab = device.new_page()
    tab.goto(link.group(0))
    tab.get_by_text("Page 2 of 2").wait_for()
    tab.get_by_role("button", name="Back").click()
    tab.get_by_text("Page 1 of 2").wait_for()
    assert tab.get_by_label("Yes").is_checked()
    assert tab.get_by_label("Which college?").input_value() == "Trinity"
    device.close()
