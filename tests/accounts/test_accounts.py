"""Owner accounts as a person uses them, through Django's test client."""

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.models import Profile
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db
STRONG = "plum-orchard-47-lantern"


def unique_email() -> str:
    return f"owner-{uuid.uuid4().hex[:10]}@example.org"


def test_sign_up_creates_an_owner_and_lands_on_the_survey_list(
    client, django_capture_on_commit_callbacks
):
    email = unique_email()
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("accounts:signup"),
                {
                    "email": email,
                    "password1": STRONG,
                    "password2": STRONG,
                    "time_zone": "Europe/Paris",
                },
                follow=True,
            )
    finally:
        celery_app.conf.task_always_eager = False
    assert "Check your email" in response.content.decode()
    [message] = mail.outbox
    confirm = re.search(r"https?://\S+(/accounts/signup/confirm/\S+/)", message.body)

    response = client.post(confirm[1], follow=True)

    assert response.redirect_chain[-1][0] == reverse("surveys:list")
    user = get_user_model().objects.get(username=email)
    assert user.email == email
    assert Profile.objects.get(user=user).time_zone == "Europe/Paris"
    assert "your account is ready" in response.content.decode()


def test_sign_up_refuses_mismatched_passwords_and_says_nothing_of_a_taken_email(
    client, owner
):
    response = client.post(
        reverse("accounts:signup"),
        {
            "email": owner.email.upper(),
            "password1": STRONG,
            "password2": STRONG + "x",
            "time_zone": "UTC",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "The two passwords differ." in page
    assert "already exists" not in page
    assert get_user_model().objects.filter(username__iexact=owner.email).count() == 1


def test_sign_up_is_off_when_registration_is_closed(client, settings):
    settings.REGISTRATION_OPEN = False

    response = client.get(reverse("accounts:signup"))
    post = client.post(
        reverse("accounts:signup"),
        {
            "email": unique_email(),
            "password1": STRONG,
            "password2": STRONG,
            "time_zone": "UTC",
        },
    )
    login_page = client.get(reverse("accounts:login")).content.decode()

    assert response.status_code == 403
    assert "Sign-up is closed" in response.content.decode()
    assert post.status_code == 403
    assert get_user_model().objects.count() == 0
    assert "Create an account" not in login_page


def test_log_in_with_email_lands_on_surveys_and_log_out_needs_post(
    client, owner, password
):
    response = client.post(
        reverse("accounts:login"),
        {"username": owner.email, "password": password},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("surveys:list")
    assert response.context["user"] == owner

    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_log_in_follows_a_safe_next_url_only(client, owner, password):
    profile = reverse("accounts:profile")
    response = client.post(
        reverse("accounts:login") + f"?next={profile}",
        {"username": owner.email, "password": password, "next": profile},
    )
    assert response["Location"] == profile

    client.logout()
    response = client.post(
        reverse("accounts:login"),
        {
            "username": owner.email,
            "password": password,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("surveys:list")


def test_failed_logins_are_throttled_per_address_and_username(
    client, settings, password
):
    settings.LOGIN_FAILURE_LIMIT = 3
    user = get_user_model().objects.create_user(
        username=unique_email(), password=password
    )
    user.email = user.username
    user.save()
    url = reverse("accounts:login")

    for _ in range(3):
        response = client.post(url, {"username": user.username, "password": "wrong"})
        assert response.status_code == 200
        assert "The email or the password is wrong" in response.content.decode()

    # Even the right password is refused while the pair is locked out.
    response = client.post(url, {"username": user.username, "password": password})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session

    # Another client address is not locked out by these failures.
    response = client.post(
        url, {"username": user.username, "password": password}, REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 302


def test_password_change(client, owner, password):
    client.force_login(owner)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": STRONG, "new_password2": STRONG},
        follow=True,
    )

    assert "Password changed" in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(STRONG)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_password_reset_by_email(client, owner, smtp_server, celery_worker_factory):
    # The email comes from a real worker (accounts.password_reset_send), never
    # from the request: the answer's time says nothing about the address.
    celery_worker_factory(extra_env={"SITE_URL": "http://canvass.test"})
    response = client.post(reverse("accounts:password_reset"), {"email": owner.email})
    assert response.status_code == 302

    [mail_] = smtp_server.wait_for(1)
    assert mail_.recipients == [owner.email]
    assert mail_.subject == "Reset your Canvass password"
    link = re.search(
        r"http://canvass\.test(/accounts/password/reset/\S+/)", mail_.text()
    )
    assert link, mail_.text()
    assert link.group(0) in mail_.html()

    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": STRONG, "new_password2": STRONG},
        follow=True,
    )
    assert "Your new password is ready" in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(STRONG)


def test_profile_time_zone_changes_how_dates_are_shown(owner_client, owner):
    response = owner_client.get(reverse("accounts:profile"))
    assert 'value="UTC" selected' in response.content.decode()

    response = owner_client.post(
        reverse("accounts:profile"), {"time_zone": "America/New_York"}, follow=True
    )

    page = response.content.decode()
    assert "Your profile is saved." in page
    assert "Time zone: America/New_York" in page
    assert Profile.objects.get(user=owner).time_zone == "America/New_York"

    response = owner_client.post(
        reverse("accounts:profile"), {"time_zone": "Mars/Base"}
    )
    assert "Select a valid choice" in response.content.decode()


def test_staff_can_open_the_admin_and_owners_cannot(client, owner):
    client.force_login(owner)
    assert client.get("/admin/").status_code == 302

    owner.is_staff = owner.is_superuser = True
    owner.save()
    response = client.get("/admin/auth/user/")
    assert response.status_code == 200
    assert owner.username in response.content.decode()
