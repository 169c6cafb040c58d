"""Campus sign-in in a real Chromium, through the test OpenID Connect provider:
a new person lands in their personal team (issue 18, acceptance)."""

import pytest
from django.contrib.auth import get_user_model

from teams.models import Team
from tests.conftest import assert_no_axe_violations
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_person_signs_in_on_the_campus_and_lands_in_their_team(
    page, live_server, oidc_provider, settings
):
    oidc_provider.setup(
        redirect_hosts=[live_server.url],
        people=[
            {
                "username": "katherine",
                "password": PASSWORD,
                "email": "katherine@campus.example",
            }
        ],
    )
    oidc_provider.configure(settings)

    page.goto("/")
    assert page.get_by_role("heading", name="Sign in to Canvass").is_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Sign in with Campus account").click()

    assert page.get_by_role("heading", name="Campus identity provider").is_visible()
    page.get_by_label("Campus username").fill("katherine")
    page.get_by_label("Campus password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to campus").click()

    assert page.get_by_role("heading", name="Surveys").is_visible()
    user = get_user_model().objects.get(username="katherine@campus.example")
    team = Team.objects.get(personal_for=user)
    assert page.get_by_text(team.name).first.is_visible()
    assert page.url.startswith(live_server.url)
