"""Campus sign-in against a real OpenID Connect provider (tests/accounts/conftest.py):
new people get an account and a personal team, owners are matched by a verified
address only, and password sign-in can be turned off."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import Profile
from teams.models import Membership, Role, Team
from tests.accounts.conftest import sign_in_at_provider
from tests.factories import PASSWORD, SurveyFactory, UserFactory

pytestmark = pytest.mark.django_db

CAMPUS_LOGIN = "/accounts/campus/oidc/campus/login/"
TESTSERVER = "http://testserver"


@pytest.fixture
def campus(oidc_provider, settings):
    oidc_provider.setup(redirect_hosts=[TESTSERVER])
    oidc_provider.configure(settings)
    return oidc_provider


def campus_sign_in(client, provider, *, username, email, verified=True, next_url=""):
    """Sign in through the provider as a person it knows; return Canvass's answer."""
    provider.setup(
        people=[
            {
                "username": username,
                "password": PASSWORD,
                "email": email,
                "verified": verified,
            }
        ]
    )
    start = client.post(CAMPUS_LOGIN, {"next": next_url} if next_url else {})
    assert start.status_code == 302, start.content
    assert start["Location"].startswith(provider.url + "/o/authorize/")
    back = sign_in_at_provider(
        start["Location"], username=username, password=PASSWORD, until=TESTSERVER
    )
    return client.get(back.removeprefix(TESTSERVER))


def signed_in_user(client):
    return client.get(reverse("accounts:profile")).wsgi_request.user


def test_the_sign_in_page_offers_the_campus_button_beside_the_password(client, campus):
    page = client.get(reverse("accounts:login")).content.decode()

    assert "Sign in with Campus account" in page
    assert f'action="{CAMPUS_LOGIN}"' in page
    assert 'name="password"' in page


def test_a_new_person_gets_an_account_in_their_personal_team(client, campus):
    response = campus_sign_in(
        client, campus, username="ada", email="Ada.Lovelace@campus.example"
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:list")
    user = get_user_model().objects.get(username="ada.lovelace@campus.example")
    assert signed_in_user(client) == user
    assert Profile.objects.filter(user=user).exists()
    assert not user.has_usable_password()
    team = Team.objects.get(personal_for=user)
    assert Membership.objects.filter(team=team, user=user, role=Role.OWNER).exists()
    page = client.get(reverse("surveys:list"))
    assert page.status_code == 200
    assert page.context["team_shown"]() == team

    # The next sign-in finds the same account through the linked provider account.
    client.logout()
    campus_sign_in(client, campus, username="ada", email="Ada.Lovelace@campus.example")
    assert signed_in_user(client) == user
    assert (
        get_user_model()
        .objects.filter(email__iexact="ada.lovelace@campus.example")
        .count()
        == 1
    )


def test_the_sign_in_returns_to_the_page_asked_for(client, campus):
    response = campus_sign_in(
        client,
        campus,
        username="grace",
        email="grace@campus.example",
        next_url=reverse("accounts:profile"),
    )

    assert response["Location"] == reverse("accounts:profile")


def test_an_owner_with_the_same_verified_address_signs_into_their_account(
    client, campus
):
    owner = UserFactory(username="mary@campus.example")
    survey = SurveyFactory(owner=owner)

    response = campus_sign_in(
        client, campus, username="mary", email="MARY@campus.example"
    )

    assert response.status_code == 302
    assert signed_in_user(client) == owner
    assert survey.title in client.get(reverse("surveys:list")).content.decode()
    assert SocialAccount.objects.get(user=owner).provider == "campus"
    # Their password still works: the match took nothing from the account.
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert get_user_model().objects.count() == 1


def test_an_unverified_address_never_takes_over_an_account(client, campus):
    owner = UserFactory(username="eve.target@campus.example")

    response = campus_sign_in(
        client,
        campus,
        username="eve",
        email="eve.target@campus.example",
        verified=False,
    )

    assert response.status_code == 403
    assert "did not give Canvass a verified email" in response.content.decode()
    assert not signed_in_user(client).is_authenticated
    assert not SocialAccount.objects.exists()
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert get_user_model().objects.count() == 1


def test_an_unverified_new_address_gets_no_account(client, campus):
    response = campus_sign_in(
        client, campus, username="nobody", email="new@campus.example", verified=False
    )

    assert response.status_code == 403
    assert not get_user_model().objects.exists()


def test_a_provider_trusted_for_its_addresses_signs_in_unverified_ones(
    client, campus, settings
):
    campus.configure(settings, OIDC_TRUST_EMAIL="true")

    campus_sign_in(
        client, campus, username="staff", email="staff@campus.example", verified=False
    )

    assert signed_in_user(client).username == "staff@campus.example"


def test_password_sign_in_off_leaves_only_the_campus_button(client, campus, settings):
    owner = UserFactory()
    campus.configure(settings, PASSWORD_LOGIN="false")

    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sign in with Campus account" in html
    assert 'name="password"' not in html
    assert reverse("accounts:password_reset") not in html
    assert reverse("accounts:signup") not in html

    refused = client.post(
        reverse("accounts:login"), {"username": owner.email, "password": PASSWORD}
    )
    assert refused.status_code == 403
    assert "Password sign-in is turned off" in refused.content.decode()
    assert not signed_in_user(client).is_authenticated

    for name in ("accounts:password_reset", "accounts:signup"):
        assert client.get(reverse(name)).status_code == 403
        assert client.post(reverse(name), {"email": owner.email}).status_code == 403
    admin = client.post(
        reverse("admin:login"), {"username": owner.username, "password": PASSWORD}
    )
    assert "Password sign-in is turned off" in admin.content.decode()
    assert not signed_in_user(client).is_authenticated

    # The campus button still signs the owner in.
    campus_sign_in(client, campus, username="owner", email=owner.email)
    assert signed_in_user(client) == owner
    assert client.get(reverse("accounts:password_change")).status_code == 403
