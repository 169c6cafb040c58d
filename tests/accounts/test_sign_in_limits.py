"""Sign-in limits that cannot be turned against the owner (issue 14 points 2, 3).

A stranger's wrong passwords pause only that stranger's address (per address and
account, and per address over all accounts); failures for one account from many
addresses slow further attempts with a growing delay, never a lock for everyone.
The Django admin's login has the same limits.
"""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from accounts import throttle

pytestmark = pytest.mark.django_db

STRANGER, OWNER_HOME = "203.0.113.66", "198.51.100.20"


@pytest.fixture(autouse=True)
def fresh_limits(settings):
    # A key prefix of this test's own: no count from another test (or run) is seen,
    # and no flush of a cache another process shares.
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for name, config in settings.CACHES.items()
    }


def sign_in(address, username, password, url=None):
    client = Client(REMOTE_ADDR=address)
    data = {"username": username, "password": password}
    return client, client.post(url or reverse("accounts:login"), data)


def test_five_wrong_passwords_from_a_stranger_leave_the_owner_able_to_sign_in(
    owner, password
):
    for _ in range(5):
        sign_in(STRANGER, owner.email, "wrong")
    _, stranger = sign_in(STRANGER, owner.email, password)
    assert stranger.status_code == 429

    client, response = sign_in(OWNER_HOME, owner.email, password)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(
    owner, password, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    url = reverse("accounts:login")
    for _ in range(5):
        Client(**proxy).post(
            url,
            {"username": owner.email, "password": "wrong"},
            HTTP_X_FORWARDED_FOR=STRANGER,
        )
    response = Client(**proxy).post(
        url,
        {"username": owner.email, "password": password},
        HTTP_X_FORWARDED_FOR=OWNER_HOME,
    )
    assert response.status_code == 302


def test_one_address_guessing_across_accounts_is_paused(owner, password, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for n in range(6):
        sign_in(STRANGER, f"someone{n}@example.org", "wrong")
    _, response = sign_in(STRANGER, owner.email, password)
    assert response.status_code == 429
    _, response = sign_in(OWNER_HOME, owner.email, password)
    assert response.status_code == 302


def test_many_addresses_guessing_one_account_meet_a_growing_delay_not_a_lock(
    owner, password, settings, monkeypatch
):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 4
    settings.LOGIN_BACKOFF_MAX_SECONDS = 30
    clock = [1000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    for n in range(4):
        sign_in(f"192.0.2.{n}", owner.email, "wrong")
    # The account's fourth failure starts a one-second delay for every address.
    _, response = sign_in("192.0.2.50", owner.email, password)
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    clock[0] += 1
    sign_in("192.0.2.51", owner.email, "wrong")
    _, response = sign_in("192.0.2.52", owner.email, "wrong")
    assert response["Retry-After"] == "2"  # doubled
    clock[0] += 2
    client, response = sign_in(OWNER_HOME, owner.email, password)
    assert response.status_code == 302  # after the delay, the owner gets in


def test_the_admin_login_is_throttled_like_the_sign_in_page(owner, password):
    owner.is_staff = True
    owner.save()
    url = "/admin/login/?next=/admin/"
    for _ in range(8):
        sign_in(STRANGER, owner.email, "wrong", url=url)
    client, response = sign_in(STRANGER, owner.email, password, url=url)
    assert "_auth_user_id" not in client.session
    assert "Too many failed sign-in attempts" in response.content.decode()

    client, response = sign_in(OWNER_HOME, owner.email, password, url=url)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_the_admin_and_the_sign_in_page_share_one_count(owner, password):
    owner.is_staff = True
    owner.save()
    for _ in range(3):
        sign_in(STRANGER, owner.email, "wrong", url="/admin/login/")
    for _ in range(2):
        sign_in(STRANGER, owner.email, "wrong")
    _, response = sign_in(STRANGER, owner.email, password)
    assert response.status_code == 429
