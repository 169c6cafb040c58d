"""The seed article's flow, end to end, in a real browser against a real worker.

"Create and Send Personalized Links in Qualtrics" and "Check on Progress of
Respondents Via Qualtrics Emails": create a list by upload → Invitation only →
Compose Email to that list, When: Now → the mail arrives with its personal link →
the link opens the survey → answer and submit → the Emails row shows 1 Surveys
Finished → Download history shows the contact as Survey Finished.
"""

import csv
import io
import re

import pytest

from distributions.models import Distribution
from surveys.models import Survey
from tests.distributions.ui_support import published_survey
from tests.helpers import answer_survey_in_browser, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker]

CONTACTS_CSV = "FirstName,LastName,Email\nAda,Lovelace,ada@example.edu\n"


def create_list_by_upload(page, tmp_path, name: str) -> None:
    """Directories → Segments & lists → Create a list → Upload a file."""
    page.goto("/directories/lists/")
    page.get_by_role("link", name="Create a list").first.click()
    page.get_by_label("List name").fill(name)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("link", name="Upload a file").click()
    upload = tmp_path / "contacts.csv"
    upload.write_text(CONTACTS_CSV)
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Next").click()
    page.get_by_text("Confirm import fields").first.wait_for()
    page.get_by_role("button", name="Upload the file").click()
    page.get_by_text("Import finished: 1 added").wait_for(timeout=60_000)


def test_the_seed_flow(
    smtp_server,
    celery_worker_factory,
    live_server,
    logged_in_page,
    browser,
    owner,
    settings,
    tmp_path,
):
    # The link in the mail must point at this live server, in the worker too.
    settings.SITE_URL = live_server.url
    celery_worker_factory(concurrency=2, extra_env={"SITE_URL": live_server.url})
    page = logged_in_page
    survey = published_survey(owner, title="Campus life")

    # Directories: a list made by uploading a spreadsheet.
    create_list_by_upload(page, tmp_path, "Seed list")

    # Survey → Options → Security → Survey access: Invitation only.
    page.goto(f"/surveys/{survey.pk}/options/")
    page.get_by_label("Invitation only").check()
    page.get_by_role("button", name="Save options").click()
    page.wait_for_load_state()
    survey.refresh_from_db()
    assert survey.access == Survey.Access.INVITATION

    # Distributions → Emails → Compose Email.
    page.goto(f"/surveys/{survey.pk}/distributions/")
    page.get_by_role("link", name="Emails", exact=True).wait_for()
    page.get_by_role("link", name="Compose Email").click()
    page.get_by_role("combobox", name=re.compile(r"^To")).select_option(
        label="Seed list (1 contact, 0 opted out)"
    )
    assert page.get_by_role("radio", name="Now").is_checked()
    page.get_by_role("combobox", name="Load Message").select_option(
        label="Default invitation"
    )
    page.get_by_role("textbox", name=re.compile(r"^Subject")).fill(
        "Campus life survey for ${m://FirstName}"
    )
    body = page.get_by_role("textbox", name=re.compile(r"^Message")).input_value()
    assert "${l://SurveyLink?d=Take the survey}" in body
    # A double click submits once.
    page.get_by_role("button", name="Send", exact=True).dblclick()
    page.get_by_text("Your email to Seed list is being sent.").wait_for()
    assert Distribution.objects.filter(survey=survey).count() == 1

    # The mail arrives at the SMTP server with its personal link.
    [mail] = smtp_server.wait_for(1, timeout=60)
    assert mail.recipients == ["ada@example.edu"]
    assert mail.subject == "Campus life survey for Ada"
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.search(
        re.escape(live_server.url) + r"/s/[A-Za-z0-9_-]{43}/", mail.text()
    ).group(0)

    # The anonymous link is refused; the personal link opens the survey.
    respondent = browser.new_context(base_url=live_server.url)
    tab = respondent.new_page()
    tab.goto(f"/r/{survey.public_key}/")
    assert "This survey can only be taken by invitation." in tab.content()
    respondent.close()
    finished = answer_survey_in_browser(browser, live_server.url, link)
    assert "Thank you for completing this survey." in finished

    # The Emails row: 1 Surveys Finished.
    page.goto(f"/surveys/{survey.pk}/distributions/")

    def counted_row():
        row = page.locator("tr[data-distribution]").first
        sent = row.locator('[data-count="emails-sent"]').inner_text()
        finished = row.locator('[data-count="surveys-finished"]').inner_text()
        if (sent, finished) == ("1", "1"):
            return row
        page.reload()
        return None

    row = wait_until(
        counted_row, timeout=20, interval=0.25, message="1 sent, 1 finished"
    )
    assert "Seed list" in row.inner_text()

    # The down arrow → Download history.
    row.get_by_role("button", name="Actions for the email to Seed list").click()
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download history").click()
    raw = download_info.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 1
    [ada] = rows
    assert ada["Email"] == "ada@example.edu"
    assert ada["First Name"] == "Ada" and ada["Last Name"] == "Lovelace"
    assert ada["Status"] == "Survey Finished"
    assert ada["Link"] == link
    assert ada["Response ID"]
    assert len(smtp_server.received) == 1
    for column in ("Sent Date", "Start Date", "End Date", "Link Expiration"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", ada[column])
