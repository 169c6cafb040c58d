"""Teams in a real Chromium: make a team, invite by email, accept as a new account,
switch teams from the header (on a desktop and on a phone)."""

import re

import pytest
from django.conf import settings
from django.core import mail

from config.celery import app as celery_app
from teams.models import Membership, Role
from tests.conftest import assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "plum-orchard-47-lantern"


def test_make_a_team_invite_a_colleague_who_joins_and_switches(
    logged_in_page, browser, live_server, owner
):
    page = logged_in_page
    page.goto("/teams/")
    assert_no_axe_violations(page)
    page.get_by_label("Team name").fill("Sleep lab")
    page.get_by_role("button", name="Create the team").click()
    assert page.get_by_role("heading", name="Sleep lab").is_visible()
    assert page.get_by_role("button", name="Team shown: Sleep lab").is_visible()

    page.get_by_label("Email").fill("bea@example.org")
    page.get_by_label(re.compile(r"^\s*Role\W*$")).select_option("Editor")
    celery_app.conf.task_always_eager = True  # the live server mails at once
    try:
        page.get_by_role("button", name="Send the invitation").click()
        assert page.get_by_text("We emailed bea@example.org").is_visible()
    finally:
        celery_app.conf.task_always_eager = False
    assert page.get_by_text("bea@example.org as Editor").is_visible()
    assert_no_axe_violations(page)
    [message] = mail.outbox
    link = re.search(r"https?://\S+(/teams/join/\S+/)", message.body)[1]

    # Bea has no account: she makes one from the link, for the invited address.
    bea_context = browser.new_context(base_url=live_server.url)
    bea = bea_context.new_page()
    bea.goto(link)
    assert bea.get_by_role("heading", name="Join Sleep lab").is_visible()
    assert_no_axe_violations(bea)
    bea.get_by_label(re.compile(r"^\s*Password\W*$")).fill(PASSWORD)
    bea.get_by_label("Password confirmation").fill(PASSWORD)
    bea.get_by_role("button", name="Create the account and join").click()
    assert bea.get_by_text("you joined Sleep lab as Editor").is_visible()
    assert bea.get_by_role("button", name="Team shown: Sleep lab").is_visible()

    # The header's switcher shows her personal team instead.
    bea.get_by_role("button", name="Team shown: Sleep lab").click()
    bea.get_by_role("button", name="bea@example.org (personal)").click()
    assert bea.get_by_text("Showing bea@example.org").is_visible()
    assert bea.get_by_role("button", name="Team shown: bea@example.org").is_visible()
    assert_no_axe_violations(bea)
    # The link worked once.
    bea.goto(link)
    assert bea.get_by_text("This invitation was used already").is_visible()
    bea_context.close()

    member = Membership.objects.get(
        team__name="Sleep lab", user__username="bea@example.org"
    )
    assert member.role == Role.EDITOR
    page.reload()
    assert page.get_by_role("cell", name="bea@example.org", exact=True).is_visible()
    assert page.get_by_label("Role of bea@example.org").input_value() == "editor"
    assert page.get_by_text("No invitation is waiting.").is_visible()
    page.get_by_role("link", name="Audit trail").first.click()
    rows = page.get_by_role("row")
    assert (
        rows.filter(has_text="Joined the team")
        .filter(has_text="bea@example.org")
        .count()
        == 1
    )
    assert rows.filter(has_text="Invited a member").count() == 1
    assert_no_axe_violations(page)


def test_the_team_shown_stays_in_view_on_a_phone(
    phone_page, live_server, owner, client
):
    client.force_login(owner)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    phone_page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )  # fmt: skip
    phone_page.goto("/surveys/")

    switcher = phone_page.get_by_role("button", name=f"Team shown: {owner.username}")
    assert switcher.is_visible()
    box = switcher.bounding_box()
    assert box["x"] + box["width"] <= 390
    switcher.click()
    assert phone_page.get_by_role("link", name="Your teams").is_visible()
    assert_no_axe_violations(phone_page)
