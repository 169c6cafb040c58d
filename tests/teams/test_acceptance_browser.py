"""Issue 18's acceptance in Chromium: A makes a team and invites B as Editor and C
as Analyst; B imports a list and sends a distribution; C downloads the history but
is refused Compose Email; A removes C, and C's next download is refused; the audit
trail lists each step. (Campus sign-in landing in a personal team:
tests/accounts/test_campus_browser.py.)"""

import csv
import io
import re

import pytest
from django.test import Client

from config.celery import app as celery_app
from directories.models import ContactList
from teams.models import Membership, Role, Team
from tests.conftest import assert_no_axe_violations
from tests.distributions.test_seed_email_flow import create_list_by_upload
from tests.distributions.ui_support import published_survey
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager(settings):
    """Tasks run inline in the live server's thread: invitations, the import and
    the send finish before the page answers."""
    celery_app.conf.task_always_eager = True
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    yield
    celery_app.conf.task_always_eager = False


def _signed_in(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )  # fmt: skip
    return context.new_page()


def _invite(page, email: str, role: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^\s*Role\W*$")).select_option(role)
    page.get_by_role("button", name="Send the invitation").click()
    assert page.get_by_text(f"We emailed {email}").is_visible()


def _join(page, smtp_server, email: str, team: str) -> None:
    """Open the emailed link as the signed-in invitee and join."""
    [mail] = [m for m in smtp_server.received if m.recipients == [email]]
    link = re.search(r"https?://\S+(/teams/join/\S+/)", mail.text())[1]
    page.goto(link)
    page.get_by_role("button", name="Join the team").click()
    assert page.get_by_role("button", name=f"Team shown: {team}").is_visible()


def _history(page, survey):
    """The Emails row's Download history, as a list of CSV rows."""
    page.goto(f"/surveys/{survey.pk}/distributions/")
    row = page.locator("tr[data-distribution]").first
    row.get_by_role("button", name=re.compile("^Actions for")).click()
    with page.expect_download() as download:
        row.get_by_role("link", name="Download history").click()
    text = download.value.path().read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text))), download.value.url


def test_a_lab_shares_a_study_with_roles(
    eager, smtp_server, logged_in_page, browser, live_server, owner, tmp_path
):
    a = logged_in_page
    b_user = UserFactory(username="bea@example.org")
    c_user = UserFactory(username="cy@example.org")

    # A creates a team and invites B as Editor and C as Analyst.
    a.goto("/teams/")
    a.get_by_label("Team name").fill("Sleep lab")
    a.get_by_role("button", name="Create the team").click()
    assert a.get_by_role("heading", name="Sleep lab").is_visible()
    _invite(a, "bea@example.org", "Editor")
    _invite(a, "cy@example.org", "Analyst")
    assert_no_axe_violations(a)
    lab = Team.objects.get(name="Sleep lab")
    survey = published_survey(owner, title="Sleep study", access="invitation", team=lab)

    b = _signed_in(browser, live_server, b_user)
    _join(b, smtp_server, "bea@example.org", "Sleep lab")
    c = _signed_in(browser, live_server, c_user)
    _join(c, smtp_server, "cy@example.org", "Sleep lab")
    assert Membership.objects.get(team=lab, user=c_user).role == Role.ANALYST

    # B imports a list and sends a distribution to it.
    create_list_by_upload(b, tmp_path, "Night owls")
    assert ContactList.objects.get(name="Night owls").team_id == lab.pk
    b.goto(f"/surveys/{survey.pk}/distributions/")
    b.get_by_role("link", name="Compose Email").click()
    b.get_by_role("combobox", name=re.compile(r"^To")).select_option(
        label="Night owls (1 contact, 0 opted out)"
    )
    b.get_by_role("combobox", name="Load Message").select_option(
        label="Default invitation"
    )
    b.get_by_role("textbox", name=re.compile(r"^Subject")).fill("Sleep study")
    b.get_by_role("button", name="Send", exact=True).click()
    b.get_by_text("Your email to Night owls is being sent.").wait_for()
    [sent] = smtp_server.wait_for(3, timeout=30)[2:]
    assert sent.recipients == ["ada@example.edu"]

    # C downloads the history, but may not compose.
    rows, history_url = _history(c, survey)
    assert [row["Email"] for row in rows] == ["ada@example.edu"]
    compose = c.goto(f"/surveys/{survey.pk}/distributions/emails/compose/")
    assert compose.status == 403
    assert_no_axe_violations(c)

    # A removes C; C's next download is refused at once.
    a.goto(f"/teams/{lab.pk}/")
    a.get_by_role("link", name="Remove cy@example.org").click()
    a.get_by_role("button", name="Remove the member").click()
    assert not Membership.objects.filter(team=lab, user=c_user).exists()
    refused = c.goto(history_url)
    assert refused.status == 404
    assert "ada@example.edu" not in c.content()

    # The audit trail lists each step, with who did it.
    a.goto(f"/teams/{lab.pk}/audit/")
    trail = a.get_by_role("row")
    for actor, action in [
        (owner.username, "Created the team"),
        (owner.username, "Invited a member"),
        ("bea@example.org", "Joined the team"),
        ("cy@example.org", "Joined the team"),
        ("bea@example.org", "Imported contacts"),
        ("bea@example.org", "Sent or scheduled a distribution"),
        ("cy@example.org", "Downloaded distribution history"),
        (owner.username, "Removed a member"),
    ]:
        assert trail.filter(has_text=action).filter(has_text=actor).count() >= 1, (
            f"{actor}: {action} is not in the audit trail"
        )
    assert_no_axe_violations(a)
