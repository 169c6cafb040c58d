import math
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts import throttle
from accounts.models import OWNER_LOCALES
from core.client_address import client_address

TIME_ZONE_CHOICES = [
    (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
]


def wait_text(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class ThrottledSignIn:
    """Sign-in limits on an AuthenticationForm (the sign-in page and the admin's).

    Checked before the password, so guessing while paused learns nothing; every
    failed check of a password counts (accounts.throttle).
    """

    throttled_wait = 0

    def clean(self):
        if not settings.PASSWORD_LOGIN:
            # The admin's form too: staff sign in on the campus and then open it.
            raise forms.ValidationError(
                "Password sign-in is turned off: sign in with your campus account.",
                code="password_login_off",
            )
        address = client_address(self.request)
        username = str(self.data.get("username", ""))
        wait = throttle.sign_in_wait(address=address, username=username)
        if wait:
            self.throttled_wait = wait
            raise forms.ValidationError(
                "Too many failed sign-in attempts for this account from your "
                f"network: try again in {wait_text(wait)}, or reset your password.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.sign_in_failed(address=address, username=username)
            raise
        throttle.sign_in_succeeded(address=address, username=username)
        return cleaned


class AdminLoginForm(ThrottledSignIn, AdminAuthenticationForm):
    """The Django admin's login, with the sign-in page's limits."""


class LoginForm(ThrottledSignIn, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "The email or the password is wrong. Passwords are case-sensitive."
        ),
    }
    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=TIME_ZONE_CHOICES,
        initial=settings.TIME_ZONE,
        help_text=_("Dates are shown and entered in this time zone."),
    )

    def clean_email(self):
        # Whether the address has an account is not said here: the email says it
        # (accounts.services.signup_request).
        return self.cleaned_data["email"].strip()

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords differ.")
        elif password1:
            User = get_user_model()
            probe = User(
                username=cleaned.get("email", ""), email=cleaned.get("email", "")
            )
            try:
                password_validation.validate_password(password1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=TIME_ZONE_CHOICES,
        help_text=_("Every date in Canvass is shown and entered in this time zone."),
    )
    locale = forms.ChoiceField(
        label=_("Dates and numbers"),
        choices=OWNER_LOCALES,
        required=False,
        help_text=_(
            "How your pages write dates and numbers (31/01/2026 or 01/31/2026, "
            "1.5 or 1,5), and their language where Canvass has a translation."
        ),
    )


class SenderAddressForm(forms.Form):
    email = forms.EmailField(
        label=_("Add a sender address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Canvass emails it a link; it can be used once you confirm."),
    )
