"""The emails accounts sends, each from a worker (accounts.tasks).

Sending in the request would take a second for an address with an account and
nothing for one without: a stranger could tell them apart by the time.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts import services


def password_reset_email_send(*, email: str) -> None:
    """Mail a reset link to each active account of this address (none: nothing)."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return
    site = urlsplit(settings.SITE_URL)
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        subject_template_name="registration/password_reset_subject.txt",
        email_template_name="registration/password_reset_email.txt",
        html_email_template_name="registration/password_reset_email.html",
        # The link is built from SITE_URL, never from a request's Host header.
        extra_email_context={"site_url": settings.SITE_URL},
    )


def signup_email_send(*, email: str) -> None:
    """Mail the confirmation link of a sign-up, or tell an existing owner instead."""
    User = get_user_model()
    existing = User.objects.filter(username__iexact=email, is_active=True).exists()
    context = {"email": email, "site_url": settings.SITE_URL}
    if existing:
        context["reset_url"] = settings.SITE_URL + reverse("accounts:password_reset")
        context["login_url"] = settings.SITE_URL + reverse("accounts:login")
        template, subject = (
            "accounts/email_signup_existing.txt",
            ("You already have a Canvass account"),
        )
    else:
        token = services.signup_pending_token(email=email)
        if not token:
            return
        path = reverse("accounts:signup_confirm", kwargs={"token": token})
        context["confirm_url"] = settings.SITE_URL + path
        template, subject = (
            "accounts/email_signup_confirm.txt",
            ("Confirm your Canvass account"),
        )
    send_mail(subject, render_to_string(template, context), None, [email])


def sender_confirmation_send(*, sender_id: int) -> None:
    """Mail a waiting sender address its one-time confirmation link."""
    made = services.sender_confirmation_token(sender_id=sender_id)
    if made is None:
        return
    sender, token = made
    path = reverse("accounts:sender_confirm", kwargs={"token": token})
    context = {
        "email": sender.email,
        "owner": sender.owner.email or sender.owner.get_username(),
        "confirm_url": settings.SITE_URL + path,
    }
    body = render_to_string("accounts/email_sender_confirm.txt", context)
    send_mail("Confirm your sender address in Canvass", body, None, [sender.email])
