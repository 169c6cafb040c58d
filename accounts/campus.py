"""Campus sign-in through django-allauth (configured by config/campus.py).

allauth runs the OpenID Connect or SAML conversation; this adapter decides who
the person is in Canvass:

- a provider account signed in before: its owner;
- else an address the provider verified (or that OIDC_TRUST_EMAIL /
  SAML_TRUST_EMAIL vouch for) that an owner signs in with: that owner, and the
  provider account is linked to them for next time;
- else that verified address: a new owner made like any other
  (accounts.services.owner_sign_up: profile and personal team).

An address the provider did not verify is refused: it would let whoever controls
the provider's profile take over, or squat, the Canvass account of that address.
"""

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

from accounts import services
from accounts.selectors import owner_by_email
from config.campus import TRUST_EMAIL


def campus_sign_in_options() -> list[dict]:
    """Return the campus buttons of the sign-in page: name and the URL they post to."""
    options = []
    for app in settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get(
        "APPS", []
    ):
        url = reverse(
            "openid_connect_login", kwargs={"provider_id": app["provider_id"]}
        )
        options.append({"name": app["name"], "url": url})
    for app in settings.SOCIALACCOUNT_PROVIDERS.get("saml", {}).get("APPS", []):
        url = reverse("saml_login", kwargs={"organization_slug": app["client_id"]})
        options.append({"name": app["name"], "url": url})
    return options


def campus_verified_email(sociallogin) -> str | None:
    """Return the address the provider vouches for, or None."""
    provider = sociallogin.account.get_provider()
    trusted = bool(provider.app.settings.get(TRUST_EMAIL))
    for address in sociallogin.email_addresses:
        if address.email and (address.verified or trusted):
            return address.email.strip()
    return None


def refused(request, reason: str):
    return render(
        request, "accounts/campus_refused.html", {"reason": reason}, status=403
    )


class CampusAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        if sociallogin.is_existing:
            return
        email = campus_verified_email(sociallogin)
        if email is None:
            raise ImmediateHttpResponse(
                refused(
                    request,
                    "Your campus account did not give Canvass a verified email "
                    "address, so Canvass cannot tell which account is yours.",
                )
            )
        owner = owner_by_email(email)
        if owner is not None:
            sociallogin.connect(request, owner)

    def is_open_for_signup(self, request, sociallogin):
        # The university's provider is the gate: whoever it signs in (with a
        # verified address) may have an account, whatever REGISTRATION_OPEN says
        # about password sign-ups.
        return True

    def is_auto_signup_allowed(self, request, sociallogin):
        return True

    def save_user(self, request, sociallogin, form=None):
        """Make the new owner as a password sign-up would, without a password."""
        user = services.owner_sign_up(email=campus_verified_email(sociallogin))
        sociallogin.user = user
        sociallogin.save(request)
        return user
