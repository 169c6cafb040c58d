"""An owner's first visit in a real Chromium: sign up (confirmed by email), log out,
log in, change password."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from config.celery import app as celery_app
from tests.conftest import assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "grace@example.org"
FIRST = "plum-orchard-47-lantern"
SECOND = "teal-harbour-92-compass"


def test_sign_up_log_out_log_in_and_change_password(page):
    page.goto("/")
    assert page.get_by_role("heading", name="Sign in to Canvass").is_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Create an account").first.click()
    assert_no_axe_violations(page)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label(re.compile(r"^\s*Password\W*$")).fill(FIRST)
    page.get_by_label("Password confirmation").fill(FIRST)
    page.get_by_label("Time zone").select_option("Europe/Paris")
    celery_app.conf.task_always_eager = True  # the live server mails at once
    try:
        page.get_by_role("button", name="Create account").click()
        assert page.get_by_role("heading", name="Check your email").is_visible()
    finally:
        celery_app.conf.task_always_eager = False
    assert_no_axe_violations(page)
    [message] = mail.outbox
    confirm = re.search(r"https?://\S+(/accounts/signup/confirm/\S+/)", message.body)
    page.goto(confirm[1])
    page.get_by_role("button", name="Confirm").click()

    assert page.get_by_text("your account is ready").is_visible()
    assert page.get_by_role("heading", name="Surveys").is_visible()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Log out").click()
    assert page.get_by_role("heading", name="Sign in to Canvass").is_visible()

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("The email or the password is wrong").is_visible()
    assert_no_axe_violations(page)

    page.get_by_label("Password").fill(FIRST)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="Surveys").is_visible()

    page.get_by_role("link", name=f"Your profile: {EMAIL}").click()
    assert page.get_by_role("heading", name="Your profile").is_visible()
    assert page.get_by_label("Time zone").input_value() == "Europe/Paris"
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Change your password").click()
    assert_no_axe_violations(page)
    page.get_by_label("Old password").fill(FIRST)
    page.get_by_label(re.compile(r"^\s*New password\W*$")).fill(SECOND)
    page.get_by_label("New password confirmation").fill(SECOND)
    page.get_by_role("button", name="Change password").click()
    assert page.get_by_role("heading", name="Password changed").is_visible()

    user = get_user_model().objects.get(username=EMAIL)
    assert user.check_password(SECOND)


def test_the_menu_folds_on_a_phone(phone_page):
    phone_page.goto("/accounts/login/")
    menu = phone_page.get_by_role("button", name="Open the main menu")
    sign_in_link = phone_page.get_by_role("link", name="Sign in")

    assert menu.is_visible()
    assert not sign_in_link.is_visible()
    menu.click()
    sign_in_link.wait_for(state="visible")
    assert_no_axe_violations(phone_page)
